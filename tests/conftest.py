import time

import pytest
from django.test import testcases

from tests.browser import CHROMIUM, CHROMIUM_ARGS

# Django's live server answers /media/ itself, straight from MEDIA_ROOT; production answers it
# with photos/media.py, which decides who may see each file. Browser and front-cache tests
# must meet the app as readers do.
testcases._MediaFilesHandler._should_handle = lambda self, path: False


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache(monkeypatch):
    """An empty cache, always in touch with this process: the look for purges it missed,
    made every few seconds, would land in whichever request a test happened to be counting.
    The tests of several processes run it as production does (tests/test_faults.py)."""
    from django.core.cache import cache

    from newsroom import page_cache

    cache.clear()
    monkeypatch.setattr(page_cache, "QUIET", float("inf"))
    monkeypatch.setattr(page_cache, "CHECK_EVERY", float("inf"))
    monkeypatch.setattr(page_cache, "_checked_at", time.monotonic())
    yield
    cache.clear()


@pytest.fixture
def browser(monkeypatch):
    """A headless Chromium for the tests marked with tests.browser.BROWSER_TEST."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    from django.db import connections

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes around it are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
        # Connections opened inside Playwright's context are not the test's; close them
        # so the test database can be dropped.
        connections.close_all()


# The states a story readers may not see can be in: one shared definition for every leak test.
_HIDDEN_STATES = ["draft", "review", "scheduled", "scheduled-tomorrow", "withdrawn"]


@pytest.fixture(params=_HIDDEN_STATES, ids=_HIDDEN_STATES)
def hidden_story_fields(request) -> dict:
    """State and publish time of a story readers may not see; each test runs once per case.

    Times are taken when the test runs, not when the module is imported. One scheduled story
    is due within the hour (a time-zone slip would show it early); the other is due tomorrow,
    so the URL it is scheduled under is dated differently from the one publishing now gives.
    """
    from datetime import timedelta

    from django.utils import timezone

    from articles.models import Article

    now = timezone.now()
    scheduled, withdrawn = Article.State.SCHEDULED, Article.State.WITHDRAWN
    return {
        "draft": {"state": Article.State.DRAFT, "published_at": None},
        "review": {"state": Article.State.REVIEW, "published_at": None},
        "scheduled": {"state": scheduled, "published_at": now + timedelta(hours=1)},
        "scheduled-tomorrow": {"state": scheduled, "published_at": now + timedelta(days=1)},
        "withdrawn": {"state": withdrawn, "published_at": now - timedelta(days=1)},
    }[request.param]
