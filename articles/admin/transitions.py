"""The workflow from the admin: the change page's buttons and the list's bulk actions, each an
adapter over articles.workflow, which checks who may do what.

On the change page of a story the user may edit, a workflow button belongs to the story's own
form (`form="article_form"`, name `transition`, its comment and time named after it): one
click saves the form and then moves the story, and a save the form refuses moves nothing. A
story the user may only view has no form to save: its buttons post to `transition` alone."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import workflow
from .forms import TransitionForm


@require_POST
def transition(request, object_id, name, *, model_admin):
    article = model_admin.article_or_404(request, object_id)
    chosen = workflow.TRANSITIONS.get(name)
    form = TransitionForm(request.POST)
    if chosen is None or not form.is_valid():
        model_admin.message_user(
            request, "That action was not understood; nothing changed.", messages.ERROR
        )
    else:
        _take(model_admin, request, article, chosen, form.cleaned_data)
    return redirect(reverse("admin:articles_article_change", args=[article.pk]))


def asked(request) -> dict | None:
    """The workflow button the story's own form was sent with, and its inputs; None for Save."""
    name = request.POST.get("transition") if request.method == "POST" else None
    if not name:
        return None
    inputs = {
        "comment": request.POST.get(f"comment-{name}", ""),
        "at": request.POST.get(f"at-{name}", ""),
    }
    return {"name": name, "inputs": TransitionForm(inputs)}


def take_asked(model_admin, request, article) -> None:
    """After the form saved the story: the move its button asked for."""
    move = asked(request)
    chosen = workflow.TRANSITIONS.get(move["name"])
    if chosen is not None and move["inputs"].is_valid():  # both checked by the form already
        _take(model_admin, request, article, chosen, move["inputs"].cleaned_data)


def with_inputs(request, allowed) -> list[tuple]:
    """(transition, its comment, its time) as the form sent them, for the form shown again."""
    post = request.POST if request.method == "POST" else {}
    return [(t, post.get(f"comment-{t.name}", ""), post.get(f"at-{t.name}", "")) for t in allowed]


def _take(model_admin, request, article, chosen, data):
    at = data["at"] if chosen.needs_time else None
    try:
        workflow.take(article, chosen.name, by=request.user, comment=data["comment"], at=at)
    except workflow.TransitionError as refusal:
        model_admin.message_user(request, str(refusal), messages.ERROR)
    else:
        model_admin.message_user(request, f"{chosen.label}: done.", messages.SUCCESS)


@admin.action(description="Submit selected for review")
def submit_selected(model_admin, request, queryset):
    _bulk(model_admin, request, queryset, "submit")


@admin.action(description="Publish selected now", permissions=["publish"])
def publish_selected(model_admin, request, queryset):
    _bulk(model_admin, request, queryset, "publish")


@admin.action(description="Unschedule selected", permissions=["publish"])
def unschedule_selected(model_admin, request, queryset):
    _bulk(model_admin, request, queryset, "unschedule")


@admin.action(description="Republish selected", permissions=["publish"])
def republish_selected(model_admin, request, queryset):
    _bulk(model_admin, request, queryset, "republish")


ACTIONS = [submit_selected, publish_selected, unschedule_selected, republish_selected]


def _bulk(model_admin, request, queryset, name: str):
    done = 0
    for article in queryset:
        try:
            workflow.take(article, name, by=request.user)
            done += 1
        except workflow.TransitionError as refusal:
            model_admin.message_user(request, str(refusal), messages.ERROR)
    if done:
        model_admin.message_user(request, f"{done} article(s) done.", messages.SUCCESS)
