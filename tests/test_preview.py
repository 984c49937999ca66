"""Staff preview: a signed, expiring link shows any state; bad or old links get 404."""

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from articles import preview
from articles.models import Article
from tests.factories import make_article, make_staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", [s for s in Article.State.values if s != "published"])
def test_preview_link_shows_an_unpublished_story_to_anyone_holding_it(client, state):
    when = None if state in {"draft", "review"} else timezone.now() + timedelta(days=1)
    article = make_article(
        published=False, state=state, published_at=when, headline="Embargoed scoop"
    )

    response = client.get(preview.preview_url(article))

    assert response.status_code == 200
    assert "Embargoed scoop" in response.content.decode()
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_forged_and_expired_links_get_404(client, monkeypatch):
    article = make_article(published=False)
    token = preview.preview_url(article).rstrip("/").rsplit("/", 1)[1]
    assert client.get(reverse("articles:preview", args=[token[:-2] + "xx"])).status_code == 404
    forged = signing.dumps([article.pk, 1], salt="something else")
    assert client.get(reverse("articles:preview", args=[forged])).status_code == 404

    monkeypatch.setattr(preview, "MAX_AGE", timedelta(seconds=-1))
    assert client.get(reverse("articles:preview", args=[token])).status_code == 404


def test_every_article_change_page_links_to_its_preview(client):
    client.force_login(make_staff("Editor"))
    article = make_article(published=False)
    html = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert 'href="/preview/' in html


def test_a_revoked_link_stops_working_and_the_others_go_on(client):
    editor = make_staff("Editor")
    article = make_article(published=False, headline="Embargoed scoop")
    first, second = preview.preview_url(article, by=editor), preview.preview_url(article)
    client.force_login(editor)
    change = reverse("admin:articles_article_change", args=[article.pk])
    links = client.get(change).context["preview_links"]
    assert len(links) == 2  # the editor's own (reused) and the other one

    link = next(link for link in links if link.created_by == editor)
    client.post(reverse("admin:articles_article_revoke_preview", args=[article.pk, link.pk]))
    client.logout()

    assert client.get(first).status_code == 404
    assert "Embargoed scoop" in client.get(second).content.decode()


def test_withdrawing_a_story_kills_its_preview_links_for_good(client):
    from articles import workflow

    editor = make_staff("Editor")
    article = make_article(headline="Taken down")
    link = preview.preview_url(article, by=editor)
    assert client.get(link).status_code == 200

    workflow.take(article, "withdraw", by=editor, comment="Legal.")
    assert client.get(link).status_code == 404
    workflow.take(article, "republish", by=editor)
    assert client.get(link).status_code == 404


def test_a_writer_revokes_only_their_own_links(client):
    writer = make_staff("Writer")
    article = make_article(published=False, created_by=writer)
    editors_link = preview.preview_url(article, by=make_staff("Editor"))
    link_id = article.preview_links.get().pk
    client.force_login(writer)

    client.post(reverse("admin:articles_article_revoke_preview", args=[article.pk, link_id]))

    client.logout()
    assert client.get(editors_link).status_code == 200
