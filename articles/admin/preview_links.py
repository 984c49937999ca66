"""A story's preview links in the admin: revoking one (the change page lists them)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import preview, workflow


@require_POST
def revoke(request, object_id, link_id, *, model_admin):
    article = model_admin.article_or_404(request, object_id)
    link = get_object_or_404(preview.active_links(article), pk=link_id)
    if workflow.may_revoke_preview(request.user, article, link):
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        model_admin.message_user(request, "The preview link is revoked.", messages.SUCCESS)
    else:
        model_admin.message_user(
            request, "You may revoke only your own links or those on your desks.",
            messages.ERROR,
        )  # fmt: skip
    return redirect(reverse("admin:articles_article_change", args=[article.pk]))
