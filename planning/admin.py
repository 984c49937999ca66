from django.contrib import admin
from django.urls import path

from articles.admin import panels

from . import inbox, notes
from .models import Notification

# A story's notes on its change page, and the addresses its note forms post to.
panels.register_panel("admin/planning/notes.html", notes.for_change_form)
panels.register_urls(
    panels.Route("<path:object_id>/notes/", notes.write_view, "articles_article_note"),
    panels.Route("<path:object_id>/notes/<int:note_id>/reply/", notes.reply_view,
                 "articles_article_note_reply"),
    panels.Route("<path:object_id>/notes/<int:note_id>/edit/", notes.edit_view,
                 "articles_article_note_edit"),
)  # fmt: skip


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Each person's own notifications: the inbox and email preferences replace Django's
    changelist and forms; nobody adds, changes or deletes a notification by hand."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("", view(inbox.inbox), name="planning_notification_changelist"),
            path("preferences/", view(inbox.preferences),
                 name="planning_notification_preferences"),
        ]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).filter(recipient=request.user)

    # Every staff member has an inbox, whatever their groups' permissions.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and (
            obj is None or obj.recipient_id == request.user.pk
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
