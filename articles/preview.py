"""Staff preview: a signed, expiring, revocable link that shows any article as readers would.

The link is the credential, so a colleague without an account can open it; it never
reaches search engines or caches. Each link is a PreviewLink row: editors see the story's
active links and revoke any of them, and withdrawing a story revokes all of its links.
"""

from datetime import timedelta

from django.core import signing
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from newsroom.text import make_slug
from photos.models import Image

from . import revisions
from .models import Article, ArticleAuthor, Author, Correction, PreviewLink, Section, Tag

MAX_AGE = timedelta(days=3)
_SALT = "articles.preview"


def make_token(link: PreviewLink) -> str:
    return signing.dumps([link.article_id, link.pk], salt=_SALT, compress=False)


def preview_url(article: Article, *, by=None) -> str:
    """The address of this user's active link to the story, made if they have none yet."""
    now = timezone.now()
    link = article.preview_links.filter(
        created_by=by, revoked_at__isnull=True, expires_at__gt=now + MAX_AGE / 2
    ).first() or PreviewLink.objects.create(
        article=article, created_by=by, expires_at=now + MAX_AGE
    )
    return url_of(link)


def url_of(link: PreviewLink) -> str:
    return reverse("articles:preview", args=[make_token(link)])


def active_links(article: Article):
    return article.preview_links.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def revoke_all(article: Article) -> int:
    return active_links(article).update(revoked_at=timezone.now())


# The photos on a link's page are signed with the link (photos/signing.py), so they stop
# working the moment the link does.
GRANT = "preview"


def photo_grant(link: PreviewLink) -> str:
    return f"{GRANT}.{link.pk}"


def link_holds(value: str) -> bool:
    """Registered with photos.signing (ArticlesConfig.ready) for the grant photo_grant() makes."""
    link = PreviewLink.objects.filter(pk=int(value)).first() if value.isdigit() else None
    return link is not None and link.is_active()


def _link_and_article(token: str) -> tuple[PreviewLink, Article]:
    try:
        pk, link_pk = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError) as exc:  # expired is a BadSignature
        raise Http404("This preview link is invalid or has expired.") from exc
    link = PreviewLink.objects.filter(pk=link_pk, article_id=pk).first()
    if link is None or not isinstance(pk, int) or not link.is_active():
        raise Http404("This preview link was revoked or has expired.")
    articles = Article.objects.for_listing().prefetch_related("tags", "corrections")
    article = articles.filter(pk=pk).first()
    if article is None:
        raise Http404("No such article.")
    return link, article


def with_pending_changes(article: Article) -> Article:
    """The story as it will read once its pending changes are published; nothing is saved."""
    return with_content(article, revisions.current_content(article))


# What a story with no section yet shows in its place on a live preview.
_NO_SECTION = Section(name="Section", slug="section")


def with_content(article: Article, content: dict) -> Article:
    """The story as this content (revisions' form) says it; nothing is saved."""
    for name in revisions.ROW_FIELDS:
        setattr(article, name, content[name])
    article.normalise()
    section = Section.objects.filter(pk=content["section"]).first() if content["section"] else None
    article.section = section or getattr(article, "section", None) or _NO_SECTION
    article.hero_image = Image.objects.filter(pk=content["hero_image"]).first()
    article._body_photos = None  # the body may name other photos now
    authors = Author.objects.in_bulk(content["bylines"])
    # What the page template reads through article.bylines.all and article.corrections.all.
    if not hasattr(article, "_prefetched_objects_cache"):
        article._prefetched_objects_cache = {}
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


def render_page(request, article: Article, template: str = "articles/preview.html", *, link=None):
    """A story as readers would see it, for staff only: never indexed, never cached. Drawn
    for a preview `link`, its photo addresses work for the link's holders; otherwise they are
    the plain ones, which only signed-in staff may fetch."""
    tags = article.preview_tags if hasattr(article, "preview_tags") else list(article.tags.all())
    response = render(
        request,
        template,
        {
            "article": article,
            "tags": tags,
            "related": [],
            "preview": True,
            "photo_grant": photo_grant(link) if link else None,
        },
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_safe
def preview(request, token: str):
    link, article = _link_and_article(token)
    if article.has_pending_changes():
        article = with_pending_changes(article)
    return render_page(request, article, link=link)
