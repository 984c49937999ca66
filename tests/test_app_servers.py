"""Several app servers, as production runs them: two gunicorns on one PostgreSQL and one Redis,
Varnish in front of the second. An editor works through the first; readers of the second and of
Varnish see each change within a second, and a scheduled story on time with no cron."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from articles.models import Article
from tests import servers, varnish
from tests.factories import article_form_data, make_article, make_section, make_staff

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql" or "Redis" not in settings.CACHES["default"]["BACKEND"],
        reason="needs PostgreSQL and Redis, which app servers share",
    ),
    varnish.needs_varnish,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "a-long-test-password"


@pytest.fixture
def newsroom(tmp_path):
    """(editor's server, reader's server, Varnish in front of the reader's server)."""
    media = tmp_path / "media"
    reader_server, reader_url = servers.start(media)
    front, front_url = varnish.start(int(reader_url.rsplit(":", 1)[1]), tmp_path)
    editor_server, editor_url = servers.start(
        media, FRONT_CACHE_URLS=front_url, FRONT_CACHE_SECRET=varnish.SECRET
    )
    yield editor_url, reader_url, front_url
    for process in (editor_server, reader_server):
        servers.stop(process)
    varnish.stop(front)


def seen_within(urls, text, seconds, present=True) -> dict[str, float | None]:
    """For each URL, how many seconds until `text` showed (or went); None if not in time."""
    start = time.time()
    return {
        url: when - start if when else None
        for url, when in _seen(urls, text, seconds, present).items()
    }


def _seen(urls, text, seconds, present=True) -> dict[str, float | None]:
    """For each URL, the time (time.time()) `text` showed (or went); None if not in time."""
    deadline, seen = time.time() + seconds, dict.fromkeys(urls)
    while time.time() < deadline and None in seen.values():
        for url in [u for u, when in seen.items() if when is None]:
            if (text in servers.read(url)[1]) == present:
                seen[url] = time.time()
        time.sleep(0.02)
    return seen


def test_publish_edit_and_withdraw_through_one_server_show_on_the_other_at_once(newsroom):
    editor_url, reader_url, front_url = newsroom
    section = make_section(name="News", slug="news")
    make_article(section=section, headline="Harbour opens")
    story = make_article(
        section=section, state=Article.State.DRAFT, published_at=None, headline="Ferry strike ends"
    )
    make_staff("Editor", "ed")
    homes = [f"{reader_url}/", f"{front_url}/"]
    for url in homes * 2:
        servers.read(url)  # warm: both caches hold the home page
    staff = servers.Staff(editor_url, "ed", PASSWORD)

    staff.post(f"/admin/articles/article/{story.pk}/workflow/publish/", {"comment": ""})
    assert None not in seen_within(homes, "Ferry strike ends", 1.0).values()

    story.refresh_from_db()
    changed = article_form_data(story, headline="Ferry strike over")
    staff.post(f"/admin/articles/article/{story.pk}/change/", changed)
    staff.post(f"/admin/articles/article/{story.pk}/workflow/publish_changes/", {"comment": ""})
    assert None not in seen_within(homes, "Ferry strike over", 1.0).values()

    staff.post(f"/admin/articles/article/{story.pk}/workflow/withdraw/", {"comment": "Legal"})
    assert None not in seen_within(homes, "Ferry strike over", 1.0, present=False).values()
    assert servers.read(f"{front_url}{story.get_absolute_url()}")[0] == 410


def test_a_scheduled_story_appears_on_every_server_at_its_time_with_warm_caches(newsroom):
    _, reader_url, front_url = newsroom
    section = make_section(name="News", slug="news")
    make_article(section=section, headline="Harbour opens")
    due = timezone.now() + timedelta(seconds=3)
    make_article(
        section=section, state=Article.State.SCHEDULED, published_at=due, headline="Polls close"
    )
    homes = [f"{reader_url}/", f"{front_url}/"]
    for url in homes * 2:
        assert "Polls close" not in servers.read(url)[1]

    seen = _seen(homes, "Polls close", 6.0)  # no cron: nothing records the publication

    for url, when in seen.items():
        assert when is not None, url
        assert when - due.timestamp() < 1.0, (url, when - due.timestamp())
