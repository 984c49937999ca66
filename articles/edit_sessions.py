"""Who has a story open, and the work they have typed but not saved.

The change form sends a heartbeat while it is open and an autosave a few seconds after each
burst of typing. Presence is a soft notice that fades when the heartbeats stop, never a lock;
an autosave is kept until its author saves the story, so a closed tab, a crash or a lost
connection costs a few seconds of typing at most. Autosaves never make revisions and never
touch the story.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone

from .models import Article, EditSession

HEARTBEAT_SECONDS = 20
# Two missed heartbeats and the person is taken to have left.
PRESENT_FOR = timedelta(seconds=2 * HEARTBEAT_SECONDS + 5)
# Never kept in an autosave: they belong to the request, not to the story.
_NOT_KEPT = {"csrfmiddlewaretoken", "_save", "_continue", "_addanother"}


def heartbeat(user, article: Article | None) -> EditSession:
    """Note that this user has the story open now; a new visit starts a new 'since'."""
    now = timezone.now()
    session = _session(user, article)
    if session.seen_at < now - PRESENT_FOR:
        session.opened_at = now
    session.seen_at = now
    session.save(update_fields=["opened_at", "seen_at"])
    return session


def others_editing(article: Article, user) -> list[EditSession]:
    """The other people with this story open now, longest first."""
    fresh = timezone.now() - PRESENT_FOR
    return list(
        article.edit_sessions.filter(seen_at__gte=fresh)
        .exclude(user=user)
        .select_related("user")
        .order_by("opened_at")
    )


def keep_autosave(user, article: Article | None, post: QueryDict) -> EditSession:
    data = {key: values for key, values in post.lists() if key not in _NOT_KEPT}
    session = _session(user, article)
    session.autosave, session.autosaved_at = data, timezone.now()
    session.seen_at = session.autosaved_at
    session.save(update_fields=["autosave", "autosaved_at", "seen_at"])
    return session


def autosave_of(user, article: Article | None) -> EditSession | None:
    """This user's unsaved work on the story (a new one when `article` is None), if any."""
    return EditSession.objects.filter(user=user, article=article, autosave__isnull=False).first()


def autosave_post(session: EditSession) -> QueryDict:
    post = QueryDict(mutable=True)
    for key, values in session.autosave.items():
        post.setlist(key, values)
    return post


def discard_autosave(user, article: Article | None) -> None:
    """Called once the work is saved for real (or its author chose to drop it)."""
    EditSession.objects.filter(user=user, article=article).update(autosave=None, autosaved_at=None)


def _session(user, article: Article | None) -> EditSession:
    try:
        with transaction.atomic():
            session, _ = EditSession.objects.get_or_create(user=user, article=article)
    except IntegrityError:  # two requests of the same tab raced; the other one made it
        session = EditSession.objects.get(user=user, article=article)
    return session
