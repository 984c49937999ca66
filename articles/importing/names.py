"""The sections, authors and tags stories name: found by slug or name, created when missing.

Both paths use these: the one-story path (story.py) finds and creates as it goes; a batch
(batch.py) keeps what it found in a Names for the whole import and its tags in a TagNames.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from newsroom.text import clean_line, make_slug

from .. import revisions
from ..models import Author, Section, Tag
from .formats import StoryFileError


def find_section(value: str) -> Section | None:
    if not value:
        raise StoryFileError("no section: pass --section or set `section` in the front matter")
    return (
        Section.objects.filter(slug=value).first()
        or Section.objects.filter(name__iexact=value).first()
        or Section.objects.filter(slug=make_slug(value, fallback="section")).first()
    )  # the last files "Sport!" into "Sport"


def find_author(value: str) -> Author | None:
    return (
        Author.objects.filter(slug=value).first()
        or Author.objects.filter(name__iexact=clean_line(value)).first()
    )


def section(value: str, name: str, created: list[str]) -> Section:
    """The section a story names, created (and its name added to `created`) if missing."""
    found = find_section(value)
    if found:
        return found
    made = Section(name=clean_line(name or value))
    made.slug = make_slug(value, fallback="section")
    _validate(made, "section")
    made.save()
    created.append(made.name)
    return made


def author(value: str, created: list[str]) -> Author:
    """The author a byline names, created (and its name added to `created`) if missing."""
    found = find_author(value)
    if found:
        return found
    made = Author(name=clean_line(value))
    _validate(made, "author")
    made.save()
    created.append(made.name)
    return made


def _validate(obj, what: str) -> None:
    try:
        obj.full_clean(exclude=["slug"] if not obj.slug else None)
    except ValidationError as error:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
        raise StoryFileError(f"cannot create {what} {str(obj)!r}: {problems}") from None


@dataclass
class Names:
    """Sections and authors by the names stories give, found once for a whole import."""

    sections: dict[str, Section | None] = field(default_factory=dict)
    authors: dict[str, Author | None] = field(default_factory=dict)

    def section(self, value: str) -> Section | None:
        if value not in self.sections:
            self.sections[value] = find_section(value)
        return self.sections[value]

    def author(self, value: str) -> Author | None:
        if value not in self.authors:
            self.authors[value] = find_author(value)
        return self.authors[value]

    def settle(self, *, rolled_back: bool) -> None:
        """After a batch: a name missing may exist now, and a batch rolled back made none."""
        for found in (self.sections, self.authors):
            for name in [name for name, row in found.items() if rolled_back or row is None]:
                del found[name]


class TagNames:
    """revisions.canonical_tags() for a batch: a tag is known by its slug and keeps the name it
    is stored under; a new one takes the name of the first story to use it, as it would if the
    stories were saved one by one. The stored names are read once."""

    def __init__(self, tag_lists: list[list[str]]):
        slugs = {revisions.tag_identity(name)[0] for names in tag_lists for name in names}
        self.found = Tag.objects.in_bulk(slugs - {""}, field_name="slug")
        self.names = {slug: tag.name for slug, tag in self.found.items()}
        self.created: list[Tag] = []

    def canonical(self, names: list[str], *, claim: bool) -> list[str]:
        wanted = {}
        for name in names:
            slug, name = revisions.tag_identity(name)
            if slug:
                wanted.setdefault(slug, name)
        canonical = sorted({self.names.get(slug, name) for slug, name in wanted.items()})
        if claim:  # new tags take these names, in the order save_edit() would create them
            for name in canonical:
                self.names.setdefault(revisions.tag_identity(name)[0], name)
        return canonical

    def rows(self, names: set[str]) -> dict[str, Tag]:
        """The tags of these canonical names by name, creating those not stored yet."""
        slugs = {revisions.tag_identity(name)[0] for name in names}
        self.created = Tag.objects.bulk_create(
            Tag(name=name, slug=slug)
            for slug, name in self.names.items()
            if slug in slugs and slug not in self.found
        )
        self.found |= {tag.slug: tag for tag in self.created}
        return {name: self.found[revisions.tag_identity(name)[0]] for name in names}
