"""What drawing a public page costs as the archive grows: the same URLs at 1,000 and 100,000 stories.

Builds a throwaway database (an SQLite file, or a database of its own on the PostgreSQL server
DATABASE_URL names, created and dropped here), loads a newsroom's shape with bulk_create
(12 sections, two of them with nothing published; 300 authors; 2,000 tags in use and 10,000
unused; 1 to 3 bylines and 2 to 6 tags a story; drafts, stories in review, scheduled, due and
withdrawn), then times the home page, section, author, tag and article pages, feeds, sitemaps
and a search at each size. The larger size adds older stories to the smaller one (the archive
grows backwards, about 70 stories a day), so the same URLs show the same newest stories and
only the archive behind them changes.

Every request draws its page: the page cache is emptied before each one (cache.clear()), and
the next scheduled story's time, which the page cache keeps in the cache too, is looked up
again outside the timing, as it is once after each change in production. Requests go through
Django's test client, so middleware, routing, the page cache's miss path and templates are all
in the figure: what an app server spends on a cache miss, without the network.

Times are medians of many runs after warm-up runs, and only their ratio from one run on one
machine means anything (this machine is shared). For every page whose median grows by more
than GOAL, the SQL it runs at the largest size is printed with the database's plan (SQLite:
EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE), slowest queries first. Prints a Markdown table
and rewrites this database's "Page cost ..." section of docs/benchmarks.md.

    .venv/bin/python bench/pages.py [--sizes 1000 100000] [--runs N] [--no-write] [--no-explain]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench .venv/bin/python bench/pages.py
"""

import argparse
import io
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL = 1.3  # the largest size may cost at most this much more than the smallest
STORIES_PER_DAY = 70
BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SECTIONS = [  # name, share of the stories; the last two never have a published story
    ("News", 24), ("Politics", 14), ("Business", 12), ("World", 11), ("Sport", 10),
    ("Culture", 8), ("Science", 6), ("Health", 6), ("Opinion", 5), ("Travel", 4),
    ("Education", 0), ("Obituaries", 0),
]  # fmt: skip
AUTHORS = 300
TAGS_IN_USE = 2_000
TAGS_UNUSED = 10_000
IMAGES = 200
RARE_WORD = "lighthouse"  # only in the newest stories: a search with the same matches at every size
WORDS = (  # noqa: SIM905
    "council harbour bridge budget vote school hospital rain storm ferry market shares "
    "police court minister election report water energy housing transport festival music "
    "football match coach season player farmer drought river museum library theatre film "
    "company workers strike union price tax road railway airport tourism fishing science "
    "research university student teacher climate forest wildlife health doctor nurse "
    "community volunteer church family children history archive mayor planning street park"
).split()
FILLER = "the a of and to in is was for on that with as by at from it be this have".split()  # noqa: SIM905
FIRST = "Ada Ben Chloe Dev Elena Farid Grace Hugo Ines Jonas Kemi Liam Maya Noor Omar".split()  # noqa: SIM905
LAST = "Adams Byrne Chen Diaz Evans Fischer Gupta Haddad Ito Jensen Khan Lopez Moreau".split()  # noqa: SIM905


def setup_database() -> tuple[str, str | None, tempfile.TemporaryDirectory]:
    """Point Django at a throwaway database before it starts; returns what to drop at the end.

    PostgreSQL: the database named in DATABASE_URL, which must have "bench" in its name (others
    on the server belong to people, and this one is dropped); SQLite (or no DATABASE_URL): a
    file in a temporary folder.
    """
    folder = tempfile.TemporaryDirectory(prefix="bench-pages-")
    url = os.environ.get("DATABASE_URL", "")
    admin_url = None
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        if "bench" not in name:
            sys.exit(f"DATABASE_URL names {name!r}: give this benchmark a database of its own, "
                     "with 'bench' in its name (it is created and dropped), e.g. newsroom_bench")  # fmt: skip
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(admin_url, f'CREATE DATABASE "{name}"')
    else:
        url = f"sqlite:///{Path(folder.name) / 'bench.sqlite3'}"
        name = None
    os.environ["DATABASE_URL"] = url
    os.environ["MEDIA_ROOT"] = str(Path(folder.name) / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"  # debug off, no collectstatic
    os.environ["SITE_URL"] = "http://localhost:8000"
    os.environ["ALLOWED_HOSTS"] = "localhost"
    for variable in ("REDIS_URL", "DJANGO_DEBUG", "FRONT_CACHE_URLS"):
        os.environ.pop(variable, None)  # local-memory cache, production settings, no purges
    return name, admin_url, folder


def _pg_admin(admin_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as db:
        db.execute(statement)


def drop_database(name, admin_url, folder) -> None:
    from django.db import connections

    connections.close_all()
    if admin_url:
        _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    folder.cleanup()


# --- The archive ------------------------------------------------------------------------------


def sentence(rng: random.Random, words: int) -> str:
    picks = [rng.choice(WORDS) if rng.random() < 0.35 else rng.choice(FILLER) for _ in range(words)]
    return " ".join(picks).capitalize() + "."


def zipf(count: int, power: float) -> list[float]:
    """Weights of a few very busy items and a long tail, like real bylines and tags."""
    return [1 / (rank + 1) ** power for rank in range(count)]


class Archive:
    """The rows stories refer to, made once; stories are added oldest last, in batches."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.made = 0  # stories of every state so far; the next batch continues backwards
        self.newest = None  # the time of the newest story, fixed at the first batch
        self.bodies = [self._body() for _ in range(200)]

    def _body(self) -> str:
        rng = self.rng
        paragraphs = [" ".join(sentence(rng, 18) for _ in range(2)) for _ in range(4)]
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
            Author(
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}",
                slug=f"author-{n}",
                job_title="Reporter",
                bio=sentence(rng, 30),
            )
            for n in range(AUTHORS)
        )
        self.author_weights = zipf(AUTHORS, 0.8)
        words = [f"{a} {b}" for a in WORDS for b in WORDS if a != b]
        rng.shuffle(words)
        names = words[: TAGS_IN_USE + TAGS_UNUSED]
        self.tags = Tag.objects.bulk_create(
            (Tag(name=name, slug=name.replace(" ", "-")) for name in names), batch_size=2000
        )
        self.tag_weights = zipf(TAGS_IN_USE, 1.0)
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
        stories in review, scheduled and withdrawn ones a newsroom has beside them."""
        from django.utils import timezone

        from articles.models import Article, ArticleAuthor, Correction, TaggedArticle

        rng = self.rng
        first_batch = self.newest is None
        if first_batch:
            self.newest = timezone.now() - timedelta(minutes=5)
        gap = timedelta(days=1) / STORIES_PER_DAY
        states = [Article.State.PUBLISHED] * published
        hidden = max(1, published // 50)  # about 2% each of drafts and withdrawn stories
        states += [Article.State.DRAFT] * hidden + [Article.State.WITHDRAWN] * (hidden // 2)
        states += [Article.State.REVIEW] * (hidden // 2)
        if first_batch:  # what is on the editors' desks now: due, and scheduled to come
            states += [Article.State.SCHEDULED] * 6
        rng.shuffle(states)
        articles, newest_batch, scheduled = [], [], 0
        for n, state in enumerate(states):
            number = self.made + n
            when = self.newest - gap * number + timedelta(seconds=rng.randint(0, 600))
            if state == Article.State.SCHEDULED:  # three due (not recorded yet), three to come
                scheduled += 1
                when = self.newest + timedelta(hours=(-1) ** scheduled * rng.randint(1, 30))
            headline = sentence(rng, rng.randint(6, 10))[:-1]
            body = self.bodies[number % len(self.bodies)]
            if first_batch and number % 100 == 7:
                body += f"<p>The old {RARE_WORD} keeper spoke at the harbour.</p>"
            article = Article(
                headline=headline,
                slug=f"{'-'.join(headline.lower().split()[:5])}-{number}",
                standfirst=sentence(rng, 24),
                body=body,
                word_count=len(re.sub("<[^>]+>", " ", body).split()),
                section=rng.choices(self.sections, self.section_weights)[0],
                hero_image=rng.choice(self.images) if rng.random() < 0.6 else None,
                state=state,
                published_at=None if state in ("draft", "review") else when,
                updated_at=when + timedelta(hours=3) if rng.random() < 0.1 else None,
                homepage_priority=(5 - number) if first_batch and number < 5 else 0,
                canonical_url="https://wire.example.com/story" if rng.random() < 0.01 else "",
            )
            articles.append(article)
        Article.objects.bulk_create(articles, batch_size=1000)
        self.made += len(states)
        bylines, tagged = [], []
        for article in articles:
            count = rng.choices([1, 2, 3], [70, 25, 5])[0]
            authors = set(rng.choices(self.authors, self.author_weights, k=count))
            bylines += [ArticleAuthor(article=article, author=a, position=p)
                        for p, a in enumerate(authors)]  # fmt: skip
            tags = set(rng.choices(self.tags[:TAGS_IN_USE], self.tag_weights, k=rng.randint(2, 6)))
            tagged += [TaggedArticle(content_object=article, tag=t) for t in tags]
            if article.published_at and article.published_at <= self.newest:
                newest_batch.append(article)
        ArticleAuthor.objects.bulk_create(bylines, batch_size=2000)
        TaggedArticle.objects.bulk_create(tagged, batch_size=2000)
        Correction.objects.bulk_create(
            Correction(article=a, text="An earlier version misspelled a name.",
                       published_at=a.published_at + timedelta(hours=2))
            for a in rng.sample(newest_batch, len(newest_batch) // 100)
        )  # fmt: skip
        chosen = rng.sample(newest_batch, len(newest_batch) // 50)
        Article.related.through.objects.bulk_create(
            Article.related.through(from_article=a, to_article=rng.choice(newest_batch))
            for a in chosen
        )
        index_for_search([a.pk for a in articles])
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


def index_for_search(pks: list[int], batch: int = 500) -> None:
    from articles import search

    for start in range(0, len(pks), batch):
        search.index_articles(pks[start : start + batch])


def settle() -> None:
    """What a production database has soon after a bulk load: PostgreSQL's autovacuum has
    analysed the tables and set the visibility map. SQLite is left as Django leaves it (no
    ANALYZE is ever run there)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


# --- The pages --------------------------------------------------------------------------------


def page_urls() -> dict[str, str]:
    """The URLs measured, chosen at the first size and kept: the biggest section, the busiest
    author and tag of the newest stories, and a recent story carrying the busiest tag."""
    from django.db.models import Count

    from articles.models import Article, Author, Section, Tag

    recent = Article.objects.published()
    section = (
        Section.objects.annotate(n=Count("articles")).filter(n__gt=0).order_by("-n", "pk").first()
    )
    author = Author.objects.annotate(n=Count("bylines")).order_by("-n", "pk").first()
    tag = Tag.objects.annotate(n=Count("tagged_articles")).order_by("-n", "pk").first()
    story = recent.filter(tagged_articles__tag=tag).order_by("-published_at").first()
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
        "control: /robots.txt (no query)": "/robots.txt",
    }


def fetch(client, url: str) -> float:
    """One page drawn from nothing: the page cache emptied, the next scheduled story's time
    looked up again (untimed; production keeps it across pages), then the request timed."""
    from django.core.cache import cache

    from articles import caching

    cache.clear()
    caching.seconds_to_next_scheduled()
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed


class Recorder:
    """Each query's SQL, parameters and time (an execute_wrapper), to EXPLAIN it as it ran."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, time.perf_counter() - start))


def record(client, url: str, repeats: int = 3) -> tuple[int, list]:
    """The page's query count (CaptureQueriesContext) and each query with its median time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    runs = []
    for _ in range(repeats):
        recorder = Recorder()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(recorder):
            fetch(client, url)
        runs.append(recorder.queries)
    count = len(captured)
    queries = [
        (sql, params, statistics.median(run[i][2] for run in runs))
        for i, (sql, params, _) in enumerate(runs[0])
    ]
    return count, queries


def measure(urls: dict[str, str], runs: int, budget: float, warmups: int = 2) -> dict:
    """Median time and queries of each page; pages take turns, so noise falls on all alike.
    A page stops early once it has had `budget` seconds and at least five runs."""
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    for url in urls.values():
        for _ in range(warmups):
            fetch(client, url)
    figures = {name: {"times": []} for name in urls}
    for name, url in urls.items():
        figures[name]["queries"], figures[name]["sql"] = record(client, url)
    for _ in range(runs):
        for name, url in urls.items():
            times = figures[name]["times"]
            if len(times) >= 5 and sum(times) > budget:
                continue
            times.append(fetch(client, url))
    for page in figures.values():
        page["median_ms"] = statistics.median(page["times"]) * 1000
        page["runs"] = len(page["times"])
    return figures


# --- Why a page grows -------------------------------------------------------------------------


def explain(sql: str, params) -> str:
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":  # (id, parent, notused, detail): indent by depth
        depth = {0: -1}
        lines = []
        for node, parent, _, detail in rows:
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + detail)
        return "\n".join(lines)
    return "\n".join(row[0] for row in rows)


def shown(sql: str, params) -> str:
    """The statement as it ran, its column list shortened: enough to recognise it."""
    from django.db import connection

    with connection.cursor() as cursor:
        text = connection.ops.last_executed_query(cursor, sql, params)
    return re.sub(r"^SELECT (?!COUNT)(.{80,}?) FROM ", "SELECT … FROM ", text, count=1)


def diagnose(small: dict, large: dict, limit: int = 4) -> list[str]:
    """For each page over the goal: its slowest queries at the largest size, with their time at
    the smallest (same position in the page's sequence of queries) and their plan."""
    out = []
    for name, page in large.items():
        ratio = page["median_ms"] / small[name]["median_ms"]
        if ratio <= GOAL:
            continue
        before = small[name]["sql"]
        ranked = sorted(enumerate(page["sql"]), key=lambda q: -q[1][2])[:limit]
        out += [f"### {name}: {ratio:.1f}x, {page['queries']} queries", ""]
        for position, (sql, params, seconds) in ranked:
            then = before[position][2] * 1000 if position < len(before) else float("nan")
            out += [
                f"Query {position + 1}: {seconds * 1000:.2f} ms (was {then:.2f} ms)",
                "",
                "```sql",
                shown(sql, params),
                "```",
                "",
                "```",
                explain(sql, params),
                "```",
                "",
            ]
    return out


# --- Report -----------------------------------------------------------------------------------


def table(results: dict[int, dict], sizes: list[int]) -> list[str]:
    first, last = sizes[0], sizes[-1]
    heads = " | ".join(f"ms at {size:,}" for size in sizes)
    rows = [f"| page | queries | {heads} | ratio |", "|---|---|" + "---|" * (len(sizes) + 1)]
    for name in results[first]:
        counts = [results[size][name]["queries"] for size in sizes]
        queries = str(counts[0]) if len(set(counts)) == 1 else " → ".join(map(str, counts))
        times = [results[size][name]["median_ms"] for size in sizes]
        ratio = times[-1] / times[0]
        mark = f"**{ratio:.1f}x**" if ratio > GOAL else f"{ratio:.2f}x"
        cells = " | ".join(f"{t:.1f}" for t in times)
        rows.append(f"| {name} | {queries} | {cells} | {mark} |")
    return rows


def heading(vendor: str) -> str:
    return f"## Page cost as the archive grows, on {BACKENDS.get(vendor, vendor)}"


def section(results, sizes, runs, built) -> str:
    from django.db import connection

    over = [n for n in results[sizes[0]] if
            results[sizes[-1]][n]["median_ms"] / results[sizes[0]][n]["median_ms"] > GOAL]  # fmt: skip
    rows = "\n".join(table(results, sizes))
    loads = ", ".join(f"{size:,} in {seconds:.0f} s" for size, seconds in built.items())
    return f"""{heading(connection.vendor)}

`bench/pages.py` draws each public page from nothing (page cache emptied before every
request, through Django's test client: middleware, view, templates) at {sizes[0]:,} and at
{sizes[-1]:,} published stories. The larger archive adds older stories behind the same newest
ones (12 sections, two with nothing published; 300 authors; 2,000 tags in use and 10,000
unused; 1 to 3 bylines and 2 to 6 tags a story; about 2% drafts and withdrawn stories), so
each URL shows the same stories at both sizes. Median of up to {runs} runs after two warm-up
runs, on {platform.machine()} with Python {platform.python_version()}; one process, on a shared
machine: the ratio is the figure, not the times. The goal is at most {GOAL}x.

{rows}

Over the goal: {", ".join(over) or "none"}. Loading took {loads} (bulk_create, search index,
{"VACUUM ANALYZE" if connection.vendor == "postgresql" else "no ANALYZE"}).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--runs", type=int, default=15, help="most timed runs per page and size")
    parser.add_argument("--budget", type=float, default=6.0,
                        help="seconds per page and size after which five runs are enough")  # fmt: skip
    parser.add_argument("--no-explain", action="store_true", help="no plans of slow queries")
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args()
    sizes = sorted(set(options.sizes))
    if len(sizes) < 2:
        parser.error("give at least two sizes")

    name, admin_url, folder = setup_database()
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from results import write_section  # bench/ is on sys.path when run

        call_command("migrate", verbosity=0)
        archive = Archive()
        archive.make_fixed_rows()
        results, built, urls, done = {}, {}, None, 0
        for size in sizes:
            started = time.perf_counter()
            archive.add_stories(size - done)
            done = size
            built[size] = time.perf_counter() - started
            urls = urls or page_urls()
            print(f"{size:,} published stories loaded in {built[size]:.0f} s", file=sys.stderr)
            results[size] = measure(urls, options.runs, options.budget)
        text = section(results, sizes, options.runs, built)
        print(text)
        if not options.no_explain:
            print("\n".join(diagnose(results[sizes[0]], results[sizes[-1]])))
        if not options.no_write:
            write_section(heading(connection.vendor), text)
    finally:
        drop_database(name, admin_url, folder)


if __name__ == "__main__":
    main()
