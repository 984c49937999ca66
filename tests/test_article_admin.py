"""The article admin's helpers: tag suggestions, bylines, pickers."""

import pytest
from django.urls import reverse

from articles.models import Article
from tests.factories import article_form_data, make_article, make_author, make_section, make_staff

pytestmark = pytest.mark.django_db


def test_tags_field_suggests_existing_tags_as_you_type(client):
    make_article(tags=["Transport", "Transit strike", "Weather"])
    client.force_login(make_staff("Writer"))

    form = client.get(reverse("admin:articles_article_add")).content.decode()
    response = client.get(reverse("admin:articles_article_tags"), {"term": "tran"})

    assert 'data-suggest-url="/admin/articles/article/tags/suggest/"' in form
    assert "articles/admin/tag_suggest.js" in form
    assert sorted(response.json()["tags"]) == ["Transit strike", "Transport"]
    assert client.get(reverse("admin:articles_article_tags"), {"term": ""}).json() == {"tags": []}


def test_tag_suggestions_are_for_staff_only(client):
    response = client.get(reverse("admin:articles_article_tags"), {"term": "tran"})
    assert response.status_code == 302  # to the log-in page


def test_a_writers_new_story_gets_their_byline_and_is_theirs(client):
    writer = make_staff("Writer")
    make_author(name="Wendy Writer", user=writer)
    client.force_login(writer)
    data = article_form_data(Article(section=make_section()), headline="Fresh", slug="fresh")

    assert client.post(reverse("admin:articles_article_add"), data).status_code == 302

    article = Article.objects.get(slug="fresh")
    assert article.created_by == writer
    assert [a.name for a in article.byline_authors()] == ["Wendy Writer"]
    assert article.state == Article.State.DRAFT


def test_change_form_has_the_rich_text_editor_and_pickers(client):
    client.force_login(make_staff("Editor"))
    article = make_article()
    html = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert "data-django-prose-editor-configurable" in html
    assert '"Heading":{"levels":[2,3,4]}' in html.replace("&quot;", '"')
    assert 'id="id_hero_image"' in html and "admin-autocomplete" in html
    assert 'name="bylines-0-position"' in html


def test_an_editor_cannot_move_a_story_to_a_section_off_their_desks(client):
    from tests.factories import make_desk

    editor = make_staff("Editor")
    home, away = make_section(name="Home"), make_section(name="Away")
    make_desk(home, editors=[editor])
    article = make_article(section=home)
    client.force_login(editor)

    url = reverse("admin:articles_article_change", args=[article.pk])
    response = client.post(url, article_form_data(article, section=away.pk))

    assert "Away is not on your desks." in response.content.decode()
    article.refresh_from_db()
    assert article.section == home


def test_only_published_stories_can_be_chosen_as_related(client):
    writer = make_staff("Writer")
    client.force_login(writer)
    own = make_article(published=False, created_by=writer)
    others_draft = make_article(headline="Someone else's embargoed draft", published=False)
    public = make_article(headline="A public story")
    url = reverse("admin:articles_article_change", args=[own.pk])

    refused = client.post(url, article_form_data(own, related=[others_draft.pk]))
    accepted = client.post(url, article_form_data(own, related=[public.pk]))

    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert accepted.status_code == 302
    assert list(own.related.all()) == [public]
    assert "embargoed" not in client.get(url).content.decode()


@pytest.mark.parametrize("year", ["9999", "99999999999999999999", "0000019999999999", "abc", "0"])
def test_impossible_dates_in_the_list_drill_down_get_the_list_not_an_error(client, year):
    client.force_login(make_staff("Editor"))
    url = reverse("admin:articles_article_changelist")
    response = client.get(url, {"published_at__year": year})
    assert response.status_code == 302 and response["Location"] == f"{url}?e=1"
    assert client.get(url, {"published_at__year": "2026"}).status_code == 200
