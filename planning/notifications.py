"""Who is told what: the planning desk's notifications, in the admin and by email.

Each kind has one function deciding who is told. `notify()` stores the rows in the caller's
transaction (so a refused or rolled-back action tells nobody) and the emails go out after the
commit, from the process's mail thread (newsroom/background.py), never the request's. A
failed send is logged (logger `newsroom.notifications`), marked failed and retried by
`manage.py send_notifications`: nothing here can fail or hold an editor's action.

Never told: the person who acted, an inactive or non-staff account. Each person is told once
per event, however many ways they qualify (writer, bylined and assignee at once).

Whoever saves an article on someone's behalf may set `article.changed_by = user`, so that an
editor assigning a story to themselves is not told of it (see `_assignee_saved`).
"""

import logging
from datetime import timedelta
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from accounts.names import display_name
from articles import signals, workflow
from articles.models import Article, Author
from newsroom import background

from .models import EmailOptOut, Kind, Notification

logger = logging.getLogger("newsroom.notifications")

MAX_ATTEMPTS = 5
# An email the web process has not sent by then (it died, or gave up after a failure) is
# sent by the command.
SEND_DELAY = timedelta(minutes=1)
# An attempt begun this long ago and never finished was cut off (its process exited or was
# killed mid-send): the command tries again.
ABANDONED_AFTER = timedelta(minutes=15)
# A deadline older than this when first seen (a long outage, the first run after an upgrade)
# is not announced: the story is on the board as overdue anyway.
DEADLINE_LOOKBACK = timedelta(days=1)
PUBLISH_PERMISSION = "publish_article"
Email = Notification.Email

# The workflow's actions (articles.workflow.TRANSITIONS, and the system's) that tell someone.
MOVES = {
    "submit": Kind.SUBMITTED,
    "submit_changes": Kind.SUBMITTED,
    **dict.fromkeys(workflow.SEND_BACKS, Kind.SENT_BACK),
    "publish": Kind.PUBLISHED,
    "publish_changes": Kind.PUBLISHED,
    "republish": Kind.PUBLISHED,
    "scheduled time reached": Kind.PUBLISHED,
    "schedule": Kind.SCHEDULED,
    "withdraw": Kind.WITHDRAWN,
}

SUBJECTS = {
    Kind.ASSIGNED: "“{headline}” is assigned to you",
    Kind.SENT_BACK: "Your story “{headline}” was sent back",
    Kind.PUBLISHED: "Your story “{headline}” was published",
    Kind.SCHEDULED: "Your story “{headline}” is scheduled",
    Kind.WITHDRAWN: "Your story “{headline}” was withdrawn",
    Kind.SUBMITTED: "“{headline}” was submitted for review",
    Kind.MENTIONED: "You were mentioned in a note on “{headline}”",
    Kind.DEADLINE: "The deadline for “{headline}” has passed",
}


# --- Who is told --------------------------------------------------------------------------------


def staff():
    return get_user_model().objects.filter(is_active=True, is_staff=True)


def writers(article: Article):
    """The story's writers: who created it, bylined staff, and its assignee (writer_ids() for
    many stories)."""
    bylined = Author.objects.filter(bylines__article=article, user__isnull=False).values("user")
    return staff().filter(
        Q(pk=article.created_by_id) | Q(pk=article.assignee_id) | Q(pk__in=bylined)
    )


def writer_ids(articles: list[Article]) -> dict[int, set[int]]:
    """writers() of each story, as user ids, in two queries for them all."""
    ids = {
        article.pk: {article.created_by_id, article.assignee_id} - {None} for article in articles
    }
    bylined = Author.objects.filter(bylines__article__in=list(ids), user__isnull=False)
    for article_pk, user_pk in bylined.values_list("bylines__article", "user"):
        ids[article_pk].add(user_pk)
    current = set(staff().filter(pk__in=set().union(*ids.values())).values_list("pk", flat=True))
    return {pk: users & current for pk, users in ids.items()}


def desk_editors(article: Article):
    """Editors who cover the story's section (workflow.covering()).

    An editor holds the publish permission through a group or directly: a superuser who is
    not one is not told of every submission (accounts.roles.is_editor() holds for superusers).
    """
    User = get_user_model()
    holders = User.objects.filter(
        Q(groups__permissions__codename=PUBLISH_PERMISSION)
        | Q(user_permissions__codename=PUBLISH_PERMISSION)
    ).values("pk")
    covering = workflow.covering(OuterRef("pk"), article.section_id)
    return staff().filter(covering, pk__in=holders)


def deadline_keepers(article: Article):
    """The assignee, else the writers."""
    if article.assignee_id:
        return staff().filter(pk=article.assignee_id)
    return writers(article)


# --- The events ---------------------------------------------------------------------------------


def story_moved(sender, *, article, action, actor=None, comment="", **kwargs):
    """Receiver of articles.signals.story_moved, inside the transition's transaction."""
    kind = MOVES.get(action)
    if kind is None:
        return
    people = desk_editors(article) if kind == Kind.SUBMITTED else writers(article)
    notify(kind, article, people, actor=actor, text=_move_text(kind, article, action, comment))


def stories_moved(sender, *, articles, action, actor=None, comment="", **kwargs):
    """Receiver of articles.signals.stories_moved: story_moved() of each story, with whom to
    tell asked once for the batch."""
    kind = MOVES.get(action)
    if kind is None:
        return
    if kind == Kind.SUBMITTED:
        for article in articles:
            story_moved(sender, article=article, action=action, actor=actor, comment=comment)
        return
    told = writer_ids(articles)
    for article in articles:
        people = told[article.pk] - {actor.pk if actor else None}
        if people:  # most stories of an import have no staff byline: no query for them
            text = _move_text(kind, article, action, comment)
            notify(kind, article, staff().filter(pk__in=people), actor=actor, text=text)


def _move_text(kind, article: Article, action: str, comment: str) -> str:
    if kind == Kind.SCHEDULED:
        local = timezone.localtime(article.published_at)
        return f"To be published {local:%d %b %Y, %H:%M} {local.tzname()}."
    if action == "scheduled time reached":
        return "Published at its scheduled time."
    if action == "publish_changes":
        return "Its changes are live."
    return comment


def assigned(article: Article, *, by=None) -> list[Notification]:
    people = staff().filter(pk=article.assignee_id)
    return notify(Kind.ASSIGNED, article, people, actor=by, text=article.brief)


def note_written(note) -> list[Notification]:
    """Tell the people mentioned in a note, once it is saved with its mentions.

    The notes module puts only people who may see the story in `note.mentions`.
    """
    people = staff().filter(pk__in=note.mentions.values("pk"))
    return notify(Kind.MENTIONED, note.article, people, actor=note.author, text=note.text)


def _assignee_saved(sender, instance: Article, created, raw=False, update_fields=None, **kw):
    """Tell a story's new assignee, from any save that sets or changes it."""
    if raw or (update_fields is not None and "assignee" not in update_fields):
        return
    before = getattr(instance, "_loaded_assignee_id", None)
    instance._loaded_assignee_id = instance.assignee_id
    if instance.assignee_id and instance.assignee_id != before:
        by = getattr(instance, "changed_by", None) or (instance.created_by if created else None)
        assigned(instance, by=by)


def notify_passed_deadlines(now=None) -> list[Notification]:
    """Tell each draft's assignee (else its writers) once that its deadline has passed.

    Safe from several machines at once: each story is claimed by locking its row (SQLite
    takes its write lock when the transaction starts), then whether it was told is read again.
    A deadline counts as told by a deadline notification made after it; a new, later deadline
    is told again when it passes.
    """
    now = now or timezone.now()
    told = Notification.objects.filter(
        kind=Kind.DEADLINE, article=OuterRef("pk"), created_at__gte=OuterRef("deadline")
    )
    passed = Article.objects.past_deadline(now).filter(deadline__gt=now - DEADLINE_LOOKBACK)
    passed = passed.exclude(Exists(told))
    made = []
    for article in passed.order_by("deadline", "pk"):
        made += _tell_deadline(article.pk, now)
    return made


def _tell_deadline(pk: int, now) -> list[Notification]:
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=pk).first()
        if article is None or not article.is_past_deadline(now):
            return []
        told = Notification.objects.filter(
            kind=Kind.DEADLINE, article=article, created_at__gte=article.deadline
        )
        if told.exists():
            return []
        local = timezone.localtime(article.deadline)
        text = f"It was due {local:%d %b %Y, %H:%M} {local.tzname()}."
        return notify(Kind.DEADLINE, article, deadline_keepers(article), text=text, now=now)


# --- Storing and sending ----------------------------------------------------------------------


def notify(kind, article: Article, people, *, actor=None, text="", now=None):
    """Store one notification per person (not the actor) and email them after the commit."""
    if actor is not None:
        people = people.exclude(pk=actor.pk)
    people = list(people.order_by("pk").only("pk", "email"))
    if not people:
        return []
    opted_out = set(
        EmailOptOut.objects.filter(kind=kind, user__in=people).values_list("user", flat=True)
    )
    limit = Notification._meta.get_field("text").max_length
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    rows = Notification.objects.bulk_create(
        Notification(
            recipient=person,
            kind=kind,
            article=article,
            actor=actor,
            text=text,
            created_at=now or timezone.now(),
            email=Email.OFF if person.pk in opted_out or not person.email else Email.PENDING,
        )  # fmt: skip
        for person in people
    )
    pending = [row.pk for row in rows if row.email == Email.PENDING]
    if pending:
        transaction.on_commit(lambda: background.mail.submit(lambda: send_emails(pending)),
                              robust=True)  # fmt: skip
    return rows


def send_emails(pks) -> int:
    """Send these notifications' emails; stop at the first failure (the server is likely down:
    the rest wait for the command rather than keep an editor waiting). Returns the number sent.
    """
    rows = Notification.objects.filter(pk__in=pks, email__in=[Email.PENDING, Email.FAILED])
    sent = 0
    for row in rows.select_related("recipient", "article", "actor").order_by("pk"):
        if not _claim(row):
            continue  # another process is sending it
        if not _send(row):
            break
        sent += 1
    return sent


def retry_emails(now=None) -> tuple[int, int]:
    """Send what failed (up to MAX_ATTEMPTS) or was never tried; (sent, still failing)."""
    now = now or timezone.now()
    due = Notification.objects.filter(
        Q(email=Email.FAILED, email_attempts__lt=MAX_ATTEMPTS)
        | Q(email=Email.PENDING, email_attempts=0, created_at__lte=now - SEND_DELAY)
        | Q(
            email=Email.PENDING,
            email_attempts__range=(1, MAX_ATTEMPTS - 1),
            email_claimed_at__lte=now - ABANDONED_AFTER,
        )  # fmt: skip
    )
    sent = failed = 0
    for row in due.select_related("recipient", "article", "actor").order_by("pk"):
        if _claim(row):
            sent, failed = (sent + 1, failed) if _send(row) else (sent, failed + 1)
    return sent, failed


def _claim(row: Notification) -> bool:
    """Count the attempt; False if another process counted it first (it sends this one).

    While being sent a row is pending with at least one attempt, which the command leaves alone
    unless the attempt was cut off (ABANDONED_AFTER).
    """
    claimed = Notification.objects.filter(
        pk=row.pk, email=row.email, email_attempts=row.email_attempts
    ).update(
        email=Email.PENDING, email_attempts=F("email_attempts") + 1, email_claimed_at=timezone.now()
    )
    row.email_attempts += 1
    return bool(claimed)


def _send(row: Notification) -> bool:
    try:
        email_for(row).send()
    except (SMTPException, OSError):
        logger.exception(
            "Email for notification %s to %s failed (attempt %s of %s)",
            row.pk, row.recipient.email, row.email_attempts, MAX_ATTEMPTS,
        )  # fmt: skip
        Notification.objects.filter(pk=row.pk).update(email=Email.FAILED)
        return False
    Notification.objects.filter(pk=row.pk).update(email=Email.SENT)
    logger.info("Emailed notification %s to %s", row.pk, row.recipient.email)
    return True


def email_for(row: Notification) -> EmailMessage:
    headline = row.article.headline
    subject = SUBJECTS[row.kind].format(headline=headline)
    link = settings.SITE_URL + reverse("admin:articles_article_change", args=[row.article_id])
    by = f"By {display_name(row.actor)}.\n" if row.actor else ""
    said = f"\n{row.text}\n" if row.text else ""
    preferences = settings.SITE_URL + reverse("admin:planning_notification_preferences")
    body = (
        f"{subject}.\n{by}{said}\nOpen the story: {link}\n\n"
        f"-- \nTo choose which notifications you get by email: {preferences}\n"
    )
    return EmailMessage(f"[{settings.SITE_NAME}] {subject}", body, to=[row.recipient.email])


def connect_receivers() -> None:
    """Called from PlanningConfig.ready()."""
    signals.story_moved.connect(story_moved, sender=Article, dispatch_uid="planning.notify_move")
    signals.stories_moved.connect(
        stories_moved, sender=Article, dispatch_uid="planning.notify_moves"
    )
    post_save.connect(_assignee_saved, sender=Article, dispatch_uid="planning.notify_assignee")
