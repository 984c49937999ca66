"""The reader site: short views over Article.objects.published()."""

from urllib.parse import unquote, urlencode

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe
from redis.exceptions import RedisError

from newsroom.text import clean_line

from . import search as search_module
from .models import Article, ArticleSlug, Author, Section, Tag

PAGE_SIZE = 20
TOP_STORIES = 7
PER_SECTION = 4


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@require_safe
def home(request):
    published = Article.objects.published().for_listing()
    top = list(published.by_homepage_priority()[:TOP_STORIES])
    latest = published.exclude(pk__in=[a.pk for a in top]).latest_per_section(PER_SECTION)
    return render(
        request,
        "articles/home.html",
        {
            "lead": top[0] if top else None,
            "top_stories": top[1:],
            "latest": latest.order_by("section__position", "section__name", "-published_at"),
        },
    )


@require_safe
def section(request, slug):
    section = get_object_or_404(Section.objects.in_use(), slug=slug)
    stories = Article.objects.published().for_listing().filter(section=section).newest_first()
    return render(
        request,
        "articles/section.html",
        {"section": section, "current_section": section.slug, "page": _page(request, stories)},
    )


@require_safe
def author(request, slug):
    author = get_object_or_404(Author.objects.in_use().select_related("photo"), slug=slug)
    stories = Article.objects.published().for_listing().filter(bylines__author=author)
    return render(
        request,
        "articles/author.html",
        {"author": author, "page": _page(request, stories.newest_first())},
    )


@require_safe
def tag(request, slug):
    tag = get_object_or_404(Tag.objects.in_use(), slug=slug)
    stories = Article.objects.published().for_listing().filter(tagged_articles__tag=tag)
    return render(
        request, "articles/tag.html", {"tag": tag, "page": _page(request, stories.newest_first())}
    )


@require_safe
def article(request, section, year, month, day, slug):
    story = _find_article(slug)
    if story.is_gone():
        return render(request, "articles/gone.html", status=410)
    if not story.is_published():
        raise Http404("No such article.")
    if unquote(story.get_absolute_url()) != request.path:
        return redirect(story, permanent=True)
    tags = list(story.tags.all())
    related = (
        Article.objects.published()
        .select_related("section")
        .related_to(story, [t.pk for t in tags])
    )
    return render(
        request,
        "articles/article.html",
        {"article": story, "tags": tags, "related": related},
    )


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
    """200 while the app and its database answer (503 otherwise), naming what failed; each
    check is bounded by the connection timeouts in settings."""
    checks = {"database": _database_answers(), "cache": _cache_answers()}
    body = "".join(f"{name}: {'ok' if ok else 'unavailable'}\n" for name, ok in checks.items())
    return HttpResponse(body, status=200 if checks["database"] else 503, content_type="text/plain")


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def _cache_answers() -> bool:
    try:
        cache.get("healthz")
    except (RedisError, OSError):
        return False
    return True


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    # No request context: the database may be what failed.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


@require_safe
def search(request):
    query = clean_line(request.GET.get("q", "")[: search_module.MAX_QUERY_CHARS])
    page = _page(request, search_module.search_articles(query))
    return render(
        request,
        "articles/search.html",
        {"query": query, "page": page, "page_query": urlencode({"q": query}) + "&"},
    )
