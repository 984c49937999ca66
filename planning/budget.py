"""The day's plan for the morning meeting (`manage.py daily_budget`): what is planned, in
progress, scheduled and overdue on one day of the newsroom's time zone.

Each story is listed once, in the first group that fits it:
- overdue: a draft whose deadline has passed (by the end of a past day): its copy is not in;
- scheduled: its publish time is that day;
- published: published that day;
- in progress: written (a draft with text, or in review) and due or planned that day or
  earlier, or with no date at all (written before the day ended);
- planned: due or planned that day, or planned earlier and not started (a draft with no text).
A story in review or scheduled has its copy in, so it is never overdue (the one rule is
ArticleQuerySet.past_deadline()).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import F, Q
from django.utils import timezone

from accounts.names import display_name
from articles import workflow
from articles.models import Article, Desk

from .board import NOT_STARTED, day_bounds

State = Article.State
GROUPS = {
    "overdue": "Overdue",
    "scheduled": "Scheduled",
    "published": "Published",
    "in_progress": "In progress",
    "planned": "Planned",
}
# The order the groups are printed in: the day's plan first, what is wrong last.
SHOWN = ["planned", "in_progress", "scheduled", "published", "overdue"]


class UnknownDesk(Exception):
    """No desk has the name given; the message names it and the desks there are."""


@dataclass
class Budget:
    day: date
    desk: Desk | None
    groups: dict[str, list[Article]]


def find_desk(name: str) -> Desk:
    desk = Desk.objects.filter(name__iexact=name.strip()).first()
    if desk is None:
        known = ", ".join(Desk.objects.values_list("name", flat=True)) or "none yet"
        raise UnknownDesk(f"There is no desk called “{name}” (desks: {known}).")
    return desk


def budget_for(day: date, desk: Desk | None = None, now: datetime | None = None) -> Budget:
    stories = Article.objects.select_related("section", "assignee").order_by(
        F("deadline").asc(nulls_last=True), F("planned_for").asc(nulls_last=True), "pk"
    )
    if desk is not None:
        stories = stories.filter(section__in=desk.sections.all())
    groups, listed = {}, set()
    for name, rule in _rules(day, now or timezone.now()).items():
        groups[name] = [story for story in stories.filter(rule) if story.pk not in listed]
        listed.update(story.pk for story in groups[name])
    return Budget(day, desk, groups)


def _rules(day: date, now: datetime) -> dict[str, Q]:
    """Each group's rule, in the order a story is placed (see the module's docstring)."""
    start, end = day_bounds(day)
    waiting = Q(state__in=[State.DRAFT, State.REVIEW])
    due_by_end = Q(deadline__lt=end) | Q(planned_for__lt=end)
    undated = Q(deadline__isnull=True, planned_for__isnull=True)
    that_day = Q(deadline__gte=start, deadline__lt=end) | Q(
        planned_for__gte=start, planned_for__lt=end
    )
    return {
        # Late as it stood at the end of a past day; as it stands now for today and later.
        # As ArticleQuerySet.past_deadline(): a draft whose deadline has passed.
        "overdue": Q(state=State.DRAFT, deadline__lt=min(now, end)),
        "scheduled": Q(state=State.SCHEDULED, published_at__gte=start, published_at__lt=end),
        "published": Q(state=State.PUBLISHED, published_at__gte=start, published_at__lt=end),
        "in_progress": waiting & ~NOT_STARTED & (due_by_end | undated & Q(created_at__lt=end)),
        # Those meant for the day, and those planned earlier that nobody has started.
        "planned": waiting & (that_day | NOT_STARTED & due_by_end),
    }


def line(article: Article) -> dict:
    """One story as the JSON output gives it; every key is always present."""
    return {
        "id": article.pk,
        "headline": article.headline,
        "section": article.section.name,
        "assignee": article.assignee.get_username() if article.assignee else None,
        "assignee_name": display_name(article.assignee) if article.assignee else None,
        "deadline": _iso(article.deadline),
        "planned_for": _iso(article.planned_for),
        "publish_time": _iso(article.published_at),
        "state": workflow.current_state(article),
    }


def as_json(budget: Budget) -> dict:
    return {
        "date": budget.day.isoformat(),
        "time_zone": timezone.get_current_timezone_name(),
        "desk": budget.desk.name if budget.desk else None,
        "groups": {name: [line(a) for a in budget.groups[name]] for name in SHOWN},
    }


def as_text(budget: Budget) -> str:
    desk = f", {budget.desk.name}" if budget.desk else ""
    day, zone = budget.day, timezone.get_current_timezone_name()
    lines = [f"Daily budget for {day:%A} {day.day} {day:%B %Y} ({zone}{desk})"]
    for name in SHOWN:
        stories = budget.groups[name]
        lines += ["", f"{GROUPS[name]} ({len(stories)})"]
        lines += [f"  - {_text_line(a)}" for a in stories] or ["  Nothing."]
    return "\n".join(lines)


def _text_line(article: Article) -> str:
    parts = [
        article.headline,
        article.section.name,
        f"assigned to {display_name(article.assignee)}" if article.assignee else "unassigned",
    ]
    if article.deadline:
        parts.append(f"deadline {_when(article.deadline)}")
    if article.planned_for:
        parts.append(f"planned {_when(article.planned_for)}")
    if article.state == State.SCHEDULED and article.published_at:
        parts.append(f"publishes {_when(article.published_at)}")
    if article.state == State.PUBLISHED and article.published_at:
        parts.append(f"published {_when(article.published_at)}")
    parts.append(Article.State(workflow.current_state(article)).label.lower())
    return " · ".join(parts)


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None
