"""The live preview beside the article form: the unsaved form drawn as readers will see it,
for those who may write the story, with nothing saved."""

import re

import pytest
from django.urls import reverse

from articles.models import Article, EditSession, Revision
from articles.sanitise import MAX_BODY_CHARS
from tests.factories import (
    article_form_data,
    make_article,
    make_author,
    make_image,
    make_section,
    make_staff,
)

pytestmark = pytest.mark.django_db


def live(article=None) -> str:
    if article is None:
        return reverse("admin:articles_article_live_new")
    return reverse("admin:articles_article_live", args=[article.pk])


def test_the_preview_draws_the_unsaved_form_with_the_public_template_and_saves_nothing(client):
    writer = make_staff("Writer")
    article = make_article(published=False, created_by=writer, headline="As stored")
    author = make_author(name="Ada Reporter")
    photo = make_image(alt="Lifeboat crew on the slipway")
    client.force_login(writer)
    body = (
        "<p>Typed a moment ago.</p>"
        f'<figure data-block="picture" data-photo="{photo.pk}" data-size="wide" '
        'data-caption="Launch at dawn"></figure>'
        '<figure data-block="embed" data-url="https://youtu.be/dQw4w9WgXcQ"></figure>'
    )
    data = article_form_data(
        article,
        headline="As typed",
        body=body,
        tags="Harbour, Lifeboats",
        **{"bylines-TOTAL_FORMS": 1, "bylines-0-author": author.pk, "bylines-0-position": 0},
    )
    version = article.version

    response = client.post(live(article), data)

    assert response.status_code == 200
    assert response.templates[0].name == "articles/article.html"
    html = response.content.decode()
    assert '<h1 class="story__headline">As typed</h1>' in html
    assert "Ada Reporter" in html and "Lifeboats" in html
    assert 'class="picture picture--wide"' in html and "Launch at dawn" in html
    # The draft's photo is not public: its plain address, which only signed-in staff may
    # fetch, never a signed one that would work for anyone it is passed to.
    assert "signature=" not in html
    src = re.search(r'<img[^>]* src="(/media/[^"]+)"', html).group(1)
    fetched = client.get(src)
    assert fetched.status_code == 200 and fetched["Cache-Control"] == "private, no-store"
    assert "YouTube video" in html and "youtube-nocookie" not in html.split("data-player")[0]
    article.refresh_from_db()
    assert (article.headline, article.version) == ("As stored", version)
    assert not Revision.objects.filter(article=article, content__headline="As typed").exists()
    assert not EditSession.objects.exists()  # not even an autosave


def test_a_new_story_previews_before_it_has_a_section_or_a_save(client):
    client.force_login(make_staff("Writer"))
    count = Article.objects.count()

    response = client.post(live(), {"headline": "First words", "body": "<p>Hello</p>"})

    assert response.status_code == 200
    assert "First words" in response.content.decode()
    assert Article.objects.count() == count


def test_the_preview_may_be_framed_by_the_form_only(client):
    client.force_login(make_staff("Editor"))

    response = client.get(live(make_article()))

    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_only_those_who_may_see_the_story_may_preview_it(client):
    others = make_article(published=False, created_by=make_staff("Writer"), headline="Not yours")
    client.force_login(make_staff("Writer"))
    assert client.post(live(others), {"headline": "x"}).status_code == 404

    client.logout()
    response = client.post(live(), {"headline": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]

    client.force_login(make_staff("Editor"))
    editor_desk_elsewhere = client.post(live(others), {"headline": "Seen"})
    assert editor_desk_elsewhere.status_code == 200


def test_a_body_over_the_cap_is_refused_with_the_reason(client):
    client.force_login(make_staff("Writer"))
    section = make_section()

    response = client.post(
        live(), {"headline": "Long", "section": section.pk, "body": "x" * (MAX_BODY_CHARS + 1)}
    )

    assert response.status_code == 400
    assert "too long" in response.content.decode()


DEEPER_WHEN_CLEANED = "<table><tr><td>" * 8 + "x" + "</td></tr></table>" * 8


def test_a_body_that_gets_deeper_when_cleaned_is_refused_with_the_reason(client):
    client.force_login(make_staff("Writer"))

    response = client.post(
        live(), {"headline": "Tables", "section": make_section().pk, "body": DEEPER_WHEN_CLEANED}
    )

    assert response.status_code == 400
    assert "nests elements more than 24 deep" in response.content.decode()


def test_a_body_stored_before_the_caps_neither_breaks_the_preview_nor_blocks_a_fix(client):
    client.force_login(make_staff("Editor"))
    story = make_article(published=False, body="<p>Fine.</p>")
    too_deep = "<table><tbody><tr><td>" * 8 + "x" + "</td></tr></tbody></table>" * 8
    Article.objects.filter(pk=story.pk).update(body=too_deep)  # as an older release kept it

    preview = client.get(live(story))
    saved = client.post(
        reverse("admin:articles_article_change", args=[story.pk]),
        article_form_data(story, body="<p>Fixed.</p>"),
    )

    assert preview.status_code == 400
    assert "nests elements more than" in preview.content.decode()
    assert saved.status_code == 302
    story.refresh_from_db()
    assert story.body == "<p>Fixed.</p>"
