"""docs/architecture.md and CONTRIBUTING.md are the map a newcomer opens first: every file,
module, function and class they name must exist, so a rename that forgets the map fails here."""

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "docs" / "architecture.md", ROOT / "CONTRIBUTING.md")
SOURCES = ("accounts", "photos", "articles", "planning", "newsroom", "tests", "bench")
# A path: has a slash and a suffix, or ends with a slash (a folder).
PATH = re.compile(r"^[\w./-]+(/|\.(py|html|js|css|vcl|xml|md|txt|toml))$")
# A dotted name, optionally called: `workflow.take()`, `Article.is_published()`, `ROLES`.
NAME = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*(\(\))?$")
WORDS = {"manage.py", "robots.txt", "DESIGN.md", "STYLE.md"}  # not code, or not ours


def spans() -> list[str]:
    text = "\n".join(doc.read_text(encoding="utf-8") for doc in DOCS)
    found = re.findall(r"`([^`\n]+)`", text)
    return sorted({span.split("(")[0] + ("()" if "(" in span else "") for span in found})


@cache
def defined_names() -> frozenset[str]:
    """Every module, class, function, method and module-level name the project defines."""
    names = set()
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            names.add(path.stem)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    names.add(node.name)
                elif isinstance(node, ast.Assign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    names |= {t.id for t in targets if isinstance(t, ast.Name)}
                    names |= {t.attr for t in targets if isinstance(t, ast.Attribute)}
    return frozenset(names)


def code_names() -> list[str]:
    wanted = []
    for span in spans():
        bare = span.removesuffix("()")
        if span in WORDS or not NAME.match(span) or not ("." in bare or span.endswith("()")):
            continue
        wanted.append(bare)
    return wanted


@pytest.mark.parametrize(
    "span",
    [
        s
        for s in spans()
        if PATH.match(s) and "<" not in s and not s.startswith("/") and s not in WORDS
    ],
)
def test_every_path_the_map_names_exists(span):
    """A path from the project's folder, or (inside an app's paragraph) from the app's."""
    tail = span.rstrip("/")
    found = (ROOT / tail).exists() or any(
        path.as_posix().endswith("/" + tail)
        for path in ROOT.rglob(Path(tail).name)
        if ".venv" not in path.parts
    )
    assert found, f"the map names {span}, which is not in the project"


@pytest.mark.parametrize("dotted", code_names())
def test_every_name_the_map_names_is_defined(dotted):
    parts = dotted.split(".")
    if parts[-1] in {"py", "html", "js", "css", "md", "toml", "txt", "xml"}:  # a file: above
        return
    missing = [part for part in parts if part not in defined_names() and not part.islower()]
    last = parts[-1]
    assert last in defined_names() or last in _framework_names(), (
        f"the map names {dotted}, but nothing defines {last}"
    )
    assert not missing, f"the map names {dotted}: {missing} not defined"


def _framework_names() -> set[str]:
    """Names of Django's and the libraries' own that the map mentions by name."""
    return {
        "filter",
        "on_commit",
        "ready",
        "save",
        "get_absolute_url",
        "objects",
        "urls",
        "settings",
    }
