"""The hostile-input corpus (`shared/corpus/` beside the checkout), read alike by every test.

Beside a checkout the corpus is optional: tests that need it skip. In CI (CI=true) its absence
fails the run, so a missing corpus can never pass for a clean one.
"""

import os
import re
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(
    not CORPUS.exists() and not os.environ.get("CI"), reason=f"corpus not found at {CORPUS}"
)


def entries(name: str) -> list[str]:
    """One file's entries, with the escapes it writes invisible characters in turned into them."""
    if not CORPUS.exists():
        if os.environ.get("CI"):
            raise FileNotFoundError(f"corpus not found at {CORPUS}")
        return []
    lines = (CORPUS / name).read_text(encoding="utf-8").splitlines()
    return [_unescape(line) for line in lines if line and not line.startswith("#")]


def _unescape(line: str) -> str:
    """Entries write invisible characters as escapes (\\u200B, \\t); lone surrogates stay lone."""
    escapes = {"t": "\t", "n": "\n", "r": "\r"}
    return re.sub(
        r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[tnr])",
        lambda m: escapes.get(m[1]) or chr(int(m[1][1:], 16)),
        line,
    )
