"""The photo library's admin parts: the checked upload field and the change-page helpers."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from . import images, workflow
from .models import Image


class ImageUploadField(forms.ImageField):
    """Checks bytes first, then decodes with the format allowlist; nothing is stored yet."""

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        try:
            images.check_upload(upload)
        except images.InvalidImage as exc:
            raise ValidationError(str(exc), code="invalid_image") from exc
        return upload


class ImageForm(forms.ModelForm):
    file = ImageUploadField(
        label="Photo",
        help_text=(
            f"JPEG, PNG, WebP or GIF; at most {images.MAX_UPLOAD_BYTES // 2**20} MB and "
            f"{images.MAX_PIXELS // 1_000_000} million pixels. "
            "Location and camera data are removed."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )

    class Meta:
        model = Image
        fields = ["file", "alt", "caption", "credit", "focal_x", "focal_y"]


def thumbnail(image: Image) -> str:
    picture = image.sources("square")
    src = picture["src"] if picture else image.file.url
    return format_html('<img src="{}" width="60" height="60" alt="" loading="lazy">', src)


def focal_point_picker(image: Image) -> str:
    picture = image.sources("full") if image.pk else None
    if not picture:
        return "Save the photo first; then click its subject here, or type x and y below."
    x, y = (round(value * 100, 1) for value in image.focal_point)
    return format_html(
        '<div class="focal-picker" data-focal-picker style="position:relative;'
        'display:inline-block;cursor:crosshair;max-width:480px">'
        '<img src="{}" alt="" style="display:block;max-width:100%;height:auto">'
        '<span data-focal-marker style="position:absolute;left:{}%;top:{}%;width:18px;'
        "height:18px;margin:-9px 0 0 -9px;border:3px solid #fff;border-radius:50%;"
        'box-shadow:0 0 0 2px #000;pointer-events:none"></span></div>',
        picture["src"], x, y,
    )  # fmt: skip


def used_by(image: Image, viewer) -> str:
    """Every article (that this user may see) and author page showing this photo."""
    visible = workflow.visible_articles(viewer).values("pk")
    articles = image.hero_of.filter(pk__in=visible).order_by("-published_at", "-pk")
    authors = image.author_set.order_by("name")
    rows = [
        (reverse("admin:articles_article_change", args=[a.pk]), f"Article: {a.headline}")
        for a in articles
    ] + [
        (reverse("admin:articles_author_change", args=[a.pk]), f"Author: {a.name}") for a in authors
    ]
    if not rows:
        return "Not used yet."
    return format_html("<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a></li>', rows))
