"""The planning board's page (planning/board.py does the work)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.names import display_name
from accounts.roles import is_editor
from articles import workflow

from . import board as planning_board


class MoveForm(forms.Form):
    transition = forms.CharField()  # board.move() refuses what is not a board move
    comment = forms.CharField(required=False)
    at = forms.DateTimeField(required=False)  # in the newsroom's time zone, as the field shows


@require_http_methods(["GET", "HEAD", "POST"])
def board(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _act(request)
        query = request.GET.urlencode()
        return redirect(reverse("planning:board") + (f"?{query}" if query else ""))
    staff = planning_board.staff_choices()
    filters = planning_board.Filters(request.GET, staff=staff)
    stories = filters.apply(planning_board.stories_for(request.user), request.user)
    context = {
        **admin.site.each_context(request),
        "title": "Planning board",
        "filters": filters,
        "columns": planning_board.columns(stories, request.user),
        "staff": staff,
        "can_reassign": is_editor(request.user),
        "query": request.GET.urlencode(),
    }
    return render(request, "admin/planning/board.html", context)


def _act(request: HttpRequest) -> None:
    """Carry out one card's form; every outcome is told as a message."""
    action = request.POST.get("action")
    article = _story(request)
    try:
        if action == "move":
            _move(request, article)
        elif action == "reassign":
            _reassign(request, article)
        else:
            messages.error(request, "That action was not understood; nothing changed.")
    except (workflow.TransitionError, planning_board.Refused) as refusal:
        messages.error(request, str(refusal))


def _story(request: HttpRequest):
    """The story posted about, among those the user may see (others do not exist for them)."""
    pk = request.POST.get("article", "")
    stories = workflow.visible_articles(request.user)
    article = stories.filter(pk=pk).first() if pk.isdigit() else None
    if article is None:
        raise Http404("No such story.")
    return article


def _move(request: HttpRequest, article) -> None:
    form = MoveForm(request.POST)
    if not form.is_valid():
        raise planning_board.Refused("Choose a move, and give any time as a date and time.")
    chosen = form.cleaned_data
    planning_board.move(
        article, chosen["transition"], by=request.user, comment=chosen["comment"], at=chosen["at"]
    )
    column = planning_board.STAGES[planning_board.stage_of(article)]
    messages.success(request, f"“{article.headline}” moved to {column}.")


def _reassign(request: HttpRequest, article) -> None:
    chosen = request.POST.get("assignee", "")
    assignee = get_user_model().objects.filter(pk=chosen).first() if chosen.isdigit() else None
    if chosen and assignee is None:
        raise planning_board.Refused("There is no such person; nothing changed.")
    planning_board.reassign(article, assignee, by=request.user)
    who = display_name(assignee, "nobody")
    messages.success(request, f"“{article.headline}” is assigned to {who}.")
