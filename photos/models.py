import hashlib
from functools import partial

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from newsroom import keys, page_cache

from . import images, signing

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class Image(models.Model):
    """A photo in the library. Its renditions are made by explicit calls, never by save()."""

    file = models.ImageField(upload_to="images/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    alt = models.CharField(
        "alt text", max_length=300, blank=True,
        help_text="What the photo shows, for readers who can't see it. Required unless the "
        "photo is decorative.",
    )  # fmt: skip
    # Empty alt by intent, recorded: readers' screen readers pass over a decorative photo.
    decorative = models.BooleanField(
        "decorative (no alt text)", default=False,
        help_text="Tick only for a photo that tells readers nothing (a texture, an ornament). "
        "Readers then get an empty alt text, wherever it is shown.",
    )  # fmt: skip
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(max_length=200, blank=True)
    focal_x = models.FloatField(
        "focal point x", null=True, blank=True, validators=PERCENT,
        help_text="Where the subject is, in % from the left edge; crops keep it in view.",
    )  # fmt: skip
    focal_y = models.FloatField(
        "focal point y", null=True, blank=True, validators=PERCENT,
        help_text="Where the subject is, in % from the top edge.",
    )  # fmt: skip
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Which renditions exist (see photos.images.make_renditions): pages read it, never storage.
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    # The manifest's key, indexed: /media/ finds the photo a rendition belongs to by it.
    rendition_key = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )  # fmt: skip

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(focal_x__isnull=True) | Q(focal_x__gte=0, focal_x__lte=100))
                & (Q(focal_y__isnull=True) | Q(focal_y__gte=0, focal_y__lte=100)),
                name="image_focal_point_in_picture",
            ),
            models.CheckConstraint(
                condition=Q(decorative=True) | ~Q(alt=""),
                name="image_alt_unless_decorative",
                violation_error_message="Alt text: describe what the photo shows, or tick "
                "“Decorative”.",
            ),
        ]

    def __str__(self):
        return self.caption or self.alt or f"Photo {self.pk}"

    def store_upload(self) -> None:
        """Keep a just-uploaded file re-encoded (no EXIF or GPS), save, and make its renditions.

        Every path that brings in a new file (the admin, seed_demo) calls this; raises
        images.InvalidImage for a file that cannot be decoded, images.StorageFailed (with
        nothing left behind, row or file) when the storage refuses a write.
        """
        if not getattr(self, "_cleaned", False):
            self.file = images.clean_master(self.file)
        # The master's name is unguessable, so it is the one storage will use.
        target = self.file.field.generate_filename(self, self.file.name)
        try:
            with transaction.atomic():
                self.save()
                self.make_renditions()
        except OSError as error:
            images.delete_quietly(self.file.storage, [target])
            raise images.StorageFailed(error) from error
        except images.StorageFailed:
            images.delete_quietly(self.file.storage, [target])
            raise

    def copy_of(self) -> "Image | None":
        """The library photo this new upload is the same picture as (the same file once
        cleaned of its metadata, the content hash), if there is one: offered instead of a
        second copy. Cleans the upload, once (store_upload then keeps it as it is)."""
        self.file, self._cleaned = images.clean_master(self.file), True
        self.file.seek(0)
        content_hash = hashlib.sha256(self.file.read()).hexdigest()
        self.file.seek(0)
        return Image.objects.filter(content_hash=content_hash).order_by("pk").first()

    @property
    def readers_alt(self) -> str:
        """The alt text readers get where no use gives its own: none for a decorative photo."""
        return "" if self.decorative else self.alt

    @property
    def focal_point(self) -> tuple[float, float]:
        """As fractions of the width and height; the centre when none was set."""
        x = 50 if self.focal_x is None else self.focal_x
        y = 50 if self.focal_y is None else self.focal_y
        return (x / 100, y / 100)

    def make_renditions(self, *, missing_only: bool = False) -> None:
        """(Re)write every rendition and record them on the row; raises images.InvalidImage."""
        old = set(images.rendition_names(self.renditions))
        self.content_hash, self.renditions = images.make_renditions(
            self.file.storage, self.file.name, self.focal_point,
            owner=self.pk, missing_only=missing_only,
        )  # fmt: skip
        self.rendition_key = self.renditions.get("key", "")
        Image.objects.filter(pk=self.pk).update(
            content_hash=self.content_hash,
            renditions=self.renditions,
            rendition_key=self.rendition_key,
        )
        stale = old - set(images.rendition_names(self.renditions))
        transaction.on_commit(lambda: images.delete_files(self.file.storage, stale))
        page_cache.purge([keys.image(self.pk)])

    def has_renditions(self) -> bool:
        return images.manifest_is_complete(self.file.storage, self.renditions)

    def sources(self, kind: str, *, grant: str | None = None) -> dict | None:
        """`grant`: URLs that work for whoever holds them while it holds, for pages such as
        preview links that show photos readers may not fetch yet (see photos/signing.py)."""
        url = partial(signing.signed_url, grant=grant) if grant else self.file.storage.url
        return images.sources(self.renditions, kind, url)

    def social_rendition(self) -> "images.Rendition | None":
        """(url, width, height) of the 1200x630 crop for OpenGraph, Twitter and JSON-LD."""
        return images.social(self.file.storage, self.renditions)


# What a caption may start or end with and still repeat the alt text. The story editor's script
# gets it, with the rule, from articles/templatetags/body_editor.py.
CAPTION_ENDS_IGNORED = " .!?…"


def repeats(caption: str, alt: str) -> bool:
    """Whether a caption says what the alt text says (a screen reader would read it twice)."""

    def words(text):
        return " ".join(text.casefold().split()).strip(CAPTION_ENDS_IGNORED)

    return bool(caption and alt) and words(caption) == words(alt)


@receiver(post_save, sender=Image)
@receiver(post_delete, sender=Image)
def _purge_pages_showing(sender, instance: Image, raw=False, **kwargs):
    if not raw:
        page_cache.purge([keys.image(instance.pk)])


@receiver(post_delete, sender=Image)
def _delete_image_files(sender, instance: Image, **kwargs):
    """A deleted photo (often a rights takedown) must stop being served; after commit only."""
    names = [instance.file.name, *images.rendition_names(instance.renditions)]
    storage = instance.file.storage
    transaction.on_commit(lambda: images.delete_files(storage, filter(None, names)))
