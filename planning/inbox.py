"""Each person's notifications in the admin: the inbox and the email preferences.

Opening the inbox marks what it shows as read: it is the one place a notification is read in
full, and the header's count then says what is new since.
"""

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .models import EmailOptOut, Kind, Notification

PER_PAGE = 50


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@require_http_methods(["GET", "HEAD"])
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient=request.user).select_related(
        "article", "actor"
    )
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)  # read as they were, before they are marked read
    unread = [n.pk for n in shown if n.read_at is None]
    if unread:
        Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    context = {
        **admin.site.each_context(request),
        "title": "Notifications",
        "page": page,
        "notifications": shown,
        "new": len(unread),
    }
    return render(request, "admin/planning/inbox.html", context)


class PreferencesForm(forms.Form):
    """One box a kind: ticked, that kind comes by email too."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        off = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
        for kind in Kind:
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label, required=False, initial=kind.value not in off
            )

    def save(self, user) -> None:
        off = [kind for kind in Kind if not self.cleaned_data[kind.value]]
        EmailOptOut.objects.filter(user=user).exclude(kind__in=off).delete()
        EmailOptOut.objects.bulk_create(
            [EmailOptOut(user=user, kind=kind) for kind in off], ignore_conflicts=True
        )


@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    posted = request.POST if request.method == "POST" else None  # no box ticked: an empty POST
    form = PreferencesForm(posted, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save(request.user)
        messages.success(request, "Your email choices are saved.")
        return redirect("admin:planning_notification_preferences")
    context = {
        **admin.site.each_context(request),
        "title": "Email notifications",
        "form": form,
    }
    return render(request, "admin/planning/preferences.html", context)
