"""RSS 2.0 feeds of the site, a section, a tag and an author; an Atom feed of the whole site.

Every link is absolute from SITE_URL (not the request's host), so a feed fetched through a
proxy or an internal address still points readers at the public site. An item's id (RSS guid,
Atom id) names the story, not its address, so a renamed story is not new to feed readers.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape, format_html, format_html_join

from newsroom import keys

from . import blocks, caching, paging
from .metadata import absolute_url, share_image
from .models import Article, Author, Section, Tag

FEED_ITEMS = 30
MEDIA_NS = "http://search.yahoo.com/mrss/"


class MediaContentMixin:
    """Adds <media:content> (Media RSS) for the hero image: URL, type, width and height."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        image = item.get("image")
        if image:
            attrs = {"url": image["url"], "medium": "image"}
            attrs |= {"width": str(image["width"]), "height": str(image["height"])}
            handler.startElement("media:content", attrs)
            if image["alt"]:
                handler.addQuickElement("media:description", image["alt"], {"type": "plain"})
            handler.endElement("media:content")


class RssWithMedia(MediaContentMixin, Rss201rev2Feed):
    pass


class AtomWithMedia(MediaContentMixin, Atom1Feed):
    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, page in item.get("authors", ()):  # Atom gives each person their own
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.addQuickElement("uri", page)
            handler.endElement("author")


def corrections_html(article) -> str:
    """The story's corrections, as its page shows them: feed readers see them too."""
    corrections = article.corrections.all()
    if not corrections:
        return ""
    rows = ((date_format(c.published_at, "j F Y"), c.text) for c in corrections)
    return format_html(
        "<h2>Corrections</h2><ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", rows)
    )


class SiteFeed(Feed):
    feed_type = RssWithMedia
    url_name = "articles:feed"

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response.surrogate_keys = request.feed_keys
        return response

    def get_feed(self, obj, request):
        """The feed, and (for the page cache) the keys of what it shows, noted on the request:
        this object serves every request, so it keeps nothing of one."""
        feed = super().get_feed(obj, request)
        request.feed_keys = self.list_keys(obj).union(*(item["keys"] for item in feed.items))
        return feed

    def list_keys(self, obj) -> set[str]:
        return {keys.FEEDS}

    @property
    def language(self):
        return settings.SITE_LANGUAGE

    def as_text(self, value: str) -> str:
        """A title or description as readers will take it: RSS readers render these as HTML
        (which is why Django's own Feed escapes titles), Atom marks them as plain text."""
        return value if issubclass(self.feed_type, Atom1Feed) else escape(value)

    def title(self, obj=None):
        return self.as_text(settings.SITE_NAME)

    def description(self, obj=None):
        return "The latest stories."

    def link(self, obj=None):
        return absolute_url(reverse("articles:home"))

    def feed_url(self, obj=None):
        return absolute_url(reverse(self.url_name))

    def stories(self, obj):
        """The feed's stories, newest first."""
        return Article.objects.published().newest_first()

    def items(self, obj=None):
        shown = Article.objects.for_listing().prefetch_related("tags", "corrections")
        shown = shown.newest_first()
        stories = paging.rows(self.stories(obj), 0, FEED_ITEMS, shown=shown)
        # The photos every item's body shows, in one query for the whole feed (each item's
        # description and share_image() read them).
        blocks.prefetch_body_photos(stories)
        return stories

    def item_title(self, item):
        return self.as_text(item.headline)

    def item_description(self, item):
        # The standfirst as escaped text, then the body the sanitiser stored, its blocks drawn
        # for feed readers (plain images and links: no script, no placeholders), then any
        # corrections.
        standfirst = f"<p><strong>{escape(item.standfirst)}</strong></p>" if item.standfirst else ""
        body = blocks.feed_html(item.body, blocks.body_photos(item), absolute_url)
        return standfirst + body + corrections_html(item)

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    item_guid_is_permalink = False

    def item_guid(self, item):
        """A tag URI (RFC 4151) of the site's host, the day the story was created and its
        number: the same for the story's whole life, whatever its address becomes."""
        host = urlsplit(settings.SITE_URL).hostname
        return f"tag:{host},{item.created_at:%Y-%m-%d}:article-{item.pk}"

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at or item.published_at

    def item_author_name(self, item):
        return ", ".join(author.name for author in item.byline_authors()) or None

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]

    def item_extra_kwargs(self, item):
        keys = caching.story_card_keys([item]) | caching.body_picture_keys(item.body)
        return {"image": share_image(item), "keys": keys}


class AtomSiteFeed(SiteFeed):
    feed_type = AtomWithMedia
    subtitle = "The latest stories."
    url_name = "articles:atom_feed"

    def author_name(self, obj=None):
        return settings.SITE_NAME  # Atom wants an author for entries without a byline

    def item_author_name(self, item):
        return None  # each byline is an <author> of its own (item_extra_kwargs)

    def item_extra_kwargs(self, item):
        authors = [(a.name, absolute_url(a.get_absolute_url())) for a in item.byline_authors()]
        return {**super().item_extra_kwargs(item), "authors": authors}


class SectionFeed(SiteFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section.objects.in_use(), slug=slug)

    def title(self, obj):
        return self.as_text(f"{obj.name} | {settings.SITE_NAME}")

    def description(self, obj):
        return self.as_text(obj.description or f"The latest {obj.name} stories.")

    def link(self, obj):
        return absolute_url(obj.get_absolute_url())

    def feed_url(self, obj):
        return absolute_url(reverse("articles:section_feed", args=[obj.slug]))

    def stories(self, obj):
        return Article.objects.published().filter(section=obj).newest_first()

    def list_keys(self, obj) -> set[str]:
        return {keys.section_list(obj.pk)}


class TagFeed(SectionFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag.objects.in_use(), slug=slug)

    def description(self, obj):
        return self.as_text(f"Stories about {obj.name}.")

    def feed_url(self, obj):
        return absolute_url(reverse("articles:tag_feed", args=[obj.slug]))

    def stories(self, obj):
        return Article.objects.published().tagged(obj)

    def list_keys(self, obj) -> set[str]:
        return caching.tag_keys(obj)


class AuthorFeed(SectionFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Author.objects.in_use(), slug=slug)

    def description(self, obj):
        return self.as_text(f"The latest stories by {obj.name}.")

    def feed_url(self, obj):
        return absolute_url(reverse("articles:author_feed", args=[obj.slug]))

    def stories(self, obj):
        return Article.objects.published().by_author(obj)

    def list_keys(self, obj) -> set[str]:
        return caching.author_keys(obj)
