"""Reading story files (.txt, .md, and the JSON that export_articles writes) into articles.

Text from files is never trusted as HTML: plain text and Markdown are escaped before they
become markup, and every body passes the sanitiser in Article.normalise() whatever its source.
Files are imported in batches, a transaction each (see _Batch): a file that fails leaves nothing
behind, and a crash leaves only whole files.
"""

import functools
import html
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from newsroom import page_cache
from newsroom.text import clean_line, make_slug
from photos.models import Image

from . import blocks, caching, markdown, revisions, search, workflow
from .models import (
    Article,
    ArticleAuthor,
    Author,
    BodyPicture,
    Correction,
    Section,
    Tag,
    TaggedArticle,
    free_slug,
)
from .sanitise import sanitise_html

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".json"}
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_HEADLINE_CHARS = Article._meta.get_field("headline").max_length
MAX_STANDFIRST_CHARS = Article._meta.get_field("standfirst").max_length
IMPORT_NOTE = "Imported from a file"
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


# --- Saving, a batch of files at a time ------------------------------------------------------

# Files a transaction: enough for hundreds of stories to share the look-ups, the search index
# update and the purge; few enough that SQLite's write lock, held by the batch, is held for
# about a second.
BATCH_FILES = 200


@dataclass
class FileResult:
    path: Path
    outcomes: list[Outcome] = field(default_factory=list)
    error: str = ""  # why nothing from the file was imported


@dataclass
class _Names:
    """Sections and authors by the names stories give, found once for a whole import."""

    sections: dict[str, Section | None] = field(default_factory=dict)
    authors: dict[str, Author | None] = field(default_factory=dict)

    def settle(self, *, rolled_back: bool) -> None:
        """After a batch: a name missing may exist now, and a batch rolled back made none."""
        for found in (self.sections, self.authors):
            for name in [name for name, row in found.items() if rolled_back or row is None]:
                del found[name]


def import_files(paths: list[Path], options: ImportOptions) -> Iterator[FileResult]:
    """Import the files a batch at a time; yields each file's result, in order."""
    names = _Names()
    for start in range(0, len(paths), BATCH_FILES):
        yield from _import_batch(paths[start : start + BATCH_FILES], options, names)


def _import_batch(paths: list[Path], options: ImportOptions, names: _Names) -> list[FileResult]:
    """One transaction a batch, so a crash leaves whole batches of whole files behind. The
    files are read first: SQLite's write lock, taken when the transaction starts, waits for
    no parsing."""
    files = [_read(path) for path in paths]
    with transaction.atomic():
        _Batch([file for file in files if not file.result.error], options, names).save()
        if options.dry_run:
            transaction.set_rollback(True)
    names.settle(rolled_back=options.dry_run)
    return [file.result for file in files]


@dataclass
class _Plan:
    """One story of a batch: the stored story it is, if any, and what it becomes."""

    story: Story
    key: str
    slug: str  # if it is new
    article: Article | None = None
    section: Section | None = None
    authors: list[Author | None] = field(default_factory=list)
    content: dict = field(default_factory=dict)
    outcome: Outcome = field(default_factory=lambda: Outcome("created", None))  # type: ignore[arg-type]


@dataclass
class _File:
    result: FileResult
    plans: list[_Plan] = field(default_factory=list)


def _read(path: Path) -> _File:
    """Parse and check a file's stories: a file refused here never reaches the database."""
    file = _File(FileResult(path))
    try:
        stories = parse_file(path)
        for story in stories:
            _check(story)
    except StoryFileError as error:
        file.result.error = str(error)
    else:
        key = _file_key(path)
        file.plans = [_Plan(story, _key(story, key), _wanted_slug(story)) for story in stories]
    return file


class _Batch:
    """The files of a batch, with what their stories refer to looked up once for them all.

    Files whose stories are each new or unchanged are saved together: whatever could refuse
    them is checked before anything is written, then their rows are written with a bulk insert
    a table, as revisions.save_edit() and workflow.take() would write them story by story.
    Any other file (an update, a story loaded in a state, one scheduled, a key or slug that two
    stories of the batch want) goes through import_story() as before, in a savepoint of its
    own, so that a failure there undoes its file alone.
    """

    def __init__(self, files: list[_File], options: ImportOptions, names: _Names):
        self.files, self.options = files, options
        plans = [plan for file in files for plan in file.plans]
        self.keys = Counter(plan.key for plan in plans)
        self.stored = Article.objects.select_related("pending_revision").in_bulk(
            list(self.keys), field_name="import_key"
        )
        self.current = _current_contents(list(self.stored.values()))
        self.slugs = Counter(plan.slug for plan in plans if plan.key not in self.stored)
        taken = Article.objects.filter(slug__in=list(self.slugs)).values_list("slug", flat=True)
        self.taken = set(taken)
        self.tags = _TagNames([self._tag_list(plan.story) for plan in plans])
        self.sections, self.authors = names.sections, names.authors

    def save(self) -> None:
        """Every file's outcomes, or why it failed, in its FileResult."""
        together, alone = [], []
        for file in self.files:
            try:
                (together if self._goes_together(file) else alone).append(file)
            except StoryFileError as error:
                file.result.error = str(error)
        together = [file for file in together if self._create_names(file)]
        self._save_new([p for file in together for p in file.plans if p.article is None])
        for file in together:
            file.result.outcomes = [plan.outcome for plan in file.plans]
        for file in alone:
            self._save_alone(file)

    # --- Which files go together

    def _goes_together(self, file: _File) -> bool:
        return all(self._plan(plan) for plan in file.plans)

    def _plan(self, plan: _Plan) -> bool:
        """Look the story up; whether it can be saved with the batch."""
        story, options = plan.story, self.options
        if self.keys[plan.key] > 1:  # later files update what earlier ones create
            return False
        plan.article = self.stored.get(plan.key)
        section, authors = self._names(story)
        plan.section = self._find_section(section)
        plan.authors = [self._find_author(name) for name in authors]
        if plan.article is None:
            return (
                not story.state
                and self.slugs[plan.slug] == 1
                and plan.slug not in self.taken
                and not (options.publish and _schedules(options.published_at))
            )
        if plan.section is None or None in plan.authors:
            return False  # a name nobody has yet: the story changes
        current = self.current[plan.article.pk]
        plan.content = self._content(plan, current)
        plan.outcome = Outcome("unchanged", plan.article)
        return plan.content == current and not (
            options.publish and _publish_would_act(plan.article)
        )

    def _names(self, story: Story) -> tuple[str, list[str]]:
        return self.options.section or story.section, self.options.authors or story.authors

    def _find_section(self, value: str) -> Section | None:
        if value not in self.sections:
            self.sections[value] = _find_section(value)
        return self.sections[value]

    def _find_author(self, value: str) -> Author | None:
        if value not in self.authors:
            self.authors[value] = _find_author(value)
        return self.authors[value]

    def _create_names(self, file: _File) -> bool:
        """Create the sections and authors the file's new stories name that nobody has yet, in
        a savepoint: a name refused (a section called "search") fails its file alone."""
        missing = [plan for plan in file.plans if not self._known(plan)]
        if not missing:
            return True
        try:
            with transaction.atomic():
                for plan in missing:
                    section, authors = self._names(plan.story)
                    name = plan.story.section_name
                    plan.section = plan.section or _section(section, name, plan.outcome)
                    plan.authors = [
                        author or _author(name, plan.outcome)
                        for author, name in zip(plan.authors, authors, strict=True)
                    ]
        except StoryFileError as error:
            file.result.error = str(error)
            return False
        for plan in missing:  # they exist now, for the files after this one
            section, authors = self._names(plan.story)
            self.sections[section] = plan.section
            self.authors.update(zip(authors, plan.authors, strict=True))
        return True

    def _known(self, plan: _Plan) -> bool:
        """Whether every name the story gives exists, counting those files before it created."""
        section, authors = self._names(plan.story)
        plan.section = plan.section or self.sections[section]
        plan.authors = [
            author or self.authors[name] for author, name in zip(plan.authors, authors, strict=True)
        ]
        return plan.section is not None and None not in plan.authors

    # --- Saving new stories together

    def _save_new(self, plans: list[_Plan]) -> None:
        """Create the stories as save_edit() creates one, and publish them through the
        workflow: the same rows, a bulk insert each, one search index update and one purge."""
        if not plans:
            return
        for plan in plans:
            plan.outcome.article = plan.article = self._new_article(plan)
        Article.objects.bulk_create([plan.article for plan in plans])
        tags = self.tags.rows({name for plan in plans for name in plan.content["tags"]})
        revisions.keep_created([(plan.article, plan.content) for plan in plans], by=None,
                               note=IMPORT_NOTE)  # fmt: skip
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article=plan.article, author_id=author, position=position)
            for plan in plans
            for position, author in enumerate(plan.content["bylines"])
        )
        TaggedArticle.objects.bulk_create(
            TaggedArticle(content_object=plan.article, tag=tags[name])
            for plan in plans
            for name in plan.content["tags"]
        )
        self._list_body_pictures(plans)
        # Made with a bulk insert, which sends no signal: their pages are purged here.
        page_cache.purge(set().union(*map(caching.tag_keys, self.tags.created)))
        if self.options.publish:  # after the body pictures: /media/ serves them now
            articles = [plan.article for plan in plans]
            try:
                workflow.publish_many(articles, by=None, at=self.options.published_at)
            except workflow.TransitionError as error:
                raise StoryFileError(str(error)) from None
        search.index_on_commit(plan.article.pk for plan in plans)

    @staticmethod
    def _list_body_pictures(plans: list[_Plan]) -> None:
        """BodyPicture.list_for() of each new story: one query for the photos, one insert."""
        wanted = {plan.article.pk: blocks.photo_ids([plan.article.body]) for plan in plans}
        if not any(wanted.values()):
            return
        # A body may name a photo deleted since (an export from elsewhere); it is not listed.
        named = Image.objects.filter(pk__in=set().union(*wanted.values()))
        found = set(named.values_list("pk", flat=True))
        BodyPicture.objects.bulk_create(
            BodyPicture(article_id=pk, image_id=image)
            for pk, images in wanted.items()
            for image in sorted(images & found)
        )

    # --- The rest, story by story

    def _save_alone(self, file: _File) -> None:
        path = file.result.path
        try:
            with transaction.atomic():
                file.result.outcomes = [
                    import_story(plan.story, self.options, file_key=_file_key(path))
                    for plan in file.plans
                ]
        except StoryFileError as error:
            file.result.error = str(error)

    # --- Content

    def _tag_list(self, story: Story) -> list[str]:
        return list(dict.fromkeys(story.tags + self.options.tags))

    def _content(self, plan: _Plan, current: dict) -> dict:
        """revisions.normalise() of the story's content, with its tags named by the batch (the
        same names; canonical_tags() would ask the database for them story by story)."""
        tags = self._tag_list(plan.story)
        content = _content(current, plan.story, plan.section, plan.authors, tags)
        normalised = revisions.normalise({**content, "tags": []})
        return {**normalised, "tags": self.tags.canonical(content["tags"], claim=False)}

    def _new_article(self, plan: _Plan) -> Article:
        """The article save_edit() makes of a new story, and in plan.content the content it
        keeps. Article.normalise() makes the fields, as Article.save() would; it is what
        revisions.normalise() runs on a copy, so the content is read off the article rather
        than normalised twice (tests/test_import_articles.py holds the two paths equal)."""
        current = {**revisions.empty_content(), "slug": plan.slug}
        tags = self._tag_list(plan.story)
        content = _content(current, plan.story, plan.section, plan.authors, tags)
        article = _new_article(plan.story, plan.key, plan.section, plan.slug)
        for name in revisions.ROW_FIELDS:
            setattr(article, name, content[name])
        article.hero_image_id = content["hero_image"]
        article.normalise()
        plan.content = {
            **content,
            **{name: getattr(article, name) for name in revisions.ROW_FIELDS},
            "tags": self.tags.canonical(content["tags"], claim=True),
            "bylines": list(dict.fromkeys(content["bylines"])),
        }
        return article


class _TagNames:
    """revisions.canonical_tags() for a batch: a tag is known by its slug and keeps the name it
    is stored under; a new one takes the name of the first story to use it, as it would if the
    stories were saved one by one. The stored names are read once."""

    def __init__(self, tag_lists: list[list[str]]):
        slugs = {_tag_identity(name)[0] for names in tag_lists for name in names}
        self.found = Tag.objects.in_bulk(slugs - {""}, field_name="slug")
        self.names = {slug: tag.name for slug, tag in self.found.items()}
        self.created: list[Tag] = []

    def canonical(self, names: list[str], *, claim: bool) -> list[str]:
        wanted = {}
        for name in names:
            slug, name = _tag_identity(name)
            if slug:
                wanted.setdefault(slug, name)
        canonical = sorted({self.names.get(slug, name) for slug, name in wanted.items()})
        if claim:  # new tags take these names, in the order save_edit() would create them
            for name in canonical:
                self.names.setdefault(_tag_identity(name)[0], name)
        return canonical

    def rows(self, names: set[str]) -> dict[str, Tag]:
        """The tags of these canonical names by name, creating those not stored yet."""
        slugs = {_tag_identity(name)[0] for name in names}
        self.created = Tag.objects.bulk_create(
            Tag(name=name, slug=slug)
            for slug, name in self.names.items()
            if slug in slugs and slug not in self.found
        )
        self.found |= {tag.slug: tag for tag in self.created}
        return {name: self.found[_tag_identity(name)[0]] for name in names}


@functools.lru_cache(maxsize=10_000)  # a newsroom's tags recur from story to story
def _tag_identity(name: str) -> tuple[str, str]:
    """The slug that identifies a tag (models.NormalisedTagManager) and its clean name; empty
    for no tag at all."""
    name = clean_line(name)[:100]
    return (make_slug(name, fallback="tag"), name) if name else ("", "")


def _current_contents(articles: list[Article]) -> dict[int, dict]:
    """revisions.current_content() of many stories in five queries, not five a story."""
    pks = [article.pk for article in articles]
    tags, bylines, related, corrections = (defaultdict(list) for _ in range(4))
    for pk, name in TaggedArticle.objects.filter(content_object__in=pks).values_list(
        "content_object", "tag__name"
    ):
        tags[pk].append(name)
    for pk, author in (
        ArticleAuthor.objects.filter(article__in=pks)
        .order_by("position", "pk")
        .values_list("article", "author")
    ):
        bylines[pk].append(author)
    for pk, other in Article.related.through.objects.filter(from_article__in=pks).values_list(
        "from_article", "to_article"
    ):
        related[pk].append(other)
    for correction in Correction.objects.filter(article__in=pks).order_by("pk"):
        entry = revisions.correction_entry(correction.published_at, correction.text)
        corrections[correction.article_id].append(entry)
    contents = {}
    for article in articles:
        pk, pending = article.pk, article.pending_revision
        content = {name: getattr(article, name) for name in revisions.ROW_FIELDS}
        content.update(
            section=article.section_id, hero_image=article.hero_image_id, tags=sorted(tags[pk]),
            bylines=bylines[pk], related=sorted(related[pk]), corrections=corrections[pk],
        )  # fmt: skip
        contents[pk] = {**content, **pending.content} if pending else content
    return contents


def _schedules(at: datetime | None) -> bool:
    return at is not None and at > timezone.now()


def _publish_would_act(article: Article) -> bool:
    """Whether --publish does something to this stored story (see _publish)."""
    return article.has_pending_changes() or article.state not in _KEPT_BY_PUBLISH


# --- Saving one story ----------------------------------------------------------------------


def _file_key(path: Path) -> str:
    """What makes a re-import "the same story": the file's name, whatever its headline says."""
    return "file:" + make_slug(path.stem, fallback="file")


def _key(story: Story, file_key: str) -> str:
    return story.slug or file_key or make_slug(story.headline, fallback="story")


def _wanted_slug(story: Story) -> str:
    return story.slug or make_slug(story.headline, fallback="story")


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
    key = _key(story, file_key)
    article = Article.objects.filter(import_key=key).first()
    created = article is None
    if created:
        article = _new_article(story, key, section, free_slug(Article, _wanted_slug(story)))
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
    found = _find_section(value)
    if found:
        return found
    section = Section(name=clean_line(name or value))
    section.slug = make_slug(value, fallback="section")
    _validate(section, "section")
    section.save()
    outcome.created_sections.append(section.name)
    return section


def _find_section(value: str) -> Section | None:
    if not value:
        raise StoryFileError("no section: pass --section or set `section` in the front matter")
    return (
        Section.objects.filter(slug=value).first()
        or Section.objects.filter(name__iexact=value).first()
        or Section.objects.filter(slug=make_slug(value, fallback="section")).first()
    )  # the last files "Sport!" into "Sport"


def _author(value: str, outcome: Outcome) -> Author:
    found = _find_author(value)
    if found:
        return found
    author = Author(name=clean_line(value))
    _validate(author, "author")
    author.save()
    outcome.created_authors.append(author.name)
    return author


def _find_author(value: str) -> Author | None:
    return (
        Author.objects.filter(slug=value).first()
        or Author.objects.filter(name__iexact=clean_line(value)).first()
    )


def _validate(obj, what: str) -> None:
    try:
        obj.full_clean(exclude=["slug"] if not obj.slug else None)
    except ValidationError as error:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
        raise StoryFileError(f"cannot create {what} {str(obj)!r}: {problems}") from None


def _new_article(story: Story, key: str, section: Section, slug: str) -> Article:
    updated_at = story.extras.get("updated_at")
    return Article(import_key=key, section=section, updated_at=updated_at, slug=slug)


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


# What --publish leaves as it is: re-running the same import never moves a publish time.
_KEPT_BY_PUBLISH = {Article.State.PUBLISHED, Article.State.SCHEDULED}


def _publish(article: Article, at: datetime | None) -> bool:
    """Publish now, backdate, schedule for a future time, or publish a live story's changes.

    A story already published or scheduled keeps its publish time, so re-running the same
    import never moves it; the workflow refuses the rest (a withdrawn story, say).
    """
    if article.has_pending_changes():
        name = "publish_changes"
    elif article.state in _KEPT_BY_PUBLISH:
        return False
    else:
        name = "schedule" if _schedules(at) else "publish"
    try:
        workflow.take(article, name, by=None, at=None if name == "publish_changes" else at)
    except workflow.TransitionError as error:
        raise StoryFileError(str(error)) from None
    return True
