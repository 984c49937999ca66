"""How long `manage.py` takes to start: what staff wait for at 2 a.m. before any work begins.

Runs each command five times in a fresh interpreter, as cron and staff run them, against a
migrated SQLite database in a temporary folder (debug off, no Redis), and reports the median
wall time beside the interpreter's own start (`python -c pass`) and Django's set-up alone.
The goal is under a second for each command; it rewrites the "Command start-up" section of
docs/benchmarks.md.

    .venv/bin/python bench/startup.py [--no-write]
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from results import write_section  # noqa: E402

ROUNDS = 5
GOAL = 1.0  # seconds, median
COMMANDS = {
    "the interpreter alone (`python -c pass`)": ["-c", "pass"],
    "Django set up (`django.setup()`)": ["-c", "import django; django.setup()"],
    "`manage.py help`": ["manage.py", "help"],
    "`manage.py check`": ["manage.py", "check"],
    "`manage.py publish_scheduled` (nothing due)": ["manage.py", "publish_scheduled"],
    "`manage.py send_notifications` (nothing to send)": ["manage.py", "send_notifications"],
}
FLOORS = 2  # the first rows are what any Python program pays; the goal is for the commands


def median_wall(arguments: list[str], env: dict) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, *arguments], cwd=ROOT, env=env, check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "REDIS_URL")},
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "SECRET_KEY": "only-for-the-start-up-benchmark-0123456789-abcdefghijklmnop",
            "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
            "CACHE_DIR": f"{folder}/cache",
            "MEDIA_ROOT": f"{folder}/media",
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT, env=env,
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        rows = [(name, median_wall(arguments, env)) for name, arguments in COMMANDS.items()]
    worst = max(seconds for _, seconds in rows[FLOORS:])
    lines = [
        "## Command start-up",
        "",
        f"`.venv/bin/python bench/startup.py` on {platform.machine()}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs: the median of {ROUNDS} runs, "
        "each in a fresh interpreter, debug off, SQLite, no Redis; the goal is under "
        f"{GOAL:g} s for every command.",
        "",
        "| what starts | median wall |",
        "|---|---:|",
        *[f"| {name} | {seconds:.2f} s |" for name, seconds in rows],
        "",
        f"Slowest command: {worst:.2f} s ({'within' if worst < GOAL else 'over'} the goal).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not options.no_write:
        write_section("## Command start-up", text)


if __name__ == "__main__":
    main()
