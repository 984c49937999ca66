"""Hostile bodies never survive into stored HTML or the public page; formatting does."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles.models import Article
from articles.sanitise import ALLOWED_TAGS
from tests.factories import article_form_data, make_article, make_section, make_staff

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "xss_vectors.txt"
VECTORS = [
    line
    for line in (CORPUS.read_text(encoding="utf-8").splitlines() if CORPUS.exists() else [])
    if line.strip() and not line.startswith("#")
] or ["<script>alert(1)</script>", '<a href="javascript:alert(1)">x</a>', "<svg onload=alert(1)>"]
SAFE_ATTRIBUTES = {"href", "title", "rel", "target", "start"}
SAFE_SCHEMES = ("http://", "https://", "mailto:")
FORMATTED = (
    "<h2>What happened</h2><p><strong>Bold</strong> and <em>italic</em> with "
    '<a href="https://example.com/report" target="_blank">a link</a>.</p>'
    "<ul><li>one</li><li>two</li></ul><blockquote><p>A quote.</p></blockquote>"
)


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.extend((tag, name, value or "") for name, value in attrs)


def assert_harmless(html: str, *, allowed_tags=ALLOWED_TAGS):
    markup = _Markup()
    markup.feed(html)
    assert markup.tags <= allowed_tags, markup.tags - allowed_tags
    for tag, name, value in markup.attrs:
        assert not name.startswith("on"), (tag, name)
        assert name != "style", tag
        if name == "href":
            assert value.startswith(SAFE_SCHEMES) or value.startswith(("/", "#")), value


def _story_body(page: str) -> str:
    return page.split('<div class="story__body">', 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize("vector", VECTORS)
def test_hostile_body_saved_through_the_admin_form_is_made_harmless(client, vector):
    client.force_login(make_staff("Editor"))
    section = make_section()
    data = article_form_data(Article(section=section), headline="Hostile", slug="hostile")
    data["body"] = f"<p>Before</p>{vector}<p>After</p>"

    response = client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="hostile")
    assert_harmless(article.body)
    assert article.body.startswith("<p>Before</p>")


@pytest.mark.parametrize("vector", VECTORS)
def test_hostile_body_saved_through_the_model_never_reaches_the_public_page(client, vector):
    article = make_article(body=f"<p>Lead</p>{vector}")
    assert_harmless(article.body)

    page = client.get(article.get_absolute_url()).content.decode()

    assert_harmless(_story_body(page))
    assert "alert(1)</script>" not in page


def test_ordinary_formatting_survives_and_new_tab_links_get_noopener(client):
    article = make_article(body=FORMATTED)
    page = client.get(article.get_absolute_url()).content.decode()
    for fragment in ["<h2>What happened</h2>", "<strong>Bold</strong>", "<em>italic</em>",
                     "<li>one</li>", "<blockquote>"]:  # fmt: skip
        assert fragment in article.body and fragment in page
    assert 'rel="noopener noreferrer"' in article.body
    assert 'href="https://example.com/report"' in page


# 24 deep as sent, within the cap; nh3 adds a <tbody> to each table, which makes it 32.
DEEPER_WHEN_CLEANED = "<table><tr><td>" * 8 + "x" + "</td></tr></table>" * 8


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<blockquote>" * 5_000, "nests elements more than"),
        ("<p>" + "word " * 100_000 + "</p>", "The body is too long"),
        (DEEPER_WHEN_CLEANED, "nests elements more than"),
    ],
    ids=["deep", "long", "deeper-when-cleaned"],
)
def test_body_over_a_cap_gets_a_clear_form_error_and_nothing_is_stored(client, body, message):
    client.force_login(make_staff("Editor"))
    article = make_article(body="<p>Kept.</p>")

    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        article_form_data(article, body=body),
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    article.refresh_from_db()
    assert article.body == "<p>Kept.</p>"


def test_body_over_a_cap_is_refused_by_the_model_too():
    with pytest.raises(ValidationError):
        make_article(body="<div>" * 100_000)


def test_self_closing_divs_count_as_nesting_as_browsers_parse_them():
    with pytest.raises(ValidationError, match="nests elements more than"):
        make_article(body="<div/>" * 60_000)
    assert not Article.objects.exists()


def test_paragraphs_and_list_items_left_unclosed_are_not_mistaken_for_nesting():
    story = make_article(body="<p>One paragraph" * 40 + "<ul>" + "<li>item" * 40 + "</ul>")
    assert story.body.count("<p>") == 40 and story.body.count("<li>") == 40


def test_a_body_of_unclosed_tag_starts_is_handled_at_once_not_after_minutes(client):
    # The nesting scan once went back to the end of the body from every "<": minutes here.
    client.force_login(make_staff("Editor"))
    article = make_article(published=False)
    url = reverse("admin:articles_article_change", args=[article.pk])

    response = client.post(url, article_form_data(article, body="<a" * 100_000))

    assert response.status_code in {200, 302}
    article.refresh_from_db()
    assert "<a<a" not in article.body


def test_a_body_that_grows_past_the_cap_when_cleaned_is_refused_with_a_message(client):
    client.force_login(make_staff("Editor"))
    article = make_article(published=False, body="<p>Kept.</p>")
    url = reverse("admin:articles_article_change", args=[article.pk])

    response = client.post(url, article_form_data(article, body="<p>x" + "</p>" * 99_000))

    assert response.status_code == 200 and "The body is too long" in response.content.decode()
    article.refresh_from_db()
    assert article.body == "<p>Kept.</p>"


def test_a_stored_body_always_passes_the_caps_again():
    from articles.sanitise import MAX_BODY_CHARS, sanitise_html

    body = sanitise_html("<p>" + "word " * (MAX_BODY_CHARS // 6) + "</p>")
    assert sanitise_html(body) == body
