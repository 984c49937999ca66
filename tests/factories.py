"""Plain factory functions: each makes one valid object, with overrides as keyword arguments."""

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Article, ArticleAuthor, Author, Correction, Section

_seq = itertools.count(1)


def make_section(**kwargs) -> Section:
    n = next(_seq)
    kwargs.setdefault("name", f"Section {n}")
    kwargs.setdefault("slug", f"section-{n}")
    return Section.objects.create(**kwargs)


def make_author(**kwargs) -> Author:
    n = next(_seq)
    kwargs.setdefault("name", f"Author {n}")
    return Author.objects.create(**kwargs)


def make_article(*, authors=(), tags=(), published=True, **kwargs) -> Article:
    """A story; published a minute ago unless `published=False` or a state is given."""
    n = next(_seq)
    kwargs.setdefault("headline", f"Story number {n}")
    kwargs.setdefault("standfirst", f"The standfirst of story {n}.")
    kwargs.setdefault("body", f"<p>The body of story {n}.</p>")
    if "section" not in kwargs:
        kwargs["section"] = make_section()
    if published:
        kwargs.setdefault("state", Article.State.PUBLISHED)
        kwargs.setdefault("published_at", timezone.now() - timedelta(minutes=n))
    article = Article.objects.create(**kwargs)
    for position, author in enumerate(authors):
        ArticleAuthor.objects.create(article=article, author=author, position=position)
    if tags:
        article.tags.add(*tags)
    return article


def make_correction(article, **kwargs) -> Correction:
    kwargs.setdefault("text", "An earlier version misspelled a name.")
    return Correction.objects.create(article=article, **kwargs)


def make_user(username=None, **kwargs):
    username = username or f"user{next(_seq)}"
    kwargs.setdefault("password", "a-long-test-password")
    return get_user_model().objects.create_user(username=username, **kwargs)


def make_sized_image(*, width=1200, height=630, **kwargs):
    """An Image row with a real PNG file of the given pixel size."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image as PILImage

    from articles.models import Image

    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), "#336699").save(buffer, format="PNG")
    kwargs.setdefault("alt", "A harbour at dawn")
    upload = SimpleUploadedFile(f"photo-{next(_seq)}.png", buffer.getvalue(), "image/png")
    return Image.objects.create(file=upload, **kwargs)
