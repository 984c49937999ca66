"""The editorial state machine: the one place that decides who may move an article where.

Admin buttons, admin bulk actions and management commands all call `take()` with the
transition's name. It checks the state and the actor, moves the article with a conditional
UPDATE (so two people, or two cron runs, can never both take the same transition), writes a
WorkflowEvent and logs the move (logger `newsroom.workflow`). `by=None` is the system
(commands staff run on the server): state rules still apply to it, permission rules do not.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.roles import is_editor

from . import caching, preview, revisions, signals
from .models import Article, ArticleAuthor, Desk, TaggedArticle, WorkflowEvent

logger = logging.getLogger("newsroom.workflow")

State = Article.State


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
    # For the pending changes of a live story: the changes' states it starts from, and the
    # changes' state it leaves (None: the transition is about the story, not its changes).
    changes: frozenset | None = None
    changes_target: str | None = None


ON_ANY_DRAFT = frozenset({State.DRAFT, State.REVIEW})
LIVE = frozenset({State.PUBLISHED})
Changes = Article.ChangesState
ANY_CHANGES = frozenset({Changes.DRAFT, Changes.REVIEW})

TRANSITIONS = {
    t.name: t
    for t in [
        Transition("submit", "Submit for review", frozenset({State.DRAFT}), State.REVIEW, False),
        Transition("send_back", "Send back", frozenset({State.REVIEW}), State.DRAFT,
                   needs_comment=True),
        Transition("publish", "Publish now", ON_ANY_DRAFT, State.PUBLISHED),
        Transition("schedule", "Schedule", ON_ANY_DRAFT, State.SCHEDULED, needs_time=True),
        Transition("unschedule", "Unschedule", frozenset({State.SCHEDULED}), State.DRAFT),
        Transition("withdraw", "Withdraw", LIVE, State.WITHDRAWN, needs_comment=True),
        Transition("republish", "Republish", frozenset({State.WITHDRAWN}), State.PUBLISHED),
        Transition("submit_changes", "Submit changes for review", LIVE, State.PUBLISHED, False,
                   changes=frozenset({Changes.DRAFT}), changes_target=Changes.REVIEW),
        Transition("send_back_changes", "Send changes back", LIVE, State.PUBLISHED,
                   needs_comment=True, changes=frozenset({Changes.REVIEW}),
                   changes_target=Changes.DRAFT),
        Transition("publish_changes", "Publish changes", LIVE, State.PUBLISHED,
                   changes=ANY_CHANGES, changes_target=Changes.NONE),
        Transition("discard_changes", "Discard changes", LIVE, State.PUBLISHED,
                   changes=ANY_CHANGES, changes_target=Changes.NONE),
    ]
}  # fmt: skip
# What taking a transition does besides moving the story (and its changes).
EFFECTS = {
    "publish_changes": lambda article, by: revisions.publish_pending(article),
    "discard_changes": lambda article, by: revisions.discard_pending(article, by=by),
    # A story taken down must not live on through links shared while it was up.
    "withdraw": lambda article, by: preview.revoke_all(article),
}


# --- Who may do what --------------------------------------------------------------------------


def covers(user, article: Article) -> bool:
    """Whether an editor's desks include the article's section (no desk: every section)."""
    return covers_section(user, article.section_id)


def covers_section(user, section) -> bool:
    return get_user_model().objects.filter(covering(user.pk, section), pk=user.pk).exists()


def covering(user, section) -> Q:
    """The one statement of which sections an editor covers: their desks' (a superuser, or an
    editor on no desk, covers every one). A condition for a filter on any model; `user` and
    `section` are each a primary key or an OuterRef to one."""
    desks = Desk.objects.filter(editors=user)
    superuser = get_user_model().objects.filter(pk=user, is_superuser=True)
    return Exists(superuser) | ~Exists(desks) | Exists(desks.filter(sections=section))


def is_own(user, article: Article) -> bool:
    """One of the story's people: who created it, who it is assigned to (planning), or a
    staff account named in its byline. own_articles() is the same rule as a query."""
    if article.pk is None:
        return True
    if user.pk is not None and user.pk in (article.created_by_id, article.assignee_id):
        return True
    return article.bylines.filter(author__user=user).exists()


def may_edit(user, article: Article) -> bool:
    """Editors edit anything on their desks; writers only their own drafts."""
    if not user.is_active or not user.has_perm("articles.change_article"):
        return False
    if is_editor(user):
        return covers(user, article)
    # A writer prepares changes to their own live story as they write their drafts: until
    # they submit them.
    preparing = current_state(article) == State.PUBLISHED and article.pending_state in {
        Changes.NONE,
        Changes.DRAFT,
    }
    return (article.state == State.DRAFT or preparing) and is_own(user, article)


def may_delete(user, article: Article) -> bool:
    """Only stories never made public: a published one is withdrawn, and its trail is kept."""
    return is_editor(user) and covers(user, article) and article.published_at is None


def may_revoke_preview(user, article: Article, link) -> bool:
    """Whoever made a preview link, and the editors whose desks cover the story."""
    return link.created_by_id == user.pk or (is_editor(user) and covers(user, article))


def may_work_on(user, article: Article) -> bool:
    """Notes, preview links: the story's own people, and the editors whose desks cover it.
    Any editor may read any story (visible_articles); acting on one is for its desk."""
    return covers(user, article) if is_editor(user) else is_own(user, article)


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
    return [t for t in TRANSITIONS.values() if _applies(t, article) and may_take(user, article, t)]


def _applies(transition: Transition, article: Article) -> bool:
    changes = transition.changes
    return current_state(article) in transition.sources and (
        changes is None or article.pending_state in changes
    )


# --- Taking a transition ----------------------------------------------------------------------


def take(
    article: Article, name: str, *, by, comment: str = "", at: datetime | None = None
) -> Article:
    """Take the transition called `name`; the one way any caller moves an article.

    `at` is the publish time: required in the future for "schedule"; for "publish" an
    optional time already past (an import back-dating a story), else now. Raises
    TransitionError, with a message fit for the user, and changes nothing when refused.
    """
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise TransitionError(f"There is no action called “{name}”.")
    _settle_due(article)
    if not _applies(transition, article):
        raise TransitionError(_why_not(transition, article))
    if not may_take(by, article, transition):
        raise TransitionError(f"You may not {transition.label.lower()} “{article.headline}”.")
    fields, comment = _inputs(transition, article, comment, at)
    if transition.changes_target is not None:
        fields["pending_state"] = transition.changes_target
    with transaction.atomic():
        if not _move(article, transition.target, by=by, action=name, comment=comment, **fields):
            raise TransitionError(
                f"Someone changed “{article.headline}” first; reload and try again."
            )
        if name in EFFECTS:
            EFFECTS[name](article, by)
    return article


def publish_many(articles: list[Article], *, by, at: datetime | None = None) -> list[Article]:
    """take(article, "publish") for many stories at once (a batch import's new drafts).

    The same checks, rows, log lines and purges as taking it story by story, written a
    statement for them all rather than a few a story, and one `stories_moved` signal. Refuses
    them all, changing nothing, when one of them may not be published.
    """
    transition = TRANSITIONS["publish"]
    for article in articles:
        if not _applies(transition, article):
            raise TransitionError(_why_not(transition, article))
        if not may_take(by, article, transition):
            raise TransitionError(f"You may not publish “{article.headline}”.")
    if not articles:
        return articles
    now = timezone.now()
    times = {a.pk: _publish_time(transition, a, at, "", now)[0]["published_at"] for a in articles}
    with transaction.atomic(savepoint=False):  # a refusal fails the caller's transaction
        for source in {article.state for article in articles}:
            moving = [article for article in articles if article.state == source]
            for when in {times[article.pk] for article in moving}:
                pks = [article.pk for article in moving if times[article.pk] == when]
                changed = Article.objects.filter(pk__in=pks, state=source).update(
                    state=State.PUBLISHED, modified_at=now, published_at=when
                )
                if changed != len(pks):
                    raise TransitionError("Someone changed these stories first; try again.")
                _copy_publish_times(pks, when)
        WorkflowEvent.objects.bulk_create(
            WorkflowEvent(article=article, actor=by, at=now, from_state=article.state,
                          to_state=State.PUBLISHED, action="publish")
            for article in articles
        )  # fmt: skip
    moves = defaultdict(list)
    sources = {}
    for article in articles:
        source = sources[article.pk] = article.state
        article.state, article.modified_at = State.PUBLISHED, now
        article.published_at = article._loaded_published_at = times[article.pk]
        _log_move(article, by=by, action="publish", source=source, target=State.PUBLISHED)
        moves[source].append(article)
    signals.stories_moved.send(
        sender=Article, articles=articles, action="publish", sources=sources,
        target=State.PUBLISHED, actor=by, comment="",
    )  # fmt: skip
    for source, moved in moves.items():
        caching.stories_changed(caching.Shown.moved_from(source), moved)
    return articles


def _copy_publish_times(pks: list[int], when: datetime) -> None:
    """Article.copy_publish_time() for many stories given the same time."""
    ArticleAuthor.objects.filter(article__in=pks).update(published_at=when)
    TaggedArticle.objects.filter(content_object__in=pks).update(published_at=when)


def _why_not(transition: Transition, article: Article) -> str:
    if transition.changes is not None and current_state(article) in transition.sources:
        return f"“{article.headline}” has no changes waiting for “{transition.label.lower()}”."
    return (
        f"“{article.headline}” is {article.get_state_display().lower()}; "
        f"it cannot be given “{transition.label.lower()}”."
    )


def check_inputs(article: Article, name: str, *, comment: str = "", at=None) -> None:
    """Refuse (TransitionError) what take() would refuse in the comment and the time alone,
    before anything else is done: a form saving a story and then moving it asks this first,
    so that a move it cannot make saves nothing either."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise TransitionError(f"There is no action called “{name}”.")
    _inputs(transition, article, comment, at)


def _inputs(transition: Transition, article: Article, comment, at) -> tuple[dict, str]:
    comment = (comment or "").strip()
    limit = WorkflowEvent._meta.get_field("comment").max_length
    if len(comment) > limit:
        raise TransitionError(f"Keep the comment under {limit:,} characters.")
    if transition.needs_comment and not comment:
        raise TransitionError(f"Say why when you {transition.label.lower()} a story.")
    return _publish_time(transition, article, at, comment)


def _publish_time(transition: Transition, article: Article, at, comment: str, now=None):
    """The fields a transition sets besides the state, and the comment its event records."""
    now = now or timezone.now()
    if transition.name == "publish":
        if at is not None and at > now:
            raise TransitionError("A publish time in the future schedules the story instead.")
        # Keep an earlier first-publication time (it dates the URL); a future one would hide it.
        earlier = article.published_at is not None and article.published_at <= now
        return {"published_at": at or (article.published_at if earlier else now)}, comment
    if transition.name == "schedule":
        if at is None or timezone.is_naive(at):
            raise TransitionError("Give the publish time with its time zone.")
        if at <= now:
            raise TransitionError("The publish time must be in the future.")
        local = timezone.localtime(at)
        planned = f"For {local:%Y-%m-%d %H:%M} {local.tzname()}"
        return {"published_at": at}, f"{planned}: {comment}" if comment else planned
    if transition.name == "unschedule":
        return {"published_at": None}, comment
    return {}, comment


def load_in_state(article: Article, *, state: str, published_at: datetime | None) -> Article:
    """Put a newly loaded draft into the state it was exported in; no editor acts, so no rules.

    Used by import_articles for files that carry their state (export_articles' output).
    """
    if state in Article.NEEDS_PUBLISH_TIME and published_at is None:
        raise TransitionError(f"A {state} story needs its publish time.")
    if state != article.state:
        _move(article, state, by=None, action="load", comment="Loaded in this state from a file",
              published_at=published_at)  # fmt: skip
    return article


def record_due_publications(now: datetime | None = None) -> list[Article]:
    """Record scheduled -> published for every story whose time has come, each exactly once.

    The stories are public already (see ArticleQuerySet.published()); this writes the state
    and the event. The UPDATE's WHERE clause, not a lock, makes it exactly once, so it holds
    on SQLite (which ignores select_for_update) as well as PostgreSQL.
    """
    now = now or timezone.now()
    due = Article.objects.due_unrecorded(now).order_by("published_at", "pk")
    return [article for article in due if _record_publication(article, now=now)]


def _settle_due(article: Article) -> None:
    """Record a due scheduled story as published before acting on it (it is public already)."""
    if article.is_due_unrecorded():
        _record_publication(article)


def _record_publication(article: Article, now=None) -> bool:
    return _move(article, State.PUBLISHED, by=None, action="scheduled time reached", now=now)


def _move(
    article: Article, target: str, *, by, action: str, comment="", now=None, **fields
) -> bool:
    """Move the article from the state it was read in; False if someone else moved it first."""
    now = now or timezone.now()
    source = article.state
    read = {"pending_state": article.pending_state} if "pending_state" in fields else {}
    with transaction.atomic():
        changed = Article.objects.filter(pk=article.pk, state=source, **read).update(
            state=target, modified_at=now, **fields
        )
        if not changed:
            return False
        if "published_at" in fields:
            article.published_at = fields["published_at"]
            article.copy_publish_time()
        WorkflowEvent.objects.create(
            article=article, actor=by, at=now, from_state=source, to_state=target,
            action=action, comment=comment,
        )  # fmt: skip
    article.state, article.modified_at = target, now
    for name, value in fields.items():
        setattr(article, name, value)
    # A move within a state (changes sent for review, or back) shows readers nothing new, and
    # published changes purge as they are applied (revisions._apply).
    if source != target:
        caching.story_changed(caching.Shown.moved_from(source), article)
    _moved(article, by=by, action=action, source=source, target=target, comment=comment)
    return True


def _moved(article: Article, *, by, action: str, source: str, target: str, comment="") -> None:
    """What every move tells: the log line and the other apps."""
    _log_move(article, by=by, action=action, source=source, target=target)
    signals.story_moved.send(
        sender=Article, article=article, action=action, source=source, target=target,
        actor=by, comment=comment,
    )  # fmt: skip


def _log_move(article: Article, *, by, action: str, source: str, target: str) -> None:
    logger.info(
        "%s: %s on article %s (%s -> %s)",
        by.get_username() if by else "system", action, article.pk, source, target,
    )  # fmt: skip


# --- Which articles a user works on (the admin's lists use these) -----------------------------


def own_articles(user):
    """The stories is_own() accepts for this user."""
    bylined = Article.objects.filter(bylines__author__user=user).values("pk")
    return Article.objects.filter(Q(created_by=user) | Q(assignee=user) | Q(pk__in=bylined))


def covered_articles(user):
    """Articles in sections the editor covers (covers() as a query)."""
    return Article.objects.filter(covering(user.pk, OuterRef("section")))


def visible_articles(user):
    """What a user may read in the admin: editors every article, writers only their own."""
    return Article.objects.all() if is_editor(user) else own_articles(user)


def drafts_of(user):
    return own_articles(user).filter(state=State.DRAFT)


# The transitions that send a story, or its changes, back to its writer, each with the words
# its note opens with (planning.notes keeps the comment as a note).
SEND_BACKS = {"send_back": "Sent back", "send_back_changes": "Changes sent back"}


def sent_back_to(user):
    """The user's drafts, or changes to their live stories, that an editor sent back."""
    waiting = Q(state=State.DRAFT) | Q(pending_state=Changes.DRAFT)
    return (
        own_articles(user)
        .filter(waiting)
        .annotate(last_action=Subquery(_last_event().values("action")[:1]))
        .filter(last_action__in=SEND_BACKS)
    )


def send_back_reason(article: Article) -> WorkflowEvent | None:
    """The editor's word on a story sent back and not yet resubmitted, for its writer."""
    last = article.events.select_related("actor").first()
    still_back = article.state == State.DRAFT or article.pending_state == Changes.DRAFT
    return last if last and last.action in SEND_BACKS and still_back else None


def _last_event():
    return WorkflowEvent.objects.filter(article=OuterRef("pk")).order_by("-at", "-pk")


def awaiting_review_by(user):
    """Stories in review on an editor's desks; nothing for a writer."""
    if not is_editor(user):
        return Article.objects.none()
    return covered_articles(user).filter(state=State.REVIEW)


def scheduled_for(user):
    """Scheduled stories on an editor's desks, or a writer's own."""
    mine = covered_articles(user) if is_editor(user) else own_articles(user)
    return mine.filter(state=State.SCHEDULED)
