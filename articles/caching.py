"""Which public pages show what (their surrogate keys), and which changes purge which pages.

Keys are spelled in newsroom/keys.py; newsroom/page_cache.py keeps and purges the pages.

A story's change reaches its pages by one route, `story_changed(before, story)`, called where a
story readers may see changes: revisions._apply() (content, which every edit, restore and
import goes through) and the workflow's moves (workflow._move, publish_many). `before` is
`shown(story)` read before the change, so the pages of its old section, tags, bylines and
photos are purged with those of its new ones. A deleted story, sections, authors and tags
purge through the receivers below; photos purge their own key (photos/models.py).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from newsroom import keys, page_cache

from . import blocks
from .models import Article, ArticleAuthor, Author, Section, Tag, TaggedArticle

LISTED = Article.PUBLIC_STATES  # on a list now or at its time


# --- What a page shows ------------------------------------------------------------------------


def story_card_keys(stories) -> set[str]:
    """The keys of story cards (or feed items, related links): the stories, their photos and
    bylines. Reads only what for_listing() has fetched already."""
    found = set()
    for story in stories:
        found.add(keys.article(story.pk))
        if story.hero_image_id:
            found.add(keys.image(story.hero_image_id))
        found |= {keys.author(byline.author_id) for byline in story.bylines.all()}
    return found


def article_page_keys(story, tags, related) -> set[str]:
    """Related stories are links by headline: their own keys, nothing of their bylines."""
    found = {keys.SECTIONS, *story_card_keys([story]), *(keys.article(r.pk) for r in related)}
    return found | {keys.tag(tag.pk) for tag in tags} | body_picture_keys(story.body)


def body_picture_keys(body: str) -> set[str]:
    return {keys.image(pk) for pk in blocks.photo_ids([body])}


def tag_keys(tag) -> set[str]:
    """A tag's page and list: purged when the tag is made, renamed or deleted."""
    return {keys.tag(tag.pk), keys.tag_list(tag.pk)}


def author_keys(author) -> set[str]:
    return {keys.author(author.pk), keys.author_list(author.pk)}


def gone_page_keys(story) -> set[str]:
    """A withdrawn story's 410, or an old address's 301: republishing or a new slug purges it."""
    return {keys.article(story.pk)}


# --- What a change purges ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """Where public pages show a story, as it was before a change."""

    state: str
    published: bool = False
    keys: frozenset[str] = frozenset()  # the pages listing it; none if no page does

    @classmethod
    def moved_from(cls, state: str) -> "Shown":
        """Before a transition, which changes no content: the pages listing the story after
        it are the pages that listed it before."""
        return cls(state, published=state == Article.State.PUBLISHED)


def shown(story: Article) -> Shown | None:
    """The story as stored (not the caller's copy, which a form may have changed already);
    None for a story not saved yet."""
    stored = Article.objects.filter(pk=story.pk).first() if story.pk else None
    if stored is None:
        return None
    if stored.state not in LISTED:
        return Shown(stored.state)
    return Shown(stored.state, stored.is_published(), frozenset(lists_of(stored)))


def story_changed(before: Shown | None, story: Article) -> None:
    """After a change to a story's content or state, as stored now: purge every page that
    listed or showed it before (`before`, from shown()) and every page that does now."""
    if (before is None or before.state not in LISTED) and story.state not in LISTED:
        return  # a draft's change: no public page shows it
    found = lists_of(story) | (before.keys if before else set())
    if (before is not None and before.published) != story.is_published():
        found |= _navigation_if_changed(story)
    _purge(found)


def stories_changed(before: Shown, stories: list[Article]) -> None:
    """story_changed() for many stories taking the same move at once (workflow.publish_many()):
    three queries for them all, not three a story."""
    if not stories or (before.state not in LISTED and stories[0].state not in LISTED):
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
    found = set().union(
        *(listing_keys(story, authors[story.pk], tags[story.pk]) for story in stories)
    )
    if before.published != stories[0].is_published():
        found |= _navigation_if_changed(*stories)
    _purge(found)


def lists_of(story: Article) -> set[str]:
    """Every page that lists or shows this story, as it is stored now."""
    authors = story.bylines.values_list("author_id", flat=True)
    return listing_keys(story, authors, story.tags.values_list("pk", flat=True))


def listing_keys(story: Article, author_ids, tag_ids) -> set[str]:
    """lists_of(), given the ids of the story's byline authors and tags (a bulk import has
    them in hand)."""
    found = {keys.article(story.pk), keys.HOME, keys.FEEDS, keys.SITEMAPS, keys.SEARCH}
    found.add(keys.section_list(story.section_id))
    if story.hero_image_id:  # its files in front caches: /media/ serves them while public
        found.add(keys.image(story.hero_image_id))
    found |= body_picture_keys(story.body)
    found |= {keys.author_list(a) for a in author_ids}
    found |= {keys.tag_list(t) for t in tag_ids}
    return found


def _purge(found) -> None:
    # A listed story changed: the next scheduled time may have moved with it.
    page_cache.purge({*found, keys.SCHEDULE})


def _navigation_if_changed(*stories: Article) -> set[str]:
    """The navigation lists sections with published work: the first story in a section, or
    the last to leave it, changes it on every page."""
    sections = {story.section_id for story in stories}
    others = Article.objects.published().filter(section__in=sections)
    others = others.exclude(pk__in=[story.pk for story in stories]).values_list("section_id")
    listed = {section for (section,) in others.order_by().distinct()}
    return {keys.SECTIONS} if sections - listed else set()


def _article_deleted(sender, instance: Article, **kwargs):
    """The admin deletes stories through the ORM (one or a selection): the one story change
    that comes by signal."""
    if instance.state in LISTED:
        _purge({keys.article(instance.pk), keys.HOME, keys.FEEDS, keys.SITEMAPS, keys.SEARCH,
                keys.section_list(instance.section_id), keys.SECTIONS})  # fmt: skip


def connect_receivers() -> None:
    uid = "page_cache_{}".format
    post_delete.connect(_article_deleted, sender=Article, dispatch_uid=uid("article_deleted"))
    shown_on_pages = (
        (Section, lambda s: {keys.SECTIONS, keys.section_list(s.pk), keys.FEEDS, keys.SITEMAPS}),
        (Author, author_keys),
        (Tag, tag_keys),
    )
    for signal in (post_save, post_delete):
        for model, pages in shown_on_pages:
            signal.connect(
                _purger(pages), sender=model, weak=False,
                dispatch_uid=uid(f"{model._meta.model_name}_{signal is post_save}"),
            )  # fmt: skip


def _purger(pages):
    def purge_pages_showing(sender, instance, raw=False, **kwargs):
        if not raw:  # a fixture or a restore purges everything when it is done
            page_cache.purge(pages(instance))

    return purge_pages_showing


# --- How long a page may be kept --------------------------------------------------------------

_NEXT_SCHEDULED = "page_cache:next-scheduled"


def seconds_to_next_scheduled() -> int | None:
    """Until the next scheduled story is due: no page is kept longer, so it appears on time.

    Kept in the cache with the version of the `keys.SCHEDULE` key it was read under, so it is
    looked up again after any change that may move it, not on every page drawn.
    """
    now = timezone.now().timestamp()
    try:
        version = page_cache.key_versions([keys.SCHEDULE])[keys.SCHEDULE]
        kept = cache.get(_NEXT_SCHEDULED)
    except page_cache.cache_failures():
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
        try:
            cache.set(_NEXT_SCHEDULED, {"due": due, "version": version}, None)
        except page_cache.cache_failures():
            pass
    return int(due - now) if due else None
