"""How fast /search/ answers over 10,000 and 100,000 published articles, on the configured
database.

For each size, builds a throwaway database (SQLite file, or a test database beside
DATABASE_URL's), loads that many published stories of about 400 words with bylines and tags,
builds the search index, then times full requests to /search/ (page cache bypassed) for rare,
common, two-word and stemmed queries and counts their SQL queries. The goal: under 50 ms (the
median) for every query at every size. Prints the figures and rewrites this database's
"Search on ..." section of docs/benchmarks.md.

    .venv/bin/python bench/search.py [--articles N [N ...]] [--runs N] [--no-write]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom .venv/bin/python bench/search.py
"""

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from results import write_section  # noqa: E402  (bench/ is on sys.path when run)

BACKENDS = {"sqlite": "SQLite (FTS5)", "postgresql": "PostgreSQL (tsvector + GIN)"}
WORDS = (  # noqa: SIM905
    "council harbour bridge budget vote school hospital rain storm ferry market shares "
    "police court minister election report water energy housing transport festival music "
    "football match coach season player farmer drought river museum library theatre film "
    "company workers strike union price tax road railway airport tourism fishing science "
    "research university student teacher climate forest wildlife health doctor nurse "
    "community volunteer church family children history archive mayor planning street park"
).split()
FILLER = "the a of and to in is was for on that with as by at from it be this have".split()  # noqa: SIM905
GOAL_MS = 50
QUERIES = {
    "rare word": "lighthouse",
    "common word": "harbour",
    "two common words": "council budget",
    "stemmed: published finds publishing": "published",
    "no match": "zeppelin",
}


def sentence(rng: random.Random, words: int) -> str:
    picks = [rng.choice(WORDS) if rng.random() < 0.3 else rng.choice(FILLER) for _ in range(words)]
    return " ".join(picks).capitalize() + "."


def body(rng: random.Random, n: int) -> str:
    paragraphs = [" ".join(sentence(rng, 20) for _ in range(2)) for _ in range(10)]
    if n % 1000 == 0:
        paragraphs[3] += " The old lighthouse keeper spoke."
    if n % 500 == 1:
        paragraphs[5] += " Publishing of the report was delayed."
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def load(count: int) -> None:
    """Bulk-load `count` published stories (no save(), no signals), as a migration would."""
    from articles.models import Article, ArticleAuthor, Author, Section, Tag, TaggedArticle

    rng = random.Random(4)
    sections = Section.objects.bulk_create(
        Section(name=f"Section {n}", slug=f"section-{n}") for n in range(10)
    )
    authors = Author.objects.bulk_create(
        Author(name=f"Reporter {n} {rng.choice(WORDS).title()}", slug=f"reporter-{n}")
        for n in range(50)
    )
    tags = Tag.objects.bulk_create(
        Tag(name=f"{w} {n}", slug=f"{w}-{n}") for n, w in enumerate(WORDS)
    )
    now = timezone.now()
    articles = Article.objects.bulk_create(
        (
            Article(
                headline=sentence(rng, 8)[:-1],
                slug=f"story-{n}",
                standfirst=sentence(rng, 20),
                body=body(rng, n),
                section=rng.choice(sections),
                state=Article.State.PUBLISHED,
                published_at=now - timedelta(minutes=n),
            )
            for n in range(count)
        ),
        batch_size=1000,
    )
    ArticleAuthor.objects.bulk_create(
        (ArticleAuthor(article=a, author=rng.choice(authors), position=0) for a in articles),
        batch_size=2000,
    )
    TaggedArticle.objects.bulk_create(
        (TaggedArticle(content_object=a, tag=t) for a in articles for t in rng.sample(tags, 3)),
        batch_size=2000,
    )


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def measure_query(client: Client, query: str, runs: int) -> dict:
    from articles.search import search_articles

    url = f"/search/?q={query}"
    client.get(url)  # warm the caches a real server would have warm (not the page cache)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return {
        "matches": all_matches(query),
        "ranked": search_articles(query).count(),
        "queries": len(queries),
        "median_ms": statistics.median(timed(lambda: client.get(url)) for _ in range(runs)) * 1000,
    }


def all_matches(query: str) -> int:
    """Every published story matching every word (search ranks at most CANDIDATES)."""
    from django.contrib.postgres.search import SearchQuery

    from articles.models import Article
    from articles.search import query_terms

    terms = query_terms(query)
    published = Article.objects.published()
    if connection.vendor == "postgresql":
        return published.filter(search__vector=SearchQuery(" ".join(terms))).count()
    return published.filter(fts__document__match=" ".join(f'"{t}"' for t in terms)).count()


def measure(count: int, runs: int) -> dict:
    from articles import search
    from articles.models import Article
    from newsroom import page_cache
    from newsroom import statistics as planner

    # Every request a miss: what search itself costs, not the page cache.
    page_cache._lookup = lambda page_key: (None, None)
    load(count)
    build = timed(search.rebuild_index)
    # What keeps the planner's statistics fresh after a bulk load: autovacuum on PostgreSQL,
    # publish_scheduled's run a minute later on SQLite (newsroom/statistics.py).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        planner.analyse_grown_tables()
    one = Article.objects.order_by("pk").first()
    reindex_one = statistics.median(
        timed(lambda: search.index_articles([one.pk])) for _ in range(runs)
    )
    client = Client()
    results = {label: measure_query(client, q, runs) for label, q in QUERIES.items()}
    return {"build_s": build, "reindex_ms": reindex_one * 1000, "queries": results}


def with_throwaway_database(work):
    """Run `work` in a fresh database that is dropped afterwards, whatever the backend."""
    folder = tempfile.TemporaryDirectory()
    test = connection.settings_dict["TEST"]
    if connection.vendor == "sqlite":
        test["NAME"] = str(Path(folder.name) / "bench.sqlite3")
    else:
        test["NAME"] = "bench_search_" + connection.settings_dict["NAME"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return work()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        folder.cleanup()


def section(figures: dict[int, dict], runs: int) -> str:
    from articles.search import CANDIDATES

    sizes = sorted(figures)
    header = " | ".join(f"{n:,} stories: matches (ranked), SQL, time" for n in sizes)
    rows = []
    for label in QUERIES:
        cells = []
        for n in sizes:
            r = figures[n]["queries"][label]
            cells.append(f"{r['matches']:,} ({r['ranked']:,}), {r['queries']}, "
                         f"{r['median_ms']:.1f} ms")  # fmt: skip
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    slowest = max(r["median_ms"] for f in figures.values() for r in f["queries"].values())
    builds = "; ".join(
        f"{n:,} stories: {figures[n]['build_s']:.1f} s to build, "
        f"{figures[n]['reindex_ms']:.1f} ms to re-index one"
        for n in sizes
    )
    database = BACKENDS.get(connection.vendor, connection.vendor)
    return f"""{heading()}

`bench/search.py` loads {" and ".join(f"{n:,}" for n in sizes)} published stories (about 400
words each, one byline, three tags) into throwaway {database} databases, builds the search
index, and times full requests to `/search/?q=` through Django's test client (view, template,
20 results per page with highlighted snippets), each a page-cache miss. Median of {runs}
runs, on {platform.machine()} with Python {platform.python_version()}; one process, one core.
Goal: under {GOAL_MS} ms for every query at every size; slowest here {slowest:.1f} ms
({"within" if slowest < GOAL_MS else "over"} the goal).

| query | {header} |
|---|{"---|" * len(sizes)}
{chr(10).join(rows)}

A word matching more than {CANDIDATES:,} stories has its {CANDIDATES:,} most recently added
matches ranked (`articles/search.py`, `CANDIDATES`): the index hands them over in that order and
stops, so the time no longer grows with the archive, and the page says older ones were left
out. Fewer matches are all ranked, as before. The SQL queries per request are fixed (the
candidates, the page's cards, their bylines, the navigation; `tests/test_search.py` asserts it
at two sizes). Index: {builds} (`rebuild_index`, after a bulk load that bypassed `save()`).
"""


def heading() -> str:
    return f"## Search on {BACKENDS.get(connection.vendor, connection.vendor)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args()
    setup_test_environment()
    figures = {
        n: with_throwaway_database(lambda n=n: measure(n, options.runs)) for n in options.articles
    }
    text = section(figures, options.runs)
    print(text)
    if not options.no_write:
        write_section(heading(), text)


if __name__ == "__main__":
    main()
