"""A writer and an editor in a real Chromium: rich text written, submitted, published, read."""

from articles.models import Article
from tests.browser import BROWSER_TEST, PASSWORD, log_in
from tests.factories import make_article, make_author, make_section, make_staff

pytestmark = BROWSER_TEST


def _write_body(page):
    editor = page.locator(".ProseMirror[contenteditable]")
    editor.click()
    page.click(".prose-menubar__selected")
    page.click("button[data-name=heading2]")
    page.keyboard.type("What the council decided")
    page.keyboard.press("Enter")
    page.keyboard.type("The vote was ")
    page.keyboard.press("Control+b")
    page.keyboard.type("unanimous")
    page.keyboard.press("Control+b")
    page.keyboard.type(". Read the report")
    for _ in "the report":
        page.keyboard.press("Shift+ArrowLeft")
    page.click("button[data-name=link]")
    page.fill("dialog.prose-editor-dialog input[name=href]", "https://example.org/report")
    page.click("dialog.prose-editor-dialog button[type=submit]")


def test_writer_writes_and_submits_editor_publishes_readers_see_the_formatting(
    live_server, browser
):
    make_section(name="City", slug="city")
    writer = make_staff("Writer", "wendy", password=PASSWORD)
    make_author(name="Wendy Writer", user=writer)
    make_staff("Editor", "eddie", password=PASSWORD)
    make_article(tags=["Transport"])

    page = log_in(browser, live_server, "wendy")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.fill("#id_headline", "Council approves new bridge")
    page.select_option("#id_section", label="City")
    _write_body(page)
    page.locator("#id_tags").press_sequentially("Tran")
    page.wait_for_selector("datalist#id_tags-suggestions option[value=Transport]", state="attached")
    page.fill("#id_tags", "Transport")
    page.click("input[name=_continue]")
    page.wait_for_selector("button[value=submit]")
    # One click saves the unsaved headline and submits it; no leave-page prompt is answered
    # (Playwright would dismiss one, and the story would stay a draft).
    page.fill("#id_headline", "Council approves new harbour bridge")
    page.click("button[value=submit]")
    page.wait_for_selector(".messagelist .success")
    # What the click did has focus, not the page: a screen reader reads it first.
    page.wait_for_function("document.activeElement.matches('.messagelist')")
    # In review, the story is the writer's to read, not to edit: read as the story it is.
    shown = page.locator(".story-as-read")
    assert shown.locator("h2").inner_text() == "What the council decided"
    assert "data-block" not in page.locator("#content").inner_text()

    article = Article.objects.get(headline="Council approves new harbour bridge")
    assert article.state == Article.State.REVIEW
    page = log_in(browser, live_server, "eddie")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.click("button[value=publish]")
    page.wait_for_selector(".messagelist .success")

    page.goto(f"{live_server.url}/city/")
    page.click("text=Council approves new harbour bridge")
    body = page.locator(".story__body")
    assert body.locator("h2").inner_text() == "What the council decided"
    assert body.locator("strong").inner_text() == "unanimous"
    link = body.locator("a")
    assert link.inner_text() == "the report"
    assert link.get_attribute("href") == "https://example.org/report"
    assert "Wendy Writer" in page.locator(".story__meta").inner_text()
