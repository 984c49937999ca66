"""Which public pages show what (their surrogate keys), and which changes purge which pages.

The keys (newsroom/page_cache.py keeps and purges the pages):
- `article-<pk>`, `author-<pk>`, `tag-<pk>`, `image-<pk>`: a page showing that story (its
  page, a card, a related link, a feed item), author, tag or photo;
- `home`, `section-list-<pk>`, `author-list-<pk>`, `tag-list-<pk>`, `feeds`, `sitemaps`,
  `search`: a list whose membership changes when a story appears or goes;
- `sections`: the navigation on every page (the sections with published work);
- `site`: every page.

Changes reach them through the receivers below (a story, its bylines, tags, corrections and
related stories; sections, authors, tags) and from `workflow._move()`, which writes every
transition with an UPDATE and so sends no signal. Photos purge their own key (photos/models.py).
"""

from collections import defaultdict
from contextlib import suppress

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

from newsroom import page_cache

from . import blocks
from .models import Article, ArticleAuthor, Author, Correction, Section, Tag, TaggedArticle

LISTED = Article.PUBLIC_STATES  # on a list now or at its time
NAVIGATION = "sections"


# --- What a page shows ------------------------------------------------------------------------


def story_card_keys(stories) -> set[str]:
    """The keys of story cards (or feed items, related links): the stories, their photos and
    bylines. Reads only what for_listing() has fetched already."""
    keys = set()
    for story in stories:
        keys.add(f"article-{story.pk}")
        if story.hero_image_id:
            keys.add(f"image-{story.hero_image_id}")
        keys |= {f"author-{byline.author_id}" for byline in story.bylines.all()}
    return keys


def article_page_keys(story, tags, related) -> set[str]:
    """Related stories are links by headline: their own keys, nothing of their bylines."""
    keys = {NAVIGATION, *story_card_keys([story]), *(f"article-{r.pk}" for r in related)}
    return keys | {f"tag-{tag.pk}" for tag in tags} | body_picture_keys(story.body)


def body_picture_keys(body: str) -> set[str]:
    return {f"image-{pk}" for pk in blocks.photo_ids([body])}


def tag_keys(tag) -> set[str]:
    """A tag's page and list: purged when the tag is made, renamed or deleted."""
    return {f"tag-{tag.pk}", f"tag-list-{tag.pk}"}


def gone_page_keys(story) -> set[str]:
    """A withdrawn story's 410, or an old address's 301: republishing or a new slug purges it."""
    return {f"article-{story.pk}"}


# --- What a change purges ---------------------------------------------------------------------


def lists_of(story: Article) -> set[str]:
    """Every page that lists or shows this story, as it is stored now."""
    authors = story.bylines.values_list("author_id", flat=True)
    return listing_keys(story, authors, story.tags.values_list("pk", flat=True))


def listing_keys(story: Article, author_ids, tag_ids) -> set[str]:
    """lists_of(), given the ids of the story's byline authors and tags (a bulk import has
    them in hand)."""
    keys = {f"article-{story.pk}", "home", "feeds", "sitemaps", "search"}
    keys.add(f"section-list-{story.section_id}")
    if story.hero_image_id:  # its files in front caches: /media/ serves them while public
        keys.add(f"image-{story.hero_image_id}")
    keys |= body_picture_keys(story.body)
    keys |= {f"author-list-{a}" for a in author_ids}
    keys |= {f"tag-list-{t}" for t in tag_ids}
    return keys


def story_moved(story: Article, source: str, target: str) -> None:
    """After a transition (workflow._move, which writes with UPDATE and so sends no signal)."""
    if source in LISTED or target in LISTED:
        keys = lists_of(story)
        if (source == Article.State.PUBLISHED) != (target == Article.State.PUBLISHED):
            keys |= _navigation_if_changed(story)
        _purge(keys)


def stories_moved(stories: list[Article], source: str, target: str) -> None:
    """story_moved() for many stories taking the same move at once (workflow.publish_many()):
    three queries for them all, not three a story."""
    if not stories or (source not in LISTED and target not in LISTED):
        return
    pks = [story.pk for story in stories]
    authors, tags = defaultdict(list), defaultdict(list)
    for pk, author in ArticleAuthor.objects.filter(article__in=pks).values_list(
        "article", "author"
    ):
        authors[pk].append(author)
    for pk, tag in TaggedArticle.objects.filter(content_object__in=pks).values_list(
        "content_object", "tag"
    ):
        tags[pk].append(tag)
    keys = set().union(
        *(listing_keys(story, authors[story.pk], tags[story.pk]) for story in stories)
    )
    if (source == Article.State.PUBLISHED) != (target == Article.State.PUBLISHED):
        keys |= _navigation_if_changed(*stories)
    _purge(keys)


def _purge(keys) -> None:
    # A listed story changed: the next scheduled time may have moved with it.
    page_cache.purge({*keys, SCHEDULE})


def _navigation_if_changed(*stories: Article) -> set[str]:
    """The navigation lists sections with published work: the first story in a section, or
    the last to leave it, changes it on every page."""
    sections = {story.section_id for story in stories}
    others = Article.objects.published().filter(section__in=sections)
    others = others.exclude(pk__in=[story.pk for story in stories]).values_list("section_id")
    listed = {section for (section,) in others.order_by().distinct()}
    return {NAVIGATION} if sections - listed else set()


def _article_loaded(sender, instance: Article, raw=False, **kwargs):
    """Before a save: where the story was listed, as stored (its section may be changing)."""
    instance._listed_before = None
    if not raw and instance.pk:
        stored = Article.objects.filter(pk=instance.pk)
        before = stored.values("state", "section_id", "hero_image_id", "body").first()
        if before and before["state"] in LISTED:
            instance._listed_before = before


def _article_saved(sender, instance: Article, raw=False, **kwargs):
    before = getattr(instance, "_listed_before", None)
    if raw or (before is None and instance.state not in LISTED):
        return  # a draft's save: no public page shows it
    keys = lists_of(instance)
    if before:
        keys.add(f"section-list-{before['section_id']}")
        if before["hero_image_id"]:  # a replaced photo may no longer be public
            keys.add(f"image-{before['hero_image_id']}")
        keys |= body_picture_keys(before["body"])
        if (before["state"] == Article.State.PUBLISHED) != instance.is_published():
            keys |= _navigation_if_changed(instance)
    _purge(keys)


def _article_deleted(sender, instance: Article, **kwargs):
    if instance.state in LISTED:
        _purge({f"article-{instance.pk}", "home", "feeds", "sitemaps", "search",
                f"section-list-{instance.section_id}", NAVIGATION})  # fmt: skip


def _part_changed(story_field: str, list_key):
    """A byline, tag or correction of a listed story: the story's pages, and the list it
    joins or leaves."""

    def purge_story_pages(sender, instance, raw=False, **kwargs):
        if raw:
            return
        pk = getattr(instance, story_field)
        if Article.objects.filter(pk=pk, state__in=LISTED).exists():
            _purge({f"article-{pk}", *list_key(instance)})

    return purge_story_pages


def _related_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, Article) and instance.state in LISTED:
        _purge({f"article-{instance.pk}"})


def connect_receivers() -> None:
    uid = "page_cache_{}".format
    pre_save.connect(_article_loaded, sender=Article, dispatch_uid=uid("article_loaded"))
    post_save.connect(_article_saved, sender=Article, dispatch_uid=uid("article_saved"))
    post_delete.connect(_article_deleted, sender=Article, dispatch_uid=uid("article_deleted"))
    m2m_changed.connect(
        _related_changed, sender=Article.related.through, dispatch_uid=uid("related")
    )
    parts = (
        (ArticleAuthor, "article_id", lambda b: {f"author-list-{b.author_id}"}),
        (TaggedArticle, "content_object_id", lambda t: {f"tag-list-{t.tag_id}"}),
        (Correction, "article_id", lambda c: set()),
    )
    shown = (
        (Section, lambda s: {NAVIGATION, f"section-list-{s.pk}", "feeds", "sitemaps"}),
        (Author, lambda a: {f"author-{a.pk}", f"author-list-{a.pk}"}),
        (Tag, tag_keys),
    )
    for signal in (post_save, post_delete):
        for model, story_field, keys in parts:
            signal.connect(
                _part_changed(story_field, keys), sender=model, weak=False,
                dispatch_uid=uid(f"{model._meta.model_name}_{signal is post_save}"),
            )  # fmt: skip
        for model, keys in shown:
            signal.connect(
                _purger(keys), sender=model, weak=False,
                dispatch_uid=uid(f"{model._meta.model_name}_{signal is post_save}"),
            )  # fmt: skip


def _purger(keys):
    def purge_pages_showing(sender, instance, raw=False, **kwargs):
        if not raw:  # a fixture or a restore purges everything when it is done
            page_cache.purge(keys(instance))

    return purge_pages_showing


# --- How long a page may be kept --------------------------------------------------------------

_NEXT_SCHEDULED = "page_cache:next-scheduled"
SCHEDULE = "schedule"  # purged with every listed story's change: the next time may move


def seconds_to_next_scheduled() -> int | None:
    """Until the next scheduled story is due: no page is kept longer, so it appears on time.

    Kept in the cache with the version of the `schedule` key it was read under, so it is
    looked up again after any change that may move it, not on every page drawn.
    """
    now = timezone.now().timestamp()
    try:
        version = page_cache.key_versions([SCHEDULE])[SCHEDULE]
        kept = cache.get(_NEXT_SCHEDULED)
    except page_cache.CACHE_FAILURES:
        version, kept = None, None
    if kept and kept["version"] == version and not (kept["due"] and kept["due"] <= now):
        due = kept["due"]
    else:
        when = (
            Article.objects.filter(state=Article.State.SCHEDULED, published_at__gt=timezone.now())
            .order_by("published_at")
            .values_list("published_at", flat=True)
            .first()
        )
        due = when.timestamp() if when else 0  # 0: nothing is scheduled
        with suppress(*page_cache.CACHE_FAILURES):
            cache.set(_NEXT_SCHEDULED, {"due": due, "version": version}, None)
    return int(due - now) if due else None
