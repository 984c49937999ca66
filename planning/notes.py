"""Staff notes on a story: threads, @mentions, and a few minutes to correct one's own note.

Notes live in the admin only (see planning/models.py). The forms on an article's change page
post to the views below, which planning/admin.py registers under the article's admin address
(`<id>/notes/...`, through articles.admin.panels); each answers with a message and a redirect
back to the story, so they work without JavaScript. Whoever may see the story in the admin may
read its notes; writing one is for those who may work on it (workflow.may_work_on: editors on
its desk, its own people). A send-back's comment is kept as a note too (on_story_moved).
"""

import re
from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.names import display_name
from articles import signals, workflow
from articles.models import Article

from . import notifications
from .models import Note

# "@name": Django's username characters, not inside a word or an email address.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")
MAX_MENTIONS = 50  # names looked up in one note; more is not a note but a list
EDITABLE_MINUTES = int(Note.EDITABLE_FOR.total_seconds() // 60)


class NoteForm(forms.Form):
    text = forms.CharField(max_length=Note.MAX_CHARS, label="Note")


# --- Writing ----------------------------------------------------------------------------------


def write(article: Article, *, by, text: str, parent: Note | None = None) -> Note:
    """Add a note (a reply when `parent` is given) and tell the people it mentions."""
    note = Note.objects.create(article=article, author=by, text=text, parent=parent)
    note.mentions.set(mentioned_users(note))
    notifications.note_written(note)
    return note


def edit(note: Note, *, text: str) -> Note:
    """Correct a note's text, stamped; its mentions follow the new text.

    Nobody is told again: note_written() tells everyone a note mentions, and those named
    first were told already.
    """
    note.text, note.edited_at = text, timezone.now()
    note.save(update_fields=["text", "edited_at"])
    note.mentions.set(mentioned_users(note))
    return note


def mentioned_users(note: Note) -> list:
    """The staff a note's @names name who may see its story; any other name stays text."""
    names = set()
    for name in MENTION.findall(note.text)[:MAX_MENTIONS]:
        names |= {name, name.rstrip(".")}  # "…ask @ada." names ada
    people = get_user_model().objects.filter(username__in=names, is_active=True, is_staff=True)
    return [user for user in people if may_see(user, note.article)]


def may_see(user, article: Article) -> bool:
    return workflow.visible_articles(user).filter(pk=article.pk).exists()


def may_edit(note: Note, user, now: datetime | None = None) -> bool:
    """Its author, for Note.EDITABLE_FOR after writing it."""
    now = now or timezone.now()
    return note.author_id == user.pk and now - note.created_at <= Note.EDITABLE_FOR


def on_story_moved(sender, *, article, action, actor=None, comment="", **kwargs):
    """The editor's reason for sending a story back, kept in its notes."""
    if action in workflow.SEND_BACKS and comment:
        write(article, by=actor, text=f"{workflow.SEND_BACKS[action]}: {comment}")


def on_stories_moved(sender, *, articles, **kwargs):
    for article in articles:
        on_story_moved(sender, article=article, **kwargs)


def connect_receivers() -> None:
    """Called from PlanningConfig.ready()."""
    signals.story_moved.connect(
        on_story_moved, sender=Article, dispatch_uid="planning.note_send_back"
    )
    signals.stories_moved.connect(
        on_stories_moved, sender=Article, dispatch_uid="planning.note_send_backs"
    )


# --- Reading ----------------------------------------------------------------------------------


def threads(article: Article, user, now: datetime | None = None) -> list[Note]:
    """The story's notes as threads, oldest first: each first note with its `replies_shown`;
    each note knows whether this user may still correct it (`editable`)."""
    now = now or timezone.now()
    # Mentions in a fixed order (by username): the database keeps none of its own.
    mentions = Prefetch("mentions", get_user_model().objects.order_by("username"))
    notes = list(article.notes.select_related("author").prefetch_related(mentions))
    by_pk = {note.pk: note for note in notes}
    roots = []
    for note in notes:
        note.editable = may_edit(note, user, now)
        note.author_label = _person(note.author)
        note.replies_shown = []
    for note in notes:
        root = note
        while root.parent_id in by_pk:
            root = by_pk[root.parent_id]
        (roots if root is note else root.replies_shown).append(note)
    return roots


def for_change_form(article: Article, user, events) -> dict:
    """What the story's change page shows of its notes (templates/admin/planning/notes.html)."""
    shown = threads(article, user)
    return {
        "note_threads": shown,
        "notes_writable": workflow.may_work_on(user, article),
        "history": history(events, shown),
        "note_max_chars": Note.MAX_CHARS,
        "note_editable_minutes": EDITABLE_MINUTES,
    }


def history(events, threads: list[Note]) -> list[tuple[str, object]]:
    """Workflow events and notes in one list, newest first, as the story's history shows it."""
    notes = [note for root in threads for note in [root, *root.replies_shown]]
    rows = [("event", event.at, event) for event in events]
    rows += [("note", note.created_at, note) for note in notes]
    rows.sort(key=lambda row: (row[1], row[2].pk), reverse=True)
    return [(kind, item) for kind, _, item in rows]


def _person(user) -> str:
    return display_name(user, "A former colleague")


# --- Views (routed under the article's admin by planning/admin.py) -------------------------


@require_POST
def write_view(request, object_id):
    article = _story_or_404(request, object_id)
    return _post(request, article, parent=None)


@require_POST
def reply_view(request, object_id, note_id):
    article = _story_or_404(request, object_id)
    parent = get_object_or_404(Note, pk=note_id, article=article)
    return _post(request, article, parent=parent)


@require_POST
def edit_view(request, object_id, note_id):
    article = _story_or_404(request, object_id)
    note = get_object_or_404(Note, pk=note_id, article=article)
    form = NoteForm(request.POST)
    if not workflow.may_work_on(request.user, article):
        messages.error(request, _OFF_DESK)
    elif note.author_id != request.user.pk:
        messages.error(request, "Only its author may correct a note; nothing changed.")
    elif not may_edit(note, request.user):
        messages.error(
            request,
            f"A note can be corrected for {EDITABLE_MINUTES} minutes after it is written, and "
            "that time has passed; nothing changed. Write a new note (or a reply) instead.",
        )
    elif not form.is_valid():
        messages.error(request, _why(form))
    else:
        edit(note, text=form.cleaned_data["text"])
        messages.success(request, "Your note is corrected.")
    return _back(article, note)


def _post(request, article: Article, *, parent: Note | None):
    form = NoteForm(request.POST)
    if not workflow.may_work_on(request.user, article):
        messages.error(request, _OFF_DESK)
        return _back(article, parent)
    if not form.is_valid():
        messages.error(request, _why(form))
        return _back(article, parent)
    note = write(article, by=request.user, text=form.cleaned_data["text"], parent=parent)
    messages.success(request, "Your reply is added." if parent else "Your note is added.")
    return _back(article, note)


_OFF_DESK = "Notes on this story are for the editors on its desk; nothing was saved."


def _story_or_404(request, object_id) -> Article:
    """The story, if this user may see it in the admin (as its change page decides)."""
    model_admin = admin.site.get_model_admin(Article)
    article = model_admin.get_object(request, unquote(object_id))
    if article is None or not model_admin.has_view_or_change_permission(request, article):
        raise Http404("No such article.")
    return article


def _why(form: NoteForm) -> str:
    return "The note was not saved: " + " ".join(form.errors.get("text", ["it is empty."]))


def _back(article: Article, note: Note | None):
    anchor = f"#note-{note.pk}" if note else "#notes"
    return redirect(reverse("admin:articles_article_change", args=[article.pk]) + anchor)
