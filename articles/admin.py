from django.contrib import admin

from . import image_admin
from .image_admin import ImageForm
from .models import Article, ArticleAuthor, Author, Correction, Image, Section


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "job_title", "user"]
    search_fields = ["name", "job_title"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["photo", "user"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageForm
    list_display = ["thumbnail", "__str__", "alt", "credit", "width", "height", "uploaded_at"]
    list_display_links = ["thumbnail", "__str__"]
    search_fields = ["caption", "credit", "alt"]
    readonly_fields = ["focal_point_picker", "used_by"]
    fieldsets = [
        (None, {"fields": ["file", "alt", "caption", "credit"]}),
        ("Focal point", {"fields": ["focal_point_picker", ("focal_x", "focal_y")]}),
        ("Used by", {"fields": ["used_by"]}),
    ]

    @admin.display(description="")
    def thumbnail(self, image):
        return image_admin.thumbnail(image)

    @admin.display(description="Click the subject to set the focal point")
    def focal_point_picker(self, image):
        return image_admin.focal_point_picker(image)

    @admin.display(description="Articles and authors")
    def used_by(self, image):
        return image_admin.used_by(image)

    class Media:
        js = ["js/focal-point.js"]


class BylineInline(admin.TabularInline):
    model = ArticleAuthor
    extra = 1
    autocomplete_fields = ["author"]


class CorrectionInline(admin.StackedInline):
    model = Correction
    extra = 0


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "section", "state", "published_at"]
    list_filter = ["state", "section"]
    search_fields = ["headline", "standfirst"]
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["hero_image", "related"]
    inlines = [BylineInline, CorrectionInline]
    date_hierarchy = "published_at"
