"""One click: a workflow button on the story's form saves the form, then moves the story; a
save the form refuses moves nothing, and the form comes back with what was typed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import article_form_data, make_article, make_author, make_staff

pytestmark = pytest.mark.django_db


def _change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


@pytest.fixture
def writer():
    user = make_staff("Writer", "wendy")
    make_author(name="Wendy Writer", user=user)
    return user


def _own_draft(writer, **fields):
    return make_article(published=False, authors=[writer.author], created_by=writer, **fields)


def test_submit_saves_the_unsaved_headline_then_submits_it(client, writer):
    story = _own_draft(writer, headline="Bridge vote today")
    client.force_login(writer)
    form = {**article_form_data(story), "headline": "Bridge approved", "transition": "submit"}

    answer = client.post(_change_url(story), form)

    assert answer.status_code == 302 and answer.url == _change_url(story)
    story.refresh_from_db()
    assert (story.headline, story.state) == ("Bridge approved", Article.State.REVIEW)
    event = story.events.get()
    assert (event.action, event.actor) == ("submit", writer)
    page = client.get(answer.url).content.decode()
    assert "Submit for review: done." in page


def test_the_story_form_names_its_workflow_buttons_and_their_inputs(client, writer):
    story = _own_draft(writer)
    client.force_login(writer)

    html = client.get(_change_url(story)).content.decode()

    assert 'form="article_form" name="transition" value="submit"' in html
    assert (
        f'action="{reverse("admin:articles_article_transition", args=[story.pk, "submit"])}"'
        not in html
    )


def test_a_send_back_without_its_reason_saves_nothing_and_keeps_the_edit(client, writer):
    story = make_article(published=False, state=Article.State.REVIEW, headline="Old headline")
    client.force_login(make_staff("Editor"))
    form = {**article_form_data(story), "headline": "Sharper headline", "transition": "send_back"}

    answer = client.post(_change_url(story), form)

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Nothing was saved or moved: Say why when you send back a story." in html
    assert 'value="Sharper headline"' in html
    story.refresh_from_db()
    assert (story.headline, story.state, story.version) == ("Old headline", "review", 1)


def test_a_schedule_in_the_past_saves_nothing_and_keeps_the_time_typed(client):
    story = make_article(published=False, state=Article.State.REVIEW, headline="Old headline")
    client.force_login(make_staff("Editor"))
    past = timezone.localtime() - timedelta(hours=1)
    typed = past.strftime("%Y-%m-%dT%H:%M")
    form = {**article_form_data(story), "headline": "New", "transition": "schedule",
            "at-schedule": typed}  # fmt: skip

    answer = client.post(_change_url(story), form)

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "The publish time must be in the future." in html
    assert f'value="{typed}"' in html
    story.refresh_from_db()
    assert (story.headline, story.state) == ("Old headline", "review")


def test_a_stale_form_moves_nothing(client):
    editor = make_staff("Editor")
    story = make_article(published=False, state=Article.State.REVIEW, body="<p>One.</p>")
    client.force_login(editor)
    loaded = article_form_data(story)
    client.post(_change_url(story), {**loaded, "body": "<p>Two.</p>"})

    answer = client.post(
        _change_url(story), {**loaded, "body": "<p>Three.</p>", "transition": "publish"}
    )

    assert answer.status_code == 200
    assert "Nothing of yours was saved" in answer.content.decode()
    story.refresh_from_db()
    assert (story.body, story.state) == ("<p>Two.</p>", Article.State.REVIEW)


def test_a_schedule_with_its_time_saves_then_schedules(client):
    story = make_article(published=False, state=Article.State.REVIEW, headline="Old")
    client.force_login(make_staff("Editor"))
    when = timezone.localtime() + timedelta(days=1)
    form = {**article_form_data(story), "headline": "Tomorrow's story", "transition": "schedule",
            "at-schedule": when.strftime("%Y-%m-%dT%H:%M")}  # fmt: skip

    assert client.post(_change_url(story), form).status_code == 302

    story.refresh_from_db()
    assert (story.headline, story.state) == ("Tomorrow's story", Article.State.SCHEDULED)
    assert story.published_at == when.replace(second=0, microsecond=0)


def test_a_move_with_nothing_typed_saves_no_new_version(client):
    story = make_article(published=False, state=Article.State.REVIEW)
    client.force_login(make_staff("Editor"))

    answer = client.post(_change_url(story), {**article_form_data(story), "transition": "publish"})

    assert answer.status_code == 302
    story.refresh_from_db()
    assert (story.state, story.version, story.revisions.count()) == ("published", 1, 0)
