import math
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.html import strip_tags
from taggit.managers import TaggableManager, _TaggableManager
from taggit.models import ItemBase, NaturalKeyManager, TagBase

from accounts import roles
from accounts.names import display_name
from newsroom import links
from newsroom.text import clean_line, drop_invalid_code_points, make_slug
from photos.models import Image, repeats

from . import blocks
from .sanitise import sanitise_html

# Paths the site itself answers; a section slug equal to one would hide it (or be hidden).
RESERVED_SLUGS = frozenset(
    {
        "admin", "authors", "tags", "search", "feed", "static", "media", "preview",
        "sitemap.xml", "news-sitemap.xml", "robots.txt", "healthz", "sitemap",
        "news-sitemap", "robots", "favicon.ico", "api", "accounts", "login", "logout",
    }
)  # fmt: skip


def validate_not_reserved(slug: str) -> None:
    if slug.lower() in RESERVED_SLUGS:
        raise ValidationError(
            "“%(slug)s” is used by the site itself; choose another slug.",
            code="reserved",
            params={"slug": slug},
        )


def free_slug(model, wanted: str) -> str:
    """`wanted`, or `wanted-2`, `-3`...: "Jane Doe" and "Jane Doe!" both get a page."""
    limit = model._meta.get_field("slug").max_length - 8
    slug, n = wanted, 2
    while model._default_manager.filter(slug=slug).exists():
        slug, n = f"{wanted[:limit]}-{n}", n + 1
    return slug


def with_a_story(rows, stories):
    """The `rows` (sections, authors or tags) for which `stories`, a queryset filtered on
    OuterRef("pk"), finds one: a probe of an index a row, so unused tags, however many, and
    the archive behind each row cost nothing more. (PostgreSQL turns EXISTS into a join over
    every story; a subquery that stops at its first row it runs row by row.)"""
    first = Subquery(stories.values("pk")[:1])
    return rows.alias(first_story=first).filter(first_story__isnull=False)


class SectionQuerySet(models.QuerySet):
    def in_use(self):
        """Sections with a published story; the others must not show that they exist."""
        return with_a_story(self, Article.objects.published().filter(section=OuterRef("pk")))


class Section(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(
        max_length=80, unique=True, allow_unicode=True, validators=[validate_not_reserved]
    )
    description = models.TextField(blank=True, max_length=2_000)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order in the site navigation; lower comes first."
    )

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = clean_line(self.name)
        self.description = drop_invalid_code_points(self.description)
        self.slug = self.slug or free_slug(Section, make_slug(self.name, fallback="section"))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return links.path_to("articles:section", self.slug)


class AuthorQuerySet(models.QuerySet):
    def in_use(self):
        """Authors bylined on a published story; the others must not show that they exist."""
        return with_a_story(self, Article.objects.published().by_author(OuterRef("pk")))


def photo_shown_to_readers(image) -> bool:
    """Whether a page readers can see shows this photo: a public story's hero image, or the
    photo of an author with published work. Only then does /media/ serve it to anyone."""
    return (
        Article.objects.published().filter(hero_image=image).exists()
        or Article.objects.published().filter(body_pictures__image=image).exists()
        or Author.objects.in_use().filter(photo=image).exists()
    )


class Author(models.Model):
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True, allow_unicode=True)
    job_title = models.CharField(max_length=150, blank=True)
    bio = models.TextField(blank=True, max_length=5_000)
    photo = models.ForeignKey(Image, null=True, blank=True, on_delete=models.SET_NULL)
    links = models.TextField(
        blank=True,
        max_length=2_000,
        help_text="Public profiles and websites, one http(s) address per line.",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
        help_text="The staff account that writes as this author, if any.",
    )

    objects = AuthorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = clean_line(self.name)
        self.job_title = clean_line(self.job_title)
        self.bio = drop_invalid_code_points(self.bio)
        self.slug = self.slug or free_slug(Author, make_slug(self.name, fallback="author"))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return links.path_to("articles:author", self.slug)

    def link_list(self) -> list[str]:
        return [u for u in self.links.split() if re.match(r"https?://[^\s/]", u)]


class TagQuerySet(models.QuerySet):
    def in_use(self):
        """Tags on at least one published story; the others must not show that they exist."""
        return with_a_story(self, Article.objects.published().tagged(OuterRef("pk")))


class Tag(TagBase):
    """A tag whose identity is its slug, so case and Unicode form never split one tag in two."""

    objects = NaturalKeyManager.from_queryset(TagQuerySet)()

    class Meta:
        ordering = ["name"]

    def slugify(self, tag, i=None):
        slug = make_slug(tag, fallback="tag")
        return f"{slug}-{i}" if i is not None else slug

    def get_absolute_url(self):
        return links.path_to("articles:tag", self.slug)


class NormalisedTagManager(_TaggableManager):
    """Resolves tag names through their slug: `Politics`, `politics` and NFD `Café` are one tag."""

    def _to_tag_model_instances(self, tags, tag_kwargs):
        result = []
        for tag in tags:
            if isinstance(tag, str):
                name = clean_line(tag)[:100]
                if not name:
                    continue
                tag, _ = Tag.objects.get_or_create(
                    slug=make_slug(name, fallback="tag"), defaults={"name": name}
                )
            if tag not in result:
                result.append(tag)
        return result


# A tag's or an author's page lists its stories newest first. Their link rows carry a copy of
# each story's publish time, so that list is a walk down an index of its own that stops after a
# page, however long the archive behind it. The copy only orders: what readers may see is
# still decided on the story itself (ArticleQuerySet.published). Article.copy_publish_time()
# keeps it.
PUBLISH_TIME_COPY = "A copy of the story's publish time, to list its stories newest first."


def copy_every_publish_time() -> None:
    """Every tag and byline row takes its story's publish time: after rows arrive without
    it, as from a backup made before the copy existed (the restore calls this)."""
    for model, link in ((TaggedArticle, "content_object_id"), (ArticleAuthor, "article_id")):
        story = Article.objects.filter(pk=OuterRef(link)).values("published_at")[:1]
        model.objects.update(published_at=Subquery(story))


class TaggedArticle(ItemBase):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_articles")
    content_object = models.ForeignKey(
        "Article", on_delete=models.CASCADE, related_name="tagged_articles"
    )
    published_at = models.DateTimeField(null=True, editable=False, help_text=PUBLISH_TIME_COPY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_article_tag")
        ]
        indexes = [
            models.Index(fields=["tag", "published_at", "content_object"], name="tag_newest")
        ]

    def save(self, *args, **kwargs):
        self.published_at = self.content_object.published_at
        super().save(*args, **kwargs)


_NO_SECTION = -1  # latest_per_section()'s stand-in

# How far before or after a story others may be to be found related by their tags.
RELATED_WINDOW = timedelta(days=14)


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What readers may see. Every public page, feed, sitemap and search goes through here.

        A scheduled story is public from its publish time on, decided now, so a late or
        missing `publish_scheduled` run never delays it.
        """
        return self.filter(
            state__in=Article.PUBLIC_STATES,
            published_at__lte=timezone.now(),
        )

    def due_unrecorded(self, now=None):
        """Scheduled stories public since their time passed whose publication is not recorded.

        The twin of Article.is_due_unrecorded(); publish_scheduled records these.
        """
        return self.filter(state=Article.State.SCHEDULED, published_at__lte=now or timezone.now())

    def past_deadline(self, now=None):
        """Copy not filed by its deadline: drafts (planned or being written) whose deadline
        has passed; a story submitted for review has its copy in. The twin of
        Article.is_past_deadline(); the desk, the board, the day's budget and the deadline
        notifications all go by it."""
        return self.filter(state=Article.State.DRAFT, deadline__lt=now or timezone.now())

    def for_listing(self):
        """Everything a story card shows, in a fixed number of queries."""
        return self.select_related("section", "hero_image").prefetch_related(
            Prefetch("bylines", queryset=ArticleAuthor.objects.select_related("author"))
        )

    def by_homepage_priority(self):
        """The homepage's order: editors' priority first, then the newest."""
        return self.order_by("-homepage_priority", "-published_at", "-pk")

    def newest_first(self):
        return self.order_by("-published_at", "-pk")

    def by_author(self, author):
        """An author's stories newest first, down their byline rows' copy of the publish time
        (PUBLISH_TIME_COPY). For lists of published stories only: the copy's range (up to
        now) keeps drafts, which have none, out of the walk."""
        stories = self.filter(bylines__author=author, bylines__published_at__lte=timezone.now())
        return stories.order_by("-bylines__published_at", "-bylines__article_id")

    def tagged(self, tag):
        """A tag's stories newest first, down its tag rows' copy of the publish time; as
        by_author(), for lists of published stories only."""
        stories = self.filter(
            tagged_articles__tag=tag, tagged_articles__published_at__lte=timezone.now()
        )
        return stories.order_by(
            "-tagged_articles__published_at", "-tagged_articles__content_object_id"
        )

    def latest_per_section(self, per_section: int, sections):
        """The newest `per_section` stories of each of `sections`, in one query.

        One short walk down each section's (section, published_at) index, the walks joined
        with UNION ALL, so the archive behind a section's newest stories costs nothing. (A
        window function ranks the whole archive; OR-ed subqueries make PostgreSQL read every
        story.) The walks are this queryset's own SQL: visibility stays published()'s.
        """
        if not sections:
            return self.none()
        # One walk compiled, for a section no row has (ids start at 1); each section's walk is
        # that SQL with its id in the stand-in's place: compiling it once a section was most
        # of what drawing the home page cost.
        walk = self.filter(section_id=_NO_SECTION).newest_first().values("pk")[:per_section]
        sql, walk_params = walk.query.sql_with_params()
        walks, params = [], []
        for section in sections:
            walks.append(f"SELECT * FROM ({sql}) AS walk_{len(walks)}")  # noqa: S608
            params += [section.pk if p == _NO_SECTION else p for p in walk_params]
        # Django's own SQL, compiled from querysets above; every value is a parameter.
        return self.filter(pk__in=RawSQL(" UNION ALL ".join(walks), params))  # noqa: S611

    def related_to(self, article: "Article", tag_ids, limit: int = 4):
        """Chosen related stories first, then those sharing the most tags, newest first.

        Stories found by tags come from the weeks around this one (RELATED_WINDOW): a tag
        such as "Politics" is on thousands of stories, and ranking them all would make an
        article's page slower with every year of archive.

        Candidates by id first, in one list: the database reads each tag's weeks around the
        story from the tag rows' publish-time index, and the chosen list, never a tag's whole
        archive (two lists OR-ed make PostgreSQL read every story). Written as SQL because
        every uncached article page asks it: built with the ORM's joins and filtered counts,
        it took the ORM twice as long to build as the database took to answer.
        """
        around = article.published_at or timezone.now()
        as_stored = connections[self.db].ops.adapt_datetimefield_value  # as the ORM writes it
        tagged, chosen = TaggedArticle._meta.db_table, Article.related.through._meta.db_table
        marks = ", ".join(["%s"] * len(tag_ids)) or "NULL"  # no tags: no story shares one
        window = [as_stored(around - RELATED_WINDOW), as_stored(around + RELATED_WINDOW)]
        # Only table names and placeholders are formatted in; every value is a parameter.
        candidates = RawSQL(  # noqa: S611
            f"SELECT content_object_id FROM {tagged} WHERE tag_id IN ({marks})"  # noqa: S608
            " AND published_at BETWEEN %s AND %s"
            f" UNION ALL SELECT to_article_id FROM {chosen} WHERE from_article_id = %s",
            [*tag_ids, *window, article.pk],
        )
        story = f"{Article._meta.db_table}.id"
        is_chosen = RawSQL(  # noqa: S611
            f"EXISTS (SELECT 1 FROM {chosen} c"  # noqa: S608
            f" WHERE c.from_article_id = %s AND c.to_article_id = {story})",
            [article.pk],
        )
        shared_tags = RawSQL(  # noqa: S611
            f"(SELECT COUNT(*) FROM {tagged} t"  # noqa: S608
            f" WHERE t.content_object_id = {story} AND t.tag_id IN ({marks}))",
            list(tag_ids),
        )
        return (
            self.exclude(pk=article.pk)
            .filter(pk__in=candidates)
            .annotate(is_chosen=is_chosen, shared_tags=shared_tags)
            .order_by("-is_chosen", "-shared_tags", "-published_at")[:limit]
        )


class ChangesState(models.TextChoices):
    """Where a live story's pending changes stand (none, being prepared, submitted)."""

    NONE = "", "None"
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The states that carry a publish time: the database refuses a story in one without it, and
# the workflow (load_in_state) asks for one. Drafts and stories in review have none yet.
NEEDS_PUBLISH_TIME = (State.SCHEDULED, State.PUBLISHED, State.WITHDRAWN)


class Article(models.Model):
    ChangesState = ChangesState
    State = State
    NEEDS_PUBLISH_TIME = NEEDS_PUBLISH_TIME

    # Public from the publish time on: a scheduled story needs no job to appear (published()).
    PUBLIC_STATES = (State.PUBLISHED, State.SCHEDULED)

    headline = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True)
    # Long enough for any honest standfirst, short enough that no page balloons with one.
    standfirst = models.TextField(
        blank=True, max_length=1_000, help_text="The summary under the headline."
    )
    body = models.TextField(blank=True, help_text="Rich text; stored as sanitised HTML.")
    word_count = models.PositiveIntegerField(default=0, editable=False)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    authors = models.ManyToManyField(Author, through="ArticleAuthor", related_name="articles")
    tags = TaggableManager(through=TaggedArticle, manager=NormalisedTagManager, blank=True)
    hero_image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="hero_of"
    )
    hero_caption = models.CharField(
        max_length=500, blank=True, help_text="Overrides the image's own caption here."
    )
    related = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="chosen_by",
        help_text="Chosen related stories, shown before those found by shared tags.",
    )  # fmt: skip

    state = models.CharField(
        max_length=10, choices=State.choices, default=State.DRAFT, db_index=True, editable=False
    )
    published_at = models.DateTimeField(
        null=True, blank=True, db_index=True,
        help_text="First publication (or the scheduled time); its date is part of the URL.",
    )  # fmt: skip
    updated_at = models.DateTimeField(
        null=True, blank=True, help_text="Last substantive update, shown to readers."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    # Changes to a live story wait here, as a revision, until an editor publishes them.
    pending_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False,
    )  # fmt: skip
    pending_state = models.CharField(
        max_length=10, choices=ChangesState.choices, blank=True, default="", editable=False
    )

    # Planning: a story can be on the desk's plan before it has any text (see planning/).
    brief = models.CharField(
        max_length=300, blank=True, help_text="One line for the plan: what the story will say."
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assignments", limit_choices_to=roles.may_be_assigned,
        help_text="Who is writing it.",
    )  # fmt: skip
    deadline = models.DateTimeField(null=True, blank=True, help_text="When the copy is due.")
    planned_for = models.DateTimeField(
        "planned publish time", null=True, blank=True,
        help_text="When the desk means to publish it; scheduling it sets the real time.",
    )  # fmt: skip

    seo_title = models.CharField("SEO title", max_length=120, blank=True)
    seo_description = models.CharField("meta description", max_length=320, blank=True)
    canonical_url = models.URLField(
        blank=True, help_text="Only for syndicated copy: the original's address."
    )
    homepage_priority = models.PositiveSmallIntegerField(
        default=0, help_text="0 keeps the story off the top slots; the highest leads the homepage."
    )
    import_key = models.CharField(
        max_length=200, unique=True, null=True, blank=True, editable=False
    )

    objects = ArticleQuerySet.as_manager()

    # More would be a list of keywords, not topics; and each is a page and a feed.
    MAX_TAGS = 25

    class Meta:
        ordering = ["-published_at", "-pk"]
        # Public lists walk these newest first and stop after a page, whatever lies behind.
        indexes = [
            # Covers counting the public stories (the sitemap index) without reading them.
            models.Index(fields=["state", "published_at", "canonical_url"], name="article_public"),
            models.Index(fields=["section", "published_at", "id"], name="article_section_newest"),
            models.Index(
                fields=["homepage_priority", "published_at", "id"], name="article_home_order"
            ),
        ]
        permissions = [("publish_article", "Can publish, schedule, withdraw and send back")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=NEEDS_PUBLISH_TIME) | Q(published_at__isnull=False),
                name="public_states_have_publish_time",
            )
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.normalise()
        adding = self._state.adding
        super().save(*args, **kwargs)
        if "body" in (kwargs.get("update_fields") or ["body"]):
            BodyPicture.list_for(self)
        self._remember_old_slug()
        # A new story has no tag or byline rows yet.
        if not adding and getattr(self, "_loaded_published_at", None) != self.published_at:
            self.copy_publish_time()
        self._loaded_published_at = self.published_at

    def get_absolute_url(self):
        day = timezone.localtime(self.published_at or timezone.now())
        return links.path_to(
            "articles:article",
            self.section.slug, f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}", self.slug,
        )  # fmt: skip

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_slug = instance.__dict__.get("slug")
        instance._loaded_published_at = instance.__dict__.get("published_at")
        instance._loaded_assignee_id = instance.__dict__.get("assignee_id")
        return instance

    def copy_publish_time(self):
        """Onto the story's tag and byline rows (PUBLISH_TIME_COPY): save() and every
        workflow move that sets the time call this."""
        for rows in (self.tagged_articles, self.bylines):
            rows.all().update(published_at=self.published_at)
        self._loaded_published_at = self.published_at

    def _remember_old_slug(self):
        old = getattr(self, "_loaded_slug", None)
        if old and old != self.slug and self.published_at:
            ArticleSlug.objects.update_or_create(slug=old, defaults={"article": self})
        self._loaded_slug = self.slug

    def normalise(self) -> None:
        """The form every stored story takes, whatever its source (see also revisions)."""
        self.headline = clean_line(self.headline)
        self.standfirst = drop_invalid_code_points(self.standfirst)
        self.slug = self.slug or free_slug(Article, make_slug(self.headline, fallback="story"))
        self.body = sanitise_html(self.body)
        self.word_count = len(strip_tags(self.body).split())

    def get_canonical_url(self) -> str:
        """Absolute address search engines should credit: ours, or the syndicated original."""
        return self.canonical_url or settings.SITE_URL + self.get_absolute_url()

    def is_published(self) -> bool:
        """The Python twin of ArticleQuerySet.published()."""
        return (
            self.state in self.PUBLIC_STATES
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def is_due_unrecorded(self) -> bool:
        """The Python twin of ArticleQuerySet.due_unrecorded()."""
        return self.state == self.State.SCHEDULED and self.is_published()

    def is_past_deadline(self, now=None) -> bool:
        """The Python twin of ArticleQuerySet.past_deadline()."""
        due = self.deadline
        return self.state == self.State.DRAFT and due is not None and due < (now or timezone.now())

    def has_pending_changes(self) -> bool:
        return self.pending_state != ChangesState.NONE

    def is_gone(self) -> bool:
        return self.state == self.State.WITHDRAWN

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / 230))

    @property
    def caption(self) -> str:
        return self.hero_caption or (self.hero_image.caption if self.hero_image else "")

    @property
    def hero_alt(self) -> str:
        """The hero's alt text here: none when the caption beside it says the same."""
        if self.hero_image is None or repeats(self.caption, self.hero_image.readers_alt):
            return ""
        return self.hero_image.readers_alt

    def byline_authors(self) -> list[Author]:
        return [byline.author for byline in self.bylines.all()]


class ArticleAuthor(models.Model):
    """One name in a byline; position orders the byline."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)
    published_at = models.DateTimeField(null=True, editable=False, help_text=PUBLISH_TIME_COPY)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="unique_byline_author")
        ]
        indexes = [models.Index(fields=["author", "published_at", "article"], name="byline_newest")]

    def __str__(self):
        return str(self.author)

    def save(self, *args, **kwargs):
        self.published_at = self.article.published_at
        super().save(*args, **kwargs)


class BodyPicture(models.Model):
    """A library photo shown in a story's body: derived from the body whenever it is saved,
    so /media/ can tell readers' photos from drafts' and a photo's page can list its uses."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="body_pictures")
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["image", "article"], name="unique_body_picture")
        ]

    def __str__(self):
        return f"{self.image_id} in {self.article_id}"

    @classmethod
    def list_for(cls, article: Article) -> None:
        wanted = blocks.photo_ids([article.body])
        listed = set(cls.objects.filter(article=article).values_list("image_id", flat=True))
        if listed - wanted:
            cls.objects.filter(article=article, image__in=listed - wanted).delete()
        if new := wanted - listed:
            # A body may still name a photo deleted since; it is simply not shown.
            new = Image.objects.filter(pk__in=new).values_list("pk", flat=True)
            cls.objects.bulk_create(
                [cls(article=article, image_id=pk) for pk in new],
                ignore_conflicts=True,  # a concurrent save of the same story listed it
            )

    @classmethod
    def list_every_story(cls) -> None:
        """After rows were written without save() (a restore): list every body's pictures."""
        cls.objects.all().delete()
        existing = set(Image.objects.values_list("pk", flat=True))
        stories = Article.objects.filter(body__contains="data-photo")
        for pk, body in stories.values_list("pk", "body"):
            ids = blocks.photo_ids([body]) & existing
            cls.objects.bulk_create([cls(article_id=pk, image_id=image) for image in ids])


class ArticleSlug(models.Model):
    """A slug an article was published under before; its old links answer 301."""

    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")

    def __str__(self):
        return self.slug


class Correction(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField(
        max_length=2_000, help_text="What was wrong and what is right; shown to readers."
    )
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["published_at", "pk"]

    def __str__(self):
        return f"Correction of {self.published_at:%Y-%m-%d}"


class Desk(models.Model):
    """A group of sections some editors look after; an editor on no desk covers them all."""

    name = models.CharField(max_length=100, unique=True)
    sections = models.ManyToManyField(Section, related_name="desks")
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="desks")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class WorkflowEvent(models.Model):
    """One state change of one article: the audit trail."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    from_state = models.CharField(max_length=10, choices=Article.State.choices)
    to_state = models.CharField(max_length=10, choices=Article.State.choices)
    # The transition taken (articles.workflow.TRANSITIONS), or what the system did.
    action = models.CharField(max_length=40, blank=True)
    comment = models.TextField(blank=True, max_length=2_000)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"

    @property
    def actor_name(self) -> str:
        return display_name(self.actor)

    @property
    def action_label(self) -> str:
        return self.action.replace("_", " ")


class Revision(models.Model):
    """A snapshot of every field editors change, kept at every save (see articles.revisions)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    content = models.JSONField(default=dict)
    note = models.CharField(max_length=200, blank=True)
    # Pending changes of a live story that should show readers an "Updated" time.
    marks_update = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Version {self.version} of “{self.headline}”"

    @property
    def headline(self) -> str:
        return self.content.get("headline", "")

    @property
    def standfirst(self) -> str:
        return self.content.get("standfirst", "")

    @property
    def body(self) -> str:
        return self.content.get("body", "")

    @property
    def author_name(self) -> str:
        return display_name(self.created_by)


class PreviewLink(models.Model):
    """One shared preview link of a story: valid until it expires or is revoked (see preview)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Preview link {self.pk} of {self.article}"

    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class EditSession(models.Model):
    """One person's open form on one story (no story yet: a new one): who is editing, and the
    work they have typed but not saved, so a closed tab or a crash loses nothing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="edit_sessions"
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="edit_sessions"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    autosave = models.JSONField(null=True, blank=True)
    autosaved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="one_session_per_story"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(article__isnull=True), name="one_new_story_session"
            ),
        ]

    def __str__(self):
        return f"{self.user} on {self.article or 'a new story'}"


class ArticleSearch(models.Model):
    """PostgreSQL's weighted full-text vector of one article (see articles.search).

    Kept beside the article, not on it, so listings never load the vector; the GIN index is
    created by migration 0002_search_structures on PostgreSQL only.
    """

    article = models.OneToOneField(
        Article, primary_key=True, on_delete=models.CASCADE, related_name="search"
    )
    vector = SearchVectorField()

    def __str__(self):
        return f"Search vector of article {self.article_id}"


class ArticleFTS(models.Model):
    """SQLite's FTS5 row of one article; the virtual table exists on SQLite only
    (migration 0002_search_structures).

    `document` is FTS5's hidden column named after the table, the left side of MATCH; `rank`
    is its bm25 score with the column weights set by the migration (lower is better).
    """

    article = models.OneToOneField(
        Article,
        primary_key=True,
        db_column="rowid",
        db_constraint=False,
        on_delete=models.DO_NOTHING,
        related_name="fts",
    )
    document = models.TextField(db_column="articles_article_fts")
    rank = models.FloatField()

    class Meta:
        managed = False
        db_table = "articles_article_fts"

    def __str__(self):
        return f"Full-text entry of article {self.article_id}"
