"""The editorial state machine: the one place that decides who may move an article where.

Admin buttons, admin bulk actions and management commands all call the functions below.
Each transition checks the state and the actor, moves the article with a conditional
UPDATE (so two people, or two cron runs, can never both take the same transition) and
writes a WorkflowEvent. `by=None` is the system (commands staff run on the server): state
rules still apply to it, permission rules do not.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Article, Section, WorkflowEvent

State = Article.State
PUBLISH_PERMISSION = "articles.publish_article"


class TransitionError(Exception):
    """An illegal or unauthorised transition; the message is fit to show the user."""


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    target: str
    editors_only: bool = True
    needs_comment: bool = False
    needs_time: bool = False


TRANSITIONS = {
    t.name: t
    for t in [
        Transition("submit", "Submit for review", frozenset({State.DRAFT}), State.REVIEW, False),
        Transition(
            "send_back", "Send back", frozenset({State.REVIEW}), State.DRAFT, needs_comment=True
        ),
        Transition(
            "publish", "Publish now", frozenset({State.DRAFT, State.REVIEW}), State.PUBLISHED
        ),
        Transition(
            "schedule",
            "Schedule",
            frozenset({State.DRAFT, State.REVIEW}),
            State.SCHEDULED,
            needs_time=True,
        ),  # fmt: skip
        Transition("unschedule", "Unschedule", frozenset({State.SCHEDULED}), State.DRAFT),
        Transition(
            "withdraw",
            "Withdraw",
            frozenset({State.PUBLISHED}),
            State.WITHDRAWN,
            needs_comment=True,
        ),  # fmt: skip
        Transition("republish", "Republish", frozenset({State.WITHDRAWN}), State.PUBLISHED),
    ]
}


# --- Who may do what --------------------------------------------------------------------------


def is_editor(user) -> bool:
    return user.is_active and user.has_perm(PUBLISH_PERMISSION)


def covers(user, article: Article) -> bool:
    """Whether an editor's desks include the article's section (no desk: every section)."""
    return covers_section(user, article.section_id)


def covers_section(user, section) -> bool:
    if user.is_superuser:
        return True
    desks = user.desks.all()
    return not desks.exists() or desks.filter(sections=section).exists()


def is_own(user, article: Article) -> bool:
    """The article's writer: who created it, or a staff account named in its byline."""
    if article.pk is None or article.created_by_id == user.pk:
        return True
    return article.bylines.filter(author__user=user).exists()


def may_edit(user, article: Article) -> bool:
    """Editors edit anything on their desks; writers only their own drafts."""
    if not user.is_active or not user.has_perm("articles.change_article"):
        return False
    if is_editor(user):
        return covers(user, article)
    return article.state == State.DRAFT and is_own(user, article)


def may_delete(user, article: Article) -> bool:
    """Only stories never made public: a published one is withdrawn, and its trail is kept."""
    return is_editor(user) and covers(user, article) and article.published_at is None


def may_take(user, article: Article, transition: Transition) -> bool:
    if user is None:
        return True
    if not user.is_active or not user.is_staff:
        return False
    if is_editor(user):
        return covers(user, article)
    return (
        not transition.editors_only
        and user.has_perm("articles.change_article")
        and is_own(user, article)
    )


def current_state(article: Article) -> str:
    """The state readers see: a scheduled story whose time has passed is already published."""
    if article.is_due_unrecorded():
        return State.PUBLISHED
    return article.state


def allowed_actions(article: Article, user) -> list[Transition]:
    """The transitions this user may take on this article right now."""
    state = current_state(article)
    return [t for t in TRANSITIONS.values() if state in t.sources and may_take(user, article, t)]


# --- The transitions --------------------------------------------------------------------------


def submit(article: Article, *, by) -> Article:
    return _take(article, "submit", by=by)


def send_back(article: Article, *, by, comment: str) -> Article:
    return _take(article, "send_back", by=by, comment=comment)


def publish(article: Article, *, by, comment: str = "") -> Article:
    # Keep an earlier first-publication time (it dates the URL); a future one would hide it.
    now = timezone.now()
    keep = article.published_at is not None and article.published_at <= now
    return _take(
        article, "publish", by=by, comment=comment,
        published_at=article.published_at if keep else now,
    )  # fmt: skip


def schedule(article: Article, *, by, at: datetime) -> Article:
    if at is None or timezone.is_naive(at):
        raise TransitionError("Give the publish time with its time zone.")
    if at <= timezone.now():
        raise TransitionError("The publish time must be in the future.")
    local = timezone.localtime(at)
    comment = f"For {local:%Y-%m-%d %H:%M} {local.tzname()}"
    return _take(article, "schedule", by=by, comment=comment, published_at=at)


def unschedule(article: Article, *, by) -> Article:
    return _take(article, "unschedule", by=by, published_at=None)


def withdraw(article: Article, *, by, comment: str) -> Article:
    return _take(article, "withdraw", by=by, comment=comment)


def republish(article: Article, *, by) -> Article:
    return _take(article, "republish", by=by)


def load_in_state(article: Article, *, state: str, published_at: datetime | None) -> Article:
    """Put a newly loaded draft into the state it was exported in; no editor acts, so no rules.

    Used by import_articles for files that carry their state (export_articles' output).
    """
    if state != State.DRAFT and published_at is None:
        raise TransitionError(f"A {state} story needs its publish time.")
    if state != article.state:
        _move(article, state, by=None, comment="Loaded in this state from a file",
              published_at=published_at)  # fmt: skip
    return article


def record_due_publications(now: datetime | None = None) -> list[Article]:
    """Record scheduled -> published for every story whose time has come, each exactly once.

    The stories are public already (see ArticleQuerySet.published()); this writes the state
    and the event. The UPDATE's WHERE clause, not a lock, makes it exactly once, so it holds
    on SQLite (which ignores select_for_update) as well as PostgreSQL.
    """
    now = now or timezone.now()
    due = Article.objects.filter(state=State.SCHEDULED, published_at__lte=now).order_by(
        "published_at", "pk"
    )
    return [article for article in due if _move(article, State.PUBLISHED, by=None, now=now)]


def _take(article: Article, name: str, *, by, comment: str = "", **fields) -> Article:
    transition = TRANSITIONS[name]
    _settle_due(article)
    if current_state(article) not in transition.sources:
        raise TransitionError(
            f"“{article.headline}” is {article.get_state_display().lower()}; "
            f"it cannot be given “{transition.label.lower()}”."
        )
    if not may_take(by, article, transition):
        raise TransitionError(f"You may not {transition.label.lower()} “{article.headline}”.")
    comment = (comment or "").strip()
    if transition.needs_comment and not comment:
        raise TransitionError(f"Say why when you {transition.label.lower()} a story.")
    if not _move(article, transition.target, by=by, comment=comment, **fields):
        raise TransitionError(f"Someone changed “{article.headline}” first; reload and try again.")
    return article


def _settle_due(article: Article) -> None:
    """Record a due scheduled story as published before acting on it (it is public already)."""
    if article.is_due_unrecorded():
        _move(article, State.PUBLISHED, by=None)


def _move(article: Article, target: str, *, by, comment: str = "", now=None, **fields) -> bool:
    """Move the article from the state it was read in; False if someone else moved it first."""
    now = now or timezone.now()
    source = article.state
    with transaction.atomic():
        changed = Article.objects.filter(pk=article.pk, state=source).update(
            state=target, modified_at=now, **fields
        )
        if not changed:
            return False
        WorkflowEvent.objects.create(
            article=article, actor=by, at=now, from_state=source, to_state=target, comment=comment
        )
    article.state, article.modified_at = target, now
    for name, value in fields.items():
        setattr(article, name, value)
    return True


# --- Which articles a user works on (the admin's lists use these) -----------------------------


def own_articles(user):
    bylined = Article.objects.filter(bylines__author__user=user).values("pk")
    return Article.objects.filter(Q(created_by=user) | Q(pk__in=bylined))


def covered_articles(user):
    """Articles in sections the editor's desks cover; every article for an editor on no desk."""
    if user.is_superuser or not user.desks.exists():
        return Article.objects.all()
    return Article.objects.filter(section__in=Section.objects.filter(desks__editors=user))


def visible_articles(user):
    """Editors see every article; writers only their own."""
    return Article.objects.all() if is_editor(user) else own_articles(user)
