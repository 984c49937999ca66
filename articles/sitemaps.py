"""Sitemaps for search engines, the Google News sitemap, and robots.txt that points at both.

Locations are absolute from SITE_URL, never from the request's host. Articles whose canonical
address is another site's (syndicated copy) are left out: a sitemap lists canonical pages only.
"""

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

from newsroom.page_cache import public_page

from .metadata import absolute_url
from .models import Article, Author, Section, Tag

# Every sitemap lists stories: any story joining, changing or leaving purges them all.
public = public_page(keys=["sitemaps"])
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
    """Oldest first, so a page of 50,000 keeps its URLs as new stories arrive."""

    def items(self):
        return own_published_articles().select_related("section").order_by("published_at", "pk")

    def lastmod(self, article):
        return article.updated_at or article.published_at

    def get_latest_lastmod(self):
        latest = own_published_articles().aggregate(
            published=Max("published_at"), updated=Max("updated_at")
        )
        return max((when for when in latest.values() if when), default=None)


class ListingSitemap(SiteUrlSitemap):
    """Pages that list stories: only those with a published story, dated by the newest one."""

    model = None
    article_link = ""  # the lookup from an article to this model

    def items(self):
        newest = (
            Article.objects.published()
            .filter(**{self.article_link: OuterRef("pk")})
            .order_by("-published_at")
            .values("published_at")[:1]
        )
        # From the rows in use only: unused tags, however many, cost nothing here.
        listings = self.model.objects.in_use().annotate(newest_story=Subquery(newest))
        return listings.order_by("pk")

    def lastmod(self, listing):
        return listing.newest_story


class SectionSitemap(ListingSitemap):
    model = Section
    article_link = "section"


class AuthorSitemap(ListingSitemap):
    model = Author
    article_link = "bylines__author"


class TagSitemap(ListingSitemap):
    model = Tag
    article_link = "tagged_articles__tag"


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
        paginator = sitemap.paginator  # a new Paginator, and a COUNT, on every access
        if not paginator.count:
            continue  # an empty sitemap tells search engines nothing
        location = absolute_url(reverse("sitemap_section", kwargs={"section": name}))
        lastmod = sitemap.get_latest_lastmod()
        for page in range(1, paginator.num_pages + 1):
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
