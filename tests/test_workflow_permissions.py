"""Who may take which transition from which state, tried through the admin's own endpoints.

Every role x every transition x every state, by the workflow buttons (one form per
transition) and by the bulk actions of the list page. Allowed: the article moves and one
event is written. Refused: the state is unchanged and no event is written.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, WorkflowEvent
from tests.factories import make_article, make_desk, make_section, make_staff, make_user

pytestmark = pytest.mark.django_db

State = Article.State
ROLES = ["owner", "other_writer", "editor", "other_desk_editor", "superuser"]
STATES = list(State.values)
TRANSITIONS = {
    "submit": ({State.DRAFT}, State.REVIEW),
    "send_back": ({State.REVIEW}, State.DRAFT),
    "publish": ({State.DRAFT, State.REVIEW}, State.PUBLISHED),
    "schedule": ({State.DRAFT, State.REVIEW}, State.SCHEDULED),
    "unschedule": ({State.SCHEDULED}, State.DRAFT),
    "withdraw": ({State.PUBLISHED}, State.WITHDRAWN),
    "republish": ({State.WITHDRAWN}, State.PUBLISHED),
}
BULK_ACTIONS = {
    "submit": "submit_selected",
    "publish": "publish_selected",
    "unschedule": "unschedule_selected",
    "republish": "republish_selected",
}


def _may(role: str, transition: str) -> bool:
    if role in {"editor", "superuser"}:
        return True
    return role == "owner" and transition == "submit"


def _setup(role: str, state: str):
    owner = make_staff("Writer", "owner")
    section = make_section()
    when = {
        State.DRAFT: None,
        State.REVIEW: None,
        State.SCHEDULED: timezone.now() + timedelta(days=1),
        State.PUBLISHED: timezone.now() - timedelta(days=1),
        State.WITHDRAWN: timezone.now() - timedelta(days=1),
    }[state]
    article = make_article(
        published=False, state=state, published_at=when, section=section, created_by=owner
    )
    if role == "owner":
        return owner, article
    if role == "other_writer":
        return make_staff("Writer"), article
    if role == "superuser":
        return make_user(is_staff=True, is_superuser=True), article
    editor = make_staff("Editor")
    if role == "other_desk_editor":
        make_desk(make_section(), editors=[editor])
    return editor, article


def _check(article, state, allowed, target):
    article.refresh_from_db()
    events = WorkflowEvent.objects.filter(article=article)
    if allowed:
        assert article.state == target
        assert events.count() == 1
        event = events.get()
        assert (event.from_state, event.to_state) == (state, target)
    else:
        assert article.state == state
        assert not events.exists()


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("transition", list(TRANSITIONS))
@pytest.mark.parametrize("role", ROLES)
def test_workflow_button(client, role, transition, state):
    user, article = _setup(role, state)
    sources, target = TRANSITIONS[transition]
    client.force_login(user)
    at = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(
        reverse("admin:articles_article_transition", args=[article.pk, transition]),
        {"comment": "Needs a second source.", "at": at},
    )

    assert response.status_code in {302, 404}
    _check(article, state, state in sources and _may(role, transition), target)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("transition", list(BULK_ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_bulk_action(client, role, transition, state):
    user, article = _setup(role, state)
    sources, target = TRANSITIONS[transition]
    client.force_login(user)

    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": BULK_ACTIONS[transition], "_selected_action": [article.pk]},
    )

    assert response.status_code in {200, 302}
    _check(article, state, state in sources and _may(role, transition), target)


# The pending changes of a live story: who may take which transition from which changes' state.
CHANGES_TRANSITIONS = {
    "submit_changes": ({"draft"}, "review"),
    "send_back_changes": ({"review"}, "draft"),
    "publish_changes": ({"draft", "review"}, ""),
    "discard_changes": ({"draft", "review"}, ""),
}


def _may_change(role: str, transition: str) -> bool:
    if role in {"editor", "superuser"}:
        return True
    return role == "owner" and transition == "submit_changes"


@pytest.mark.parametrize("changes", ["", "draft", "review"])
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("transition", list(CHANGES_TRANSITIONS))
@pytest.mark.parametrize("role", ROLES)
def test_changes_button(client, role, transition, state, changes):
    user, article = _setup(role, state)
    if changes:
        revision = article.revisions.create(
            version=2, content={"headline": "Pending headline"}, created_by=user
        )
        Article.objects.filter(pk=article.pk).update(
            version=2, pending_state=changes, pending_revision=revision
        )
    live_headline = article.headline
    sources, target = CHANGES_TRANSITIONS[transition]
    client.force_login(user)

    response = client.post(
        reverse("admin:articles_article_transition", args=[article.pk, transition]),
        {"comment": "Needs a second source."},
    )

    assert response.status_code in {302, 404}
    article.refresh_from_db()
    allowed = state == State.PUBLISHED and changes in sources and _may_change(role, transition)
    events = WorkflowEvent.objects.filter(article=article)
    assert article.state == state
    assert article.pending_state == (target if allowed else changes)
    assert events.filter(action=transition).count() == (1 if allowed else 0)
    assert events.count() == (1 if allowed else 0)
    published = allowed and transition == "publish_changes"
    assert article.headline == ("Pending headline" if published else live_headline)


def test_buttons_shown_are_the_transitions_the_user_may_take(client):
    writer = make_staff("Writer")
    article = make_article(published=False, created_by=writer)
    client.force_login(writer)
    html = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert 'value="submit"' in html
    assert 'value="publish"' not in html

    client.force_login(make_staff("Editor"))
    html = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    for name in ["submit", "publish", "schedule"]:
        assert f'value="{name}"' in html
    assert 'value="withdraw"' not in html


def test_refusal_is_explained_to_the_user(client):
    writer = make_staff("Writer")
    article = make_article(published=False, created_by=writer)
    client.force_login(writer)
    url = reverse("admin:articles_article_transition", args=[article.pk, "publish"])
    response = client.post(url, {"comment": ""}, follow=True)
    assert "You may not publish now" in response.content.decode()


def test_send_back_and_withdraw_require_a_comment(client):
    client.force_login(make_staff("Editor"))
    in_review = make_article(published=False, state=State.REVIEW)
    live = make_article()
    for article, name in [(in_review, "send_back"), (live, "withdraw")]:
        url = reverse("admin:articles_article_transition", args=[article.pk, name])
        response = client.post(url, {"comment": "  "}, follow=True)
        article.refresh_from_db()
        assert article.state in {State.REVIEW, State.PUBLISHED}
        assert "Say why" in response.content.decode()
    assert not WorkflowEvent.objects.exists()


def test_writers_see_and_change_only_their_own_drafts(client):
    writer = make_staff("Writer")
    mine = make_article(published=False, headline="Mine to write", created_by=writer)
    theirs = make_article(published=False, headline="Someone else's story")
    submitted = make_article(
        published=False, state=State.REVIEW, headline="Mine in review", created_by=writer
    )
    client.force_login(writer)

    listing = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Mine to write" in listing and "Mine in review" in listing
    assert "Someone else" not in listing
    assert client.get(reverse("admin:articles_article_change", args=[theirs.pk])).status_code == 302
    response = client.post(
        reverse("admin:articles_article_change", args=[submitted.pk]),
        {"headline": "Rewritten after submitting"},
    )
    assert response.status_code == 200  # the form again, saying why; never a bare 403
    submitted.refresh_from_db()
    assert submitted.headline == "Mine in review"
    assert client.get(reverse("admin:articles_article_change", args=[mine.pk])).status_code == 200


def test_editors_delete_unpublished_drafts_but_never_a_story_that_was_public(client):
    client.force_login(make_staff("Editor"))
    draft = make_article(published=False)
    withdrawn = make_article(state=Article.State.WITHDRAWN)
    for story in (draft, withdrawn):
        client.post(reverse("admin:articles_article_delete", args=[story.pk]), {"post": "yes"})
    changelist = client.get(reverse("admin:articles_article_changelist")).content.decode()

    assert not Article.objects.filter(pk=draft.pk).exists()
    assert Article.objects.filter(pk=withdrawn.pk).exists()
    assert 'value="delete_selected"' not in changelist


def test_view_on_site_never_leads_a_writer_to_another_writers_draft(client):
    from django.contrib.contenttypes.models import ContentType

    other = make_article(published=False, headline="Someone else's scoop")
    mine_writer = make_staff("Writer")
    mine = make_article(created_by=mine_writer)
    client.force_login(mine_writer)
    type_id = ContentType.objects.get_for_model(Article).pk

    theirs = client.get(reverse("admin:view_on_site", args=[type_id, other.pk]))
    own = client.get(reverse("admin:view_on_site", args=[type_id, mine.pk]))

    assert theirs.status_code == 404 and other.slug not in theirs.get("Location", "")
    assert own.status_code == 302 and own["Location"].endswith(mine.get_absolute_url())


def test_taggit_has_no_admin_and_tag_suggestions_hide_others_drafts(client):
    writer = make_staff("Writer")
    make_article(published=False, tags=["Secret merger"])
    make_article(published=False, tags=["Secret diary"], created_by=writer)
    make_article(tags=["Secret history"])
    client.force_login(writer)

    names = client.get(reverse("admin:articles_article_tags"), {"term": "secret"}).json()["tags"]

    assert sorted(names) == ["Secret diary", "Secret history"]
    assert client.get("/admin/taggit/tag/").status_code == 404
    assert client.post("/admin/taggit/tag/merge-tags/", {"new_tag_name": "x"}).status_code == 404


def test_view_on_site_with_an_id_that_is_not_a_plain_number_leads_nowhere(client):
    from django.contrib.contenttypes.models import ContentType

    draft = make_article(published=False, headline="Someone else's scoop")
    client.force_login(make_staff("Writer"))
    type_id = ContentType.objects.get_for_model(Article).pk

    response = client.get(f"/admin/r/+{type_id}/{draft.pk}/")

    assert response.status_code == 404 and draft.slug not in response.get("Location", "")
