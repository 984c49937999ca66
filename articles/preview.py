"""Staff preview: a signed, expiring link that shows any article as readers would see it.

The link is the credential, so a colleague without an account can open it; it never
reaches search engines or caches.
"""

from datetime import timedelta

from django.core import signing
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from newsroom.text import make_slug
from photos.models import Image

from . import revisions
from .models import Article, ArticleAuthor, Author, Correction, Section, Tag

MAX_AGE = timedelta(days=3)
_SALT = "articles.preview"


def make_token(article: Article) -> str:
    return signing.dumps(article.pk, salt=_SALT, compress=False)


def preview_url(article: Article) -> str:
    return reverse("articles:preview", args=[make_token(article)])


def _article_for(token: str) -> Article:
    try:
        pk = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature as exc:  # SignatureExpired is a BadSignature
        raise Http404("This preview link is invalid or has expired.") from exc
    articles = Article.objects.for_listing().prefetch_related("tags", "corrections")
    article = articles.filter(pk=pk).first() if isinstance(pk, int) else None
    if article is None:
        raise Http404("No such article.")
    return article


def with_pending_changes(article: Article) -> Article:
    """The story as it will read once its pending changes are published; nothing is saved."""
    content = revisions.current_content(article)
    for name in revisions.ROW_FIELDS:
        setattr(article, name, content[name])
    article.normalise()
    article.section = Section.objects.filter(pk=content["section"]).first() or article.section
    article.hero_image = Image.objects.filter(pk=content["hero_image"]).first()
    authors = Author.objects.in_bulk(content["bylines"])
    # What the page template reads through article.bylines.all and article.corrections.all.
    article._prefetched_objects_cache.update(
        bylines=[
            ArticleAuthor(article=article, author=authors[pk], position=position)
            for position, pk in enumerate(content["bylines"])
            if pk in authors
        ],
        corrections=[
            Correction(article=article, text=c["text"], published_at=revisions.correction_time(c))
            for c in content["corrections"]
        ],
    )
    stored = {tag.name: tag for tag in Tag.objects.filter(name__in=content["tags"])}
    article.preview_tags = [
        stored.get(name) or Tag(name=name, slug=make_slug(name, fallback="tag"))
        for name in content["tags"]
    ]
    return article


@never_cache
@require_safe
def preview(request, token: str):
    article = _article_for(token)
    if article.has_pending_changes():
        article = with_pending_changes(article)
    response = render(
        request,
        "articles/preview.html",
        {
            "article": article,
            "tags": getattr(article, "preview_tags", None) or list(article.tags.all()),
            "related": [],
            "preview": True,
        },
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
