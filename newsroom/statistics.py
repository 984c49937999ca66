"""The statistics a database's query planner needs to pick the index a page walks.

PostgreSQL gathers them itself (autovacuum). SQLite has none until ANALYZE runs, and Django
never runs it: without them SQLite answers "the newest stories of this section" by sorting
every published story, and a page that costs 20 ms on a young site costs seconds on a large
archive. Sampled statistics (analysis_limit) mislead it the same way, so the analysis is
whole: after `migrate` and after an import (half a second at 100,000 stories), and from
`publish_scheduled` each minute through PRAGMA optimize, which analyses again only the tables
that have grown notably since, and is otherwise a no-op.
"""

from django.db import DEFAULT_DB_ALIAS, connections


def analyse(using: str = DEFAULT_DB_ALIAS) -> None:
    _run("ANALYZE", using)


def analyse_grown_tables(using: str = DEFAULT_DB_ALIAS) -> None:
    _run("PRAGMA optimize", using)


def _run(statement: str, using: str) -> None:
    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(statement)
