"""The one edit path, and what it keeps.

Every change to a story's content (the admin's save, an import, a restore) goes through
`save_edit()` as a *content* dict: every field editors can change, related rows included. It
raises the version (what stale forms are detected by) and keeps the content as a revision. A
story readers can see keeps its live version on its row: the change waits as its pending
revision until an editor publishes it (`publish_pending()`, taken as a workflow transition).
"""

import difflib
import functools
import html
import re
from collections import defaultdict
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.html import strip_tags
from taggit.utils import edit_string_for_tags

from newsroom.text import clean_line, make_slug
from photos.models import Image

from . import caching
from .models import (
    Article,
    ArticleAuthor,
    Author,
    Correction,
    Revision,
    Section,
    Tag,
    TaggedArticle,
)

# Every field of a story's content, in the order editors read them, with its label.
FIELDS = [
    ("headline", "Headline"),
    ("slug", "Slug"),
    ("standfirst", "Standfirst"),
    ("body", "Body"),
    ("section", "Section"),
    ("tags", "Tags"),
    ("bylines", "Byline"),
    ("hero_image", "Picture"),
    ("hero_caption", "Caption"),
    ("related", "Related stories"),
    ("seo_title", "SEO title"),
    ("seo_description", "Meta description"),
    ("canonical_url", "Canonical URL"),
    ("homepage_priority", "Homepage priority"),
    ("corrections", "Corrections"),
]
# Those kept on the article's row as they are.
ROW_FIELDS = [
    "headline", "slug", "standfirst", "body", "hero_caption", "seo_title", "seo_description",
    "canonical_url", "homepage_priority",
]  # fmt: skip
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|pre|figcaption)>|<br\s*/?>", re.IGNORECASE)
_TOKENS = re.compile(r"\s+|[^\s]+")


# --- Content ---------------------------------------------------------------------------------


def snapshot(article: Article) -> dict:
    """The content of the article as stored: its live version when it is public."""
    return _stored_content(
        article,
        tags=sorted(article.tags.values_list("name", flat=True)),
        bylines=list(article.bylines.order_by("position", "pk").values_list("author", flat=True)),
        related=sorted(article.related.values_list("pk", flat=True)),
        corrections=[
            correction_entry(c.published_at, c.text) for c in article.corrections.order_by("pk")
        ],
    )


def _stored_content(article: Article, *, tags, bylines, related, corrections) -> dict:
    content = {name: getattr(article, name) for name in ROW_FIELDS}
    content.update(
        section=article.section_id, hero_image=article.hero_image_id, tags=tags,
        bylines=bylines, related=related, corrections=corrections,
    )  # fmt: skip
    return content


def current_content(article: Article) -> dict:
    """What editors work on: the pending changes if there are any, else the stored story."""
    pending = article.pending_revision if article.pending_revision_id else None
    base = snapshot(article)
    return {**base, **pending.content} if pending else base


def current_contents(articles: list[Article]) -> dict[int, dict]:
    """current_content() of many stories (read with their pending revision) by pk, in five
    queries rather than five a story (a batch import compares its files with them)."""
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
        entry = correction_entry(correction.published_at, correction.text)
        corrections[correction.article_id].append(entry)
    contents = {}
    for article in articles:
        pk, pending = article.pk, article.pending_revision
        content = _stored_content(
            article, tags=sorted(tags[pk]), bylines=bylines[pk], related=sorted(related[pk]),
            corrections=corrections[pk],
        )  # fmt: skip
        contents[pk] = {**content, **pending.content} if pending else content
    return contents


def correction_time(entry: dict) -> datetime:
    return datetime.fromisoformat(entry["published_at"])


def empty_content() -> dict:
    return {
        **{name: "" for name in ROW_FIELDS},
        "homepage_priority": 0, "section": None, "hero_image": None, "tags": [],
        "bylines": [], "related": [], "corrections": [],
    }  # fmt: skip


def correction_entry(published_at: datetime, text: str) -> dict:
    # To the second, in UTC: what a form sends back compares equal to what was stored.
    when = published_at.astimezone(UTC).replace(microsecond=0)
    return {"published_at": when.isoformat(), "text": text}


def normalise(content: dict) -> dict:
    """The content as Article.save() would store it (clean headline, slug, sanitised body)."""
    probe = Article(**{name: content[name] for name in ROW_FIELDS})
    probe.normalise()
    return {
        **content,
        **{name: getattr(probe, name) for name in ROW_FIELDS},
        "tags": canonical_tags(content["tags"]),
        "bylines": list(dict.fromkeys(content["bylines"])),
        "related": sorted(set(content["related"])),
    }


def canonical_tags(names) -> list[str]:
    """Tag names as they are (or will be) stored: one per slug, as models.Tag keeps them."""
    wanted = {}
    for name in names:
        slug, name = tag_identity(name)
        if slug:
            wanted.setdefault(slug, name)
    stored = dict(Tag.objects.filter(slug__in=wanted).values_list("slug", "name"))
    return sorted({stored.get(slug, name) for slug, name in wanted.items()})


@functools.lru_cache(maxsize=10_000)  # a newsroom's tags recur from story to story
def tag_identity(name: str) -> tuple[str, str]:
    """The slug that identifies a tag (models.NormalisedTagManager) and its clean name; empty
    for no tag at all."""
    name = clean_line(name)[:100]
    return (make_slug(name, fallback="tag"), name) if name else ("", "")


# --- Saving ----------------------------------------------------------------------------------


def save_edit(
    article: Article, content: dict, *, by, note: str = "", marks_update: bool = False
) -> Revision:
    """Save a change to a story's content; the one way content changes.

    A new story is created at version 1. A story readers can see keeps its live version and
    the change waits as its pending revision (`marks_update` then asks for an "Updated" time
    when it is published); any other story takes the change at once. Either way the version
    goes up by one and the content is kept as a revision, in one transaction.
    """
    content = normalise(content)
    with transaction.atomic():
        hold = article.pk is not None and article.is_published()
        if article.pk is not None:
            _keep_base(article)
            article.version += 1
        if not hold:
            _apply(article, content)
        elif article.pending_revision_id:
            marks_update = marks_update or article.pending_revision.marks_update
        revision = Revision.objects.create(
            article=article, version=article.version, created_by=by, note=note,
            content=content, marks_update=hold and marks_update,
        )  # fmt: skip
        if hold:
            article.pending_revision = revision
            article.pending_state = article.pending_state or Article.ChangesState.DRAFT
            Article.objects.filter(pk=article.pk).update(
                version=article.version,
                pending_revision=revision,
                pending_state=article.pending_state,
                modified_at=timezone.now(),
            )
    return revision


def keep_created(stories: list[tuple[Article, dict]], *, by, note: str = "") -> list[Revision]:
    """The revision save_edit() keeps of a new story, for many stories a bulk insert made at
    once (a batch import), each given with its content as normalise() leaves it."""
    return Revision.objects.bulk_create(
        Revision(article=article, version=article.version, created_by=by, note=note,
                 content=content)
        for article, content in stories
    )  # fmt: skip


def publish_pending(article: Article) -> None:
    """Make the pending changes the live version (called by the "publish_changes" transition)."""
    revision = article.pending_revision
    if revision.marks_update:
        article.updated_at = timezone.now()
    _apply(article, {**snapshot(article), **revision.content})


def discard_pending(article: Article, *, by) -> None:
    """Drop the pending changes; the live version is again what editors work on."""
    Article.objects.filter(pk=article.pk).update(version=F("version") + 1, pending_revision=None)
    article.refresh_from_db(fields=["version", "pending_revision"])
    Revision.objects.create(
        article=article, version=article.version, created_by=by, content=snapshot(article),
        note="Pending changes discarded",
    )  # fmt: skip


def restore(revision: Revision, *, by) -> Article:
    """Put a revision's content back as a new revision (pending, if the story is live)."""
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=revision.article_id)
        content = {**current_content(article), **revision.content}
        save_edit(article, content, by=by, note=f"Restored version {revision.version}")
    return article


def _apply(article: Article, content: dict) -> None:
    """Write content onto the article's row and related rows; the row is live from here."""
    before = caching.shown(article)
    for name in ROW_FIELDS:
        setattr(article, name, content[name])
    if Section.objects.filter(pk=content["section"]).exists():
        article.section_id = content["section"]
    image = content["hero_image"]
    article.hero_image_id = image if Image.objects.filter(pk=image).exists() else None
    article.pending_revision, article.pending_state = None, Article.ChangesState.NONE
    article.save()
    article.tags.set(content["tags"])
    authors = Author.objects.in_bulk(content["bylines"])
    if list(article.bylines.values_list("author", flat=True)) != content["bylines"]:
        article.bylines.all().delete()
        for position, pk in enumerate(a for a in content["bylines"] if a in authors):
            ArticleAuthor.objects.create(article=article, author_id=pk, position=position)
    article.related.set(Article.objects.filter(pk__in=content["related"]))
    stored = [correction_entry(c.published_at, c.text) for c in article.corrections.all()]
    if stored != content["corrections"]:
        article.corrections.all().delete()
        Correction.objects.bulk_create(
            Correction(
                article=article,
                text=c["text"],
                published_at=correction_time(c),
            )
            for c in content["corrections"]
        )
    caching.story_changed(before, article)


def _keep_base(article: Article) -> None:
    """Snapshot the stored story before its first tracked save (say, one loaded in bulk)."""
    if not Revision.objects.filter(article=article, version=article.version).exists():
        stored = Article.objects.get(pk=article.pk)  # not the caller's copy, changed in memory
        Revision.objects.create(
            article=article, version=stored.version, created_at=stored.modified_at,
            content=current_content(stored), note="As it was before it was edited here",
        )  # fmt: skip


# --- Comparing -------------------------------------------------------------------------------


def readable_text(body_html: str) -> str:
    """The body as a reader sees its words: one line per block, no markup."""
    return html.unescape(strip_tags(_BLOCK_END.sub(lambda m: m.group(0) + "\n", body_html)))


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] where op is 'equal', 'delete' or 'insert', word by word."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    segments = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in {"equal", "delete", "replace"}:
            segments.append(("equal" if op == "equal" else "delete", "".join(a[i1:i2])))
        if op in {"insert", "replace"}:
            segments.append(("insert", "".join(b[j1:j2])))
    return segments


class Comparison(list):
    """Rows of {field, label, changed, segments}, one a field."""

    @property
    def changed(self) -> list[dict]:
        return [row for row in self if row["changed"]]


def compare(old: dict, new: dict) -> Comparison:
    """Field-by-field word diffs between two contents, every field, as editors read them."""
    before, after = _readable(old), _readable(new)
    return Comparison(
        {
            "field": field,
            "label": label,
            "changed": old.get(field) != new.get(field),
            "segments": word_diff(before[field], after[field]),
        }
        for field, label in FIELDS
    )


def _readable(content: dict) -> dict[str, str]:
    """Each field as words: names for the ids, the body's text without markup."""
    get = content.get
    section = Section.objects.filter(pk=get("section")).first()
    image = Image.objects.filter(pk=get("hero_image")).first()
    authors = Author.objects.in_bulk(get("bylines") or [])
    related = Article.objects.in_bulk(get("related") or [])
    text = {field: str(get(field) or "") for field, _ in FIELDS}
    text.update(
        body=readable_text(get("body") or ""),
        section=str(section or ""),
        hero_image=str(image or ""),
        tags=edit_string_for_tags([Tag(name=n) for n in get("tags") or []]),
        bylines=", ".join(str(authors[a]) for a in get("bylines") or [] if a in authors),
        related="; ".join(str(related[a]) for a in get("related") or [] if a in related),
        corrections="\n".join(
            f"{c['published_at'][:10]}: {c['text']}" for c in get("corrections") or []
        ),
        homepage_priority=str(get("homepage_priority", "")),
    )
    return text
