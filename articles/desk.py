"""The admin's home page: a desk of what needs the signed-in person now.

Each list is one of workflow's "which articles a user works on" querysets, cut to the few
lines a glance takes in; "see all" opens the article list with the same "my work" filter.
"""

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from accounts.roles import is_editor

from . import workflow
from .models import Article

SHOWN = 8  # lines a list shows; the article list has the rest
SOON = timedelta(hours=24)


def assigned_to(user):
    """Planned stories assigned to the user, still to be written (in draft)."""
    return Article.objects.filter(assignee=user, state=Article.State.DRAFT)


def lists_for(user, now=None) -> list[dict]:
    """The desk's lists for `user`, in the order they are shown. An empty list stays, saying
    "nothing", except the overdue one, which is a warning."""
    now = now or timezone.now()
    mine = workflow.own_articles(user)
    latest_work = ("-modified_at", "-pk")
    by_deadline = (F("deadline").asc(nulls_last=True), "pk")
    lists = [
        _list("Assigned to me", assigned_to(user), by_deadline, ("assigned", "All assigned to me"),
              now=now),
        _list("Sent back to me", workflow.sent_back_to(user), latest_work,
              ("sent_back", "All sent back to me"), reasons=True),
        _list("My drafts", workflow.drafts_of(user), latest_work, ("drafts", "All my drafts")),
        _list("Mine in review", mine.filter(state=Article.State.REVIEW), latest_work),
    ]  # fmt: skip
    if is_editor(user):
        lists.append(
            _list(
                "Needs my review",
                workflow.awaiting_review_by(user),
                latest_work,
                ("review", "All awaiting my review"),
            )  # fmt: skip
        )
    scheduled = workflow.scheduled_for(user)
    soon = scheduled.filter(published_at__gt=now, published_at__lte=now + SOON)
    overdue = scheduled.filter(published_at__lte=now)
    lists += [
        _list("Scheduled, next 24 hours", soon, ("published_at", "pk"),
              ("scheduled", "All scheduled")),
        _list("Overdue: public since their time, publication not recorded (is publish_scheduled "
              "running?)", overdue, ("published_at", "pk"), warning=True),
        _list("Recently published", workflow.visible_articles(user).published(),
              ("-published_at", "-pk")),
    ]  # fmt: skip
    return [entry for entry in lists if entry["articles"] or not entry["warning"]]


def _list(title, articles, order, see_all=None, *, reasons=False, warning=False, now=None) -> dict:
    """`see_all`: the article list's "my work" filter with the same stories, and its link;
    `now`: a list of plans, each story with its brief and deadline, overdue ones flagged."""
    shown = list(articles.select_related("section").order_by(*order)[:SHOWN])
    for article in shown:
        if reasons:
            article.send_back = workflow.send_back_reason(article)
        if now is not None:
            article.planned, article.overdue = True, article.is_past_deadline(now)
    return {"title": title, "articles": shown, "see_all": see_all, "warning": warning}
