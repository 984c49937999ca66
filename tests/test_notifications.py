"""Who is told what, in the admin and by email (planning/notifications.py)."""

import logging
import os
import subprocess
import sys
from datetime import timedelta
from smtplib import SMTPException

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article
from newsroom import background
from planning import notifications
from planning.models import EmailOptOut, Kind, Note, Notification
from tests.factories import (
    make_article,
    make_author,
    make_desk,
    make_section,
    make_staff,
    make_user,
)

pytestmark = pytest.mark.django_db
Email = Notification.Email
INBOX = "/admin/planning/notification/"
PREFERENCES = "/admin/planning/notification/preferences/"


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise SMTPException("mail server down")


@pytest.fixture
def newsroom():
    """The City desk and the Sport desk; a City draft by Wendy, bylined with Bob too."""
    city, sport = make_section(name="City"), make_section(name="Sport")
    people = {
        "writer": make_staff("Writer", "wendy", email="wendy@example.org"),
        "colleague": make_staff("Writer", "bob", email="bob@example.org"),
        "other_writer": make_staff("Writer", "olga", email="olga@example.org"),
        "city_editor": make_staff("Editor", "cate", email="cate@example.org"),
        "sport_editor": make_staff("Editor", "sam", email="sam@example.org"),
        "chief": make_staff("Editor", "chief", email="chief@example.org"),  # on no desk
        "gone_editor": make_staff("Editor", "gone", email="gone@example.org", is_active=False),
        "admin": make_user("root", is_staff=True, is_superuser=True, email="root@example.org"),
    }
    make_desk(city, editors=[people["city_editor"]])
    make_desk(sport, editors=[people["sport_editor"]])
    byline = [make_author(user=people["writer"]), make_author(user=people["colleague"])]
    draft = make_article(
        published=False, section=city, authors=byline, created_by=people["writer"],
        headline="Harbour wall breaks",
    )  # fmt: skip
    return {**people, "draft": draft, "city": city, "sport": sport}


def told(kind=None, **filters) -> set[str]:
    rows = Notification.objects.filter(**filters)
    rows = rows.filter(kind=kind) if kind else rows
    return set(rows.values_list("recipient__username", flat=True))


def take(article, name, *, by, **kwargs):
    return workflow.take(Article.objects.get(pk=article.pk), name, by=by, **kwargs)


# --- Who is told ----------------------------------------------------------------------------


def test_a_submitted_story_tells_the_editors_whose_desks_cover_it(newsroom):
    take(newsroom["draft"], "submit", by=newsroom["writer"])
    # Not the Sport desk's editor, not the inactive editor, not a superuser outside the
    # Editor group, not the writer who submitted it.
    assert told(Kind.SUBMITTED) == {"cate", "chief"}


def test_an_editor_who_submits_is_not_told_of_their_own_submission(newsroom):
    take(newsroom["draft"], "submit", by=newsroom["chief"])
    assert told(Kind.SUBMITTED) == {"cate"}


def test_a_superuser_in_the_editor_group_is_told_like_an_editor_on_no_desk(newsroom):
    from django.contrib.auth.models import Group

    newsroom["admin"].groups.add(Group.objects.get(name="Editor"))
    take(newsroom["draft"], "submit", by=newsroom["writer"])
    assert told(Kind.SUBMITTED) == {"cate", "chief", "root"}


def test_submitted_changes_to_a_live_story_tell_the_desk(newsroom):
    live = make_article(section=newsroom["sport"], created_by=newsroom["writer"])
    Article.objects.filter(pk=live.pk).update(pending_state=Article.ChangesState.DRAFT)
    take(live, "submit_changes", by=newsroom["writer"])
    assert told(Kind.SUBMITTED) == {"sam", "chief"}


def test_a_story_sent_back_tells_its_writers_and_assignee_with_the_reason(newsroom):
    draft = newsroom["draft"]
    assignee = make_staff("Writer", "ann", email="ann@example.org")
    Article.objects.filter(pk=draft.pk).update(assignee=assignee)
    take(draft, "submit", by=newsroom["writer"])
    take(draft, "send_back", by=newsroom["city_editor"], comment="Needs a second source.")

    assert told(Kind.SENT_BACK) == {"wendy", "bob", "ann"}
    assert set(Notification.objects.filter(kind=Kind.SENT_BACK).values_list("text", flat=True)) == {
        "Needs a second source."
    }
    assert not told(Kind.SENT_BACK, recipient__username__in=["olga", "cate", "sam"])


def test_writers_are_told_when_their_story_is_published_scheduled_withdrawn(newsroom):
    draft, editor = newsroom["draft"], newsroom["city_editor"]
    at = timezone.now() + timedelta(hours=2)
    take(draft, "schedule", by=editor, at=at)
    take(draft, "unschedule", by=editor)  # tells nobody
    take(draft, "publish", by=editor)
    take(draft, "withdraw", by=editor, comment="Legal complaint.")
    take(draft, "republish", by=editor)

    kinds = list(
        Notification.objects.filter(recipient=newsroom["writer"])
        .order_by("pk")
        .values_list("kind", "text")
    )
    local = timezone.localtime(at)
    assert kinds == [
        (Kind.SCHEDULED, f"To be published {local:%d %b %Y, %H:%M} {local.tzname()}."),
        (Kind.PUBLISHED, ""),
        (Kind.WITHDRAWN, "Legal complaint."),
        (Kind.PUBLISHED, ""),
    ]
    assert told(recipient__username__in=["olga", "cate", "sam", "chief"]) == set()
    assert told(Kind.PUBLISHED) == {"wendy", "bob"}


def test_the_writer_who_is_also_the_publishing_editor_is_not_told(newsroom):
    story = make_article(published=False, section=newsroom["city"], created_by=newsroom["chief"])
    take(story, "publish", by=newsroom["chief"])
    assert not Notification.objects.exists()


def test_a_scheduled_story_reaching_its_time_tells_its_writers(newsroom):
    draft = newsroom["draft"]
    take(draft, "schedule", by=newsroom["city_editor"], at=timezone.now() + timedelta(hours=1))
    Notification.objects.all().delete()

    workflow.record_due_publications(now=timezone.now() + timedelta(hours=2))

    rows = Notification.objects.filter(kind=Kind.PUBLISHED)
    assert {r.recipient.username for r in rows} == {"wendy", "bob"}
    assert {(r.actor, r.text) for r in rows} == {(None, "Published at its scheduled time.")}


def test_published_changes_of_a_live_story_tell_its_writers(newsroom):
    live = make_article(section=newsroom["city"], created_by=newsroom["writer"])
    Article.objects.filter(pk=live.pk).update(pending_state=Article.ChangesState.REVIEW)
    from articles import revisions

    live = Article.objects.get(pk=live.pk)
    revisions.save_edit(live, revisions.current_content(live), by=newsroom["writer"])
    take(live, "publish_changes", by=newsroom["city_editor"])
    assert told(Kind.PUBLISHED) == {"wendy"}


def test_inactive_and_non_staff_writers_are_never_told(newsroom):
    draft = newsroom["draft"]
    newsroom["colleague"].is_active = False
    newsroom["colleague"].save()
    take(draft, "publish", by=newsroom["city_editor"])
    assert told(Kind.PUBLISHED) == {"wendy"}


def test_someone_who_qualifies_twice_is_told_once(newsroom):
    draft = newsroom["draft"]
    Article.objects.filter(pk=draft.pk).update(assignee=newsroom["writer"])  # writer, byline too
    take(draft, "publish", by=newsroom["city_editor"])
    assert Notification.objects.filter(recipient=newsroom["writer"]).count() == 1


# --- Assignments --------------------------------------------------------------------------------


def test_setting_or_changing_the_assignee_tells_the_new_assignee_once(newsroom):
    draft = Article.objects.get(pk=newsroom["draft"].pk)
    draft.brief = "Who pays for the wall?"
    draft.assignee = newsroom["colleague"]
    draft.changed_by = newsroom["city_editor"]
    draft.save()
    draft.save()  # saving again tells nobody again
    assert list(
        Notification.objects.values_list("recipient__username", "kind", "text", "actor")
    ) == [("bob", Kind.ASSIGNED, "Who pays for the wall?", newsroom["city_editor"].pk)]

    draft.assignee = newsroom["other_writer"]
    draft.save(update_fields=["assignee"])
    assert told(Kind.ASSIGNED) == {"bob", "olga"}

    draft.assignee = None
    draft.save()
    assert Notification.objects.count() == 2


def test_a_new_story_planned_with_an_assignee_tells_them_but_not_an_editor_assigning_themself(
    newsroom,
):
    editor = newsroom["city_editor"]
    make_article(published=False, section=newsroom["city"], created_by=editor,
                 assignee=newsroom["writer"])  # fmt: skip
    make_article(published=False, section=newsroom["city"], created_by=editor, assignee=editor)
    assert told(Kind.ASSIGNED) == {"wendy"}


def test_reassigning_from_the_board_tells_the_new_assignee(newsroom):
    from planning import board

    board.reassign(
        Article.objects.get(pk=newsroom["draft"].pk), newsroom["other_writer"],
        by=newsroom["city_editor"],
    )  # fmt: skip
    assert told(Kind.ASSIGNED) == {"olga"}


# --- Mentions -----------------------------------------------------------------------------------


def test_a_note_tells_the_people_it_mentions_but_not_its_author(newsroom):
    note = Note.objects.create(
        article=newsroom["draft"], author=newsroom["city_editor"], text="@wendy @cate see this"
    )
    note.mentions.set([newsroom["writer"], newsroom["city_editor"], newsroom["gone_editor"]])
    notifications.note_written(note)
    assert list(Notification.objects.values_list("recipient__username", "kind", "text")) == [
        ("wendy", Kind.MENTIONED, "@wendy @cate see this")
    ]


# --- Deadlines ----------------------------------------------------------------------------------


def test_a_passed_deadline_tells_the_assignee_exactly_once(newsroom):
    draft = newsroom["draft"]
    due = timezone.now() - timedelta(minutes=5)
    Article.objects.filter(pk=draft.pk).update(deadline=due, assignee=newsroom["colleague"])

    call_command("send_notifications", stdout=_null())
    call_command("send_notifications", stdout=_null())
    notifications.notify_passed_deadlines()

    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("bob", Kind.DEADLINE)
    ]


def test_a_passed_deadline_with_no_assignee_tells_the_writers(newsroom):
    draft = newsroom["draft"]
    Article.objects.filter(pk=draft.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    notifications.notify_passed_deadlines()
    assert told(Kind.DEADLINE) == {"wendy", "bob"}


def test_a_later_deadline_is_told_again_when_it_passes(newsroom):
    draft, now = newsroom["draft"], timezone.now()
    Article.objects.filter(pk=draft.pk).update(deadline=now - timedelta(hours=1))
    notifications.notify_passed_deadlines(now=now)
    Article.objects.filter(pk=draft.pk).update(deadline=now + timedelta(hours=1))
    assert notifications.notify_passed_deadlines(now=now) == []
    assert len(notifications.notify_passed_deadlines(now=now + timedelta(hours=2))) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_six_concurrent_runs_tell_each_deadline_and_send_each_email_exactly_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so this race cannot happen there")
    section, due = make_section(), timezone.now() - timedelta(minutes=1)
    writers = [make_staff("Writer", email=f"w{n}@example.org") for n in range(30)]
    for writer in writers:
        make_article(published=False, section=section, created_by=writer, deadline=due)
    db = connection.settings_dict  # NAME is the test database here
    login = f"{db['USER']}:{db['PASSWORD'] or ''}"
    url = f"postgres://{login}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    env.pop("EMAIL_URL", None)  # the console backend: each email sent is printed

    runs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "send_notifications"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(6)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]

    assert all(run.returncode == 0 for run in runs), [err for _, err in outputs]
    rows = Notification.objects.filter(kind=Kind.DEADLINE)
    assert sorted(rows.values_list("recipient", flat=True)) == sorted(w.pk for w in writers)
    emailed = [line for out, _ in outputs for line in out.splitlines() if line.startswith("To: ")]
    assert sorted(emailed) == sorted(f"To: {w.email}" for w in writers)
    assert set(rows.values_list("email", "email_attempts")) == {(Email.SENT, 1)}


def test_deadlines_not_yet_passed_or_of_stories_already_filed_tell_nobody(newsroom):
    now = timezone.now()
    Article.objects.filter(pk=newsroom["draft"].pk).update(deadline=now + timedelta(minutes=1))
    filed = make_article(
        published=False, section=newsroom["city"], created_by=newsroom["writer"],
        state=Article.State.REVIEW, deadline=now - timedelta(minutes=1),
    )  # fmt: skip
    assert filed.state == Article.State.REVIEW
    assert notifications.notify_passed_deadlines(now=now) == []


# --- Email --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_emails_go_out_only_after_the_commit(newsroom):
    draft = newsroom["draft"]
    take(draft, "submit", by=newsroom["writer"])
    background.mail.wait()
    mail.outbox.clear()
    with transaction.atomic():
        take(draft, "send_back", by=newsroom["city_editor"], comment="Check the quotes.")
        background.mail.wait()
        assert mail.outbox == []  # the transaction could still roll back: nothing sent
        assert Notification.objects.filter(kind=Kind.SENT_BACK, email=Email.PENDING).count() == 2

    background.mail.wait()

    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {"wendy@example.org", "bob@example.org"}
    message = sent["wendy@example.org"]
    assert message.subject == "[The Newsroom] Your story “Harbour wall breaks” was sent back"
    assert "Check the quotes." in message.body
    assert f"http://localhost:8000/admin/articles/article/{draft.pk}/change/" in message.body
    assert Notification.objects.filter(kind=Kind.SENT_BACK, email=Email.SENT).count() == 2


def test_a_rolled_back_action_tells_nobody(newsroom, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        take(newsroom["draft"], "publish", by=newsroom["city_editor"])
        raise RuntimeError("something later failed")
    assert not Notification.objects.exists() and mail.outbox == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_kind_turned_off_is_shown_in_the_admin_but_not_emailed(newsroom):
    EmailOptOut.objects.create(user=newsroom["writer"], kind=Kind.PUBLISHED)
    take(newsroom["draft"], "publish", by=newsroom["city_editor"])
    background.mail.wait()
    assert Notification.objects.get(recipient=newsroom["writer"]).email == Email.OFF
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failing_mail_server_never_fails_the_action_and_the_command_retries(
    newsroom, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingBackend"
    draft = newsroom["draft"]
    with caplog.at_level(logging.ERROR, logger="newsroom.notifications"):
        take(draft, "publish", by=newsroom["city_editor"])
        background.mail.wait()

    assert Article.objects.get(pk=draft.pk).state == Article.State.PUBLISHED
    assert "failed" in caplog.text
    rows = Notification.objects.order_by("pk")
    # The first failure stops the batch: the next waits for the command, untried.
    assert [(r.email, r.email_attempts) for r in rows] == [(Email.FAILED, 1), (Email.PENDING, 0)]

    call_command("send_notifications", stdout=_null(), stderr=_null())  # still down
    assert [(r.email, r.email_attempts) for r in rows.all()] == [
        (Email.FAILED, 2), (Email.PENDING, 0)
    ]  # fmt: skip

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    out = _null()
    call_command("send_notifications", stdout=out)
    assert [(r.email, r.email_attempts) for r in rows.all()] == [(Email.SENT, 3), (Email.SENT, 1)]
    assert len(mail.outbox) == 2 and "2 email(s) sent" in out.getvalue()


def test_an_email_is_tried_at_most_five_times(newsroom, settings):
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingBackend"
    row = notifications.notify(
        Kind.MENTIONED, newsroom["draft"], notifications.staff().filter(pk=newsroom["writer"].pk)
    )[0]
    Notification.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(hours=1))
    for _ in range(7):
        notifications.retry_emails()
    row.refresh_from_db()
    assert (row.email, row.email_attempts) == (Email.FAILED, 5)


def test_an_email_claimed_by_another_process_is_not_sent_twice(newsroom):
    row = notifications.notify(
        Kind.MENTIONED, newsroom["draft"], notifications.staff().filter(pk=newsroom["writer"].pk)
    )[0]
    stale = Notification.objects.get(pk=row.pk)
    assert notifications.send_emails([row.pk]) == 1
    assert notifications._claim(stale) is False
    assert len(mail.outbox) == 1


def test_an_attempt_cut_off_mid_send_is_tried_again_by_the_command_not_before(newsroom):
    rows = notifications.notify(
        Kind.MENTIONED, newsroom["draft"],
        notifications.staff().filter(pk__in=[newsroom["writer"].pk, newsroom["colleague"].pk]),
    )  # fmt: skip
    for row in rows:  # claimed by a process that then exited or was killed mid-send
        assert notifications._claim(row)
    cut_off, sending = rows
    Notification.objects.filter(pk=cut_off.pk).update(
        email_claimed_at=timezone.now() - notifications.ABANDONED_AFTER - timedelta(seconds=1)
    )

    assert notifications.retry_emails() == (1, 0)

    assert [m.to for m in mail.outbox] == [[cut_off.recipient.email]]
    states = dict(Notification.objects.values_list("pk", "email"))
    assert states == {cut_off.pk: Email.SENT, sending.pk: Email.PENDING}


# --- In the admin -------------------------------------------------------------------------------


def test_every_admin_page_shows_the_unread_count_linking_to_the_inbox(newsroom, client):
    take(newsroom["draft"], "publish", by=newsroom["city_editor"])
    client.force_login(newsroom["writer"])
    page = client.get("/admin/").content.decode()
    assert f'<a href="{INBOX}" class="inbox-link">Notifications' in page
    assert "(1 unread)" in page

    client.force_login(newsroom["other_writer"])
    assert "unread)" not in client.get("/admin/").content.decode()


def test_the_inbox_lists_my_notifications_newest_first_and_marks_them_read(newsroom, client):
    draft = newsroom["draft"]
    take(draft, "submit", by=newsroom["writer"])
    take(draft, "send_back", by=newsroom["city_editor"], comment="Needs a <b>second</b> source.")
    take(draft, "publish", by=newsroom["city_editor"])
    client.force_login(newsroom["writer"])

    page = client.get(INBOX).content.decode()
    assert page.index("A story of mine is published") < page.index("A story of mine is sent back")
    assert page.count("inbox-badge") == 2
    assert "Needs a &lt;b&gt;second&lt;/b&gt; source." in page  # escaped
    assert reverse("admin:articles_article_change", args=[draft.pk]) in page
    assert "Harbour wall breaks" in page and "cate" in page
    assert "Choose what comes by email" in page
    assert not Notification.objects.filter(recipient=newsroom["writer"], read_at=None).exists()

    again = client.get(INBOX).content.decode()
    assert "inbox-badge" not in again and "(2 unread)" not in again


def test_the_inbox_shows_nobody_elses_notifications(newsroom, client):
    take(newsroom["draft"], "publish", by=newsroom["city_editor"])
    client.force_login(newsroom["other_writer"])
    page = client.get(INBOX).content.decode()
    assert "Harbour wall breaks" not in page and "no notifications yet" in page
    assert Notification.objects.filter(read_at=None).count() == 2  # theirs stay unread


def test_preferences_turn_email_off_and_on_per_kind(newsroom, client):
    client.force_login(newsroom["writer"])
    page = client.get(PREFERENCES).content.decode()
    assert page.count('type="checkbox"') == len(Kind) and page.count("checked") == len(Kind)

    wanted = {kind.value: "on" for kind in Kind if kind not in {Kind.PUBLISHED, Kind.DEADLINE}}
    response = client.post(PREFERENCES, wanted)
    assert response.status_code == 302
    off = set(EmailOptOut.objects.filter(user=newsroom["writer"]).values_list("kind", flat=True))
    assert off == {Kind.PUBLISHED, Kind.DEADLINE}

    client.post(PREFERENCES, {**wanted, Kind.DEADLINE.value: "on"})
    off = set(EmailOptOut.objects.filter(user=newsroom["writer"]).values_list("kind", flat=True))
    assert off == {Kind.PUBLISHED}


def test_nobody_adds_changes_or_deletes_notifications_by_hand(newsroom, client):
    take(newsroom["draft"], "publish", by=newsroom["city_editor"])
    row = Notification.objects.get(recipient=newsroom["writer"])
    client.force_login(newsroom["admin"])
    for url in [f"{INBOX}add/", f"{INBOX}{row.pk}/change/", f"{INBOX}{row.pk}/delete/"]:
        assert client.get(url).status_code in (302, 404), url
    assert Notification.objects.filter(pk=row.pk).exists()


def _null():
    import io

    return io.StringIO()


def test_writers_of_a_batch_are_each_storys_writers():
    """writer_ids() (a batch import's publishing) is writers() for many stories at once."""
    creator, assignee, bylined = (make_staff("Writer") for _ in range(3))
    gone = make_staff("Writer", is_active=False)
    reader = make_user()  # not staff: never told
    stories = [
        make_article(created_by=creator, assignee=assignee,
                     authors=[make_author(user=bylined), make_author(user=reader)]),
        make_article(authors=[make_author(user=gone), make_author()]),
        make_article(created_by=bylined),
    ]  # fmt: skip

    told = notifications.writer_ids(stories)

    assert told == {
        story.pk: set(notifications.writers(story).values_list("pk", flat=True))
        for story in stories
    }
    assert told[stories[0].pk] == {creator.pk, assignee.pk, bylined.pk}
    assert told[stories[1].pk] == set()
