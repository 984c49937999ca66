"""What the benchmarks that load an archive share: a throwaway database, and words to make
stories from.

A benchmark calls setup_database() before django.setup() and drop_database() at the end, even
after a failure (a try/finally).
"""

import os
import random
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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


def sentence(rng: random.Random, words: int) -> str:
    picks = [rng.choice(WORDS) if rng.random() < 0.35 else rng.choice(FILLER) for _ in range(words)]
    return " ".join(picks).capitalize() + "."


def setup_database(
    benchmark: str, **environment: str
) -> tuple[str | None, str | None, tempfile.TemporaryDirectory]:
    """Point Django at a throwaway database before it starts; returns what to drop at the end.

    PostgreSQL: the database named in DATABASE_URL, which must have "bench" in its name and
    must not exist yet (the others on the server belong to people; this one is created here and
    dropped at the end, even after a failure); SQLite, or no DATABASE_URL: a file in a
    temporary folder. Settings are tests.settings (debug off, no collectstatic needed),
    local-memory cache, no front caches, and `environment` on top.
    """
    folder = tempfile.TemporaryDirectory(prefix=f"bench-{benchmark}-")
    url = os.environ.get("DATABASE_URL", "")
    name = admin_url = None
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        if "bench" not in name:
            sys.exit(
                f"DATABASE_URL names {name!r}: give this benchmark a database of its own, with "
                "'bench' in its name (it is created and dropped), such as "
                f"newsroom_bench_{benchmark}"
            )
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        if pg_admin(admin_url, "SELECT 1 FROM pg_database WHERE datname = %s", [name]):
            sys.exit(
                f"The database {name!r} exists: another run may be using it. If none is, "
                f'drop it (DROP DATABASE "{name}") and run again.'
            )
        pg_admin(admin_url, f'CREATE DATABASE "{name}"')
    else:
        url = f"sqlite:///{Path(folder.name) / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ["MEDIA_ROOT"] = str(Path(folder.name) / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ.update(environment)
    for variable in ("REDIS_URL", "DJANGO_DEBUG", "FRONT_CACHE_URLS"):
        os.environ.pop(variable, None)
    return name, admin_url, folder


def pg_admin(admin_url: str, statement: str, params=None) -> list:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as db:
        cursor = db.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def drop_database(name, admin_url, folder) -> None:
    """The throwaway database, and any copy of it named `<name>_at_<size>` (bench/pages.py)."""
    from django.db import connections

    connections.close_all()
    if admin_url:
        copies = pg_admin(
            admin_url, "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{name}_at_%"]
        )
        for (copy,) in copies:
            pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    folder.cleanup()
