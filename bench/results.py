"""Where benchmark results go: one section of docs/benchmarks.md per benchmark."""

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(heading: str, text: str) -> None:
    """Replace this benchmark's section only; the others belong to other benchmarks."""
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if heading in doc:
        before, rest = doc.split(heading, 1)
        after = rest[rest.find("\n## ") :] if "\n## " in rest else ""
        doc = before + text.rstrip("\n") + "\n" + after
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(doc)
