"""How fast `import_articles` takes a folder of stories: 250 a second on SQLite, 300 on PostgreSQL.

Writes 2,000 (--stories) Markdown stories with front matter (a headline of 6 to 10 words, a
standfirst, 300 to 600 words in paragraphs and subheadings, 1 to 3 authors from a pool of 60,
2 to 6 tags from a pool of 400, one of 10 sections) into a temporary folder, then runs the real
command, `import_articles <folder> --publish`, in this process against a throwaway database (an
SQLite file in a temporary folder, or a database of its own on the PostgreSQL server
DATABASE_URL names, created here and dropped at the end). The first run creates and publishes
every story (and the sections, authors and tags they name); the second imports the same files
again and must find every one unchanged. Reports stories per second and SQL queries per story
for both, and rewrites this database's "Import speed, on ..." section of docs/benchmarks.md.

    .venv/bin/python bench/imports.py [--stories N] [--no-write]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench_import \
        .venv/bin/python bench/imports.py
"""

import argparse
import io
import logging
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from throwaway import FIRST, LAST, WORDS, drop_database, sentence, setup_database  # noqa: E402

GOAL = {"sqlite": 250, "postgresql": 300}  # stories a second on the first import, one process
BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SECTIONS = "News Politics Business World Sport Culture Science Health Opinion Travel".split()  # noqa: SIM905
AUTHORS = 60
TAGS = 400
# Measured with this script on 1,000 stories before imports were batched: (first import and
# second, in stories/s; queries a story on the first).
BEFORE_BATCHES = {"sqlite": (24, 97, 66), "postgresql": (18, 77, 60)}


# --- The stories ------------------------------------------------------------------------------


def story(rng: random.Random, authors: list[str], tags: list[str]) -> str:
    headline = sentence(rng, rng.randint(6, 10))[:-1]
    blocks, words = [], rng.randint(300, 600)
    while words > 0:
        if blocks and rng.random() < 0.15:  # a subheading: short, no full stop
            blocks.append("## " + sentence(rng, rng.randint(2, 5))[:-1])
        paragraph = [sentence(rng, rng.randint(12, 25)) for _ in range(rng.randint(2, 4))]
        blocks.append(" ".join(paragraph))
        words -= sum(len(s.split()) for s in paragraph)
    names = ", ".join(rng.sample(authors, rng.choice([1] * 14 + [2] * 5 + [3])))
    labels = ", ".join(rng.sample(tags, rng.randint(2, 6)))
    front = (
        f"headline: {headline}\nstandfirst: {sentence(rng, rng.randint(15, 30))}\n"
        f"section: {rng.choice(SECTIONS)}\nauthors: [{names}]\ntags: [{labels}]\n"
    )
    return f"---\n{front}---\n" + "\n\n".join(blocks) + "\n"


def write_stories(folder: Path, count: int, seed: int = 11) -> int:
    """`count` story files, a thousand to a folder; returns their size in bytes."""
    rng = random.Random(seed)
    authors = list(dict.fromkeys(f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(500)))
    authors = authors[:AUTHORS]
    pairs = [f"{a} {b}" for a in WORDS for b in WORDS if a != b]
    tags = rng.sample(pairs, TAGS)
    size = 0
    for n in range(count):
        path = folder / f"batch-{n // 1000:02d}" / f"story-{n:05d}.md"
        path.parent.mkdir(exist_ok=True)
        size += path.write_bytes(story(rng, authors, tags).encode())
    return size


# --- Importing --------------------------------------------------------------------------------


class QueryCounter:
    """Counts the SQL statements run (an execute_wrapper: cheap, nothing kept)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run_import(folder: Path) -> dict:
    from django.core.management import call_command
    from django.db import connection

    out, err, counter = io.StringIO(), io.StringIO(), QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        call_command("import_articles", str(folder), "--publish", stdout=out, stderr=err)
    return {
        "seconds": time.perf_counter() - started,
        "queries": counter.count,
        "summary": out.getvalue().strip(),
    }


def check(result: dict, count: int, expected: str) -> None:
    """The run did what an import must do, or the figures mean nothing."""
    from articles.models import Article

    wanted = f"{count} {expected}"
    if wanted not in result["summary"] or Article.objects.published().count() != count:
        sys.exit(f"The import did not give {wanted!r}: {result['summary']}")


# --- Report -----------------------------------------------------------------------------------


def heading(vendor: str) -> str:
    return f"## Import speed, on {BACKENDS.get(vendor, vendor)}"


def machine(vendor: str, load_before: str) -> str:
    from django.db import connection

    if vendor == "postgresql":
        server = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    else:
        import sqlite3

        server = f"SQLite {sqlite3.sqlite_version}"
    return (
        f"{platform.machine()} with Python {platform.python_version()} and {server}, "
        f"{os.cpu_count()} cores (load average {load_before} before, {load_average()} after)"
    )


def load_average() -> str:
    return ", ".join(f"{n:.2f}" for n in os.getloadavg())


def rate(count: int, result: dict) -> str:
    return f"{count / result['seconds']:,.0f} stories/s"


def section(count: int, size: int, first: dict, again: dict, vendor: str, load: str) -> str:
    from articles.importing.batch import BATCH_FILES

    goal = GOAL[vendor]
    met = count / first["seconds"] >= goal
    before = BEFORE_BATCHES[vendor]
    database = "a throwaway SQLite file"
    command = ".venv/bin/python bench/imports.py"
    if vendor == "postgresql":
        database = "a throwaway PostgreSQL database"
        command = "DATABASE_URL=postgres://…/newsroom_bench_import " + command
    rows = "\n".join(
        f"| {label} | {result['seconds']:.1f} s | {rate(count, result)} | "
        f"{result['queries'] / count:.2f} |"
        for label, result in [("first import", first), ("same files again", again)]
    )
    return f"""{heading(vendor)}

`{command}` writes {count:,} Markdown stories ({size / 2**20:.1f} MB: 300 to 600 words,
a standfirst, subheadings, 1 to 3 of {AUTHORS} authors, 2 to 6 of {TAGS} tags, 10 sections)
and runs `import_articles <folder> --publish` on them in one process, into {database}, twice:
the first run creates and publishes every story (its revision, workflow event, bylines, tags,
search entry and page-cache purges) and the sections, authors and tags they name; the second
finds every story unchanged. On {machine(vendor, load)}; the machine is shared, so times vary from
run to run. Goal: at least {goal} stories/s on the first import.

| run | time | rate | SQL queries per story |
|---|---|---|---|
{rows}

{"Met" if met else "**Not met**"}: {rate(count, first)} on the first import. The command takes
{BATCH_FILES} files a transaction: one look-up of their stored stories, slugs and tags, one
bulk insert a table, one search index update and one purge a batch, and each section and
author looked up once an import; the planning desk asks once a batch whom to tell of the
stories published (`signals.stories_moved`). Before batches (a transaction a file), 1,000 of
these stories took {before[2]} queries a story and went in at {before[0]} stories/s, and again
at {before[1]}.

The commands said: "{first_sentence(first["summary"])}" and "{first_sentence(again["summary"])}"
"""


def first_sentence(summary: str) -> str:
    return summary.split(". ")[0].rstrip(".") + "."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=2_000)
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args()

    dropped = setup_database("imports")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from results import write_section  # bench/ is on sys.path when run

        call_command("migrate", verbosity=0)
        folder = Path(dropped[2].name) / "stories"
        folder.mkdir()
        size = write_stories(folder, options.stories)
        # The workflow's audit trail (a line a published story) goes to a file, as a server's
        # would, rather than to the terminal.
        trail = logging.getLogger("newsroom.workflow")
        trail.addHandler(logging.FileHandler(Path(dropped[2].name) / "workflow.log"))
        trail.propagate = False
        load = load_average()
        first = run_import(folder)
        check(first, options.stories, "created")
        print(f"first import: {rate(options.stories, first)}", file=sys.stderr)
        again = run_import(folder)
        check(again, options.stories, "unchanged")
        text = section(options.stories, size, first, again, connection.vendor, load)
        print(text)
        if not options.no_write:
            write_section(heading(connection.vendor), text)
    finally:
        drop_database(*dropped)


if __name__ == "__main__":
    main()
