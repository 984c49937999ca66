"""Sitemaps for search engines, the Google News sitemap, and robots.txt that points at both.

Locations are absolute from SITE_URL, never from the request's host. Articles whose canonical
address is another site's (syndicated copy) are left out: a sitemap lists canonical pages only.
"""

import math
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.db.models import Max, OuterRef, Subquery
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from newsroom import keys
from newsroom.page_cache import public_page

from . import paging
from .metadata import absolute_url
from .models import Article, Author, Section, Tag

# Every sitemap lists stories: any story joining, changing or leaving purges them all.
public = public_page(keys=[keys.SITEMAPS])
NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1000  # Google News reads at most 1,000 URLs per sitemap


def own_published_articles():
    return Article.objects.published().filter(canonical_url="")


class SiteUrlSitemap(Sitemap):
    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class ArticleSitemap(SiteUrlSitemap):
    """Oldest first, so a page keeps its URLs as new stories arrive. A thousand to a page (as
    Yoast's sitemaps have): a page drawn afresh costs the same on any size of archive."""

    limit = 1000

    def items(self):
        return own_published_articles().select_related("section").order_by("published_at", "pk")

    @property
    def paginator(self):
        return UncountedPages(self._items(), self.limit)

    def page_count(self) -> int:
        return math.ceil(own_published_articles().count() / self.limit)

    def lastmod(self, article):
        return article.updated_at or article.published_at

    def get_latest_lastmod(self):
        """The newest story's publish time, syndicated copies included: a step down the
        article_public index for each public state. (Updates to older stories show in their
        own entries' lastmod; finding the latest among them would read them all.)"""
        return Article.objects.published().aggregate(newest=Max("published_at"))["newest"]


class UncountedPages:
    """What Django's sitemap view asks of a paginator: one page, read without counting the
    archive (`paging`); past the end it is a 404."""

    def __init__(self, items, per_page: int):
        self.items, self.per_page = items, per_page

    def page(self, number):
        return paging.get_page(self.items, number, self.per_page)


class ListingSitemap(SiteUrlSitemap):
    """Pages that list stories: only those with a published story, dated by the newest one."""

    model = None

    def newest_first(self, stories, listing):
        """`stories` of one listing, newest first (`listing` is an OuterRef to its row)."""
        raise NotImplementedError

    def items(self):
        newest = self.newest_first(Article.objects.published(), OuterRef("pk"))
        # From the rows in use only (unused tags, however many, cost an index probe each),
        # each dated by a walk down the newest end of its own index.
        listings = self.model.objects.in_use().annotate(
            newest_story=Subquery(newest.values("published_at")[:1])
        )
        return listings.order_by("pk")

    def page_count(self) -> int:
        paginator = self.paginator  # a new Paginator, and a COUNT, on every access
        return paginator.num_pages if paginator.count else 0

    def lastmod(self, listing):
        return listing.newest_story


class SectionSitemap(ListingSitemap):
    model = Section

    def newest_first(self, stories, section):
        return stories.filter(section=section).newest_first()


class AuthorSitemap(ListingSitemap):
    model = Author

    def newest_first(self, stories, author):
        return stories.by_author(author)


class TagSitemap(ListingSitemap):
    model = Tag

    def newest_first(self, stories, tag):
        return stories.tagged(tag)


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "authors": AuthorSitemap,
    "tags": TagSitemap,
}


@require_safe
@x_robots_tag
def sitemap_index(request):
    """Django's index, with locations from SITE_URL: one entry per page of each sitemap."""
    entries = []
    for name, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        location = absolute_url(reverse("sitemap_section", kwargs={"section": name}))
        # An empty sitemap tells search engines nothing: it has no entry.
        pages = sitemap.page_count()
        lastmod = sitemap.get_latest_lastmod() if pages else None
        for page in range(1, pages + 1):
            url = location if page == 1 else f"{location}?p={page}"
            entries.append(SitemapIndexItem(url, lastmod))
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml"
    )


@require_safe
@x_robots_tag
def news_sitemap(request):
    """Stories first published in the last 48 hours, newest first, for Google News."""
    since = timezone.now() - NEWS_WINDOW
    articles = own_published_articles().filter(published_at__gte=since).select_related("section")
    return TemplateResponse(
        request,
        "sitemaps/news.xml",
        {"articles": articles.newest_first()[:NEWS_LIMIT], "language": settings.SITE_LANGUAGE},
        content_type="application/xml",
    )


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        "Disallow: /search/",
        "",
        f"Sitemap: {absolute_url(reverse('sitemap'))}",
        f"Sitemap: {absolute_url(reverse('news_sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
