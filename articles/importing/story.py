"""The one-story path: a story read from a file becomes a new article or updates the one it
was imported as before, through revisions.save_edit() and the workflow like any edit.

The batch path (batch.py) saves new and unchanged stories in bulk with these same helpers,
and hands every other story to import_story().
"""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone

from newsroom.text import clean_line, make_slug

from .. import revisions, workflow
from ..models import Article, Section, free_slug
from ..sanitise import sanitise_html
from . import names
from .formats import Story, StoryFileError

MAX_HEADLINE_CHARS = Article._meta.get_field("headline").max_length
MAX_STANDFIRST_CHARS = Article._meta.get_field("standfirst").max_length
IMPORT_NOTE = "Imported from a file"


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


def schedules(at: datetime | None) -> bool:
    return at is not None and at > timezone.now()


def publish_would_act(article: Article) -> bool:
    """Whether --publish does something to this stored story (see _publish)."""
    return article.has_pending_changes() or article.state not in Article.PUBLIC_STATES


# --- Saving one story ----------------------------------------------------------------------


def file_key(path: Path) -> str:
    """What makes a re-import "the same story": the file's name, whatever its headline says."""
    return "file:" + make_slug(path.stem, fallback="file")


def key(story: Story, file_key: str) -> str:
    return story.slug or file_key or make_slug(story.headline, fallback="story")


def wanted_slug(story: Story) -> str:
    return story.slug or make_slug(story.headline, fallback="story")


def wanted_names(story: Story, options: ImportOptions) -> tuple[str, list[str]]:
    """The section and byline names the story goes under: the command's, else the file's."""
    return options.section or story.section, options.authors or story.authors


def tag_names(story: Story, options: ImportOptions) -> list[str]:
    """The file's tags and the command's, in that order."""
    return list(dict.fromkeys(story.tags + options.tags))


def import_story(story: Story, options: ImportOptions, *, file_key: str = "") -> Outcome:
    """Create or update the article for this story (call inside a transaction).

    A story is the same one again when it carries the same slug (exports do) or, failing
    that, comes from a file of the same name; JSON entries without a slug match by headline.
    """
    check(story)
    outcome = Outcome(action="unchanged", article=None)  # type: ignore[arg-type]
    section_name, author_names = wanted_names(story, options)
    section = names.section(section_name, story.section_name, outcome.created_sections)
    authors = [names.author(name, outcome.created_authors) for name in author_names]
    import_key = key(story, file_key)
    article = Article.objects.filter(import_key=import_key).first()
    created = article is None
    if created:
        slug = free_slug(Article, wanted_slug(story))
        article = new_article(story, import_key, section, slug)
        current = {**revisions.empty_content(), "slug": article.slug}
    else:
        current = revisions.current_content(article)
    wanted = story_content(current, story, section, authors, tag_names(story, options))
    wanted = revisions.normalise(wanted)
    changed = created or wanted != current
    if changed and not created and article.is_published():
        _check_no_editor_changed(article, options)
    if changed:
        revisions.save_edit(article, wanted, by=None, note=IMPORT_NOTE)
    if created:
        _load_in_state(article, story)
    if options.publish:
        changed |= _publish(article, options.published_at)
    outcome.article = article
    outcome.action = "created" if created else "updated" if changed else "unchanged"
    return outcome


def check(story: Story) -> None:
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


def new_article(story: Story, key: str, section: Section, slug: str) -> Article:
    updated_at = story.extras.get("updated_at")
    return Article(import_key=key, section=section, updated_at=updated_at, slug=slug)


def story_content(current: dict, story: Story, section: Section, authors, tags) -> dict:
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

    A story in a public state (published, or scheduled: public at its time) is public already
    and keeps its publish time, so re-running the same import never moves it; the workflow
    refuses the rest (a withdrawn story, say).
    """
    if article.has_pending_changes():
        name = "publish_changes"
    elif article.state in Article.PUBLIC_STATES:
        return False
    else:
        name = "schedule" if schedules(at) else "publish"
    try:
        workflow.take(article, name, by=None, at=None if name == "publish_changes" else at)
    except workflow.TransitionError as error:
        raise StoryFileError(str(error)) from None
    return True
