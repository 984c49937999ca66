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
from tests import varnish

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


class Proxy:
    """A TCP proxy to PostgreSQL that can fall silent as a partitioned or frozen database does:
    it keeps every connection and takes new ones, and passes nothing either way."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.silent, self._closed = target, threading.Event(), threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.listener.settimeout(0.1)
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._sockets.append(client)
            if self.silent.is_set():
                continue  # taken, never answered
            upstream = socket.create_connection(self.target)
            self._sockets.append(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pass, args=(source, sink), daemon=True).start()

    def _pass(self, source, sink):
        source.settimeout(0.1)
        while not self._closed.is_set():
            try:
                data = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            if not self.silent.is_set():
                sink.sendall(data)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def close(self):
        self._closed.set()
        for end in [self.listener, *self._sockets]:
            with contextlib.suppress(OSError):
                end.close()


@pytest.fixture
def database_proxy():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("about PostgreSQL connections")
    proxy = Proxy((connection.settings_dict["HOST"], int(connection.settings_dict["PORT"] or 5432)))
    yield proxy
    proxy.close()


@pytest.mark.postgres
def test_a_kept_connection_to_a_silent_database_gives_up_in_bounded_time(database_proxy):
    from django.db import OperationalError, connection

    from newsroom.postgresql.base import HEALTH_CHECK_TIMEOUT, DatabaseWrapper

    kept = DatabaseWrapper({**connection.settings_dict, "PORT": database_proxy.port})
    kept.ensure_connection()
    database_proxy.silent.set()

    started = time.monotonic()
    usable = kept.is_usable()  # as a request taking a kept connection asks first
    checked = time.monotonic() - started
    kept.close()
    database_proxy.silent.clear()
    kept.ensure_connection()
    database_proxy.silent.set()
    kept.connection.answer_timeout = 1.0  # in production STATEMENT_TIMEOUT + 5 s
    started = time.monotonic()
    with pytest.raises(OperationalError, match="did not answer within 1 s"), kept.cursor() as c:
        c.execute("SELECT count(*) FROM articles_article")  # silent midway through a request
    asked = time.monotonic() - started

    assert usable is False and HEALTH_CHECK_TIMEOUT - 0.5 < checked < HEALTH_CHECK_TIMEOUT + 1
    assert 0.9 < asked < 2.0
    assert kept.connection.closed  # its state is unknown: it is not used again
    kept.close()


@pytest.mark.postgres
@pytest.mark.skipif("Redis" not in settings.CACHES["default"]["BACKEND"], reason="app servers")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_editor_on_a_silent_database_is_told_in_seconds_and_readers_are_served(
    database_proxy, tmp_path
):
    from django.db import connection

    from articles.models import Article
    from tests import servers
    from tests.factories import make_article, make_staff

    make_article(headline="Harbour opens")
    story = make_article(published=False, headline="Ferry strike ends")
    make_staff("Editor", "ed", password="a-long-test-password")
    db = connection.settings_dict
    server, url = servers.start(
        tmp_path / "media", GUNICORN_WORKERS="1",  # one process, two threads: the README's
        DATABASE_URL=f"postgres://{db['USER']}@127.0.0.1:{database_proxy.port}/{db['NAME']}",
    )  # fmt: skip
    publish = f"/admin/articles/article/{story.pk}/workflow/publish/"
    try:
        assert "Harbour opens" in servers.read(f"{url}/")[1]  # kept in the page cache
        staff = servers.Staff(url, "ed", "a-long-test-password")  # the worker keeps its connection
        database_proxy.silent.set()
        answers = {}

        def post_publish():
            started = time.monotonic()
            try:
                staff.post(publish, {"comment": ""})
            except servers.urllib.error.HTTPError as error:
                answers["editor"] = (error.code, error.read().decode())
            answers["took"] = time.monotonic() - started

        editor = threading.Thread(target=post_publish)
        editor.start()
        time.sleep(0.5)
        answers["reader"] = servers.read(f"{url}/")
        answers["reader_while_editor_waits"] = editor.is_alive()
        editor.join(timeout=30)
        database_proxy.silent.clear()
        story.refresh_from_db()
        unchanged = story.state
        staff.post(publish, {"comment": ""})  # the database is back: the next try works
    finally:
        database_proxy.silent.clear()
        servers.stop(server)

    # Before the bound the editor's request hung on the kept connection for ever.
    assert "took" in answers, "the editor's request hung"
    assert answers["took"] < 10  # the kept connection's check (3 s), then a connection (3 s)
    status, page = answers["editor"]
    assert status == 503 and "cannot reach its database" in page
    assert answers["reader_while_editor_waits"] and answers["reader"][0] == 200
    assert "Harbour opens" in answers["reader"][1]
    assert unchanged == Article.State.DRAFT
    story.refresh_from_db()
    assert story.state == Article.State.PUBLISHED


@pytest.mark.postgres
@pytest.mark.skipif("Redis" not in settings.CACHES["default"]["BACKEND"], reason="app servers")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_request_past_the_worker_timeout_restarts_its_threaded_worker(database_proxy, tmp_path):
    from django.db import connection

    from tests import servers
    from tests.factories import make_article

    make_article(headline="Harbour opens")
    db = connection.settings_dict
    server, url = servers.start(
        tmp_path / "media", GUNICORN_WORKERS="1", GUNICORN_TIMEOUT="2",
        DATABASE_URL=f"postgres://{db['USER']}@127.0.0.1:{database_proxy.port}/{db['NAME']}",
    )  # fmt: skip
    try:
        database_proxy.silent.set()
        started = time.monotonic()
        with pytest.raises(OSError):  # the worker went away without an answer
            servers.read(f"{url}/search/?q=harbour")  # the database's bounds are longer
        took = time.monotonic() - started
        database_proxy.silent.clear()
        status, page = servers.read(f"{url}/search/?q=harbour")  # a new worker answers
    finally:
        database_proxy.silent.clear()
        servers.stop(server)
    log = server.stderr.read().decode()

    assert took < 4.5
    assert "GET /search/ ran past 2 s; restarting the worker" in log
    assert status == 200 and "Harbour opens" in page


@pytest.mark.postgres
@pytest.mark.skipif("Redis" not in settings.CACHES["default"]["BACKEND"], reason="app servers")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@varnish.needs_varnish
def test_a_withdrawal_while_redis_is_silent_is_purged_everywhere_once_it_answers(tmp_path):
    from urllib.parse import urlsplit

    from articles.models import Article
    from newsroom.models import PendingPurge
    from tests import servers
    from tests.factories import make_article, make_staff

    redis = urlsplit(settings.CACHES["default"]["LOCATION"])
    proxy = Proxy((redis.hostname, redis.port))
    through_proxy = f"redis://127.0.0.1:{proxy.port}{redis.path}"
    media = tmp_path / "media"
    reader, reader_url = servers.start(media, REDIS_URL=through_proxy)
    front, front_url = varnish.start(int(reader_url.rsplit(":", 1)[1]), tmp_path)
    editor, editor_url = servers.start(media, REDIS_URL=through_proxy, FRONT_CACHE_URLS=front_url,
                                       FRONT_CACHE_SECRET=varnish.SECRET)  # fmt: skip
    story = make_article(headline="Ferry strike ends")
    make_staff("Editor", "ed", password="a-long-test-password")
    pages = [reader_url + story.get_absolute_url(), front_url + story.get_absolute_url()]
    try:
        for url in pages * 2:
            assert "Ferry strike ends" in servers.read(url)[1]  # kept by Redis and by Varnish
        staff = servers.Staff(editor_url, "ed", "a-long-test-password")
        proxy.silent.set()
        started = time.monotonic()
        staff.post(f"/admin/articles/article/{story.pk}/workflow/withdraw/", {"comment": "Legal"})
        took = time.monotonic() - started
        during = [servers.read(url)[0] for url in pages]
        missed = PendingPurge.objects.count()
        proxy.silent.clear()
        seen_after = []  # for as long as either server's breaker might keep it from Redis, and more
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            seen_after += [servers.read(url) for url in pages]
            time.sleep(0.1)
    finally:
        for process in (editor, reader):
            servers.stop(process)
        varnish.stop(front)
        proxy.close()

    assert took < 4  # Redis's bound (1 s), then its breaker: no wait at all
    assert Article.objects.get(pk=story.pk).state == Article.State.WITHDRAWN
    assert during == [410, 410]  # drawn fresh meanwhile
    # Before, Redis still held the page and its keys' old versions: the story came back for
    # five minutes, in the app and in Varnish, which fetched it again from the app.
    assert [status for status, _ in seen_after] == [410] * len(seen_after)
    assert not any("Ferry strike ends" in page for _, page in seen_after)
    assert missed >= 1 and PendingPurge.objects.count() == 0  # kept, then told to Redis
