"""A planned story's day in Chromium, through the desk's own pages: planned and assigned,
written and submitted, sent back with a note, fixed, resubmitted and published from the board."""

import re

import pytest

from articles.models import Article
from planning.models import Kind, Note, Notification
from tests.browser import BROWSER_TEST, log_in
from tests.factories import make_section, make_staff

pytestmark = BROWSER_TEST
expect = pytest.importorskip("playwright.sync_api").expect
BODY = ".ProseMirror[contenteditable]"


def _open_story(page, live_server, article):
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")


def _inbox(page, live_server):
    page.goto(f"{live_server.url}/admin/planning/notification/")
    return page.locator("table.inbox tbody")


def test_a_planned_story_goes_from_the_plan_to_the_board_through_notes_and_notifications(
    live_server, browser
):
    make_section(name="City")
    make_staff("Editor", "edna", first_name="Edna", last_name="Ward")
    writer = make_staff("Writer", "wren", first_name="Wren", last_name="Hale")
    editor_page = log_in(browser, live_server, "edna")
    writer_page = log_in(browser, live_server, "wren")

    # The editor plans a story with no text yet and gives it to the writer.
    editor_page.goto(f"{live_server.url}/admin/articles/article/add/")
    editor_page.fill("#id_headline", "Ferry timetable shake-up")
    editor_page.fill("#id_brief", "What the new winter timetable means for commuters")
    editor_page.select_option("#id_section", label="City")
    editor_page.select_option("#id_assignee", label="Wren Hale (wren)")
    editor_page.fill("#id_deadline", "2031-01-15T16:00")
    editor_page.click("input[name=_continue]")
    expect(editor_page.locator(".messagelist")).to_contain_text("was added successfully")
    story = Article.objects.get(headline="Ferry timetable shake-up")
    assert (story.body, story.assignee, story.state) == ("", writer, "draft")

    # The writer is told, finds it in their work, writes it and submits it.
    writer_page.goto(f"{live_server.url}/admin/")
    expect(writer_page.locator(".inbox-link")).to_contain_text("1 unread")
    expect(writer_page.locator("#content-main")).to_contain_text("Ferry timetable shake-up")
    rows = _inbox(writer_page, live_server)
    expect(rows).to_contain_text("A story is assigned to me")
    rows.get_by_role("link", name="Ferry timetable shake-up").click()
    writer_page.locator(BODY).click()
    writer_page.keyboard.type("The winter timetable cuts two early sailings.")
    writer_page.click("input[name=_continue]")
    expect(writer_page.locator(".messagelist")).to_contain_text("was changed successfully")
    writer_page.get_by_role("button", name="Submit for review").click()
    expect(writer_page.locator(".messagelist")).to_contain_text("Submit for review: done")

    # The editor is told, sends it back and mentions the writer in a note.
    editor_page.goto(f"{live_server.url}/admin/")
    expect(editor_page.locator(".inbox-link")).to_contain_text("1 unread")
    _open_story(editor_page, live_server, story)
    editor_page.fill("#comment-send_back", "Needs the council's response.")
    editor_page.get_by_role("button", name="Send back").click()
    expect(editor_page.locator(".messagelist")).to_contain_text("Send back: done")
    editor_page.fill("#note-new-text", "@wren the press office answers until 5pm.")
    editor_page.locator("form.note-new button[type=submit]").click()
    expect(editor_page.locator("#notes")).to_contain_text("the press office answers until 5pm")

    # The writer sees both, in the inbox and on the story, fixes it and resubmits.
    writer_page.goto(f"{live_server.url}/admin/")
    expect(writer_page.locator(".inbox-link")).to_contain_text("2 unread")
    rows = _inbox(writer_page, live_server)
    expect(rows).to_contain_text("A story of mine is sent back")
    expect(rows).to_contain_text("Needs the council's response.")
    expect(rows).to_contain_text("I am mentioned in a note")
    _open_story(writer_page, live_server, story)
    expect(writer_page.locator("#notes")).to_contain_text("Needs the council's response.")
    expect(writer_page.locator("#notes")).to_contain_text("the press office answers until 5pm")
    writer_page.locator(BODY).click()
    writer_page.keyboard.press("Control+End")
    writer_page.keyboard.press("Enter")
    writer_page.keyboard.type("The council says it will review the cuts in March.")
    writer_page.click("input[name=_continue]")
    writer_page.get_by_role("button", name="Submit for review").click()
    expect(writer_page.locator(".messagelist")).to_contain_text("Submit for review: done")

    # The editor publishes it from the board.
    editor_page.goto(f"{live_server.url}/admin/planning/board/")
    review = editor_page.get_by_role("region", name=re.compile("^In review"))
    card = review.locator(f"#story-{story.pk}")
    card.locator("summary").click()
    card.get_by_label("Move to").select_option(label="Published: publish now")
    card.get_by_role("button", name="Move").click()
    published = editor_page.get_by_role("region", name=re.compile("^Published today"))
    expect(published.get_by_role("link", name="Ferry timetable shake-up")).to_be_visible()

    story.refresh_from_db()
    assert story.is_published() and "review the cuts in March" in story.body
    told = Notification.objects.filter(recipient=writer).values_list("kind", flat=True)
    assert sorted(told) == sorted([Kind.ASSIGNED, Kind.SENT_BACK, Kind.MENTIONED, Kind.PUBLISHED])
    assert Note.objects.filter(article=story, mentions=writer).count() == 1
    public = writer_page.context.browser.new_context().new_page()
    public.goto(live_server.url + story.get_absolute_url())
    expect(public.locator("h1")).to_have_text("Ferry timetable shake-up")
    assert "press office" not in public.content() and "council's response" not in public.content()
