"""Editors mark substantive updates and add dated corrections; readers see both."""

import pytest
from django.urls import reverse

from tests.factories import article_form_data, make_article, make_staff

pytestmark = pytest.mark.django_db


def _publish_changes(client, article):
    url = reverse("admin:articles_article_transition", args=[article.pk, "publish_changes"])
    assert client.post(url, {"comment": ""}).status_code == 302
    article.refresh_from_db()


def test_substantive_update_sets_the_updated_time_readers_see_once_published(client):
    client.force_login(make_staff("Editor"))
    article = make_article()
    url = reverse("admin:articles_article_change", args=[article.pk])

    client.post(url, article_form_data(article, body="<p>Typo fixed.</p>"))
    _publish_changes(client, article)
    assert article.updated_at is None

    client.post(url, article_form_data(article, body="<p>New facts.</p>", substantive_update="on"))
    article.refresh_from_db()
    assert article.updated_at is None  # waiting with the changes
    assert "story__updated" not in client.get(article.get_absolute_url()).content.decode()

    _publish_changes(client, article)
    assert article.updated_at is not None
    page = client.get(article.get_absolute_url()).content.decode()
    assert "story__updated" in page and "New facts." in page


def test_editor_adds_a_dated_correction_shown_once_the_changes_are_published(client):
    client.force_login(make_staff("Editor"))
    article = make_article()
    data = article_form_data(
        article,
        **{
            "corrections-TOTAL_FORMS": 1,
            "corrections-0-text": "The bridge is 2 km long, not 3 km.",
            "corrections-0-published_at_0": "2030-01-02",
            "corrections-0-published_at_1": "10:00",
        },
    )
    response = client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 302
    assert "2 km long" not in client.get(article.get_absolute_url()).content.decode()

    _publish_changes(client, article)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "The bridge is 2 km long, not 3 km." in page
    assert "2 January 2030" in page


def test_writers_get_no_correction_or_update_controls(client):
    writer = make_staff("Writer")
    client.force_login(writer)
    article = make_article(published=False, created_by=writer)
    html = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert "substantive_update" not in html
    assert "corrections-TOTAL_FORMS" not in html
