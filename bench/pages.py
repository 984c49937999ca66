"""Public pages drawn from nothing at two archive sizes: the same URLs, 1,000 and 100,000 stories.

Builds a throwaway database (an SQLite file, or a database of its own on the PostgreSQL server
DATABASE_URL names, created and dropped here), loads a newsroom's shape with bulk_create
(12 sections, two with nothing published; 300 authors; 2,000 tags in use and 10,000 unused;
1 to 3 bylines and 2 to 6 tags a story; drafts, stories in review, scheduled, due and withdrawn
ones), then times the home page, section, author, tag and article pages, feeds, sitemaps and a
search at each size. A larger size adds older stories to the smaller one (the archive grows
backwards, 70 stories a day), so each URL shows the same newest stories at every size and only
the archive behind them changes.

Every request draws its page: the page cache is emptied before each one (cache.clear()), and
the next scheduled story's time, which the page cache keeps in the cache too, is looked up
again before the timing starts (production looks it up once after each change, not per page).
Requests go through Django's test client, so middleware, routing, the page cache's miss path,
the view and its templates are all in the figure: what an app server spends on a cache miss.
Calling the views with a RequestFactory would not bypass the cache (the page cache decorates
them) and would leave out the middleware every reader's request passes through.

Times are medians of many runs after a warm-up run, and only their ratio from one run on one
machine means anything (this machine is shared). Each size is kept in its own copy of the
database, and the sizes take turns round after round, so a slow spell of the machine falls on
both sizes rather than on whichever was measured last. A request still running after --deadline
seconds is stopped (its running query interrupted) and shown as over it. For every page that
grows by more than GOAL, the SQL it runs at the largest size is printed with the database's
plan (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE), slowest first. Prints a
Markdown table and rewrites this database's "Page cost ..." section of docs/benchmarks.md.

    .venv/bin/python bench/pages.py [--sizes 1000 100000] [--runs N] [--no-write] [--no-explain]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench .venv/bin/python bench/pages.py
"""

import argparse
import functools
import gc
import html
import io
import logging
import platform
import random
import re
import shutil
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from throwaway import (  # noqa: E402  (bench/ is on sys.path when run)
    FIRST,
    LAST,
    WORDS,
    drop_database,
    pg_admin,
    sentence,
    setup_database,
)

GOAL = 1.3  # the largest size may cost at most this much more than the smallest
STORIES_PER_DAY = 70
BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SECTIONS = [  # name, share of the published stories
    ("News", 24), ("Politics", 14), ("Business", 12), ("World", 11), ("Sport", 10),
    ("Culture", 8), ("Science", 6), ("Health", 6), ("Opinion", 5), ("Travel", 4),
    ("Education", 0),  # drafts and withdrawn stories only: no page, not in the navigation
    ("Obituaries", 0),  # nothing at all
]  # fmt: skip
AUTHORS = 300
TAGS_IN_USE = 2_000
TAGS_UNUSED = 10_000
IMAGES = 200
RARE_WORD = "lighthouse"  # in ten of the newest stories only: the same matches at every size


# --- One copy of the database a size -----------------------------------------------------------


def snapshot(size: int, admin_url: str | None) -> str:
    """A copy of the database as loaded now, for measuring this size while more is loaded
    into the original; returns the copy's NAME."""
    from django.db import connection, connections

    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the whole database in one file
        connections.close_all()
        copy = str(Path(name).with_name(f"at-{size}.sqlite3"))
        shutil.copyfile(name, copy)
    else:
        connections.close_all()
        copy = f"{name}_at_{size}"
        pg_admin(admin_url, f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    return copy


def use(name: str) -> None:
    """Point Django's connection at another of the databases (one copy per size)."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = name


# --- The archive ------------------------------------------------------------------------------


def zipf(count: int, power: float) -> list[float]:
    """Weights of a few very busy items and a long tail, like real bylines and tags."""
    return [1 / (rank + 1) ** power for rank in range(count)]


class Archive:
    """The rows stories refer to, made once; then stories in batches, each older than the last."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.made = 0  # stories of every state so far; the next batch continues backwards
        self.newest = None  # the newest story's time, fixed by the first batch
        self.bodies = [self._body() for _ in range(200)]

    def _body(self) -> str:
        paragraphs = [" ".join(sentence(self.rng, 18) for _ in range(2)) for _ in range(4)]
        return "".join(f"<p>{p}</p>" for p in paragraphs)

    def make_fixed_rows(self) -> None:
        from articles.models import Author, Section, Tag
        from photos.models import Image

        rng = self.rng
        self.sections = Section.objects.bulk_create(
            Section(name=name, slug=name.lower(), position=n, description=f"{name} stories.")
            for n, (name, _) in enumerate(SECTIONS)
        )
        self.section_weights = [share for _, share in SECTIONS]
        self.authors = Author.objects.bulk_create(
            Author(name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}", slug=f"author-{n}",
                   job_title="Reporter", bio=sentence(rng, 30))
            for n in range(AUTHORS)
        )  # fmt: skip
        self.author_weights = zipf(AUTHORS, 0.8)
        pairs = [f"{a} {b}" for a in WORDS for b in WORDS if a != b]
        rng.shuffle(pairs)
        names = pairs + [f"{pair} {n}" for n in range(2, 5) for pair in pairs]
        self.tags = Tag.objects.bulk_create(
            (Tag(name=name, slug=name.replace(" ", "-"))
             for name in names[: TAGS_IN_USE + TAGS_UNUSED]),
            batch_size=2000,
        )  # fmt: skip
        self.tag_weights = zipf(TAGS_IN_USE, 0.8)
        original = make_photo()
        self.images = Image.objects.bulk_create(
            Image(
                file=original.file.name, width=original.width, height=original.height,
                alt=f"Photo {n}", caption=sentence(rng, 10), credit="Staff",
                content_hash=original.content_hash, renditions=original.renditions,
                rendition_key=original.rendition_key,
            )
            for n in range(IMAGES)
        )  # fmt: skip

    def add_stories(self, published: int) -> None:
        """`published` more public stories, older than every one so far, with the drafts,
        stories in review and withdrawn ones (2%, 1%, 1%) a newsroom has beside them; the first
        batch also has six scheduled stories, three of them due."""
        from django.utils import timezone

        from articles.models import Article, ArticleAuthor, Correction, TaggedArticle

        rng, state = self.rng, Article.State
        first_batch = self.newest is None
        if first_batch:
            self.newest = timezone.now() - timedelta(minutes=5)
        gap = timedelta(days=1) / STORIES_PER_DAY
        hidden = max(1, published // 100)
        states = [state.PUBLISHED] * published + [state.DRAFT] * 2 * hidden
        states += [state.REVIEW] * hidden + [state.WITHDRAWN] * hidden
        states += [state.SCHEDULED] * 6 if first_batch else []
        rng.shuffle(states)
        articles, scheduled = [], 0
        for n, story_state in enumerate(states):
            number = self.made + n
            when = self.newest - gap * number + timedelta(seconds=rng.randint(0, 600))
            if story_state == state.SCHEDULED:  # due and to come, alternately
                scheduled += 1
                when = self.newest + timedelta(hours=(-1) ** scheduled * rng.randint(1, 30))
            section = rng.choices(self.sections, self.section_weights)[0]
            if story_state in (state.DRAFT, state.WITHDRAWN) and rng.random() < 0.1:
                section = self.sections[-2]  # the section with nothing published
            headline = sentence(rng, rng.randint(6, 10))[:-1]
            body = self.bodies[number % len(self.bodies)]
            if first_batch and number % 100 == 7:
                body += f"<p>The old {RARE_WORD} keeper spoke at the harbour.</p>"
            articles.append(
                Article(
                    headline=headline,
                    slug=f"{'-'.join(headline.lower().split()[:5])}-{number}",
                    standfirst=sentence(rng, 24),
                    body=body,
                    word_count=len(re.sub("<[^>]+>", " ", body).split()),
                    section=section,
                    hero_image=rng.choice(self.images) if rng.random() < 0.6 else None,
                    state=story_state,
                    published_at=None if story_state in (state.DRAFT, state.REVIEW) else when,
                    updated_at=when + timedelta(hours=3) if rng.random() < 0.1 else None,
                    homepage_priority=(5 - number) if first_batch and number < 5 else 0,
                    canonical_url="https://wire.example.com/a" if rng.random() < 0.01 else "",
                )
            )
        Article.objects.bulk_create(articles, batch_size=1000)
        self.made += len(states)
        bylines, tagged, dated = [], [], []
        in_use, public = self.tags[:TAGS_IN_USE], 0
        for article in articles:
            # The first batch's public stories carry every author and every tag in use, so the
            # sitemaps list the same authors and tags at every size.
            authors, tags = [], []
            if first_batch and article.state == state.PUBLISHED:
                authors, tags = self.authors[public : public + 1], in_use[2 * public :][:2]
                public += 1
            count = rng.choice([1] * 14 + [2] * 5 + [3])
            authors += rng.choices(self.authors, self.author_weights, k=count - len(authors))
            article.byline_names = list(dict.fromkeys(authors))
            bylines += [ArticleAuthor(article=article, author=a, position=p,
                                       published_at=article.published_at)
                        for p, a in enumerate(article.byline_names)]  # fmt: skip
            tags += rng.choices(in_use, self.tag_weights, k=rng.randint(2, 6) - len(tags))
            article.tag_list = list(dict.fromkeys(tags))
            tagged += [
                TaggedArticle(content_object=article, tag=t, published_at=article.published_at)
                for t in article.tag_list
            ]
            if article.published_at and article.published_at <= self.newest:
                dated.append(article)
        ArticleAuthor.objects.bulk_create(bylines, batch_size=2000)
        TaggedArticle.objects.bulk_create(tagged, batch_size=2000)
        Correction.objects.bulk_create(
            Correction(article=a, text="An earlier version misspelled a name.",
                       published_at=a.published_at + timedelta(hours=2))
            for a in rng.sample(dated, len(dated) // 100)
        )  # fmt: skip
        Article.related.through.objects.bulk_create(
            Article.related.through(from_article=a, to_article=rng.choice(dated))
            for a in rng.sample(dated, len(dated) // 50)
        )
        index_for_search(articles)
        settle()


def make_photo():
    """One real photo with its renditions; the other Image rows share its files."""
    from django.core.files.base import ContentFile
    from PIL import Image as Pillow

    from photos.models import Image

    out = io.BytesIO()
    Pillow.linear_gradient("L").resize((1700, 1000)).convert("RGB").save(out, "JPEG")
    image = Image(alt="A harbour at dawn", caption="The harbour.")
    image.file = ContentFile(out.getvalue(), name="photo.jpg")
    image.store_upload()
    return image


@functools.cache
def plain_text(body: str) -> str:
    from django.utils.html import strip_tags

    return html.unescape(strip_tags(body))


def index_for_search(articles, batch: int = 500) -> None:
    """The search index of bulk-loaded stories (no save(), no signals). PostgreSQL: the app's
    own indexing, done in the database. SQLite: the rows SqliteSearch.index() writes, made
    from the objects in hand, since its per-story queries and HTML stripping would take most
    of the load time (the bodies repeat, so each is stripped once)."""
    from django.db import connection

    from articles import search

    if connection.vendor != "sqlite":
        pks = [a.pk for a in articles]
        for start in range(0, len(pks), batch):
            search.index_articles(pks[start : start + batch])
        return
    rows = [
        (
            a.pk,
            a.headline,
            " ".join(sorted(t.name for t in a.tag_list)),  # Tag's ordering is by name
            " ".join(author.name for author in a.byline_names),
            a.standfirst,
            plain_text(a.body),
        )
        for a in articles
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {search.SqliteSearch.table} "  # noqa: S608
            "(rowid, headline, tags, authors, standfirst, body) VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )


def settle() -> None:
    """What a production database has soon after a bulk load: PostgreSQL's autovacuum has
    analysed the tables and set the visibility map; on SQLite, import_articles has run
    ANALYZE (newsroom/statistics.py)."""
    from django.db import connection

    from newsroom import statistics

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    statistics.analyse()


# --- The pages --------------------------------------------------------------------------------


def page_urls() -> dict[str, str]:
    """The URLs measured, chosen at the first size and kept: the biggest section, the busiest
    author and tag, and the newest story carrying that tag (the most related candidates)."""
    from django.db.models import Count

    from articles.models import Article, Author, Section, Tag

    section = Section.objects.annotate(n=Count("articles")).order_by("-n", "pk").first()
    author = Author.objects.annotate(n=Count("bylines")).order_by("-n", "pk").first()
    tag = Tag.objects.annotate(n=Count("tagged_articles")).order_by("-n", "pk").first()
    story = Article.objects.published().filter(tagged_articles__tag=tag).first()
    return {
        "home": "/",
        "section, page 1": section.get_absolute_url(),
        "section, page 2": section.get_absolute_url() + "?page=2",
        "author": author.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "article": story.get_absolute_url(),
        "/feed/": "/feed/",
        "section feed": f"{section.get_absolute_url()}feed/",
        "/sitemap.xml": "/sitemap.xml",
        "/sitemap-articles.xml (page 1)": "/sitemap-articles.xml",
        "/sitemap-tags.xml": "/sitemap-tags.xml",
        "/news-sitemap.xml": "/news-sitemap.xml",
        "search, a rare word": f"/search/?q={RARE_WORD}",
        "control: /robots.txt, no query": "/robots.txt",
    }


def empty_page_cache() -> None:
    """No page kept: the next request draws its page. The next scheduled story's time, kept in
    the cache too, is looked up again here, outside the request and its timing."""
    from django.core.cache import cache

    from articles import caching

    cache.clear()
    caching.seconds_to_next_scheduled()


class Deadline:
    """Interrupts the running query once `seconds` have passed (the timer runs in another
    thread, so it holds the driver's connection, not Django's per-thread one)."""

    def __init__(self, seconds: float):
        from django.db import connection

        connection.ensure_connection()
        self.vendor, self.raw = connection.vendor, connection.connection
        self.seconds, self.fired = seconds, False

    def __enter__(self):
        self.timer = threading.Timer(self.seconds, self._fire)
        if self.seconds:
            self.timer.start()
        return self

    def _fire(self):
        self.fired = True
        if self.vendor == "sqlite":
            self.raw.interrupt()
        else:
            self.raw.cancel_safe()

    def __exit__(self, *exc):
        self.timer.cancel()


def draw(client, url: str, deadline: float, emptied: bool = False) -> float | None:
    """Seconds to draw the page from nothing; None if stopped at the deadline."""
    from django.db import DatabaseError

    if not emptied:
        empty_page_cache()
    with Deadline(deadline) as limit:
        start = time.perf_counter()
        try:
            response = client.get(url)
        except DatabaseError:
            if limit.fired:
                return None
            raise
        elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed


class Recorder:
    """Each query's SQL and parameters as they ran (an execute_wrapper), to time and EXPLAIN
    it on its own. The times CaptureQueriesContext notes are not enough: they end when
    `execute` returns, and SQLite does much of a query's work in the fetches after it."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        self.queries.append((sql, params))
        return execute(sql, params, many, context)


def recorded_draw(client, url: str, deadline: float) -> tuple[float | None, int, list]:
    """One draw with its query count (CaptureQueriesContext) and each query as it ran."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    recorder = Recorder()
    empty_page_cache()
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(recorder):
        elapsed = draw(client, url, deadline, emptied=True)
    return elapsed, len(captured), recorder.queries


def query_time(sql: str, params, deadline: float) -> float | None:
    """Seconds to run one query and fetch all its rows (median of 3, or 1 if over a second);
    None if stopped at the deadline."""
    from django.db import DatabaseError, connection

    times = []
    with connection.cursor() as cursor:
        while len(times) < 3 and sum(times) < 1:
            with Deadline(deadline) as limit:
                start = time.perf_counter()
                try:
                    cursor.execute(sql, params)
                    cursor.fetchall()
                except DatabaseError:
                    if limit.fired:
                        return None
                    raise
                times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_queries(page: dict, deadline: float) -> list:
    """The page's queries, each with its time on its own (kept on the page)."""
    if "timed" not in page:
        page["timed"] = [
            (sql, params, query_time(sql, params, deadline)) for sql, params in page["sql"]
        ]
    return page["timed"]


def measure(urls: dict[str, str], copies: dict[int, str], runs: int, budget: float,
            deadline: float) -> dict[int, dict]:  # fmt: skip
    """Median time and queries of each page at each size. The first draw of a page warms it
    up and records its SQL; a page over the deadline stops there. Then the sizes take turns,
    a round of every page each, and so do the pages within a round, so the noise of this
    shared machine falls on all alike rather than on whichever size came last; a page stops
    once it has had `budget` seconds and 5 runs (3 when one draw takes more than a fifth of
    the budget)."""
    from django.test import Client

    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # a stopped page is no news
    client = Client(SERVER_NAME="localhost")
    results = {}
    for size, copy in copies.items():
        use(copy)
        pages = results[size] = {}
        for name, url in urls.items():
            elapsed, count, queries = recorded_draw(client, url, deadline)
            page = pages[name] = {"url": url, "queries": count, "sql": queries, "times": []}
            page["over"] = elapsed is None or elapsed > deadline
            page["enough"] = 3 if page["over"] or elapsed > budget / 5 else 5
    for _ in range(runs):
        for size, copy in copies.items():
            use(copy)
            draw(client, urls["home"], deadline)  # a new connection's first queries, untimed
            for page in results[size].values():
                times = page["times"]
                if page["over"] or (len(times) >= page["enough"] and sum(times) > budget):
                    continue
                elapsed = draw(client, page["url"], deadline)
                if elapsed is None:
                    page["over"] = True
                else:
                    times.append(elapsed)
    for pages in results.values():
        for page in pages.values():
            page["median_ms"] = None if page["over"] else statistics.median(page["times"]) * 1000
    return results


# --- Why a page grows -------------------------------------------------------------------------


def explain(sql: str, params, seconds: float | None, deadline: float) -> str:
    """The plan; on PostgreSQL with ANALYZE unless the query takes more than a few seconds."""
    from django.db import connection

    if connection.vendor == "sqlite":
        prefix = "EXPLAIN QUERY PLAN "
    else:
        prefix = "EXPLAIN ANALYZE " if seconds is not None and seconds < 5 else "EXPLAIN "
    with connection.cursor() as cursor, Deadline(deadline):
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        note = "" if prefix == "EXPLAIN ANALYZE " else "(no ANALYZE: the query is too slow)\n"
        return note + "\n".join(row[0] for row in rows)
    depth, lines = {0: -1}, []
    for node, parent, _, detail in rows:  # indented by depth, as the sqlite3 shell shows it
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return "\n".join(lines)


def shown(sql: str, params) -> str:
    """The statement as it ran, its column list shortened: enough to recognise it."""
    from django.db import connection

    if connection.vendor == "postgresql":
        text = connection.ops.compose_sql(sql, params)
    else:
        with connection.cursor() as cursor:
            text = connection.ops.last_executed_query(cursor, sql, params)
    return re.sub(r"^SELECT (?!COUNT)(.{80,}?) FROM ", "SELECT … FROM ", text, count=1)


def ratio(small: dict, large: dict, deadline: float) -> float:
    if large["median_ms"] is None:
        return deadline * 1000 / small["median_ms"]
    return large["median_ms"] / small["median_ms"]


def diagnose(small: dict, large: dict, deadline: float, limit: int = 3) -> list[str]:
    """For each page over the goal: its slowest queries at the largest size, each with its time
    at the smallest (same position in the page's queries) and its plan."""
    out = []
    for name, page in large.items():
        growth = ratio(small[name], page, deadline)
        if growth <= GOAL:
            continue
        before = time_queries(small[name], deadline)
        queries = time_queries(page, deadline)
        over = ", stopped at the deadline" if page["over"] else ""
        out += [f"### {name}: {growth:.1f}x ({page['queries']} queries{over})", ""]
        slowest = sorted(enumerate(queries), key=lambda q: -(q[1][2] or deadline))[:limit]
        for position, (sql, params, seconds) in slowest:
            then = before[position][2] if position < len(before) else None
            out += [
                f"Query {position + 1} of {len(queries)}: {milliseconds(seconds, deadline)} "
                f"on its own, was {milliseconds(then, deadline)}",
                "",
                "```sql",
                shown(sql, params),
                "```",
                "",
                "```",
                explain(sql, params, seconds, deadline),
                "```",
                "",
            ]
    return out


def milliseconds(seconds: float | None, deadline: float) -> str:
    return f"> {deadline * 1000:,.0f} ms" if seconds is None else f"{seconds * 1000:,.2f} ms"


# --- Report -----------------------------------------------------------------------------------


def table(results: dict[int, dict], sizes: list[int], deadline: float) -> list[str]:
    heads = " | ".join(f"ms at {size:,}" for size in sizes)
    rows = [f"| page | queries | {heads} | ratio |", "|---|---|" + "---|" * (len(sizes) + 1)]
    for name, first in results[sizes[0]].items():
        pages = [results[size][name] for size in sizes]
        counts = [f"≥ {p['queries']}" if p["over"] else str(p["queries"]) for p in pages]
        queries = counts[0] if len(set(counts)) == 1 else " → ".join(counts)
        times = " | ".join(
            f"> {deadline * 1000:,.0f}" if p["over"] else f"{p['median_ms']:,.1f}" for p in pages
        )
        growth = ratio(first, pages[-1], deadline)
        shown = f"{'> ' if pages[-1]['over'] else ''}{growth:,.{1 if growth > 10 else 2}f}x"
        rows.append(
            f"| {name} | {queries} | {times} | {f'**{shown}**' if growth > GOAL else shown} |"
        )
    return rows


def heading(vendor: str) -> str:
    return f"## Page cost as the archive grows, on {BACKENDS.get(vendor, vendor)}"


def section(results: dict, sizes: list[int], options, built: dict) -> str:
    from django.db import connection

    small, large = results[sizes[0]], results[sizes[-1]]
    over = [n for n in small if ratio(small[n], large[n], options.deadline) > GOAL]
    loads = ", ".join(f"{size:,} in {seconds:.0f} s" for size, seconds in built.items())
    analysed = "VACUUM ANALYZE after each load, as autovacuum would"
    if connection.vendor == "sqlite":
        analysed = "then ANALYZE, as import_articles runs"
    rows = "\n".join(table(results, sizes, options.deadline))
    return f"""{heading(connection.vendor)}

`bench/pages.py` draws each public page from nothing (the page cache emptied before every
request; through Django's test client, so middleware, view and templates count) at
{" and ".join(f"{s:,}" for s in sizes)} published stories. A larger archive adds older stories
behind the same newest ones (12 sections, two with nothing published; 300 authors; 2,000 tags
in use and 10,000 unused; 1 to 3 bylines and 2 to 6 tags a story; drafts, stories in review,
withdrawn and scheduled ones), so each URL shows the same stories at every size. Each size
has its own copy of the database and the sizes take turns, a round of every page each. Median
of up to {options.runs} runs after a warm-up, on {platform.machine()} with Python
{platform.python_version()}; one process, on a shared machine: the ratio is the figure, not the
times. A request still running after {options.deadline:.0f} s was stopped. The goal is at
most {GOAL}x.

{rows}

Over the goal: {", ".join(over) or "none"}. Loading took {loads} (bulk_create and the search
index; {analysed}).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--runs", type=int, default=15, help="most timed runs of a page a size")
    parser.add_argument("--budget", type=float, default=5.0, help="seconds a page a size")
    parser.add_argument("--deadline", type=float, default=30.0, help="0: never stop a request")
    parser.add_argument("--no-explain", action="store_true", help="no plans of slow queries")
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args()
    sizes = sorted(set(options.sizes))
    if len(sizes) < 2:
        parser.error("give at least two sizes")

    dropped = setup_database("pages", SITE_URL="http://localhost:8000", ALLOWED_HOSTS="localhost")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from results import write_section  # bench/ is on sys.path when run

        call_command("migrate", verbosity=0)
        archive = Archive()
        archive.make_fixed_rows()
        built, copies, urls, loaded = {}, {}, None, 0
        for size in sizes:
            started = time.perf_counter()
            archive.add_stories(size - loaded)
            built[size], loaded = time.perf_counter() - started, size
            urls = urls or page_urls()
            print(f"{size:,} published stories loaded in {built[size]:.0f} s", file=sys.stderr)
            copies[size] = snapshot(size, dropped[1])
        gc.collect()
        gc.freeze()  # the loader's objects are no app server's: no collection walks them
        results = measure(urls, copies, options.runs, options.budget, options.deadline)
        if not options.no_explain:
            use(copies[sizes[0]])
            for page in results[sizes[0]].values():
                time_queries(page, options.deadline)
            use(copies[sizes[-1]])  # diagnose() times and explains there
        text = section(results, sizes, options, built)
        print(text)
        if not options.no_explain:
            print("\n".join(diagnose(results[sizes[0]], results[sizes[-1]], options.deadline)))
        if not options.no_write:
            write_section(heading(connection.vendor), text)
    finally:
        drop_database(*dropped)


if __name__ == "__main__":
    main()
