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

from .models import Article

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


@never_cache
@require_safe
def preview(request, token: str):
    article = _article_for(token)
    response = render(
        request,
        "articles/preview.html",
        {"article": article, "tags": list(article.tags.all()), "related": [], "preview": True},
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
