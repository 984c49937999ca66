"""The state machine's rules, as every caller (admin, commands, shell) meets them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article, WorkflowEvent
from tests.factories import make_article, make_author, make_desk, make_section, make_staff

pytestmark = pytest.mark.django_db
State = Article.State


def _draft(**kwargs):
    return make_article(published=False, **kwargs)


def test_every_transition_writes_an_event_with_actor_states_and_comment():
    editor = make_staff("Editor")
    article = _draft()
    workflow.take(article, "submit", by=editor)
    workflow.take(article, "send_back", by=editor, comment="Needs a second source.")

    event = WorkflowEvent.objects.filter(article=article).first()
    assert (event.actor, event.from_state, event.to_state) == (editor, State.REVIEW, State.DRAFT)
    assert event.comment == "Needs a second source."
    assert Article.objects.get(pk=article.pk).state == State.DRAFT


def test_publish_sets_the_publication_time_once_and_republish_keeps_it():
    editor = make_staff("Editor")
    article = _draft()
    workflow.take(article, "publish", by=editor)
    first = Article.objects.get(pk=article.pk).published_at
    assert first is not None and article.is_published()

    workflow.take(article, "withdraw", by=editor, comment="Legal complaint.")
    workflow.take(article, "republish", by=editor)
    assert Article.objects.get(pk=article.pk).published_at == first


def test_publish_now_is_public_now_even_if_a_future_time_was_set():
    article = _draft(published_at=timezone.now() + timedelta(days=3))
    workflow.take(article, "publish", by=make_staff("Editor"))
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_schedule_needs_a_future_time_and_unschedule_clears_it():
    editor = make_staff("Editor")
    article = _draft()
    with pytest.raises(workflow.TransitionError, match="future"):
        workflow.take(article, "schedule", by=editor, at=timezone.now() - timedelta(minutes=1))
    assert Article.objects.get(pk=article.pk).state == State.DRAFT

    at = timezone.now() + timedelta(hours=2)
    workflow.take(article, "schedule", by=editor, at=at)
    assert (article.state, article.published_at) == (State.SCHEDULED, at)
    assert not Article.objects.published().filter(pk=article.pk).exists()
    workflow.take(article, "unschedule", by=editor)
    stored = Article.objects.get(pk=article.pk)
    assert (stored.state, stored.published_at) == (State.DRAFT, None)


def test_the_system_follows_the_state_rules_too():
    with pytest.raises(workflow.TransitionError):
        workflow.take(_draft(), "withdraw", by=None, comment="No.")
    article = _draft()
    workflow.take(article, "publish", by=None)
    assert WorkflowEvent.objects.get(article=article).actor is None


def test_a_due_scheduled_story_is_treated_as_published():
    editor = make_staff("Editor")
    article = _draft(state=State.SCHEDULED, published_at=timezone.now() - timedelta(minutes=1))
    assert [t.name for t in workflow.allowed_actions(article, editor)] == ["withdraw"]
    with pytest.raises(workflow.TransitionError):
        workflow.take(article, "unschedule", by=editor)  # it is public already

    workflow.take(article, "withdraw", by=editor, comment="Embargo broken.")

    moves = WorkflowEvent.objects.filter(article=article).order_by("at", "pk")
    assert [(e.from_state, e.to_state) for e in moves] == [
        (State.SCHEDULED, State.PUBLISHED),
        (State.PUBLISHED, State.WITHDRAWN),
    ]


def test_a_writer_named_in_the_byline_may_submit():
    writer = make_staff("Writer")
    article = _draft(authors=[make_author(user=writer)])
    workflow.take(article, "submit", by=writer)
    assert article.state == State.REVIEW


def test_an_editor_on_a_desk_covers_only_its_sections():
    editor = make_staff("Editor")
    politics, sport = make_section(), make_section()
    make_desk(politics, editors=[editor])
    workflow.take(_draft(section=politics), "publish", by=editor)
    with pytest.raises(workflow.TransitionError, match="may not"):
        workflow.take(_draft(section=sport), "publish", by=editor)


def test_schedule_time_is_entered_in_the_newsroom_time_zone(client, settings):
    settings.TIME_ZONE = "America/New_York"
    client.force_login(make_staff("Editor"))
    article = _draft()
    change = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert "Publish at (America/New_York time)" in change.content.decode()

    url = reverse("admin:articles_article_transition", args=[article.pk, "schedule"])
    client.post(url, {"at": "2031-01-15T09:30"})

    article.refresh_from_db()
    assert article.state == State.SCHEDULED
    assert article.published_at == datetime(2031, 1, 15, 14, 30, tzinfo=UTC)


def test_an_unknown_transition_is_refused_and_changes_nothing():
    article = _draft()
    with pytest.raises(workflow.TransitionError, match="no action called"):
        workflow.take(article, "delete_everything", by=make_staff("Editor"))
    assert Article.objects.get(pk=article.pk).state == State.DRAFT
    assert not WorkflowEvent.objects.exists()


def test_publish_can_back_date_but_never_future_date():
    article = _draft()
    with pytest.raises(workflow.TransitionError, match="schedules"):
        workflow.take(article, "publish", by=None, at=timezone.now() + timedelta(hours=1))
    assert Article.objects.get(pk=article.pk).state == State.DRAFT

    last_year = timezone.now() - timedelta(days=365)
    workflow.take(article, "publish", by=None, at=last_year)
    stored = Article.objects.get(pk=article.pk)
    assert (stored.state, stored.published_at) == (State.PUBLISHED, last_year)


def test_every_move_is_logged_with_who_what_from_and_to(caplog):
    editor = make_staff("Editor", username="ed")
    article = _draft()
    with caplog.at_level("INFO", logger="newsroom.workflow"):
        workflow.take(article, "submit", by=editor)
        workflow.take(article, "publish", by=editor)
    assert [r.getMessage() for r in caplog.records if r.name == "newsroom.workflow"] == [
        f"ed: submit on article {article.pk} (draft -> review)",
        f"ed: publish on article {article.pk} (review -> published)",
    ]


def test_due_unrecorded_query_and_its_twin_agree():
    now = timezone.now()
    stories = [
        _draft(state=State.SCHEDULED, published_at=now - timedelta(minutes=1)),
        _draft(state=State.SCHEDULED, published_at=now + timedelta(minutes=1)),
        make_article(published_at=now - timedelta(minutes=5)),
        _draft(),
    ]
    due = set(Article.objects.due_unrecorded().values_list("pk", flat=True))
    assert due == {s.pk for s in stories if s.is_due_unrecorded()} == {stories[0].pk}
