"""The import contracts in pyproject.toml (run by `make lint`) fail on an arrow back up, and the
app modules that settings read import nothing."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
PACKAGES = CONFIG["root_packages"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _copy_of_the_code(into: Path) -> Path:
    """The packages under contract, their Python files only, with the configuration."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            into / package,
            ignore=lambda folder, names: [
                n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()
            ],
        )
    shutil.copy(ROOT / "pyproject.toml", into)
    return into


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("accounts.upward", "articles.workflow"),  # accounts below photos and articles
        ("photos.upward", "articles.models"),
        ("articles.upward", "planning.models"),
        ("newsroom.upward", "accounts.roles"),  # newsroom is the ground under every app
        ("articles.upward", "newsroom.urls"),  # nothing imports the wiring
    ],
)
def test_an_import_back_up_breaks_a_contract(tmp_path, importer, imported):
    code = _copy_of_the_code(tmp_path)
    module = code.joinpath(*importer.split(".")).with_suffix(".py")
    module.write_text(f"import {imported}\n")

    result = subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo"],
        cwd=code,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert f"{importer} -> {imported} (l.1)" in result.stdout


def test_the_modules_settings_read_load_nothing_of_django_or_the_project():
    read = [
        ignored.split("->")[1].strip()
        for contract in CONFIG["contracts"]
        for ignored in contract.get("ignore_imports", [])
        if ignored.split("->")[0].strip() == "newsroom.settings"
    ]
    assert read, "settings read no app module: drop this test"
    watched = (*PACKAGES, "django")
    script = (
        f"import sys\nimport {', '.join(read)}\n"
        f"print(sorted(m for m in sys.modules if m.partition('.')[0] in {watched!r}))"
    )

    loaded = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout

    packages = {module.partition(".")[0] for module in read}
    assert loaded.strip() == str(sorted({*read, *packages}))
