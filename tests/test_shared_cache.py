"""One machine without Redis, as `make run` and a small install run it: the page cache is shared
by every process, so a command's purge, or one worker's, reaches the pages every other process
serves. The site runs in real servers (runserver, and gunicorn with 3 workers) on a file SQLite
database that the commands write too; each change shows on every cached page within a second.

A page is known to be served from the cache by a canary: a story on every page whose headline
is changed underneath, in the database and without a purge, after the pages were cached. A
cached page still shows the old headline; a page drawn afresh shows the new one.
"""

import os
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests import servers
from tests.varnish import free_port

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite" or "Redis" in settings.CACHES["default"]["BACKEND"],
    reason="about one machine without Redis",
)
PAGES = ("/", "/news/", "/tags/harbour/", "/feed/")
PASSWORD = "a-long-test-password"

SETUP = """
from tests.factories import make_article, make_section, make_staff
news = make_section(name="News", slug="news")
make_article(section=news, headline="Canary 0", tags=["Harbour"])
make_staff("Editor", "ed")
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(environment for manage.py, database file, runserver's URL, gunicorn's URL)."""
    folder = tmp_path_factory.mktemp("one-machine")
    database = folder / "newsroom.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
        "NEWSROOM_TEST_CACHE_DIR": str(folder / "cache"),  # this module's own cache
        "MEDIA_ROOT": str(folder / "media"),
    }
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "shell", "-c", SETUP)
    gunicorn, gunicorn_url = servers.start(
        folder / "media", **{key: env[key] for key in ("DATABASE_URL", "REDIS_URL")},
        NEWSROOM_TEST_CACHE_DIR=env["NEWSROOM_TEST_CACHE_DIR"], GUNICORN_WORKERS="3",
    )  # fmt: skip
    port = free_port()
    runserver = subprocess.Popen(  # noqa: S603 - our own arguments
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    runserver_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(runserver_url)
        yield env, database, runserver_url, gunicorn_url
    finally:
        servers.stop(runserver)
        servers.stop(gunicorn)


def manage(env, *args) -> str:
    done = subprocess.run(  # noqa: S603 - our own arguments
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _wait_until_up(url):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if servers.read(f"{url}/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within 30 s")


def cache_every_page(database, bases) -> list[str]:
    """Every page of every server, cached and checked to be served from the cache."""
    urls = [base + page for base in bases for page in PAGES]
    canary = _canary_headline(database)
    for url in urls * 10:  # enough for every gunicorn worker to be asked
        assert servers.read(url)[0] == 200, url
    changed = _change_canary(database)
    for url in urls * 3:
        page = servers.read(url)[1]
        assert canary in page and changed not in page, f"{url} was not served from the cache"
    return urls


def _canary_headline(database) -> str:
    with sqlite3.connect(database) as db:
        query = "SELECT headline FROM articles_article WHERE headline LIKE 'Canary %'"
        return db.execute(query).fetchone()[0]


def _change_canary(database) -> str:
    """Rename the canary in the database alone: no purge, so only a drawn page shows it."""
    old = _canary_headline(database)
    new = f"Canary {int(old.split()[1]) + 1}"
    with sqlite3.connect(database, timeout=20) as db:
        db.execute("UPDATE articles_article SET headline = ? WHERE headline = ?", (new, old))
    return new


def shown_within(urls, text, seconds=1.0, present=True) -> list[str]:
    """The URLs that did not show `text` (or, with present=False, still showed it) in time."""
    deadline, waiting = time.monotonic() + seconds, list(urls)
    while True:
        waiting = [url for url in waiting if (text in servers.read(url)[1]) != present]
        if not waiting or time.monotonic() >= deadline:
            return waiting
        time.sleep(0.02)


def test_a_story_imported_by_a_command_shows_on_every_cached_page_at_once(site, tmp_path):
    env, database, *bases = site
    urls = cache_every_page(database, bases)
    story = tmp_path / "ferry.txt"
    story.write_text("Ferry strike ends\n\nThe ferries sail again from Monday.\n")

    manage(env, "import_articles", str(story), "--section", "news", "--tag", "Harbour", "--publish")

    assert shown_within(urls, "Ferry strike ends") == []


def test_a_scheduled_story_published_by_the_command_shows_on_every_cached_page(site):
    env, database, *bases = site
    urls = cache_every_page(database, bases)
    due = timezone.now() + timedelta(seconds=1)
    # Written without its purge, as a story scheduled by a process whose purge was lost: the
    # pages' time limit knows nothing of it, so only publish_scheduled's purge can show it.
    manage(env, "shell", "-c", (
        "from unittest import mock\n"
        "from datetime import datetime\n"
        "from articles.models import Article, Section\n"
        "from newsroom import page_cache\n"
        "from tests.factories import make_article\n"
        "with mock.patch.object(page_cache, 'purge'):\n"
        "    make_article(section=Section.objects.get(slug='news'), tags=['Harbour'],\n"
        "                 headline='Polls close at ten', state=Article.State.SCHEDULED,\n"
        f"                 published_at=datetime.fromisoformat('{due.isoformat()}'))\n"
    ))  # fmt: skip
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 0.1)
    assert shown_within(urls, "Polls close at ten", seconds=0) == urls  # still cached

    assert "Published: Polls close at ten" in manage(env, "publish_scheduled")

    assert shown_within(urls, "Polls close at ten") == []


def test_a_withdrawal_through_one_worker_leaves_every_other_workers_pages(site):
    env, database, _, gunicorn = site
    manage(env, "shell", "-c", (
        "from articles.models import Section\n"
        "from tests.factories import make_article\n"
        "make_article(section=Section.objects.get(slug='news'), tags=['Harbour'],\n"
        "             headline='Bridge reopens')\n"
    ))  # fmt: skip
    urls = cache_every_page(database, [gunicorn])
    assert shown_within(urls, "Bridge reopens", seconds=0) == []
    with sqlite3.connect(database) as db:
        query = "SELECT id FROM articles_article WHERE headline = 'Bridge reopens'"
        (pk,) = db.execute(query).fetchone()
    staff = servers.Staff(gunicorn, "ed", PASSWORD)  # signed in on whichever worker answers

    staff.post(f"/admin/articles/article/{pk}/workflow/withdraw/", {"comment": "Legal"})

    assert shown_within(urls, "Bridge reopens", present=False) == []
    for url in urls * 3:  # every worker, not only the first to answer
        assert "Bridge reopens" not in servers.read(url)[1], url
