"""Publish -> visible: how long after an editor's publish a reader of another app server, and a
reader behind Varnish, first sees the story on the home page.

Production's shape on one machine: a PostgreSQL database of its own (newsroom_bench_latency,
created here and dropped at the end), Redis database 12 (emptied before and after), two
gunicorns with deploy/gunicorn.conf.py (two workers each) and varnishd with
deploy/varnish/default.vcl (xkey) whose backend is the second. The editor signs in to the first
server (A, FRONT_CACHE_URLS naming Varnish) and publishes drafts through the admin over HTTP, as
editors do; readers poll the home page on the second server (B) and through Varnish. Before
each publish both caches are warmed (the home page fetched twice on each) and the headline is
checked absent; the readers start polling just before the publish is sent, and each latency is
the time from the publish request's response (a redirect, not followed) to the first poll whose
page holds the headline. A negative time is a reader who saw it before the editor's response
arrived.

    .venv/bin/python bench/publish_latency.py [--quick] [--publishes N] [--write]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), Redis on 127.0.0.1:6379 and varnishd
with xkey (apt-get install -y varnish varnish-modules).
"""

import argparse
import http.cookiejar
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/: cache_hits' helpers

from cache_hits import (  # noqa: E402
    ROOT,
    Processes,
    clean_up,
    fetch,
    flush_redis,
    free_port,
    gunicorn,
    load,
    manage,
    stop_on_signals,
    wait_for,
)

DATABASE = "newsroom_bench_latency"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/12"
VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
VCL = ROOT / "deploy" / "varnish" / "default.vcl"
PURGE_SECRET = "a-purge-secret-for-this-run"  # noqa: S105 - FRONT_CACHE_SECRET, both sides
USERNAME, PASSWORD = "bench-editor", "bench-editor-password-1"
HEADING = "## Publish to visible"
GOAL = 1.0
WARMUP_PUBLISHES = 2

SEED = """
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from articles.models import Article, Section

editor = get_user_model().objects.create_user(
    username=USERNAME, password=PASSWORD, is_staff=True
)
editor.groups.add(Group.objects.get(name="Editor"))
sections = list(Section.objects.order_by("position"))
drafts = []
for n in range(COUNT):
    story = Article.objects.create(
        headline=f"Latency probe {n:03d} reaches the harbour",
        standfirst="A story published by bench/publish_latency.py.",
        body="<p>Published to measure how soon readers see it.</p>",
        section=sections[n % len(sections)],
    )
    drafts.append({"pk": story.pk, "headline": story.headline})
print(json.dumps(drafts))
"""


# --- Services --------------------------------------------------------------------------------


def postgres(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=5) as db:
        db.execute(sql)


def create_database() -> None:
    assert DATABASE not in {"newsroom", "test_newsroom"}
    postgres(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    postgres(f'CREATE DATABASE "{DATABASE}"')


def drop_database() -> None:
    postgres(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def varnish(processes: Processes, backend_port: int, work: Path) -> str:
    """varnishd with the shipped VCL, its backend pointed at `backend_port`, as tests do."""
    shipped = VCL.read_text()
    assert '.port = "8000";' in shipped, "the shipped VCL's backend is 127.0.0.1:8000"
    vcl = work / "default.vcl"
    vcl.write_text(shipped.replace('.port = "8000";', f'.port = "{backend_port}";'))
    port = free_port()
    jail = ["-j", "none"] if os.geteuid() == 0 else []  # varnishd's own user cannot read /tmp/x
    log = work / "varnishd.log"
    process = processes.start(
        [VARNISHD, "-F", "-f", vcl, "-a", f"127.0.0.1:{port}", "-n", work / "varnish",
         "-s", "malloc,64m", *jail],
        env={**os.environ, "FRONT_CACHE_SECRET": PURGE_SECRET}, log=log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/healthz", process, log, seconds=20)
    return url


# --- The editor ------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the publish's own response is what is timed


class Editor:
    """Signed in to one app server through the admin's form, posting as the admin's pages do."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.browser = urllib.request.build_opener(cookies)
        self.poster = urllib.request.build_opener(cookies, NoRedirect)
        self.browser.open(f"{base}/admin/login/", timeout=10).read()  # the CSRF cookie
        self.post("/admin/login/?next=/admin/", {"username": USERNAME, "password": PASSWORD})
        if not any(c.name == "sessionid" for c in self.jar):
            raise RuntimeError("the editor's sign-in failed")

    def post(self, path: str, data: dict) -> tuple[int, str]:
        """(status, Location) of a form post, the redirect not followed."""
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.base}{path}", data=body, headers={"Referer": f"{self.base}{path}"}
        )
        try:
            with self.poster.open(request, timeout=30) as answer:
                answer.read()
                return answer.status, answer.headers.get("Location", "")
        except urllib.error.HTTPError as redirect:  # 3xx not followed surface here
            redirect.read()
            return redirect.code, redirect.headers.get("Location", "")

    def messages(self, path: str) -> list[str]:
        with self.browser.open(f"{self.base}{path}", timeout=10) as page:
            html = page.read().decode()
        return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(
            r'<li class="(?:error|warning|success|info)"[^>]*>(.*?)</li>', html, re.S
        )]  # fmt: skip


# --- Readers ---------------------------------------------------------------------------------


class Reader(threading.Thread):
    """Polls one URL until its page holds `text`; `seen` is then the perf_counter() of the
    answer that held it."""

    def __init__(self, url: str, text: str, seconds: float, interval: float):
        super().__init__(daemon=True)
        self.url, self.text, self.seconds, self.interval = url, text, seconds, interval
        self.seen: float | None = None
        self.polls = 0
        self.headers: dict = {}
        self.errors: list[str] = []
        self.started_polling = threading.Event()

    def run(self):
        deadline = time.perf_counter() + self.seconds
        while time.perf_counter() < deadline:
            try:
                status, headers, body = fetch(self.url, timeout=5)
            except OSError as error:
                self.errors.append(str(error))
                status, headers, body = 0, {}, b""
            now = time.perf_counter()
            self.polls += 1
            self.started_polling.set()
            if status == 200 and self.text.encode() in body:
                self.seen, self.headers = now, headers
                return
            if status not in (0, 200):
                self.errors.append(f"answered {status}")
            time.sleep(self.interval)


def warm(urls: list[str], headline: str) -> dict:
    """Fetch each home page twice; what the second fetch said."""
    state = {}
    for url in urls:
        for _ in range(2):
            status, headers, body = fetch(url)
        if status != 200 or headline.encode() in body:
            raise RuntimeError(f"{url}: {status}, headline already there: {headline}")
        state[url] = headers.get("X-Cache", "")
    return state


def measure(options, editor: Editor, homes: dict, drafts: list[dict]) -> dict:
    latencies = {name: [] for name in homes}
    requests, not_hit, late, early, how_seen = [], 0, [], dict.fromkeys(homes, 0), {}
    errors = dict.fromkeys(homes, 0)
    for n, draft in enumerate(drafts):
        counted = n >= WARMUP_PUBLISHES
        warmed = warm(list(homes.values()), draft["headline"])
        if warmed[homes["through Varnish"]] != "hit":
            not_hit += counted
        readers = {
            name: Reader(url, draft["headline"], options.timeout, options.interval)
            for name, url in homes.items()
        }
        for reader in readers.values():
            reader.start()
        for reader in readers.values():
            reader.started_polling.wait(5)
        sent = time.perf_counter()
        status, location = editor.post(
            f"/admin/articles/article/{draft['pk']}/workflow/publish/", {"comment": ""}
        )
        answered = time.perf_counter()
        if status != 302:
            raise RuntimeError(f"publishing {draft['pk']} answered {status}")
        for reader in readers.values():
            reader.join(options.timeout + 10)
        if any(r.seen is None for r in readers.values()):
            said = editor.messages(location) if location.startswith("/") else []
            late.append((draft["headline"], {k: r.polls for k, r in readers.items()}, said))
        if not counted:
            continue
        requests.append(answered - sent)
        for name, reader in readers.items():
            errors[name] += len(reader.errors)
            if reader.seen is not None:
                latencies[name].append(reader.seen - answered)
                early[name] += reader.seen < answered
        x_cache = readers["through Varnish"].headers.get("X-Cache", "not seen")
        how_seen[x_cache] = how_seen.get(x_cache, 0) + 1
    return {
        "latencies": latencies,
        "requests": requests,
        "varnish_not_hit_after_warming": not_hit,
        "not_seen": late,
        "seen_before_response": early,
        "reader_errors": errors,
        "how_seen": how_seen,
    }


def percentile(values: list[float], p: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def table(figures: dict, publishes: int) -> str:
    lines = [
        "| reader | seen | p50 | p99 | max | min |",
        "|---|---|---|---|---|---|",
    ]
    for name, values in figures["latencies"].items():
        if not values:
            lines.append(f"| {name} | 0/{publishes} | - | - | - | - |")
            continue
        p50, p99 = percentile(values, 50), percentile(values, 99)
        lines.append(
            f"| {name} | {len(values)}/{publishes} | {p50 * 1000:.0f} ms | "
            f"{p99 * 1000:.0f} ms{'' if p99 < GOAL else ' (over goal)'} | "
            f"{max(values) * 1000:.0f} ms | {min(values) * 1000:.0f} ms |"
        )
    requests = figures["requests"]
    lines.append(
        f"| (the publish request itself) | {len(requests)} | "
        f"{percentile(requests, 50) * 1000:.0f} ms | {percentile(requests, 99) * 1000:.0f} ms | "
        f"{max(requests) * 1000:.0f} ms | {min(requests) * 1000:.0f} ms |"
    )
    return "\n".join(lines)


def report(figures: dict, options, loads: tuple[str, str]) -> str:
    notes = []
    if figures["varnish_not_hit_after_warming"]:
        notes.append(
            f"Varnish's second warming fetch was not a hit "
            f"{figures['varnish_not_hit_after_warming']} times"
        )
    for headline, polls, said in figures["not_seen"]:
        notes.append(f"not seen within {options.timeout:g} s: {headline} (polls {polls}; {said})")
    for name, count in figures["seen_before_response"].items():
        if count:
            notes.append(f"{name}: seen before the editor's response arrived {count} times")
    for name, count in figures["reader_errors"].items():
        if count:
            notes.append(f"{name}: {count} polls failed or answered other than 200")
    seen = ", ".join(f"{x_cache} {n} times" for x_cache, n in figures["how_seen"].items())
    return f"""{HEADING}

`bench/publish_latency.py` runs two gunicorns (`deploy/gunicorn.conf.py`, 2 workers each) on
one PostgreSQL database and Redis, and varnishd (`deploy/varnish/default.vcl`) in front of the
second. An editor publishes {options.publishes} drafts one by one through the admin on the first
server (after {WARMUP_PUBLISHES} unmeasured ones); before each, the home page is fetched twice
on the second server and through Varnish (both caches warm, headline absent). Readers poll the
home page every {options.interval * 1000:g} ms from just before the publish is sent; the time is
from the publish's response to the first page holding the headline. Goal: under {GOAL:g} s. On
{platform.machine()} with Python {platform.python_version()}, {os.cpu_count()} cores; load average
{loads[0]} before, {loads[1]} after.

{table(figures, options.publishes)}

Varnish's answer that first held the headline was a {seen} (X-Cache).
{"".join(f"{chr(10)}- {n}" for n in notes)}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 publishes")
    parser.add_argument("--publishes", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=10, help="seconds to wait per publish")
    parser.add_argument("--interval", type=float, default=0.005, help="seconds between polls")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--write", action="store_true", help="also rewrite docs/benchmarks.md")
    options = parser.parse_args()
    if options.quick:
        options.publishes, options.timeout = 10, 5
    if not Path(VARNISHD).exists():
        sys.exit("varnishd is not installed: apt-get install -y varnish varnish-modules")
    stop_on_signals()
    work = Path(tempfile.mkdtemp(prefix="bench-publish-latency-"))
    processes = Processes()
    created = flushed = False
    loads = (load(), "")
    try:
        print(f"Load average at the start: {loads[0]} ({os.cpu_count()} cores)", flush=True)
        flushed = True  # from here on, db 12 is emptied at the end
        if not flush_redis(REDIS_URL):
            sys.exit(f"no Redis answers at {REDIS_URL}")
        created = True  # and the database dropped (if it exists)
        create_database()
        env = {
            key: value
            for key, value in os.environ.items()
            if key
            not in {
                "FRONT_CACHE_URLS",
                "FRONT_CACHE_SECRET",
                "DJANGO_DEBUG",
                "DJANGO_SETTINGS_MODULE",
            }
        }
        env.update(
            DJANGO_SETTINGS_MODULE="tests.settings",
            DATABASE_URL=f"{POSTGRES}/{DATABASE}",
            REDIS_URL=REDIS_URL,
            MEDIA_ROOT=str(work / "media"),
        )
        manage(env, "migrate", "--verbosity", "0")
        manage(env, "seed_demo")
        count = options.publishes + WARMUP_PUBLISHES
        code = SEED.replace("USERNAME", repr(USERNAME)).replace("PASSWORD", repr(PASSWORD))
        drafts = json.loads(
            manage(env, "shell", "-c", code.replace("COUNT", str(count))).strip().splitlines()[-1]
        )
        flush_redis(REDIS_URL)  # nothing kept from the setup's own requests
        reader_url = gunicorn(processes, env, 2, work / "server-b.log")
        front_url = varnish(processes, int(reader_url.rsplit(":", 1)[1]), work)
        editor_url = gunicorn(
            processes,
            {**env, "FRONT_CACHE_URLS": front_url, "FRONT_CACHE_SECRET": PURGE_SECRET},
            2,
            work / "server-a.log",
        )
        print(f"A {editor_url} (editor), B {reader_url}, Varnish {front_url} -> B", flush=True)
        editor = Editor(editor_url)
        homes = {"server B": f"{reader_url}/", "through Varnish": f"{front_url}/"}
        figures = measure(options, editor, homes, drafts)
        loads = (loads[0], load())
        server_log = "".join((work / f"server-{s}.log").read_text(errors="replace") for s in "ab")
        figures["server_warnings"] = [
            line for line in server_log.splitlines() if "WARNING" in line or "Error" in line
        ][:10]
    finally:
        clean_up(
            processes.stop_all,
            lambda: created and drop_database(),
            lambda: flushed and flush_redis(REDIS_URL),
            lambda: print(f"Kept {work}") if options.keep else shutil.rmtree(work, True),
        )
    text = report(figures, options, loads)
    if figures["server_warnings"]:
        text += "\nServer log:\n\n" + "\n".join(f"    {w}" for w in figures["server_warnings"])
    print()
    print(text)
    if options.write:
        from results import write_section

        write_section(HEADING, text)


if __name__ == "__main__":
    main()
