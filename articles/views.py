"""The reader site: short views over Article.objects.published()."""

import sys
from urllib.parse import unquote, urlencode

from django.core.paginator import Paginator
from django.db import DatabaseError, OperationalError, connection
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from newsroom import keys, page_cache
from newsroom.page_cache import public_page
from newsroom.text import clean_line

from . import caching, paging
from . import search as search_module
from .context_processors import navigation
from .models import Article, ArticleSlug, Author, Tag

PAGE_SIZE = 20
TOP_STORIES = 7
PER_SECTION = 4


def _page(request, stories):
    """A page of a listing, newest first: `stories` picked down their index (`paging` keeps
    the cost from growing with the archive), then read with what a story card shows."""
    shown = Article.objects.for_listing().defer("body").newest_first()
    return paging.get_page(stories, request.GET.get("page"), PAGE_SIZE, shown=shown)


def _listing(response, stories, *shown):
    """Name what a listing page shows; `stories` is what the template iterated (no query)."""
    response.surrogate_keys = {keys.SECTIONS, *shown, *caching.story_card_keys(stories)}
    return response


@require_safe
@public_page
def home(request):
    published = Article.objects.published().for_listing().defer("body")  # cards only
    top = paging.rows(published.by_homepage_priority(), 0, TOP_STORIES)
    sections = navigation(request)  # the sections whose latest stories the page lists
    latest = published.exclude(pk__in=[a.pk for a in top])
    latest = latest.latest_per_section(PER_SECTION, sections)
    latest = latest.order_by("section__position", "section__name", "-published_at")
    context = {"lead": top[0] if top else None, "top_stories": top[1:], "latest": latest}
    response = render(request, "articles/home.html", {**context, "nav_sections": sections})
    return _listing(response, [*top, *latest], keys.HOME)


@require_safe
@public_page
def section(request, slug):
    # The navigation lists every section in use (and is remembered): no query of its own.
    sections = navigation(request)
    section = next((s for s in sections if s.slug == slug), None)
    if section is None:
        raise Http404("No such section.")
    page = _page(request, Article.objects.published().filter(section=section).newest_first())
    response = render(
        request,
        "articles/section.html",
        {
            "section": section,
            "current_section": section.slug,
            "page": page,
            "nav_sections": sections,
        },
    )
    return _listing(response, page.object_list, keys.section_list(section.pk))


@require_safe
@public_page
def author(request, slug):
    author = get_object_or_404(Author.objects.in_use().select_related("photo"), slug=slug)
    page = _page(request, Article.objects.published().by_author(author))
    response = render(request, "articles/author.html", {"author": author, "page": page})
    shown = [*caching.author_keys(author)]
    if author.photo_id:
        shown.append(keys.image(author.photo_id))
    return _listing(response, page.object_list, *shown)


@require_safe
@public_page
def tag(request, slug):
    tag = get_object_or_404(Tag.objects.in_use(), slug=slug)
    page = _page(request, Article.objects.published().tagged(tag))
    response = render(request, "articles/tag.html", {"tag": tag, "page": page})
    return _listing(response, page.object_list, *caching.tag_keys(tag))


@require_safe
@public_page
def article(request, section, year, month, day, slug):
    story = _find_article(slug)
    if story.is_gone():
        response = render(request, "articles/gone.html", status=410)
        response.surrogate_keys = caching.gone_page_keys(story)
        return response
    if not story.is_published():
        raise Http404("No such article.")
    if unquote(story.get_absolute_url()) != request.path:
        response = redirect(story, permanent=True)
        response.surrogate_keys = caching.gone_page_keys(story)
        return response
    tags = list(story.tags.all())
    related = (
        Article.objects.published()
        .select_related("section")
        .related_to(story, [t.pk for t in tags])
    )
    response = render(
        request,
        "articles/article.html",
        {"article": story, "tags": tags, "related": related},
    )
    response.surrogate_keys = caching.article_page_keys(story, tags, related)
    return response


def _find_article(slug: str) -> Article:
    """The article under this slug now, else the one that carried it before (for a 301)."""
    articles = Article.objects.for_listing().prefetch_related("tags", "corrections")
    story = articles.filter(slug=slug).first()
    if story is None:
        old = ArticleSlug.objects.filter(slug=slug).first()
        story = articles.filter(pk=old.article_id).first() if old else None
    if story is None:
        raise Http404("No such article.")
    return story


@require_safe
@never_cache
def healthz(request):
    """200 while every page can be drawn (503 otherwise), naming each dependency; each check is
    bounded by the timeouts in settings. The cache may fail (pages are then drawn fresh); the
    database and the static files' manifest may not (every page needs them)."""
    checks = {
        "database": _database_answers(),
        "cache": page_cache.cache_answers(),
        "static": _static_files_answer(),
    }
    body = "".join(f"{name}: {'ok' if ok else 'unavailable'}\n" for name, ok in checks.items())
    up = checks["database"] and checks["static"]
    return HttpResponse(body, status=200 if up else 503, content_type="text/plain")


@require_safe
def favicon(request):
    """What browsers ask for before, or without, reading a page's icon link."""
    return redirect(static("img/favicon.svg"), permanent=True)


def _static_files_answer() -> bool:
    """The stylesheet every page links to has an address: with debug off that needs
    `collectstatic` to have written the manifest."""
    try:
        static("css/site.css")
    except ValueError:
        return False
    return True


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def not_found(request, exception=None):
    # Never kept by a cache: the address may be a story's that is about to be published.
    response = render(request, "404.html", status=404)
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


@requires_csrf_token
def server_error(request):
    # No request context: the database may be what failed.
    if isinstance(sys.exc_info()[1], OperationalError):  # it did not answer, or not in time
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)


@require_safe
@public_page
def search(request):
    query = clean_line(request.GET.get("q", "")[: search_module.MAX_QUERY_CHARS])
    # At most search.CANDIDATES matches are ranked and counted, however large the archive.
    results = search_module.search_articles(query)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    response = render(
        request,
        "articles/search.html",
        {"query": query, "page": page, "page_query": urlencode({"q": query}) + "&"},
    )
    response.surrogate_keys = {keys.SECTIONS, keys.SEARCH}
    return response
