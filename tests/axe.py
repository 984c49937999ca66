"""axe-core in Chromium: WCAG 2.2 A and AA violations fail a test; best-practice findings are
printed in the test output, not failed. The newest axe-core, which `make test` fetches from npm
(Makefile, AXE_CORE_VERSION), else the older copy axe-playwright-python ships."""

import warnings
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

from newsroom.settings import BASE_DIR

_NEWEST = sorted((BASE_DIR / ".venv").glob("axe-core-*.min.js"))
if _NEWEST:
    _axe = Axe(axe_script=Path(_NEWEST[-1]).read_text(encoding="utf-8"))
else:
    warnings.warn(
        "axe-core from npm not found (make axe-core): using axe-playwright-python's",
        stacklevel=1,
    )
    _axe = Axe()

WCAG = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}
_OPTIONS = {
    "runOnly": {"type": "tag", "values": sorted(WCAG | {"best-practice"})},
    "resultTypes": ["violations"],
}


def audit(page) -> tuple[list[dict], list[dict]]:
    """(WCAG A/AA violations, best-practice findings) on the page as it is now."""
    violations = _axe.run(page, options=_OPTIONS).response["violations"]
    wcag = [v for v in violations if WCAG & set(v["tags"])]
    return wcag, [v for v in violations if v not in wcag]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {node['target']}: {node['failureSummary']}" for node in v["nodes"][:5])
        for v in violations
    )


def assert_accessible(page, where: str) -> None:
    wcag, best_practice = audit(page)
    if best_practice:
        print(f"\nBest-practice findings on {where}:\n{describe(best_practice)}")
    assert not wcag, f"WCAG 2.2 A/AA violations on {where}:\n{describe(wcag)}"
