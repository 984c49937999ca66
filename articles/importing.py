"""Reading story files (.txt, .md, and the JSON that export_articles writes) into articles.

Text from files is never trusted as HTML: plain text and Markdown are escaped before they
become markup, and every body passes the sanitiser in Article.save() whatever its source.
Each file is imported in its own transaction, so a bad file leaves nothing behind.
"""

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from markdown_it import MarkdownIt

from newsroom.text import clean_line, make_slug

from . import revisions, workflow
from .models import Article, Author, Section, free_slug
from .sanitise import sanitise_html

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".json"}
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_HEADLINE_CHARS = Article._meta.get_field("headline").max_length
MAX_STANDFIRST_CHARS = Article._meta.get_field("standfirst").max_length
IMPORT_NOTE = "Imported from a file"
SUBHEADING_MAX_WORDS = 10

# Raw HTML in Markdown is shown as text, like everything else a file says.
_markdown = MarkdownIt("commonmark", {"html": False})


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


@dataclass
class ImportOptions:
    section: str = ""
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    publish: bool = False
    published_at: datetime | None = None
    dry_run: bool = False
    overwrite: bool = False


@dataclass
class Outcome:
    action: str  # "created", "updated" or "unchanged"
    article: Article
    created_sections: list[str] = field(default_factory=list)
    created_authors: list[str] = field(default_factory=list)


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
        meta = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as error:
        raise StoryFileError(f"front matter is not valid YAML ({error.problem})") from None
    if not isinstance(meta, dict):
        raise StoryFileError("front matter must be a set of `key: value` lines")
    return meta, text[end + 5 :]


def render_markdown(text: str) -> str:
    tokens = _markdown.parse(text)
    for token in tokens:
        if token.tag == "h1":  # the headline is the page's only h1
            token.tag = "h2"
    return _markdown.renderer.render(tokens, _markdown.options, {})


def parse_markdown(text: str) -> Story:
    meta, body = split_front_matter(text)
    headline = _text(meta, "headline") or _text(meta, "title")
    if not headline:
        lines = body.lstrip("\n").split("\n", 1)
        if lines[0].startswith("# "):
            headline, body = lines[0][2:], lines[1] if len(lines) > 1 else ""
    if not headline:
        raise StoryFileError("no headline: add `headline:` to the front matter or a `# ` line")
    is_html = str(meta.get("body_format", "markdown")).lower() == "html"
    return _story_from_mapping(meta, headline, body if is_html else render_markdown(body))


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
    priority = meta.get("homepage_priority")
    if isinstance(priority, int) and 0 <= priority <= 32767:
        extras["homepage_priority"] = priority
    return extras


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


# --- Saving --------------------------------------------------------------------------------


def import_file(path: Path, options: ImportOptions) -> list[Outcome]:
    """Import every story in one file, in one transaction: all of them or none."""
    stories = parse_file(path)
    with transaction.atomic():
        outcomes = [import_story(story, options, file_key=_file_key(path)) for story in stories]
        if options.dry_run:
            transaction.set_rollback(True)
    return outcomes


def _file_key(path: Path) -> str:
    """What makes a re-import "the same story": the file's name, whatever its headline says."""
    return "file:" + make_slug(path.stem, fallback="file")


def import_story(story: Story, options: ImportOptions, *, file_key: str = "") -> Outcome:
    """Create or update the article for this story (call inside a transaction).

    A story is the same one again when it carries the same slug (exports do) or, failing
    that, comes from a file of the same name; JSON entries without a slug match by headline.
    """
    _check(story)
    outcome = Outcome(action="unchanged", article=None)  # type: ignore[arg-type]
    section = _section(options.section or story.section, story.section_name, outcome)
    authors = [_author(name, outcome) for name in (options.authors or story.authors)]
    tags = list(dict.fromkeys(story.tags + options.tags))
    key = story.slug or file_key or make_slug(story.headline, fallback="story")
    article = Article.objects.filter(import_key=key).first()
    created = article is None
    if created:
        article = _new_article(story, key, section)
        current = {**revisions.empty_content(), "slug": article.slug}
    else:
        current = revisions.current_content(article)
    content = revisions.normalise(_content(current, story, section, authors, tags))
    changed = created or content != current
    if changed and not created and article.is_published():
        _check_no_editor_changed(article, options)
    if changed:
        revisions.save_edit(article, content, by=None, note=IMPORT_NOTE)
    if created:
        _load_in_state(article, story)
    if options.publish:
        changed |= _publish(article, options.published_at)
    outcome.article = article
    outcome.action = "created" if created else "updated" if changed else "unchanged"
    return outcome


def _check(story: Story) -> None:
    if len(story.headline) > MAX_HEADLINE_CHARS:
        raise StoryFileError(f"headline is longer than {MAX_HEADLINE_CHARS} characters")
    if not clean_line(story.headline):
        raise StoryFileError("no headline: the headline has no visible characters")
    if len(story.tags) > Article.MAX_TAGS:
        raise StoryFileError(f"more than {Article.MAX_TAGS} tags ({len(story.tags)})")
    if len(story.standfirst) > MAX_STANDFIRST_CHARS:
        raise StoryFileError(f"standfirst is longer than {MAX_STANDFIRST_CHARS:,} characters")
    try:
        sanitise_html(story.body)
    except ValidationError as error:
        raise StoryFileError(error.messages[0]) from None


def _section(value: str, name: str, outcome: Outcome) -> Section:
    if not value:
        raise StoryFileError("no section: pass --section or set `section` in the front matter")
    slug = make_slug(value, fallback="section")
    found = (
        Section.objects.filter(slug=value).first()
        or Section.objects.filter(name__iexact=value).first()
        or Section.objects.filter(slug=slug).first()  # "Sport!" files into "Sport"
    )
    if found:
        return found
    section = Section(name=clean_line(name or value))
    section.slug = slug
    _validate(section, "section")
    section.save()
    outcome.created_sections.append(section.name)
    return section


def _author(value: str, outcome: Outcome) -> Author:
    found = (
        Author.objects.filter(slug=value).first()
        or Author.objects.filter(name__iexact=clean_line(value)).first()
    )
    if found:
        return found
    author = Author(name=clean_line(value))
    _validate(author, "author")
    author.save()
    outcome.created_authors.append(author.name)
    return author


def _validate(obj, what: str) -> None:
    try:
        obj.full_clean(exclude=["slug"] if not obj.slug else None)
    except ValidationError as error:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
        raise StoryFileError(f"cannot create {what} {str(obj)!r}: {problems}") from None


def _new_article(story: Story, key: str, section: Section) -> Article:
    updated_at = story.extras.get("updated_at")
    return Article(
        import_key=key, section=section, updated_at=updated_at,
        slug=free_slug(Article, story.slug or make_slug(story.headline, fallback="story")),
    )  # fmt: skip


def _content(current: dict, story: Story, section: Section, authors, tags) -> dict:
    """The story's content as the file says it; a file that names no bylines or tags leaves
    the ones editors added alone, and fields only exports carry are set when present."""
    content = {
        **current,
        "headline": story.headline,
        "standfirst": story.standfirst,
        "body": story.body,
        "section": section.pk,
    }
    for name, value in story.extras.items():
        if name in content:
            content[name] = value.pk if name == "hero_image" and value else value
    if authors:
        content["bylines"] = [author.pk for author in authors]
    if tags:
        content["tags"] = tags
    return content


def _check_no_editor_changed(article: Article, options: ImportOptions) -> None:
    """A live story that editors changed since its last import is replaced only when asked."""
    last = article.revisions.filter(note=IMPORT_NOTE).order_by("-version").first()
    if options.overwrite or (last is not None and last.version == article.version):
        return
    raise StoryFileError(
        f"editors changed “{article.headline}” since it was last imported; nothing was "
        "changed. Compare the versions in the admin, or import again with --overwrite to "
        "replace their changes."
    )


def _load_in_state(article: Article, story: Story) -> None:
    if story.state:
        try:
            workflow.load_in_state(article, state=story.state, published_at=story.published_at)
        except workflow.TransitionError as error:
            raise StoryFileError(str(error)) from None


def _publish(article: Article, at: datetime | None) -> bool:
    """Publish now, backdate, schedule for a future time, or publish a live story's changes.

    A story already published or scheduled keeps its publish time, so re-running the same
    import never moves it; the workflow refuses the rest (a withdrawn story, say).
    """
    if article.has_pending_changes():
        name = "publish_changes"
    elif article.state in {Article.State.PUBLISHED, Article.State.SCHEDULED}:
        return False
    else:
        name = "schedule" if at is not None and at > timezone.now() else "publish"
    try:
        workflow.take(article, name, by=None, at=None if name == "publish_changes" else at)
    except workflow.TransitionError as error:
        raise StoryFileError(str(error)) from None
    return True
