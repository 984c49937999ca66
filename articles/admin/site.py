"""The admin site as the newsroom's own, and the small admins beside the story's."""

from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET
from taggit.models import Tag as TaggitTag

from photos import usage

from .. import workflow
from ..models import Article, Author, Desk, Section

# The admin is the newsroom's own: its name in the header and the tab, a desk on its home
# page (templates/admin/index.html, articles/desk.py).
admin.site.site_header = admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Desk"
admin.site.login_template = "admin/sign_in.html"  # Django's, with the page's heading

# django-taggit registers an admin for its own tag model, which newsroom does not use (tags
# are articles.Tag); its merge view checks no permission.
if admin.site.is_registered(TaggitTag):
    admin.site.unregister(TaggitTag)


@require_GET
def view_on_site(request, content_type_id, object_id):
    """The admin's "View on site", for what this user may see in the admin, else 404.

    Django's own sends any staff member to any object's address, which for another writer's
    draft gives away its slug and date.
    """
    if not content_type_id.isdigit():
        raise Http404("No such object.")  # "+1" would be read as 1 further down
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    try:
        model_admin = admin.site.get_model_admin(content_type.model_class())
    except admin.exceptions.NotRegistered:
        raise Http404("No such object.") from None
    obj = model_admin.get_object(request, object_id)
    if obj is None or not model_admin.has_view_or_change_permission(request, obj):
        raise Http404("No such object.")
    return shortcut(request, content_type_id, object_id)


@usage.register
def photo_usage(image, user) -> list[tuple[str, str]]:
    """The articles (that this user may see) and authors showing a photo, for its admin page."""
    visible = workflow.visible_articles(user).values("pk")
    shown = Q(hero_image=image) | Q(body_pictures__image=image)
    articles = Article.objects.filter(shown, pk__in=visible).distinct()
    authors = image.author_set.order_by("name")
    return [
        (reverse("admin:articles_article_change", args=[a.pk]), f"Article: {a.headline}")
        for a in articles.order_by("-published_at", "-pk")
    ] + [
        (reverse("admin:articles_author_change", args=[a.pk]), f"Author: {a.name}") for a in authors
    ]


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


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["sections", "editors"]
