"""The planning board in Chromium: an editor filters it and publishes a story from it, with
JavaScript (the board is redrawn in place) and without (plain forms and a redirect)."""

import re

import pytest

from articles import workflow
from articles.models import Article
from tests.axe import assert_accessible
from tests.browser import BROWSER_TEST, PASSWORD, log_in
from tests.factories import make_article, make_section, make_staff

pytestmark = BROWSER_TEST


def log_in_without_javascript(browser, live_server, username):
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


@pytest.mark.parametrize("javascript", [True, False], ids=["with js", "without js"])
def test_an_editor_filters_the_board_and_publishes_a_story_from_it(
    live_server, browser, javascript
):
    from playwright.sync_api import expect

    make_staff("Editor", "edna")
    writer = make_staff("Writer", "wren")
    city, sport = make_section(name="City"), make_section(name="Sport")
    story = make_article(headline="Harbour deal agreed", section=city, published=False,
                         created_by=writer, assignee=writer)  # fmt: skip
    workflow.take(story, "submit", by=writer)
    make_article(headline="Cup final preview", section=sport, published=False, state="review")

    sign_in = log_in if javascript else log_in_without_javascript
    page = sign_in(browser, live_server, "edna")
    page.goto(f"{live_server.url}/admin/planning/board/")
    review = page.get_by_role("region", name=re.compile("^In review"))
    expect(review.get_by_role("link", name="Cup final preview")).to_be_visible()
    if javascript:  # axe-core runs as a script in the page
        assert_accessible(page, "the planning board")

    page.get_by_label("Section").select_option(label="City")
    page.get_by_role("button", name="Show").click()
    expect(review.get_by_role("link", name="Cup final preview")).to_have_count(0)
    card = review.locator(f"#story-{story.pk}")
    card.locator("summary").click()
    card.get_by_label("Move to").select_option(label="Published: publish now")
    card.get_by_role("button", name="Move").click()

    expect(page.locator(".messagelist")).to_contain_text("moved to Published today")
    published = page.get_by_role("region", name=re.compile("^Published today"))
    expect(published.get_by_role("link", name="Harbour deal agreed")).to_be_visible()
    expect(review.get_by_role("link", name="Harbour deal agreed")).to_have_count(0)
    assert "section=" in page.url  # the filter is kept
    if javascript:
        expect(published.get_by_role("link", name="Harbour deal agreed")).to_be_focused()
    assert Article.objects.get(pk=story.pk).state == Article.State.PUBLISHED
    page.context.close()
