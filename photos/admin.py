"""The photo library in the admin: checked uploads, a focal-point picker, and where each is used.

It also answers the story editor's picture dialog (static/articles/admin/body_blocks.js):
photos to choose from, and uploads made without leaving the story.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET, require_POST

from newsroom.text import clean_line

from . import images, usage
from .models import Image, repeats

PICKER_LIMIT = 24  # photos the picture dialog shows at once


class ImageUploadField(forms.ImageField):
    """Checks bytes first, then decodes with the format allowlist; nothing is stored yet."""

    # The bytes decide what a file is, not its name (which Django would check against every
    # format Pillow knows, and list them all in its message).
    default_validators = []

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        try:
            images.check_upload(upload)
        except images.InvalidImage as exc:
            raise ValidationError(str(exc), code="invalid_image") from exc
        return upload


class StorageAware:
    """A form that can be told, on a second pass, that storing its upload failed; it also
    asks for alt text unless the photo is marked decorative (the model's constraint, said
    next to the field)."""

    storage_failure = ""

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("decorative") and not cleaned.get("alt") and "alt" not in self.errors:
            self.add_error("alt", ValidationError(ALT_REQUIRED, code="required"))
        if self.storage_failure:
            raise ValidationError(self.storage_failure, code="storage")
        return cleaned


ALT_REQUIRED = (
    "This field is required. Describe what the photo shows, or tick “Decorative” if it tells "
    "readers nothing."
)
REPEATED = (
    "The caption repeats the alt text, so readers using a screen reader would hear it twice: "
    "readers get the caption only. Say in the alt text what the photo shows, and in the "
    "caption what it means."
)


class ImageForm(StorageAware, forms.ModelForm):
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
        fields = ["file", "alt", "decorative", "caption", "credit", "focal_x", "focal_y"]

    #: the library photo a new upload is the same picture as (Image.copy_of); a copy is
    #: refused with a link to it unless the caller offers it itself (the picture dialog)
    copy = None
    refuse_copies = True

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload is None or "file" not in self.changed_data:
            return upload
        probe = Image(file=upload)
        try:
            self.copy = probe.copy_of()
        except images.InvalidImage as exc:
            raise ValidationError(str(exc), code="invalid_image") from exc
        self.instance._cleaned = True  # store_upload keeps the cleaned file as it is
        if self.copy is not None and self.refuse_copies:
            raise ValidationError(
                format_html(
                    'This photo is already in the library: <a href="{}">photo {}</a> ({}). '
                    "Use that one, or upload another file.",
                    reverse("admin:photos_image_change", args=[self.copy.pk]),
                    self.copy.pk,
                    self.copy.alt or self.copy.caption or "no alt text",
                ),  # fmt: skip
                code="copy",
            )
        return probe.file


class ImageDetailsForm(StorageAware, forms.ModelForm):
    """What the person who uploaded a photo may change without editor's rights: not the file."""

    class Meta:
        model = Image
        fields = ["alt", "decorative", "caption", "credit", "focal_x", "focal_y"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageForm
    list_display = [
        "thumbnail", "__str__", "alt", "decorative", "credit", "width", "height", "uploaded_at",
    ]  # fmt: skip
    list_display_links = ["thumbnail", "__str__"]
    search_fields = ["caption", "credit", "alt"]
    readonly_fields = ["focal_point_picker", "used_by"]
    fieldsets = [
        (None, {"fields": ["file", "alt", "decorative", "caption", "credit"]}),
        ("Focal point", {"fields": ["focal_point_picker", ("focal_x", "focal_y")]}),
        ("Used by", {"fields": ["used_by"]}),
    ]

    class Media:
        js = ["photos/focal-point.js"]

    def has_change_permission(self, request, obj=None):
        if super().has_change_permission(request, obj):
            return True
        # Whoever uploaded a photo may correct its words and focal point.
        return obj is not None and obj.uploaded_by_id == request.user.pk and self._uploader(request)

    def _uploader(self, request) -> bool:
        return request.user.has_perm("photos.add_image")

    def _details_only(self, request, obj) -> bool:
        return obj is not None and not super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if self._details_only(request, obj):
            kwargs["form"] = ImageDetailsForm
        form = super().get_form(request, obj, change=change, **kwargs)
        form.storage_failure = getattr(request, "storage_failure", "")
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except images.StorageFailed as failure:
            # Nothing was kept; show the form again, with what was typed and why.
            request.storage_failure = str(failure)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("picker/", wrap(self.picker_view), name="photos_image_picker"),
            path("picker/upload/", wrap(self.picker_upload_view), name="photos_image_upload"),
        ] + super().get_urls()

    @method_decorator(require_GET)
    def picker_view(self, request):
        """The newest photos, those matching `?q=` (alt, caption, credit) or those in `?ids=`."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        photos = self.get_queryset(request)
        if "ids" in request.GET:
            ids = [pk for pk in request.GET["ids"].split(",")[:PICKER_LIMIT] if pk.isdigit()]
            photos = photos.filter(pk__in=[int(pk) for pk in ids if len(pk) < 19])
        elif term := clean_line(request.GET.get("q", ""))[:100]:
            photos, _ = self.get_search_results(request, photos, term)
        found = photos.order_by("-uploaded_at", "-pk")[:PICKER_LIMIT]
        return JsonResponse({"photos": [picker_entry(image) for image in found]})

    @method_decorator(require_POST)
    def picker_upload_view(self, request):
        """One photo uploaded from the story editor, through the photo form's own checks."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImageForm(request.POST, request.FILES)
        form.refuse_copies = False
        if not form.is_valid():
            return JsonResponse({"error": form_message(form)}, status=400)
        if form.copy is not None:  # the library's own, not a second copy
            entry = picker_entry(form.copy)
            entry["notice"] = (
                f"This photo is already in the library (photo {form.copy.pk}): "
                "that one is used, not a copy."
            )
            return JsonResponse(entry, status=200)
        image = form.save(commit=False)
        image.uploaded_by = request.user
        try:
            image.store_upload()
        except images.InvalidImage as exc:
            return JsonResponse({"error": str(exc)}, status=400)
        except images.StorageFailed as failure:
            return JsonResponse({"error": str(failure)}, status=503)
        self.log_addition(request, image, [{"added": {}}])
        entry = picker_entry(image)
        if repeats(image.caption, image.alt):
            entry["warning"] = REPEATED
        return JsonResponse(entry, status=201)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "file"] if self._details_only(request, obj) else readonly

    def save_model(self, request, obj, form, change):
        if repeats(obj.caption, obj.alt):
            self.message_user(request, REPEATED, messages.WARNING)
        if not change:
            obj.uploaded_by = request.user
        if "file" in form.changed_data:
            obj.store_upload()
        else:
            obj.save()
            if {"focal_x", "focal_y"} & set(form.changed_data):
                obj.make_renditions()

    def get_object(self, request, object_id, from_field=None):
        image = super().get_object(request, object_id, from_field)
        if image is not None:
            image.viewer = request.user  # used_by shows only what this user may see
        return image

    @admin.display(description="Photo")
    def thumbnail(self, image):
        picture = image.sources("square")
        src = picture["src"] if picture else image.file.url
        # The image is the link to the photo's page: its alt text names the link.
        name = image.alt or str(image)
        return format_html(
            '<img src="{}" width="60" height="60" alt="{}" loading="lazy">', src, name
        )

    @admin.display(description="Click the subject to set the focal point")
    def focal_point_picker(self, image):
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

    @admin.display(description="Used in")
    def used_by(self, image):
        rows = usage.used_by(image, image.viewer) if image.pk else []
        if not rows:
            return "Not used yet."
        return format_html(
            "<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a></li>', rows)
        )


def picker_entry(image: Image) -> dict:
    """A photo as the editor's picture dialog shows it; `decorative` only when it is."""
    thumbnail = image.sources("square")
    entry = {
        "id": image.pk,
        "alt": image.alt,
        "caption": image.caption,
        "credit": image.credit,
        "thumbnail": thumbnail["src"] if thumbnail else image.file.url,
        "width": image.width,
        "height": image.height,
    }
    return {**entry, "decorative": True} if image.decorative else entry


def form_message(form) -> str:
    """Every error of a form in one line, each named by its field's label."""
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        parts += [f"{field.label}: {error}" if field else error for error in errors]
    return " ".join(parts)
