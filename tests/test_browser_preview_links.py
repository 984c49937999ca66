"""Revoking a preview link from the story's page, in Chromium: the button sits inside the
article's form, so it must post its own form, not the article's."""

import pytest

from articles import preview
from articles.models import PreviewLink
from tests.browser import BROWSER_TEST, log_in
from tests.factories import make_article, make_staff

pytestmark = BROWSER_TEST
expect = pytest.importorskip("playwright.sync_api").expect


def test_the_revoke_button_revokes_that_link_and_saves_nothing_else(live_server, browser):
    editor = make_staff("Editor", "edna")
    story = make_article(published=False, headline="Embargoed budget")
    preview.preview_url(story, by=editor)
    shared = PreviewLink.objects.get(article=story)
    version = story.version
    page = log_in(browser, live_server, "edna")
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    page.fill("#id_headline", "Typed, not meant to be saved")

    page.get_by_role("button", name="Revoke").click()

    expect(page.locator(".messagelist")).to_contain_text("revoked")
    shared.refresh_from_db()
    story.refresh_from_db()
    assert shared.revoked_at is not None
    assert (story.headline, story.version) == ("Embargoed budget", version)
