"""The planning board: the stories a person works on, in columns by stage, and the moves
editors make from it.

A move is `workflow.take()`, so the board refuses exactly what the workflow refuses; it only
chooses which transitions to offer on each card.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.names import display_name
from accounts.roles import assignable, is_editor
from articles import workflow
from articles.models import Article, Desk, Section

State = Article.State

# A planned story is a draft with no text yet; once it has words it is being drafted.
NOT_STARTED = Q(state=State.DRAFT, word_count=0)

STAGES = {
    "planned": "Planned",
    "drafting": "Drafting",
    "review": "In review",
    "scheduled": "Scheduled",
    "published": "Published today",
}
# The transitions that move a story between the board's columns, with the column each leads to.
MOVES = {
    "submit": "In review",
    "send_back": "Drafting",
    "publish": "Published",
    "schedule": "Scheduled",
    "unschedule": "Drafting",
}


class Refused(Exception):
    """A board action refused; the message is fit to show the user."""


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The newsroom's day (its time zone), from its first instant to the next day's."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def stage_of(article: Article) -> str:
    if article.state == State.DRAFT:
        return "planned" if article.word_count == 0 else "drafting"
    if article.state == State.REVIEW:
        return "review"
    return "published" if article.is_published() else "scheduled"


# --- Which stories ------------------------------------------------------------------------------


def stories_for(user, now: datetime | None = None):
    """The stories the user may see, not yet published, plus those published today.

    An editor on desks sees those desks' sections; a writer their own stories.
    """
    start, end = day_bounds(timezone.localdate(now))
    stories = workflow.visible_articles(user)
    if is_editor(user):
        stories = stories & workflow.covered_articles(user)
    on_board = (
        Q(state__in=[State.DRAFT, State.REVIEW])
        | Q(state=State.SCHEDULED, published_at__gte=start)
        | Q(state=State.PUBLISHED, published_at__gte=start, published_at__lt=end)
    )
    return (
        stories.filter(on_board)
        .select_related("section", "assignee")
        .annotate(notes_count=Count("notes", distinct=True))
        .order_by(F("deadline").asc(nulls_last=True), F("planned_for").asc(nulls_last=True), "pk")
    )


def staff_choices() -> list[tuple[int, str]]:
    """Who a story may be assigned to, by name."""
    people = assignable()
    return [(p.pk, display_name(p)) for p in people.order_by("username")]


class Filters(forms.Form):
    desk = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    section = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    assignee = forms.ChoiceField(required=False)
    mine = forms.BooleanField(required=False, label="Only mine (assigned to me or written by me)")

    UNASSIGNED = "none"

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["desk"].choices = [("", "All desks"), *Desk.objects.values_list("pk", "name")]
        sections = Section.objects.values_list("pk", "name")
        self.fields["section"].choices = [("", "All sections"), *sections]
        people = [(str(pk), name) for pk, name in staff]
        self.fields["assignee"].choices = [("", "Anyone"), (self.UNASSIGNED, "Unassigned"), *people]

    def apply(self, stories, user):
        """The stories that pass the valid filters (an invalid one is shown, and ignored)."""
        self.is_valid()
        chosen = self.cleaned_data
        if chosen.get("desk"):
            stories = stories.filter(section__desks=chosen["desk"])
        if chosen.get("section"):
            stories = stories.filter(section=chosen["section"])
        if chosen.get("assignee") == self.UNASSIGNED:
            stories = stories.filter(assignee__isnull=True)
        elif chosen.get("assignee"):
            stories = stories.filter(assignee=chosen["assignee"])
        if chosen.get("mine"):
            written = workflow.own_articles(user).values("pk")
            stories = stories.filter(Q(assignee=user) | Q(pk__in=written))
        return stories


# --- The columns --------------------------------------------------------------------------------


@dataclass
class Column:
    key: str
    title: str
    cards: list = field(default_factory=list)


def columns(stories, user, now: datetime | None = None) -> list[Column]:
    """The stories in their columns, each card told what it shows and which moves it offers."""
    now = now or timezone.now()
    board = {key: Column(key, title) for key, title in STAGES.items()}
    editor = is_editor(user)
    for article in stories:
        article.overdue = article.is_past_deadline(now)
        article.moves = offered_moves(article, editor=editor)
        article.move_names = {name for name, _ in article.moves}
        article.schedule_default = _future(article.planned_for, now)
        board[stage_of(article)].cards.append(article)
    board["published"].cards.sort(key=lambda a: a.published_at, reverse=True)
    return list(board.values())


def offered_moves(article: Article, *, editor: bool) -> list[tuple[str, str]]:
    """(name, label) of the moves a card offers. The board shows an editor only stories on
    their desks and a writer only their own, so who may take a move comes down to the role;
    take() still decides when it is posted."""
    state = workflow.current_state(article)
    return [
        (name, f"{column}: {transition.label.lower()}")
        for name, column in MOVES.items()
        if state in (transition := workflow.TRANSITIONS[name]).sources
        and (editor or not transition.editors_only)
    ]


def _future(moment: datetime | None, now: datetime) -> datetime | None:
    return moment if moment is not None and moment > now else None


# --- Acting from the board ----------------------------------------------------------------------


def move(article: Article, name: str, *, by, comment: str = "", at: datetime | None = None):
    """Take a board move; scheduling defaults to the story's planned time when that is ahead."""
    if name not in MOVES:
        raise Refused("That move is not on the board; nothing changed.")
    if name != "schedule":
        return workflow.take(article, name, by=by, comment=comment)
    at = at or _future(article.planned_for, timezone.now())
    if at is None:
        raise Refused(f"Give a publish time to schedule “{article.headline}”.")
    return workflow.take(article, name, by=by, comment=comment, at=at)


def reassign(article: Article, assignee, *, by) -> None:
    """Give the story to another person (None: nobody); editors covering the story only."""
    if not (is_editor(by) and workflow.covers(by, article)):
        raise Refused(f"Only an editor on its desk may reassign “{article.headline}”.")
    if assignee is not None and not assignable().filter(pk=assignee.pk).exists():
        raise Refused("A story can only be assigned to an active writer or editor.")
    article.assignee = assignee
    article.changed_by = by  # so planning.notifications tells the new assignee, not `by`
    article.save(update_fields=["assignee", "modified_at"])
