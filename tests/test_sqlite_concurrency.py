"""SQLite, the one-machine default, answers simultaneous saves as PostgreSQL does: one wins,
the others get the conflict page, none gets a 500 "database is locked"."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

SCRIPT = Path(__file__).parent / "scripts" / "concurrent_saves.py"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="about SQLite's locking")
def test_simultaneous_saves_on_sqlite_get_one_success_and_conflict_pages(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'newsroom.sqlite3'}"}
    env.pop("REDIS_URL", None)

    result = subprocess.run(
        [sys.executable, str(SCRIPT), "20"], env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["mode"] == "wal"
    assert outcome["statuses"] == [200] * 19 + [302]
