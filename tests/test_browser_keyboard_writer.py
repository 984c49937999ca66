"""A writer's day by keyboard alone, in a real Chromium: sign in, write a story with a heading
and a link, pick its section and submit it for review, with visible focus at every step."""

import pytest

from articles.models import Article
from tests.browser import BROWSER_TEST, PASSWORD
from tests.factories import make_section, make_staff
from tests.focus import assert_focus_is_visible

pytestmark = BROWSER_TEST
expect = pytest.importorskip("playwright.sync_api").expect

BODY = ".ProseMirror[contenteditable]"
MOST_TABS = 250  # more than any admin page here has stops
SELECTED = """length => {
    const area = document.querySelector(".ProseMirror[contenteditable]")
    const {from, to} = area.editor.state.selection
    return to - from === length
}"""


def tab_to(page, selector: str, *, back=False) -> None:
    """Tab (or Shift+Tab) until the element matching `selector` has focus."""
    key = "Shift+Tab" if back else "Tab"
    for _ in range(MOST_TABS):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} never took focus by {key}")


def arrow_to(page, selector: str) -> None:
    """Arrow Right along the toolbar until the button matching `selector` has focus."""
    for _ in range(40):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("ArrowRight")
    raise AssertionError(f"{selector} never took focus by arrow keys")


def test_a_writer_writes_and_submits_a_story_by_keyboard_alone(live_server, browser):
    make_section(name="Business")
    make_section(name="City")
    make_staff("Writer", "wendy")
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    # Signing in: the user name field has focus when the page opens.
    page.goto(f"{live_server.url}/admin/login/")
    expect(page.locator("#id_username")).to_be_focused()
    assert_focus_is_visible(page, "user name")
    page.keyboard.type("wendy")
    page.keyboard.press("Tab")
    expect(page.locator("#id_password")).to_be_focused()
    assert_focus_is_visible(page, "password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "input[type=submit]")
    assert_focus_is_visible(page, "sign-in button")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/admin/")

    # From the desk to a new story.
    tab_to(page, 'a[href$="/admin/articles/article/add/"]')
    assert_focus_is_visible(page, "add story link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/articles/article/add/")
    page.wait_for_selector(BODY)

    tab_to(page, "#id_headline")
    assert_focus_is_visible(page, "headline")
    page.keyboard.type("Council approves new bridge")

    tab_to(page, "#id_section")
    assert_focus_is_visible(page, "section")
    page.keyboard.type("City")  # a closed select picks the option its letters begin
    expect(page.locator("#id_section option:checked")).to_have_text("City")

    # The toolbar is one Tab stop; the editing area is the next.
    tab_to(page, BODY, back=True)
    assert_focus_is_visible(page, "editing area")
    page.keyboard.press("Control+Alt+2")
    page.keyboard.type("What the council decided")
    page.keyboard.press("Enter")
    page.keyboard.type("The vote was unanimous. Read the report")
    for _ in "the report":
        page.keyboard.press("Shift+ArrowLeft")
    # The editor reads the browser's selection a moment later; a person is slower than that.
    page.wait_for_function(SELECTED, arg=len("the report"))

    # Back to the toolbar, along it to Link, and a link added through its dialog.
    page.keyboard.press("Shift+Tab")
    expect(page.locator(".prose-menubar")).to_have_attribute("role", "toolbar")
    arrow_to(page, ".prose-menubar [data-name=link]")
    assert_focus_is_visible(page, "toolbar's link button")
    page.keyboard.press("Enter")
    dialog = page.locator("dialog.prose-editor-dialog")
    expect(dialog).to_have_accessible_name("Edit Link")
    expect(dialog.locator("input[name=href]")).to_be_focused()
    assert_focus_is_visible(page, "link address")
    page.keyboard.type("https://example.org/report")
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect(page.locator(f"{BODY} a[href='https://example.org/report']")).to_have_text("the report")

    tab_to(page, "input[name=_continue]")
    assert_focus_is_visible(page, "save and continue button")
    page.keyboard.press("Enter")
    page.wait_for_selector(".messagelist .success")

    tab_to(page, "button[value=submit]")
    assert_focus_is_visible(page, "submit for review button")
    # The saved page shows a success message already: wait for the page the submission loads.
    with page.expect_navigation():
        page.keyboard.press("Space")
    page.wait_for_selector(".messagelist .success")

    article = Article.objects.get(headline="Council approves new bridge")
    assert article.state == Article.State.REVIEW
    assert article.section.name == "City"
    assert "<h2>What the council decided</h2>" in article.body
    assert 'href="https://example.org/report"' in article.body
    assert problems == []
