"""The article list's own filters: "my work" and a desk's stories."""

from django.contrib import admin

from .. import desk, workflow
from ..models import Desk


class MyWorkFilter(admin.SimpleListFilter):
    title = "my work"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [
            ("assigned", "Assigned to me"),
            ("drafts", "My drafts"),
            ("sent_back", "Sent back to me"),
            ("review", "Awaiting my review"),
            ("scheduled", "Scheduled (mine, or on my desks)"),
        ]

    def queryset(self, request, queryset):
        lists = {
            "assigned": desk.assigned_to,
            "drafts": workflow.drafts_of,
            "sent_back": workflow.sent_back_to,
            "review": workflow.awaiting_review_by,
            "scheduled": workflow.scheduled_for,
        }
        if self.value() in lists:
            return queryset.filter(pk__in=lists[self.value()](request.user).values("pk"))
        return queryset


class DeskFilter(admin.SimpleListFilter):
    title = "desk"
    parameter_name = "desk"

    def lookups(self, request, model_admin):
        return [(str(desk.pk), desk.name) for desk in Desk.objects.all()]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(section__desks=self.value())
        return queryset
