"""The story files import_articles reads: plain text, Markdown with front matter, and the
JSON export_articles writes, each read into Story records.

Text from files is never trusted as HTML: plain text and Markdown are escaped before they
become markup, and every body passes the sanitiser in Article.normalise() whatever its source.
"""

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from newsroom.text import clean_line, make_slug
from photos.models import Image

from .. import markdown, revisions
from ..models import Article, Correction

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".json"}
MAX_FILE_BYTES = 2 * 1024 * 1024
SUBHEADING_MAX_WORDS = 10

# libyaml's safe loader where PyYAML was built with it: the pure-Python one took two thirds
# of the time spent reading a story.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StoryFileError(Exception):
    """A file that cannot be imported; the message says why, for the person running the import."""


@dataclass
class Story:
    headline: str
    body: str
    standfirst: str = ""
    slug: str = ""
    section: str = ""
    section_name: str = ""
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    state: str = ""
    # Editorial fields only exports carry (updated_at, SEO, canonical, priority): set when present.
    extras: dict = field(default_factory=dict)


# --- Finding and reading files --------------------------------------------------------------


def find_story_files(paths: list[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand folders; return the files to import and the (path, reason) of those refused."""
    files, refused = [], []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.suffix.lower() not in SUPPORTED_SUFFIXES or child.is_dir():
                    continue
                if child.is_symlink():
                    refused.append((str(child), "is a symbolic link; import the file it points to"))
                else:
                    files.append(child)
        elif not path.exists():
            refused.append((name, "no such file or folder"))
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            refused.append((name, "not a .txt, .md or .json file"))
        else:
            files.append(path)
    return files, refused


def read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // 2**20
            raise StoryFileError(f"file is too large ({size / 2**20:.1f} MB; limit {limit} MB)")
        data = path.read_bytes()
    except OSError as error:
        raise StoryFileError(f"cannot be read ({error.strerror})") from None
    return decode(data)


def decode(data: bytes) -> str:
    if not data.strip():
        raise StoryFileError("file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
        if b"\x00" in data:
            raise StoryFileError("looks like a binary file (it contains NUL bytes), not text")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise StoryFileError(
            f"is not UTF-8 text (undecodable bytes at position {error.start})"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_file(path: Path) -> list[Story]:
    text = read_text(path)
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return [parse_plain_text(text)]
    if suffix == ".json":
        return parse_export_json(text)
    return [parse_markdown(text)]


# --- The formats ---------------------------------------------------------------------------


def _blocks(text: str) -> list[list[str]]:
    blocks, current = [], []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def is_subheading(block: list[str]) -> bool:
    """A single short line that does not end a sentence with a full stop."""
    return (
        len(block) == 1
        and len(block[0].split()) <= SUBHEADING_MAX_WORDS
        and not block[0].endswith((".", "…"))
    )


def parse_plain_text(text: str) -> Story:
    blocks = _blocks(text)
    if not blocks:
        raise StoryFileError("file has no text")
    headline, *rest = blocks
    if len(headline) > 1:
        raise StoryFileError("no headline: the first block must be a single line")
    body = []
    for block in rest:
        words = html.escape(" ".join(block), quote=False)
        body.append(f"<h2>{words}</h2>" if is_subheading(block) else f"<p>{words}</p>")
    return Story(headline=headline[0], body="\n".join(body))


def split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 3)
    if end == -1:
        raise StoryFileError("front matter starts with --- but never ends with a --- line")
    try:
        meta = yaml.load(text[4:end], Loader=_YAML_LOADER) or {}  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        # A character YAML refuses raises a ReaderError, which has no `problem`.
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise StoryFileError(f"front matter is not valid YAML ({problem})") from None
    if not isinstance(meta, dict):
        raise StoryFileError("front matter must be a set of `key: value` lines")
    return meta, text[end + 5 :]


def render_markdown(text: str, *, first_line: int = 1) -> str:
    """The body as HTML, its blocks in their stored form (articles/markdown.py says how they
    are written); `first_line` is where the text starts in its file, for messages."""
    try:
        return markdown.render(text, _library_photos, first_line=first_line)
    except markdown.MarkdownError as error:
        raise StoryFileError(str(error)) from None


def _library_photos(pks: set[int]) -> dict[int, tuple[str, str, str]]:
    """The alt text, caption and credit of the photos a file's pictures name: one query a
    file that has pictures, none for the others."""
    rows = Image.objects.filter(pk__in=pks).values_list("pk", "alt", "caption", "credit")
    return {pk: (alt, caption, credit) for pk, alt, caption, credit in rows}


def parse_markdown(text: str) -> Story:
    meta, body = split_front_matter(text)
    headline = _text(meta, "headline") or _text(meta, "title")
    if not headline:
        lines = body.lstrip("\n").split("\n", 1)
        if lines[0].startswith("# "):
            headline, body = lines[0][2:], lines[1] if len(lines) > 1 else ""
    if not headline:
        raise StoryFileError("no headline: add `headline:` to the front matter or a `# ` line")
    if str(meta.get("body_format", "markdown")).lower() != "html":
        # The body is what is left at the end of the text: its first line's number follows.
        first_line = text[: len(text) - len(body)].count("\n") + 1
        body = render_markdown(body, first_line=first_line)
    return _story_from_mapping(meta, headline, body)


def parse_export_json(text: str) -> list[Story]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise StoryFileError(f"is not valid JSON ({error.msg} at line {error.lineno})") from None
    items = data.get("articles") if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise StoryFileError('JSON must be {"articles": [...]}, as export_articles writes it')
    stories = []
    for number, item in enumerate(items, start=1):
        headline = _text(item, "headline")
        if not headline:
            raise StoryFileError(f"article {number} has no headline")
        stories.append(_story_from_mapping(item, headline, str(item.get("body") or "")))
    return stories


def _story_from_mapping(meta: dict, headline: str, body: str) -> Story:
    return Story(
        headline=headline,
        body=body,
        standfirst=_text(meta, "standfirst") or _text(meta, "description"),
        slug=_slug(meta),
        section=_text(meta, "section"),
        section_name=_text(meta, "section_name"),
        authors=_names(meta.get("authors", meta.get("author"))),
        tags=_names(meta.get("tags")),
        published_at=_datetime(meta, "published_at"),
        state=_state(meta),
        extras=_extras(meta),
    )


def _slug(meta: dict) -> str:
    """A file's own slug, made safe for URLs the same way the admin's slugs are."""
    wanted = _text(meta, "slug")
    return make_slug(wanted, fallback="story", max_length=110) if wanted else ""


def _extras(meta: dict) -> dict:
    extras = {}
    for name in ("seo_title", "seo_description"):
        if name in meta:
            limit = Article._meta.get_field(name).max_length
            extras[name] = clean_line(_text(meta, name))[:limit]
    if "canonical_url" in meta:
        url = _text(meta, "canonical_url")
        if url and not re.match(r"https?://[^\s/]+\S*$", url):
            raise StoryFileError(f"`canonical_url` is not an http(s) address: {url!r}")
        extras["canonical_url"] = url
    if "updated_at" in meta:
        extras["updated_at"] = _datetime(meta, "updated_at")
    if "corrections" in meta:
        extras["corrections"] = _corrections(meta["corrections"])
    priority = meta.get("homepage_priority")
    if isinstance(priority, int) and 0 <= priority <= 32767:
        extras["homepage_priority"] = priority
    return extras


def _corrections(value) -> list[dict]:
    """An export's corrections: each a text and the time it was published."""
    if not isinstance(value, list):
        raise StoryFileError("`corrections` must be a list of `published_at` and `text` entries")
    limit = Correction._meta.get_field("text").max_length
    entries = []
    for number, item in enumerate(value, start=1):
        item = item if isinstance(item, dict) else {}
        text = _text(item, "text")
        if not text or len(text) > limit:
            raise StoryFileError(f"correction {number} needs a text of 1 to {limit:,} characters")
        when = _datetime(item, "published_at")
        if when is None:
            raise StoryFileError(f"correction {number} has no `published_at`")
        entries.append(revisions.correction_entry(when, text))
    return entries


def _text(meta: dict, key: str) -> str:
    value = meta.get(key)
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _names(value) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    names = [item.get("name", "") if isinstance(item, dict) else item for item in value]
    return [str(name).strip() for name in names if str(name).strip()]


def _datetime(meta: dict, key: str) -> datetime | None:
    value = meta.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, datetime):
        value = parse_iso_datetime(str(value), f"`{key}`")
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def parse_iso_datetime(value: str, what: str) -> datetime:
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise StoryFileError(f"{what} is not an ISO 8601 date and time: {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _state(meta: dict) -> str:
    state = _text(meta, "state").lower()
    if state and state not in Article.State.values:
        raise StoryFileError(
            f"unknown state {state!r}; expected one of {', '.join(Article.State.values)}"
        )
    return state
