"""Real app servers for the tests that need more than one: gunicorn with deploy/gunicorn.conf.py
on the test database and cache, and a browser-less staff member who works through one of them.
"""

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.varnish import free_port

GUNICORN = Path(sys.executable).with_name("gunicorn")


def start(media_root: Path, **env) -> tuple[subprocess.Popen, str]:
    """(process, base URL) of a gunicorn serving this test's database and cache."""
    port = free_port()
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "MEDIA_ROOT": str(media_root),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        **env,
    }
    process = subprocess.Popen(  # noqa: S603 - our own arguments
        [str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "newsroom.wsgi"],
        cwd=settings.BASE_DIR, env=environment,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: {process.stderr.read().decode()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - loopback
                return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not answer within 30 s")


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def read(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class Staff:
    """A staff member signed in to one app server, posting forms as the admin's pages do."""

    def __init__(self, base: str, username: str, password: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.open(f"{base}/admin/login/", timeout=10).read()  # for the CSRF cookie
        self.post("/admin/login/?next=/admin/", {"username": username, "password": password})
        assert any(c.name == "sessionid" for c in self.jar), "the sign-in failed"

    def post(self, path: str, data: dict) -> int:
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.base}{path}", data=body, headers={"Referer": f"{self.base}{path}"}
        )
        with self.opener.open(request, timeout=10) as response:
            page = response.read().decode()
        errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)
        assert not errors, errors
        return response.status
