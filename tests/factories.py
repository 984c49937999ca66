"""Plain factory functions: each makes one valid object, with overrides as keyword arguments."""

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from articles import caching
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
    # Its rows are written directly, so its pages are told as revisions._apply() tells them.
    caching.story_changed(None, article)
    return article


def make_correction(article, **kwargs) -> Correction:
    kwargs.setdefault("text", "An earlier version misspelled a name.")
    before = caching.shown(article)
    correction = Correction.objects.create(article=article, **kwargs)
    caching.story_changed(before, article)
    return correction


def make_user(username=None, **kwargs):
    username = username or f"user{next(_seq)}"
    kwargs.setdefault("password", "a-long-test-password")
    return get_user_model().objects.create_user(username=username, **kwargs)


def make_staff(role: str, username=None, **kwargs):
    """A staff account in the Writer or Editor group (created by the roles migration)."""
    from django.contrib.auth.models import Group

    user = make_user(username, is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=role))
    return user


def make_desk(*sections, editors=(), **kwargs):
    from articles.models import Desk

    kwargs.setdefault("name", f"Desk {next(_seq)}")
    desk = Desk.objects.create(**kwargs)
    desk.sections.set(sections)
    desk.editors.set(editors)
    return desk


def _local(when) -> str:
    from django.utils import timezone

    return f"{timezone.localtime(when):%Y-%m-%dT%H:%M}" if when else ""


def article_form_data(article, **overrides) -> dict:
    """What the admin change form posts for this article, as a browser would send it."""
    from articles.admin.forms import state_key

    data = {
        "headline": article.headline,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "body": article.body,
        "section": article.section_id,
        "tags": ", ".join(t.name for t in article.tags.all()) if article.pk else "",
        "hero_caption": article.hero_caption,
        "seo_title": article.seo_title,
        "seo_description": article.seo_description,
        "homepage_priority": article.homepage_priority,
        "canonical_url": article.canonical_url,
        # The plan, as the form shows it (a browser sends it back with every save).
        "brief": article.brief,
        "assignee": article.assignee_id or "",
        "deadline": _local(article.deadline),
        "planned_for": _local(article.planned_for),
        "loaded_version": article.version,
        "loaded_state": state_key(article) if article.pk else "",
    }
    for prefix in ("bylines", "corrections"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(overrides)
    return data


def photo_bytes(size=(1700, 1000), fmt="JPEG", mode="RGB", **save_options) -> bytes:
    """A real picture made by Pillow: a gradient, so every crop and resize has content."""
    import io

    from PIL import Image as Pillow

    picture = Pillow.linear_gradient("L").resize(size).convert(mode)
    out = io.BytesIO()
    picture.save(out, fmt, **save_options)
    return out.getvalue()


def make_public_image(content: bytes | None = None, name="photo.jpg", **kwargs):
    """A photo readers may fetch from /media/: the hero image of a published story."""
    image = make_image(content, name, **kwargs)
    make_article(hero_image=image)
    return image


def make_image(content: bytes | None = None, name="photo.jpg", **kwargs):
    """An Image stored the way uploads and seed_demo store photos: cleaned, with renditions."""
    from django.core.files.base import ContentFile

    from photos.models import Image

    kwargs.setdefault("alt", "A test photo")
    image = Image(**kwargs)
    image.file = ContentFile(content or photo_bytes(), name=name)
    image.store_upload()
    return image


def make_sized_image(*, width=1200, height=630, **kwargs):
    """An Image of the given pixel size, stored as a PNG upload."""
    kwargs.setdefault("alt", "A harbour at dawn")
    content = photo_bytes((width, height), fmt="PNG")
    return make_image(content, name=f"photo-{next(_seq)}.png", **kwargs)


def schedule_known():
    """Before counting a page's queries: what caps every page's cache time, the next scheduled
    story's time, is looked up once after each change that may move it, not per page drawn;
    the budgets count what drawing the page itself costs."""
    from articles import caching

    caching.seconds_to_next_scheduled()
