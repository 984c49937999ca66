"""Aids to writing in the change form: tag suggestions, autosave (offered back after a closed
tab), who else has the story open, and the live preview beside the form."""

from csp.constants import SELF
from csp.decorators import csp_replace
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from accounts.names import display_name
from newsroom.text import clean_line

from .. import edit_sessions, preview, revisions, workflow
from ..models import Article, Tag
from .merge import posted_content


def suggest_tags(request, *, model_admin):
    """Existing tag names matching what is typed, for the tags field's suggestions."""
    if not (
        model_admin.has_add_permission(request)
        or model_admin.has_view_or_change_permission(request)
    ):
        raise PermissionDenied
    term = clean_line(request.GET.get("term", ""))[:100]
    # Only tags readers can see or on stories this user can: no hint of others' drafts.
    seen = Article.objects.published() | workflow.visible_articles(request.user)
    tags = Tag.objects.filter(tagged_articles__content_object__in=seen.values("pk"))
    names = tags.filter(name__icontains=term).values_list("name", flat=True).distinct()[:10]
    return JsonResponse({"tags": list(names) if term else []})


def may_write(model_admin, request, article) -> bool:
    if article is None:
        return model_admin.has_add_permission(request)
    return model_admin.has_change_permission(request, article)


def autosave_context(model_admin, request, article) -> dict:
    """Offer this user's unsaved work from a closed tab, or restore it if they asked."""
    if request.method != "GET" or not may_write(model_admin, request, article):
        return {}
    session = edit_sessions.autosave_of(request.user, article)
    if session is None:
        return {}
    form_class = model_admin.get_form(request, article, change=article is not None)
    saved = edit_sessions.autosave_post(session)
    if request.GET.get("autosave") == "discard":
        edit_sessions.discard_autosave(request.user, article)
        return {}
    if request.GET.get("autosave") == "restore":
        request.restored_autosave = restored_initial(form_class, saved)
        return {"autosave_restored": session}
    current = revisions.current_content(article) if article else revisions.empty_content()
    rows = revisions.compare(current, {**current, **posted_content(form_class, saved, current)})
    return {"autosave": session, "autosave_rows": rows} if rows.changed else {}


def restored_initial(form_class, post) -> dict:
    """An autosave as a change form's initial values (main fields; the inlines are not kept)."""
    initial = {}
    for name, field in form_class.base_fields.items():
        if name in post and not name.startswith("loaded_"):
            multiple = isinstance(field, forms.ModelMultipleChoiceField)
            initial[name] = post.getlist(name) if multiple else post.get(name)
    return initial


@require_POST
def autosave(request, object_id=None, *, model_admin):
    article = model_admin.article_or_404(request, object_id) if object_id else None
    if not may_write(model_admin, request, article):
        raise PermissionDenied
    session = edit_sessions.keep_autosave(request.user, article, request.POST)
    local = timezone.localtime(session.autosaved_at)
    return JsonResponse({"saved_at": f"{local:%H:%M:%S}"})


@require_POST
def heartbeat(request, object_id, *, model_admin):
    article = model_admin.article_or_404(request, object_id)
    if not may_write(model_admin, request, article):
        raise PermissionDenied  # presence says "editing": only for those who may
    edit_sessions.heartbeat(request.user, article)
    others = [
        {"name": display_name(s.user), "since": f"{timezone.localtime(s.opened_at):%H:%M}"}
        for s in edit_sessions.others_editing(article, request.user)
    ]
    return JsonResponse({"others": others})


@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})  # the form's own page frames it
@never_cache
def live_preview(request, object_id=None, *, model_admin):
    """The story as readers would see it, from the form as it stands (POST) or as stored
    (GET); nothing is saved. The form's page shows it beside the form (live_preview.js)."""
    article = model_admin.article_or_404(request, object_id) if object_id else None
    if not may_write(model_admin, request, article):
        raise PermissionDenied  # it draws unsaved input: the same as editing
    start = revisions.current_content(article) if article else revisions.empty_content()
    content = start
    if request.method == "POST":
        form_class = model_admin.get_form(request, article, change=article is not None)
        try:  # a body over the sanitiser's caps: say so rather than show the old one
            form_class.base_fields["body"].clean(request.POST.get("body", ""))
        except ValidationError as refusal:
            return HttpResponse(" ".join(refusal.messages), status=400, content_type="text/plain")
        content = {**start, **posted_content(form_class, request.POST, start)}
    # A story not saved yet gets pk 0, which no row has: Django reads relations (the
    # stand-in bylines and corrections with_content() sets) only on an object with one.
    try:
        story = preview.with_content(article or Article(pk=0), content)
    except ValidationError as refusal:  # a body stored before today's caps
        return HttpResponse(" ".join(refusal.messages), status=400, content_type="text/plain")
    return preview.render_page(request, story, "articles/article.html")
