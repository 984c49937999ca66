"""Autosave and presence: typed work survives a closed tab; colleagues see who is editing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import edit_sessions
from articles.models import Article, EditSession, Revision
from tests.factories import article_form_data, make_article, make_section, make_staff

pytestmark = pytest.mark.django_db


def _change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def _autosave(client, article, **fields):
    url = (
        reverse("admin:articles_article_autosave", args=[article.pk])
        if article
        else reverse("admin:articles_article_autosave_new")
    )
    return client.post(url, fields)


def test_an_autosave_keeps_typed_work_without_a_revision_or_a_change_to_the_story(client):
    writer = make_staff("Writer")
    article = make_article(published=False, created_by=writer, headline="Saved headline")
    client.force_login(writer)

    response = _autosave(client, article, **article_form_data(article, headline="Typed, not saved"))

    assert response.status_code == 200 and "saved_at" in response.json()
    article.refresh_from_db()
    assert (article.headline, article.version) == ("Saved headline", 1)
    assert not Revision.objects.filter(article=article).exists()
    kept = EditSession.objects.get(user=writer, article=article).autosave
    assert kept["headline"] == ["Typed, not saved"] and "csrfmiddlewaretoken" not in kept


def test_reopening_the_story_offers_the_unsaved_work_with_a_diff_and_restores_it(client):
    writer = make_staff("Writer")
    article = make_article(published=False, created_by=writer, headline="Saved headline")
    client.force_login(writer)
    _autosave(client, article, **article_form_data(article, headline="Typed, not saved"))

    offer = client.get(_change_url(article)).content.decode()
    restored = client.get(_change_url(article), {"autosave": "restore"}).content.decode()

    assert "Restore your unsaved changes from" in offer
    assert "<ins>Typed,</ins>" in offer and "<ins>not saved</ins>" in offer
    assert 'value="Typed, not saved"' in restored
    assert "are in the form below" in restored


def test_saving_the_story_drops_its_autosave(client):
    writer = make_staff("Writer")
    article = make_article(published=False, created_by=writer)
    client.force_login(writer)
    _autosave(client, article, **article_form_data(article, headline="Typed"))

    client.post(_change_url(article), article_form_data(article, headline="Typed"))

    assert "Restore your unsaved changes" not in client.get(_change_url(article)).content.decode()


def test_an_autosave_that_matches_the_story_is_not_offered(client):
    writer = make_staff("Writer")
    article = make_article(published=False, created_by=writer)
    client.force_login(writer)
    _autosave(client, article, **article_form_data(article))

    assert "Restore your unsaved changes" not in client.get(_change_url(article)).content.decode()


def test_a_new_story_is_autosaved_too_and_offered_on_the_add_page(client):
    writer = make_staff("Writer")
    client.force_login(writer)
    section = make_section()
    fields = {"headline": "A story never saved", "section": section.pk, "body": "<p>Words.</p>"}

    assert _autosave(client, None, **fields).status_code == 200
    add = reverse("admin:articles_article_add")

    assert "Restore your unsaved changes from" in client.get(add).content.decode()
    assert (
        'value="A story never saved"' in client.get(add, {"autosave": "restore"}).content.decode()
    )
    assert not Article.objects.exists()


def test_autosave_refuses_someone_who_may_not_edit_the_story(client):
    article = make_article(published=False)
    client.force_login(make_staff("Writer"))

    assert _autosave(client, article, headline="Not mine").status_code in {403, 404}
    assert not EditSession.objects.exists()


def test_colleagues_see_who_is_editing_on_the_form_and_in_the_list(client):
    aisha = make_staff("Editor", "aisha", first_name="Aisha", last_name="Karim")
    ben = make_staff("Editor", "ben")
    article = make_article(headline="Budget night")
    client.force_login(aisha)
    heartbeat = reverse("admin:articles_article_heartbeat", args=[article.pk])
    assert client.post(heartbeat).json() == {"others": []}

    client.force_login(ben)
    form = client.get(_change_url(article)).content.decode()
    listing = client.get(reverse("admin:articles_article_changelist")).content.decode()
    others = client.post(heartbeat).json()["others"]

    assert "Aisha Karim is editing this story (since" in form
    assert "Aisha Karim" in listing
    assert [other["name"] for other in others] == ["Aisha Karim"]


def test_presence_fades_when_the_heartbeats_stop_and_never_locks(client):
    aisha, ben = make_staff("Editor", "aisha"), make_staff("Editor", "ben")
    article = make_article(published=False)
    edit_sessions.heartbeat(aisha, article)
    EditSession.objects.update(seen_at=timezone.now() - timedelta(minutes=5))
    client.force_login(ben)

    assert "is editing this story" not in client.get(_change_url(article)).content.decode()
    response = client.post(_change_url(article), article_form_data(article, headline="Ben's"))
    assert response.status_code == 302
