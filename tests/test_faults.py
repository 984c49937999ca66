"""When a dependency fails: answers come in bounded time and say what failed; editors and
commands carry on where they can."""

import contextlib
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest
from django.conf import settings

from newsroom import background

pytestmark = pytest.mark.django_db

HEALTHZ = (
    "import django; django.setup(); from django.test import Client; "
    "r = Client().get('/healthz'); print(r.status_code, r.content.decode().replace(chr(10), ' '))"
)


@pytest.fixture
def cache_down(settings):
    """A real Redis client pointed at a port nothing listens on."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_healthz_names_a_cache_that_does_not_answer_and_stays_up(client, cache_down):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"database: ok\ncache: unavailable\nstatic: ok\n"


def test_healthz_answers_503_in_bounded_time_when_the_database_is_black_holed():
    # A socket that accepts connections and never says a word: a database gone silent.
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(8)
    port = hole.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/newsroom",
    }
    env.pop("REDIS_URL", None)
    try:
        result = subprocess.run(
            [sys.executable, "-c", HEALTHZ], cwd=settings.BASE_DIR, env=env,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    finally:
        hole.close()

    assert result.stdout.split()[:3] == ["503", "database:", "unavailable"], result.stderr[-2000:]


RESTART = """
import django; django.setup()
from wsgiref.util import setup_testing_defaults
import psycopg
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
app = WSGIHandler()  # the real handler, which checks kept connections as each request starts


def healthz():
    environ = {"PATH_INFO": "/healthz", "SERVER_NAME": "testserver"}
    setup_testing_defaults(environ)
    answer = []
    b"".join(app(environ, lambda status, headers: answer.append(status)))
    return answer[0].split()[0]


first = healthz()
pid = connection.connection.info.backend_pid  # the worker's kept connection
with psycopg.connect("{url}", autocommit=True) as admin:
    admin.execute("SELECT pg_terminate_backend(%s)", [pid])  # as a database restart would
print(first, healthz())
"""


@pytest.mark.postgres
def test_after_a_database_restart_the_next_request_reconnects_instead_of_failing():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("about PostgreSQL connections kept between requests")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": url,
    }

    result = subprocess.run(
        [sys.executable, "-c", RESTART.replace("{url}", url)], cwd=settings.BASE_DIR,
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.stdout.split() == ["200", "200"], result.stderr[-2000:]


@pytest.fixture
def dripping_smtp(settings):
    """A mail server that answers one byte every half second, for as long as it is connected:
    each read is within EMAIL_TIMEOUT, so no timeout ever fires."""
    stop, listener = threading.Event(), socket.create_server(("127.0.0.1", 0))
    connected = []

    def drip(conn):
        with conn:
            for byte in itertools.cycle(b"220 slow.example ESMTP\r\n"):
                if stop.wait(0.5):
                    return
                conn.sendall(bytes([byte]))

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                conn, _ = listener.accept()
                connected.append(time.monotonic())
                threading.Thread(target=drip, args=(conn,), daemon=True).start()

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", listener.getsockname()[1]
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield SimpleNamespace(connected=connected, stop=stop.set)
    stop.set()
    server.join()
    listener.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dripping_mail_server_holds_no_editor_and_no_reader(client, dripping_smtp, caplog):
    from articles.models import Article
    from planning.models import Notification
    from tests.factories import make_article, make_author, make_staff

    editor, writer = make_staff("Editor"), make_staff("Writer", email="wes@example.org")
    story = make_article(published=False, authors=[make_author(user=writer)],
                         created_by=writer, headline="Harbour wall breaks")  # fmt: skip
    client.force_login(editor)

    started = time.monotonic()
    published = client.post(f"/admin/articles/article/{story.pk}/workflow/publish/")
    took = time.monotonic() - started
    client.logout()
    page = client.get("/")
    deadline = time.monotonic() + 5
    while not dripping_smtp.connected and time.monotonic() < deadline:
        time.sleep(0.05)

    assert published.status_code == 302 and took < 2.0  # the mail server holds it for ever
    assert Article.objects.get(pk=story.pk).state == Article.State.PUBLISHED
    assert page.status_code == 200 and "Harbour wall breaks" in page.content.decode()
    assert dripping_smtp.connected  # the mail thread is at the server meanwhile
    told = Notification.objects.get(recipient=writer)
    assert (told.email, told.email_attempts) == (Notification.Email.PENDING, 1)

    dripping_smtp.stop()  # it hangs up: the email is marked failed, for send_notifications
    with caplog.at_level("ERROR", logger="newsroom.notifications"):
        assert background.mail.wait()
    told.refresh_from_db()
    assert told.email == Notification.Email.FAILED


@pytest.fixture
def cache_black_holed(settings):
    """Django's Redis cache pointed at a port that takes connections and never says a word."""
    hole = socket.create_server(("127.0.0.1", 0), backlog=64)
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.redis_cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{hole.getsockname()[1]}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    yield
    hole.close()


def test_a_silent_cache_costs_one_short_wait_not_one_per_call(client, cache_black_holed):
    from django.core.cache import cache

    from articles import workflow
    from articles.models import Article
    from newsroom import redis_cache
    from tests.factories import make_article, make_staff

    make_article(headline="Harbour opens")
    draft = make_article(published=False, headline="Ferry strike ends")

    started = time.monotonic()
    pages = [client.get(url) for url in ["/", "/feed/", "/", "/search/?q=harbour"] * 3]
    workflow.take(draft, "publish", by=make_staff("Editor"))
    took = time.monotonic() - started

    # Each page asks the cache four times or more: at a second each, this was 40 s or more.
    assert took < 3.0
    assert [page.status_code for page in pages] == [200] * 12
    assert "Harbour opens" in pages[0].content.decode()
    assert Article.objects.get(pk=draft.pk).state == Article.State.PUBLISHED
    with pytest.raises(redis_cache.CacheUnreachable, match="failed .* ago"):
        cache.get("anything")  # answered at once, without asking


def test_the_silent_cache_is_asked_again_after_a_pause(cache_black_holed, monkeypatch):
    from django.core.cache import cache

    from newsroom import redis_cache

    monkeypatch.setattr(redis_cache, "RETRY_AFTER", 0.5)
    with pytest.raises(redis_cache.RedisTimeoutError):
        cache.get("anything")  # waits its second, and the breaker opens
    with pytest.raises(redis_cache.CacheUnreachable):
        cache.get("anything")
    time.sleep(0.6)

    started = time.monotonic()
    with pytest.raises(redis_cache.RedisTimeoutError):
        cache.get("anything")  # asked again: it waits its second
    assert time.monotonic() - started > 0.9
