"""Importing files a batch at a time, a transaction each: a file that fails leaves nothing
behind, and a crash leaves only whole files.

Within a batch, new and unchanged stories are saved together, a bulk insert a table, and
published through workflow.publish_many(); every other story goes through the one-story path
(story.py), whose helpers this shares.
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from newsroom import page_cache
from photos.models import Image

from .. import blocks, caching, revisions, search, workflow
from ..models import Article, ArticleAuthor, Author, BodyPicture, Section, TaggedArticle
from . import names, story
from .formats import Story, StoryFileError, parse_file
from .story import IMPORT_NOTE, ImportOptions, Outcome, import_story

# Files a transaction: enough for hundreds of stories to share the look-ups, the search index
# update and the purge; few enough that SQLite's write lock, held by the batch, is held for
# about a second.
BATCH_FILES = 200


@dataclass
class FileResult:
    path: Path
    outcomes: list[Outcome] = field(default_factory=list)
    error: str = ""  # why nothing from the file was imported


def import_files(paths: list[Path], options: ImportOptions) -> Iterator[FileResult]:
    """Import the files a batch at a time; yields each file's result, in order."""
    found = names.Names()
    for start in range(0, len(paths), BATCH_FILES):
        yield from _import_batch(paths[start : start + BATCH_FILES], options, found)


def _import_batch(
    paths: list[Path], options: ImportOptions, found: names.Names
) -> list[FileResult]:
    """One transaction a batch, so a crash leaves whole batches of whole files behind. The
    files are read first: SQLite's write lock, taken when the transaction starts, waits for
    no parsing."""
    files = [_read(path) for path in paths]
    with transaction.atomic():
        _Batch([file for file in files if not file.result.error], options, found).save()
        if options.dry_run:
            transaction.set_rollback(True)
    found.settle(rolled_back=options.dry_run)
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
        for each in stories:
            story.check(each)
    except StoryFileError as error:
        file.result.error = str(error)
    else:
        key = story.file_key(path)
        file.plans = [
            _Plan(each, story.key(each, key), story.wanted_slug(each)) for each in stories
        ]
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

    def __init__(self, files: list[_File], options: ImportOptions, found: names.Names):
        self.files, self.options = files, options
        plans = [plan for file in files for plan in file.plans]
        self.keys = Counter(plan.key for plan in plans)
        self.stored = Article.objects.select_related("pending_revision").in_bulk(
            list(self.keys), field_name="import_key"
        )
        self.current = revisions.current_contents(list(self.stored.values()))
        self.slugs = Counter(plan.slug for plan in plans if plan.key not in self.stored)
        taken = Article.objects.filter(slug__in=list(self.slugs)).values_list("slug", flat=True)
        self.taken = set(taken)
        self.tags = names.TagNames([story.tag_names(plan.story, options) for plan in plans])
        self.names = found

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
        options = self.options
        if self.keys[plan.key] > 1:  # later files update what earlier ones create
            return False
        plan.article = self.stored.get(plan.key)
        section, authors = story.wanted_names(plan.story, options)
        plan.section = self.names.section(section)
        plan.authors = [self.names.author(name) for name in authors]
        if plan.article is None:
            return (
                not plan.story.state
                and self.slugs[plan.slug] == 1
                and plan.slug not in self.taken
                and not (options.publish and story.schedules(options.published_at))
            )
        if plan.section is None or None in plan.authors:
            return False  # a name nobody has yet: the story changes
        current = self.current[plan.article.pk]
        plan.content = self._content(plan, current)
        plan.outcome = Outcome("unchanged", plan.article)
        return plan.content == current and not (
            options.publish and story.publish_would_act(plan.article)
        )

    def _create_names(self, file: _File) -> bool:
        """Create the sections and authors the file's new stories name that nobody has yet, in
        a savepoint: a name refused (a section called "search") fails its file alone."""
        missing = [plan for plan in file.plans if not self._known(plan)]
        if not missing:
            return True
        try:
            with transaction.atomic():
                for plan in missing:
                    section, authors = story.wanted_names(plan.story, self.options)
                    made = plan.outcome
                    plan.section = plan.section or names.section(
                        section, plan.story.section_name, made.created_sections
                    )
                    plan.authors = [
                        author or names.author(name, made.created_authors)
                        for author, name in zip(plan.authors, authors, strict=True)
                    ]
        except StoryFileError as error:
            file.result.error = str(error)
            return False
        for plan in missing:  # they exist now, for the files after this one
            section, authors = story.wanted_names(plan.story, self.options)
            self.names.sections[section] = plan.section
            self.names.authors.update(zip(authors, plan.authors, strict=True))
        return True

    def _known(self, plan: _Plan) -> bool:
        """Whether every name the story gives exists, counting those files before it created."""
        section, authors = story.wanted_names(plan.story, self.options)
        plan.section = plan.section or self.names.sections[section]
        plan.authors = [
            author or self.names.authors[name]
            for author, name in zip(plan.authors, authors, strict=True)
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
                    import_story(plan.story, self.options, file_key=story.file_key(path))
                    for plan in file.plans
                ]
        except StoryFileError as error:
            file.result.error = str(error)

    # --- Content

    def _content(self, plan: _Plan, current: dict) -> dict:
        """revisions.normalise() of the story's content, with its tags named by the batch (the
        same names; canonical_tags() would ask the database for them story by story)."""
        tags = story.tag_names(plan.story, self.options)
        content = story.story_content(current, plan.story, plan.section, plan.authors, tags)
        normalised = revisions.normalise({**content, "tags": []})
        return {**normalised, "tags": self.tags.canonical(content["tags"], claim=False)}

    def _new_article(self, plan: _Plan) -> Article:
        """The article save_edit() makes of a new story, and in plan.content the content it
        keeps. Article.normalise() makes the fields, as Article.save() would; it is what
        revisions.normalise() runs on a copy, so the content is read off the article rather
        than normalised twice (tests/test_import_articles.py holds the two paths equal)."""
        current = {**revisions.empty_content(), "slug": plan.slug}
        tags = story.tag_names(plan.story, self.options)
        content = story.story_content(current, plan.story, plan.section, plan.authors, tags)
        article = story.new_article(plan.story, plan.key, plan.section, plan.slug)
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
