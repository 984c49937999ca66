"""publish_scheduled records each due story's publication exactly once and clears caches."""

import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import workflow
from articles.models import Article, WorkflowEvent
from tests.factories import make_article, make_section

PROJECT = Path(__file__).resolve().parents[1]
State = Article.State


def _scheduled(minutes: int, **kwargs) -> Article:
    return make_article(
        published=False, state=State.SCHEDULED,
        published_at=timezone.now() + timedelta(minutes=minutes), **kwargs,
    )  # fmt: skip


def _run() -> str:
    out = StringIO()
    call_command("publish_scheduled", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_command_records_due_stories_once_prints_them_and_purges_their_pages(client):
    due = _scheduled(-1, headline="Budget passes at midnight")
    later = _scheduled(60, headline="Not yet")
    client.get("/")  # now kept in the page cache

    first = _run()

    assert "Published: Budget passes at midnight" in first
    assert "Not yet" not in first
    with CaptureQueriesContext(connection) as drawn:
        assert "Budget passes at midnight" in client.get("/").content.decode()
    assert len(drawn) > 0  # drawn afresh: recording the publication purged the home page
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.state, later.state) == (State.PUBLISHED, State.SCHEDULED)
    event = WorkflowEvent.objects.get(article=due)
    assert (event.actor, event.from_state, event.to_state) == (
        None,
        State.SCHEDULED,
        State.PUBLISHED,
    )
    assert "0 scheduled article(s) published." in _run()
    assert WorkflowEvent.objects.filter(article=due).count() == 1


@pytest.mark.django_db
def test_a_copy_that_read_the_story_before_another_recorded_it_does_nothing():
    story = _scheduled(-1)
    stale_copy = Article.objects.get(pk=story.pk)  # what a second process read
    assert workflow.record_due_publications() == [story]

    assert workflow._record_publication(stale_copy) is False
    assert WorkflowEvent.objects.filter(article=story).count() == 1


@pytest.mark.django_db
def test_admin_flags_scheduled_stories_whose_time_passed_unrecorded(admin_client):
    _scheduled(-5, headline="Overdue story")
    _scheduled(60, headline="Future story")
    html = admin_client.get("/admin/articles/article/").content.decode()
    assert html.count("Scheduled: due, not yet recorded") == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_concurrent_runs_publish_two_hundred_stories_exactly_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so this race cannot happen there")
    section = make_section()
    stories = [_scheduled(-1, section=section, headline=f"Due story {n}") for n in range(200)]
    db = connection.settings_dict  # NAME is the test database here
    login = f"{db['USER']}:{db['PASSWORD'] or ''}"
    url = f"postgres://{login}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings"}

    runs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "publish_scheduled"],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(8)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]

    assert all(run.returncode == 0 for run in runs), [err for _, err in outputs]
    printed = Counter(
        line for out, _ in outputs for line in out.splitlines() if line.startswith("Published:")
    )
    assert len(printed) == 200 and set(printed.values()) == {1}
    assert (
        Article.objects.filter(pk__in=[s.pk for s in stories], state=State.PUBLISHED).count() == 200
    )
    per_story = Counter(WorkflowEvent.objects.values_list("article_id", flat=True))
    assert sorted(per_story) == sorted(s.pk for s in stories)
    assert set(per_story.values()) == {1}


@pytest.mark.django_db
def test_a_cache_that_does_not_answer_never_stops_the_command(settings, caplog):
    # A real Redis client pointed at a port nothing listens on: the cache is down.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    story = _scheduled(-1)
    out, err = StringIO(), StringIO()

    call_command("publish_scheduled", stdout=out, stderr=err)

    assert f"Published: {story.headline}" in out.getvalue()
    assert "The cache did not answer" in err.getvalue()
    story.refresh_from_db()
    assert story.state == Article.State.PUBLISHED
