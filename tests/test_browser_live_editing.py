"""Editing in a real Chromium while others act on the same story: nobody's work is lost."""

import pytest

from articles.models import Article
from tests.browser import BROWSER_TEST, log_in
from tests.factories import make_article, make_section, make_staff

pytestmark = BROWSER_TEST
expect = pytest.importorskip("playwright.sync_api").expect
BODY = ".ProseMirror[contenteditable]"  # the rich-text editor of the article's body
SAVED = "was changed successfully"


def _change_url(live_server, article):
    return f"{live_server.url}/admin/articles/article/{article.pk}/change/"


def _retype_body(page, text):
    """Select the whole body and type `text` over it."""
    # Ctrl+A is ProseMirror's own command; a caret placed by a click or End can be reset by
    # the editor's focus handling when keys follow as fast as Playwright sends them.
    page.locator(BODY).click()
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def test_second_editor_saving_an_older_form_keeps_both_editors_changes(live_server, browser):
    city, transport = make_section(name="City"), make_section(name="Transport")
    make_staff("Editor", "ada", first_name="Ada", last_name="Alder")
    make_staff("Editor", "ben", first_name="Ben", last_name="Birch")
    article = make_article(published=False, headline="Bridge closes", section=city)
    ada, ben = (log_in(browser, live_server, name) for name in ("ada", "ben"))
    for page in (ada, ben):
        page.goto(_change_url(live_server, article))

    ada.select_option("#id_section", label="Transport")
    ada.fill("#id_tags", "Bridges, Roadworks")
    ada.fill("#id_standfirst", "Drivers face a long detour.")
    ada.click("input[name=_continue]")
    expect(ada.locator(".messagelist")).to_contain_text(SAVED)
    ben.fill("#id_headline", "Bridge closes for a month")
    ben.click("input[name=_continue]")

    expect(ben.locator("#content")).to_contain_text("Ada Alder saved this story at")
    conflict = ben.locator("section.conflict")
    expect(conflict.locator("h3")).to_have_text(["Standfirst", "Section", "Tags"])
    expect(conflict.locator(".diff-section ins")).to_have_text("Transport")
    expect(ben.locator("#id_section")).to_have_value(str(transport.pk))
    expect(ben.locator("#id_tags")).to_have_value("Bridges, Roadworks")
    expect(ben.locator("#id_standfirst")).to_have_value("Drivers face a long detour.")
    expect(ben.locator("#id_headline")).to_have_value("Bridge closes for a month")
    ben.click("input[name=_continue]")
    expect(ben.locator(".messagelist")).to_contain_text(SAVED)

    article.refresh_from_db()
    assert article.headline == "Bridge closes for a month"
    assert article.section == transport
    assert article.standfirst == "Drivers face a long detour."
    assert sorted(article.tags.names()) == ["Bridges", "Roadworks"]


def test_writers_text_survives_an_editor_publishing_the_draft_under_them(live_server, browser):
    writer = make_staff("Writer", "wendy")
    make_staff("Editor", "eddie")
    article = make_article(
        published=False, created_by=writer, body="<p>The council met on Monday.</p>"
    )
    wendy, eddie = log_in(browser, live_server, "wendy"), log_in(browser, live_server, "eddie")
    wendy.goto(_change_url(live_server, article))
    _retype_body(wendy, "Councillors voted to close the library.")

    eddie.goto(_change_url(live_server, article))
    eddie.click("button[value=publish]")
    expect(eddie.locator(".messagelist")).to_contain_text("Publish now: done.")
    wendy.click("input[name=_continue]")

    expect(wendy.locator("#content")).to_contain_text(
        "An editor published this story while you were writing; your changes are kept below"
    )
    expect(wendy.locator(BODY)).to_contain_text("Councillors voted to close the library.")
    wendy.click("input[name=_continue]")
    expect(wendy.locator(".messagelist")).to_contain_text(SAVED)

    article.refresh_from_db()
    assert article.pending_state == Article.ChangesState.DRAFT
    assert "Councillors voted to close the library." in article.pending_revision.content["body"]
    reader = browser.new_context().new_page()
    reader.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(reader.locator(".story__body")).to_contain_text("The council met on Monday.")
    expect(reader.locator(".story__body")).not_to_contain_text("Councillors voted")


def test_typing_lost_with_a_closed_browser_can_be_restored_from_its_autosave(live_server, browser):
    writer = make_staff("Writer", "wendy")
    article = make_article(published=False, created_by=writer, body="<p>Rain is forecast.</p>")
    page = log_in(browser, live_server, "wendy")
    page.goto(_change_url(live_server, article))
    _retype_body(page, "Flood warnings cover the whole coast.")
    expect(page.locator("#autosave-status")).to_contain_text("kept as a draft", timeout=15_000)
    page.context.close()

    page = log_in(browser, live_server, "wendy")
    page.goto(_change_url(live_server, article))
    expect(page.locator(".notice.autosave")).to_contain_text("Restore your unsaved changes from")
    expect(page.locator(BODY)).to_have_text("Rain is forecast.")
    page.get_by_role("link", name="Restore your unsaved changes").click()

    expect(page.locator(BODY)).to_have_text("Flood warnings cover the whole coast.")
    article.refresh_from_db()
    assert "Flood warnings" not in article.body  # restored into the form, not yet saved


def _what_readers_get(browser, live_server, article, word) -> dict:
    """The story page, the site feed and a search for `word`, as a reader fetches them."""
    reader = browser.new_context().new_page()
    reader.goto(f"{live_server.url}{article.get_absolute_url()}")
    story = reader.locator("article.story").inner_text()
    feed = reader.request.get(f"{live_server.url}/feed/").text()
    reader.goto(f"{live_server.url}/search/?q={word}")
    found = reader.locator("main").inner_text()
    reader.context.close()
    return {"story": story, "feed": feed, "search": found}


def test_changes_to_a_live_story_reach_readers_only_when_an_editor_publishes_them(
    live_server, browser
):
    make_staff("Editor", "eddie")
    article = make_article(headline="Ferry service suspended", body="<p>No ferries today.</p>")
    page = log_in(browser, live_server, "eddie")
    page.goto(_change_url(live_server, article))
    page.fill("#id_headline", "Ferry service resumes early")
    _retype_body(page, "Engineers repaired the gangway overnight.")
    page.click("input[name=_continue]")
    expect(page.locator(".notice.pending")).to_contain_text("Live version differs: 2 changes")

    before = _what_readers_get(browser, live_server, article, "gangway")
    for text in (before["story"], before["feed"]):
        assert "Ferry service suspended" in text and "No ferries today." in text
        assert "resumes early" not in text and "gangway" not in text
    assert "No published stories match “gangway”" in before["search"]

    page.get_by_role("button", name="Publish changes").click()
    expect(page.locator(".messagelist")).to_contain_text("Publish changes: done.")
    article.refresh_from_db()
    after = _what_readers_get(browser, live_server, article, "gangway")
    for text in (after["story"], after["feed"]):
        assert "Ferry service resumes early" in text
        assert "Engineers repaired the gangway overnight." in text
        assert "Ferry service suspended" not in text and "No ferries today." not in text
    assert "1 story for “gangway”" in after["search"]
    assert "Ferry service resumes early" in after["search"]
