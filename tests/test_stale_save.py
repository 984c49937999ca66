"""No lost work: a save made from a stale form is refused, never a silent overwrite."""

import pytest
from django.urls import reverse

from articles.models import Article, Revision
from tests.factories import article_form_data, make_article, make_staff

pytestmark = pytest.mark.django_db


def _change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def test_second_of_two_saves_from_the_same_version_is_refused_and_keeps_both_texts(client):
    first_user = make_staff("Editor", "ana", first_name="Ana", last_name="Editor")
    second_user = make_staff("Editor", "ben")
    article = make_article(published=False, body="<p>The council met on Tuesday.</p>")
    # Both open the change form while the article is at the same version.
    client.force_login(first_user)
    assert client.get(_change_url(article)).status_code == 200
    loaded = article_form_data(article)

    first = client.post(
        _change_url(article), {**loaded, "body": "<p>The council met on Wednesday.</p>"}
    )
    assert first.status_code == 302

    client.force_login(second_user)
    second = client.post(
        _change_url(article),
        {**loaded, "body": "<p>The council met on Tuesday evening, late.</p>"},
    )

    assert second.status_code == 200
    html = second.content.decode()
    assert "Ana Editor saved this story at" in html
    assert "Nothing of yours was saved" in html
    assert "Tuesday evening, late." in html  # the second user's own text, to merge
    assert "<del>Tuesday.</del>" in html and "<ins>Wednesday.</ins>" in html  # what Ana changed
    article.refresh_from_db()
    assert article.body == "<p>The council met on Wednesday.</p>"
    assert article.version == 2
    assert not Revision.objects.filter(article=article, created_by=second_user).exists()


def test_refused_form_can_be_saved_after_merging(client):
    client.force_login(make_staff("Editor"))
    article = make_article(published=False, body="<p>One.</p>")
    loaded = article_form_data(article)
    client.post(_change_url(article), {**loaded, "body": "<p>Two.</p>"})

    refused = client.post(_change_url(article), {**loaded, "body": "<p>Three.</p>"})
    merged = refused.context["adminform"].form.data.copy()
    merged["body"] = "<p>Two and three.</p>"
    assert client.post(_change_url(article), merged).status_code == 302

    article.refresh_from_db()
    assert (article.body, article.version) == ("<p>Two and three.</p>", 3)


def test_a_save_never_undoes_a_transition_made_meanwhile(client):
    writer = make_staff("Writer")
    article = make_article(published=False, created_by=writer, headline="Draft headline")
    client.force_login(writer)
    loaded = article_form_data(article)
    Article.objects.filter(pk=article.pk).update(state=Article.State.REVIEW)

    response = client.post(_change_url(article), {**loaded, "headline": "Sneaky rewrite"})

    article.refresh_from_db()
    assert response.status_code in {200, 403}
    assert (article.state, article.headline) == (Article.State.REVIEW, "Draft headline")
