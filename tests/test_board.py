"""The planning board: the desk's stories by stage, and moves that are workflow transitions."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import roles
from articles import workflow
from articles.models import Article
from planning.models import Note
from tests.factories import make_article, make_desk, make_section, make_staff, make_user

pytestmark = pytest.mark.django_db

BOARD = "/admin/planning/board/"
BOARD_BUDGET = 12  # queries for the whole board, whatever the number of stories


def board_of(client, user, query: str = "") -> dict[str, list[str]]:
    """Headlines in each column of the board `user` sees."""
    client.force_login(user)
    response = client.get(f"{BOARD}?{query}")
    assert response.status_code == 200
    return {c.key: [a.headline for a in c.cards] for c in response.context["columns"]}


def shown(columns: dict) -> set[str]:
    return {headline for headlines in columns.values() for headline in headlines}


def post(client, user, **data):
    client.force_login(user)
    response = client.post(BOARD, data, follow=True)
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def trail(article) -> tuple:
    """What a refused move must leave as it was."""
    article = Article.objects.get(pk=article.pk)
    events = list(article.events.values_list("pk", flat=True))
    return article.state, article.version, article.published_at, article.assignee_id, events


@pytest.fixture
def newsroom():
    city, sport = make_section(name="City"), make_section(name="Sport")
    desk_editor = make_staff("Editor", "edna")
    desk = make_desk(city, editors=[desk_editor], name="City desk")
    writer = make_staff("Writer", "wren")
    now = timezone.now()
    draft = {"published": False, "section": city, "created_by": writer}
    stories = {
        "planned": make_article(headline="Planned story", body="", **draft),
        "drafting": make_article(headline="Drafting story", **draft),
        "review": make_article(headline="Story in review", state="review", **draft),
        "scheduled": make_article(
            headline="Scheduled story", section=city, state="scheduled",
            published_at=now + timedelta(hours=3),
        ),
        "published": make_article(headline="Published today", section=city, published_at=now),
    }  # fmt: skip
    make_article(headline="Published last week", section=city, published_at=now - timedelta(7))
    make_article(
        headline="Withdrawn story",
        section=city,
        state="withdrawn",
        published_at=now,
        published=False,
    )
    sport_story = make_article(headline="Sport draft", section=sport, published=False)
    return {
        "city": city, "sport": sport, "desk": desk, "desk_editor": desk_editor, "writer": writer,
        "editor": make_staff("Editor", "ed"), "stories": stories, "sport_story": sport_story,
    }  # fmt: skip


# --- What the board shows ------------------------------------------------------------------------


def test_each_stage_has_its_stories_in_its_column(client, newsroom):
    assert board_of(client, newsroom["editor"]) == {
        "planned": ["Planned story"],
        "drafting": ["Drafting story", "Sport draft"],
        "review": ["Story in review"],
        "scheduled": ["Scheduled story"],
        "published": ["Published today"],
    }


def test_published_before_today_and_withdrawn_stories_are_not_on_the_board(client, newsroom):
    seen = shown(board_of(client, newsroom["editor"]))
    assert "Published last week" not in seen
    assert "Withdrawn story" not in seen


def test_columns_are_sections_with_headings_and_cards_are_list_items(client, newsroom):
    client.force_login(newsroom["editor"])
    html = client.get(BOARD).content.decode()
    for title in ["Planned", "Drafting", "In review", "Scheduled", "Published today"]:
        assert f">{title} <span" in html
    assert html.count('<section class="board-column') == 5
    assert '<li class="board-card' in html


def test_a_writer_sees_only_their_own_stories(client, newsroom):
    assert shown(board_of(client, newsroom["writer"])) == {
        "Planned story", "Drafting story", "Story in review",
    }  # fmt: skip


def test_an_editor_on_a_desk_sees_only_the_desks_sections(client, newsroom):
    seen = shown(board_of(client, newsroom["desk_editor"]))
    assert "Sport draft" not in seen
    assert "Planned story" in seen
    assert "Sport draft" in shown(board_of(client, newsroom["editor"]))  # an editor on no desk


def test_a_writer_is_offered_only_the_moves_a_writer_may_make(client, newsroom):
    client.force_login(newsroom["writer"])
    html = client.get(BOARD).content.decode()
    assert 'value="submit"' in html
    assert 'value="publish"' not in html
    assert 'name="assignee"' not in html.split('id="board"')[1]  # no reassigning


def test_published_today_follows_the_newsrooms_time_zone(client, settings, monkeypatch):
    settings.TIME_ZONE = "Pacific/Auckland"  # UTC+13 in March
    now = datetime(2030, 3, 10, 11, 30, tzinfo=UTC)  # 00:30 on 11 March in Auckland
    monkeypatch.setattr(timezone, "now", lambda: now)
    editor = make_staff("Editor")
    make_article(
        headline="Ten past midnight", published_at=datetime(2030, 3, 10, 11, 10, tzinfo=UTC)
    )
    make_article(headline="Ten to midnight", published_at=datetime(2030, 3, 10, 10, 50, tzinfo=UTC))
    columns = board_of(client, editor)
    assert columns["published"] == ["Ten past midnight"]
    assert "Ten to midnight" not in shown(columns)


def test_filters_by_desk_section_assignee_and_mine(client, newsroom):
    editor, writer, stories = newsroom["editor"], newsroom["writer"], newsroom["stories"]
    Article.objects.filter(pk=stories["review"].pk).update(assignee=writer)
    mine = make_article(headline="Editor's own", published=False, created_by=editor)
    Article.objects.filter(pk=stories["planned"].pk).update(assignee=editor)

    by_desk = shown(board_of(client, editor, f"desk={newsroom['desk'].pk}"))
    assert "Sport draft" not in by_desk and "Drafting story" in by_desk
    assert shown(board_of(client, editor, f"section={newsroom['sport'].pk}")) == {"Sport draft"}
    assert shown(board_of(client, editor, f"assignee={writer.pk}")) == {"Story in review"}
    assert "Sport draft" in shown(board_of(client, editor, "assignee=none"))
    assert shown(board_of(client, editor, "mine=on")) == {mine.headline, "Planned story"}


def test_an_invalid_filter_is_shown_and_ignored(client, newsroom):
    client.force_login(newsroom["editor"])
    response = client.get(f"{BOARD}?section=99999")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert "Sport draft" in shown(
        {c.key: [a.headline for a in c.cards] for c in response.context["columns"]}
    )


def test_an_overdue_story_is_marked_in_words_as_well_as_colour(client, newsroom):
    stories = newsroom["stories"]
    past = timezone.now() - timedelta(hours=1)
    Article.objects.filter(pk=stories["drafting"].pk).update(deadline=past)
    # Scheduled: its copy is in, so a passed deadline is no longer a worry.
    Article.objects.filter(pk=stories["scheduled"].pk).update(deadline=past)
    Article.objects.filter(pk=stories["review"].pk).update(deadline=past + timedelta(days=1))
    client.force_login(newsroom["editor"])
    response = client.get(BOARD)
    overdue = {a.headline for c in response.context["columns"] for a in c.cards if a.overdue}
    assert overdue == {"Drafting story"}
    html = response.content.decode()
    assert html.count("board-card--overdue") == 1
    assert html.count(">Overdue</strong>") == 1


def test_each_card_counts_its_notes(client, newsroom):
    story = newsroom["stories"]["review"]
    first = Note.objects.create(article=story, author=newsroom["editor"], text="Source?")
    Note.objects.create(article=story, author=newsroom["writer"], text="Added.", parent=first)
    client.force_login(newsroom["editor"])
    response = client.get(BOARD)
    counts = {a.headline: a.notes_count for c in response.context["columns"] for a in c.cards}
    assert counts["Story in review"] == 2
    assert counts["Drafting story"] == 0


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(BOARD)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.post(BOARD, {"action": "move"})["Location"].startswith("/admin/login/")


# --- Moves ---------------------------------------------------------------------------------------


def _outcome(article) -> tuple:
    article = Article.objects.get(pk=article.pk)
    event = article.events.first()
    return (
        article.state, article.version, article.published_at is not None, article.pending_state,
        (event.action, event.from_state, event.to_state, event.comment, event.actor_id),
    )  # fmt: skip


IN_TWO_HOURS = timedelta(hours=2)


@pytest.mark.parametrize(
    ("state", "name", "extra"),
    [
        ("draft", "submit", {}),
        ("review", "send_back", {"comment": "Needs a second source."}),
        ("draft", "publish", {}),
        ("review", "publish", {}),
        ("review", "schedule", {"at": IN_TWO_HOURS}),
        ("scheduled", "unschedule", {}),
    ],
)
def test_each_move_does_exactly_what_the_workflow_does(client, newsroom, state, name, extra):
    editor, city = newsroom["editor"], newsroom["city"]
    at = timezone.now().replace(second=0, microsecond=0) + extra.get("at", timedelta(0))
    when = {"published_at": at + timedelta(days=1)} if state == "scheduled" else {}
    by_hand, by_board = (
        make_article(headline=f"Story {n}", section=city, published=False, state=state, **when)
        for n in (1, 2)
    )
    kwargs = {"comment": extra.get("comment", "")}
    if "at" in extra:
        kwargs["at"] = at
    workflow.take(by_hand, name, by=editor, **kwargs)

    form = {"action": "move", "article": by_board.pk, "transition": name, **kwargs}
    if "at" in extra:
        form["at"] = timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")
    messages = post(client, editor, **form)

    assert _outcome(by_board) == _outcome(by_hand)
    if name == "publish":
        published = Article.objects.get(pk=by_board.pk).published_at
        assert abs(published - Article.objects.get(pk=by_hand.pk).published_at) < timedelta(60)
    if name == "schedule":
        assert Article.objects.get(pk=by_board.pk).published_at == at
    assert messages and "moved to" in messages[0]


def test_scheduling_defaults_to_the_planned_time_when_it_is_ahead(client, newsroom):
    planned = timezone.now().replace(microsecond=0) + timedelta(hours=5)
    story = newsroom["stories"]["review"]
    Article.objects.filter(pk=story.pk).update(planned_for=planned)
    post(client, newsroom["editor"], action="move", article=story.pk, transition="schedule")
    story.refresh_from_db()
    assert (story.state, story.published_at) == ("scheduled", planned)


def _refused(client, user, story, **form) -> list[str]:
    before = trail(story)
    messages = post(client, user, action="move", article=story.pk, **form)
    assert trail(story) == before
    return messages


def test_a_writer_may_not_publish_from_the_board(client, newsroom):
    story = newsroom["stories"]["drafting"]
    messages = _refused(client, newsroom["writer"], story, transition="publish")
    assert messages == ["You may not publish now “Drafting story”."]


def test_an_editor_may_not_move_a_story_outside_their_desk(client, newsroom):
    story = newsroom["sport_story"]
    messages = _refused(client, newsroom["desk_editor"], story, transition="publish")
    assert messages == ["You may not publish now “Sport draft”."]


def test_sending_back_needs_a_comment(client, newsroom):
    story = newsroom["stories"]["review"]
    messages = _refused(client, newsroom["editor"], story, transition="send_back", comment=" ")
    assert messages == ["Say why when you send back a story."]


def test_scheduling_needs_a_time_in_the_future(client, newsroom):
    story = newsroom["stories"]["review"]
    past = timezone.localtime() - timedelta(hours=1)
    messages = _refused(
        client, newsroom["editor"], story, transition="schedule", at=past.strftime("%Y-%m-%dT%H:%M")
    )
    assert messages == ["The publish time must be in the future."]
    messages = _refused(client, newsroom["editor"], story, transition="schedule")
    assert messages == ["Give a publish time to schedule “Story in review”."]


def test_a_move_the_story_is_not_in_the_state_for_is_refused(client, newsroom):
    story = newsroom["stories"]["drafting"]
    messages = _refused(client, newsroom["editor"], story, transition="send_back", comment="No.")
    assert messages == ["“Drafting story” is draft; it cannot be given “send back”."]


def test_transitions_that_are_not_board_moves_are_refused(client, newsroom):
    story = newsroom["stories"]["published"]
    messages = _refused(client, newsroom["editor"], story, transition="withdraw", comment="Why")
    assert messages == ["That move is not on the board; nothing changed."]


def test_a_time_that_is_not_a_time_is_refused(client, newsroom):
    story = newsroom["stories"]["review"]
    messages = _refused(client, newsroom["editor"], story, transition="schedule", at="soon")
    assert messages == ["Choose a move, and give any time as a date and time."]


def test_a_writer_cannot_reach_a_story_that_is_not_theirs(client, newsroom):
    story = newsroom["sport_story"]
    before = trail(story)
    client.force_login(newsroom["writer"])
    response = client.post(BOARD, {"action": "move", "article": story.pk, "transition": "submit"})
    assert response.status_code == 404
    assert trail(story) == before


def test_the_board_keeps_its_filters_after_a_move(client, newsroom):
    story = newsroom["stories"]["drafting"]
    client.force_login(newsroom["editor"])
    query = f"section={newsroom['city'].pk}&mine=on"
    response = client.post(
        f"{BOARD}?{query}", {"action": "move", "article": story.pk, "transition": "submit"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{BOARD}?{query}"


# --- Reassigning ---------------------------------------------------------------------------------


def test_an_editor_reassigns_a_story(client, newsroom):
    story, writer = newsroom["stories"]["planned"], newsroom["writer"]
    messages = post(
        client, newsroom["editor"], action="reassign", article=story.pk, assignee=writer.pk
    )
    story.refresh_from_db()
    assert story.assignee == writer
    assert messages == ["“Planned story” is assigned to wren."]
    post(client, newsroom["editor"], action="reassign", article=story.pk, assignee="")
    story.refresh_from_db()
    assert story.assignee is None


def test_a_writer_may_not_reassign(client, newsroom):
    story, writer = newsroom["stories"]["planned"], newsroom["writer"]
    before = trail(story)
    messages = post(client, writer, action="reassign", article=story.pk, assignee=writer.pk)
    assert trail(story) == before
    assert messages == ["Only an editor on its desk may reassign “Planned story”."]


def test_an_editor_may_not_reassign_outside_their_desk(client, newsroom):
    story = newsroom["sport_story"]
    before = trail(story)
    messages = post(
        client, newsroom["desk_editor"], action="reassign", article=story.pk,
        assignee=newsroom["writer"].pk,
    )  # fmt: skip
    assert trail(story) == before
    assert messages == ["Only an editor on its desk may reassign “Sport draft”."]


@pytest.mark.parametrize(
    "role, account",
    [
        ("Writer", {"is_staff": True, "is_active": False}),
        (None, {"is_staff": True}),
        ("Writer", {"is_staff": False}),
    ],
    ids=["inactive writer", "staff in no role", "writer who is not staff"],
)
def test_a_story_is_assigned_only_to_active_writers_and_editors(client, newsroom, role, account):
    story = newsroom["stories"]["planned"]
    person = make_user(**account)
    if role:
        person.groups.add(Group.objects.get(name=role))
    assert person not in roles.assignable()
    before = trail(story)
    client.force_login(newsroom["editor"])
    board = client.get(BOARD)
    assert person.pk not in {pk for pk, _ in board.context["staff"]}  # never offered
    messages = post(
        client, newsroom["editor"], action="reassign", article=story.pk, assignee=person.pk
    )
    assert trail(story) == before
    assert messages == ["A story can only be assigned to an active writer or editor."]


# --- Query budget --------------------------------------------------------------------------------


def _fill(size: int, editor, writer):
    """`size` stories in every column, each with an assignee, a deadline and notes."""
    section = make_section()
    make_desk(section, editors=[editor])
    now = timezone.now()
    for n in range(size):
        common = {"section": section, "assignee": writer, "deadline": now - timedelta(hours=n)}
        story = make_article(body="", published=False, created_by=writer, **common)
        make_article(published=False, created_by=writer, **common)
        make_article(published=False, state="review", created_by=writer, **common)
        make_article(state="scheduled", published_at=now + timedelta(days=1), **common)
        make_article(published_at=now - timedelta(minutes=n), **common)
        for _ in range(size):
            Note.objects.create(article=story, author=editor, text="A note.")


def _board_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(BOARD)
    assert response.status_code == 200
    return len(queries)


def test_the_board_costs_the_same_queries_whatever_the_number_of_stories(client):
    editor, writer = make_staff("Editor"), make_staff("Writer")
    _fill(2, editor, writer)
    small = {who.username: _board_queries(client, who) for who in (editor, writer)}
    _fill(9, editor, writer)
    large = {who.username: _board_queries(client, who) for who in (editor, writer)}
    assert small == large
    assert max(large.values()) <= BOARD_BUDGET
