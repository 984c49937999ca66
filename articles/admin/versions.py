"""A story's revisions in the admin: two compared side by side, and one restored."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import revisions, workflow
from ..models import Revision


def compare(request, object_id, *, model_admin):
    article = model_admin.article_or_404(request, object_id)
    history = article.revisions.select_related("created_by")
    first, second = (_revision(history, request.GET.get(key, "")) for key in ("a", "b"))
    if first is None or second is None:
        model_admin.message_user(request, "Choose two revisions to compare.", messages.WARNING)
        return redirect(reverse("admin:articles_article_change", args=[article.pk]))
    older, newer = sorted([first, second], key=lambda r: (r.created_at, r.pk))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "article": article,
        "title": f"Compare versions of “{article.headline}”",
        "older": older,
        "newer": newer,
        "chosen": [older, newer],
        "rows": revisions.compare(older.content, newer.content),
        "can_restore": workflow.may_edit(request.user, article),
    }
    return TemplateResponse(request, "admin/articles/article/compare.html", context)


@require_POST
def restore(request, object_id, revision_id, *, model_admin):
    article = model_admin.article_or_404(request, object_id)
    revision = get_object_or_404(Revision, pk=revision_id, article=article)
    if not workflow.may_edit(request.user, article):
        model_admin.message_user(request, "You may not change this story.", messages.ERROR)
    elif article.is_published() and request.POST.get("confirm") != "yes":
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "article": article,
            "revision": revision,
            "title": f"Restore version {revision.version}?",
        }
        return TemplateResponse(request, "admin/articles/article/restore_confirm.html", context)
    else:
        revisions.restore(revision, by=request.user)
        waiting = " as changes waiting for an editor" if article.is_published() else ""
        model_admin.message_user(
            request, f"Restored version {revision.version}{waiting}.", messages.SUCCESS
        )
    return redirect(reverse("admin:articles_article_change", args=[article.pk]))


def _revision(history, pk: str):
    return history.filter(pk=pk).first() if pk.isdigit() else None
