"""What search engines and social cards read: titles, descriptions, canonical links, OpenGraph,
Twitter cards and NewsArticle JSON-LD; and that no field can break out of the page."""

import json
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles.metadata import cut_at_word, first_paragraph
from tests.factories import (
    make_article,
    make_author,
    make_correction,
    make_section,
    make_sized_image,
    schedule_known,
)

pytestmark = pytest.mark.django_db


class Head(HTMLParser):
    """Collects <title>, <meta>, <link> and JSON-LD scripts, and every element's nesting."""

    def __init__(self):
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: dict[str, list[str]] = {}
        self.title = ""
        self.json_ld: list[str] = []
        self.scripts = 0  # inline ones
        self.script_files = []
        self.h1 = 0
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta.setdefault(key, []).append(attrs.get("content"))
        elif tag == "link":
            self.links.setdefault(attrs.get("rel"), []).append(attrs.get("href"))
        elif tag == "script" and attrs.get("src"):
            self.script_files.append(attrs["src"])
        elif tag == "script":
            self.scripts += 1
            self._in = "json" if attrs.get("type") == "application/ld+json" else "script"
            if self._in == "json":
                self.json_ld.append("")
        elif tag == "title":
            self._in = "title"
        elif tag == "h1":
            self.h1 += 1

    def handle_endtag(self, tag):
        if tag in {"script", "title"}:
            self._in = None

    def handle_data(self, data):
        if self._in == "json":
            self.json_ld[-1] += data
        elif self._in == "title":
            self.title += data


def head_of(client, url) -> Head:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = Head()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://news.example"
    settings.SITE_NAME = "Harbour Times"


def full_story():
    ada = make_author(name="Ada Reporter", slug="ada")
    bo = make_author(name="Bo Writer", slug="bo")
    published = timezone.now() - timedelta(days=1)
    return make_article(
        headline="Harbour bridge reopens", slug="bridge", standfirst="Traffic flows again.",
        section=make_section(name="City", slug="city"), authors=[ada, bo],
        tags=["Transport", "Harbour"], published_at=published,
        updated_at=published + timedelta(hours=3), hero_image=make_sized_image(),
    )  # fmt: skip


def test_article_json_ld_is_a_complete_news_article(client):
    story = full_story()
    head = head_of(client, story.get_absolute_url())

    [raw] = head.json_ld
    data = json.loads(raw)
    canonical = "https://news.example" + story.get_absolute_url()
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Harbour bridge reopens"
    assert parse_datetime(data["datePublished"]) == story.published_at.replace(microsecond=0)
    assert parse_datetime(data["dateModified"]) > parse_datetime(data["datePublished"])
    [image] = data["image"]
    assert image["url"].startswith("https://news.example/media/")
    assert (image["width"], image["height"]) == (1200, 630)
    assert data["author"] == [
        {"@type": "Person", "name": "Ada Reporter", "url": "https://news.example/authors/ada/"},
        {"@type": "Person", "name": "Bo Writer", "url": "https://news.example/authors/bo/"},
    ]
    assert data["publisher"]["@type"] == "Organization"
    assert data["publisher"]["name"] == "Harbour Times"
    assert data["publisher"]["logo"]["url"].startswith("https://news.example/static/img/")
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": canonical}
    assert data["articleSection"] == "City"
    assert sorted(data["keywords"]) == ["Harbour", "Transport"]


def test_article_head_has_title_description_canonical_opengraph_and_twitter_tags(client):
    story = full_story()
    head = head_of(client, story.get_absolute_url())
    meta = {key: values[0] for key, values in head.meta.items()}
    canonical = "https://news.example" + story.get_absolute_url()

    assert head.title == "Harbour bridge reopens | Harbour Times"
    assert meta["description"] == "Traffic flows again."
    assert head.links["canonical"] == [canonical]
    assert meta["og:type"] == "article"
    assert meta["og:title"] == "Harbour bridge reopens"
    assert meta["og:url"] == canonical
    assert meta["og:image"].startswith("https://news.example/media/")
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert parse_datetime(meta["article:published_time"]) == story.published_at.replace(
        microsecond=0
    )
    assert parse_datetime(meta["article:modified_time"]) == story.updated_at.replace(microsecond=0)
    assert meta["article:section"] == "City"
    assert sorted(head.meta["article:tag"]) == ["Harbour", "Transport"]
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["twitter:image"] == meta["og:image"]


def test_seo_overrides_win(client):
    story = make_article(
        headline="Long newsroom headline", seo_title="Short SEO title",
        seo_description="What searchers should read.", canonical_url="https://origin.example/a",
    )  # fmt: skip
    head = head_of(client, story.get_absolute_url())
    assert head.title == "Short SEO title | Harbour Times"
    assert head.meta["description"] == ["What searchers should read."]
    assert head.links["canonical"] == ["https://origin.example/a"]
    assert json.loads(head.json_ld[0])["mainEntityOfPage"]["@id"] == "https://origin.example/a"


def test_without_a_standfirst_the_description_is_the_first_paragraph_cut_at_a_word(client):
    words = "The harbour bridge reopened this morning after months of repairs " * 5
    story = make_article(standfirst="", body=f"<h2>Sub</h2><p><em>{words}</em></p><p>Second.</p>")
    description = head_of(client, story.get_absolute_url()).meta["description"][0]
    assert description.startswith("The harbour bridge reopened")
    assert description.endswith("…") and len(description) <= 160
    assert words.startswith(description[:-1])


def test_cut_at_word_and_first_paragraph():
    assert cut_at_word("short text") == "short text"
    assert cut_at_word("alpha beta gamma", limit=12) == "alpha beta…"
    assert first_paragraph("<p> </p><p>Fish &amp; <b>chips</b></p>") == "Fish & chips"


def test_story_without_image_gets_a_summary_card_and_no_image_property(client):
    story = make_article()
    head = head_of(client, story.get_absolute_url())
    assert head.meta["twitter:card"] == ["summary"]
    assert "og:image" not in head.meta
    assert "image" not in json.loads(head.json_ld[0])


HOSTILE = "</script><script>alert(1)</script>"


def test_a_script_tag_in_any_field_cannot_break_out_of_the_json_ld(client):
    author = make_author(name=f"Ada {HOSTILE}")
    story = make_article(
        headline=HOSTILE, standfirst=HOSTILE, authors=[author], tags=[HOSTILE],
        section=make_section(name=f"News {HOSTILE}", slug="news"),
    )  # fmt: skip
    response = client.get(story.get_absolute_url())
    html = response.content.decode()
    head = Head()
    head.feed(html)

    assert response.status_code == 200
    assert "<script>alert(1)" not in html
    assert head.scripts == 1  # only the JSON-LD itself
    assert [src.rsplit("/", 1)[1] for src in head.script_files] == ["embeds.js"]
    assert head.h1 == 1
    data = json.loads(head.json_ld[0])
    assert data["headline"] == HOSTILE
    assert data["author"][0]["name"] == f"Ada {HOSTILE}"
    assert HOSTILE in data["keywords"]


def test_listing_pages_have_titles_descriptions_canonicals_and_prev_next(client):
    section = make_section(name="Sport", slug="sport", description="Every result.")
    for n in range(45):
        make_article(section=section, published_at=timezone.now() - timedelta(minutes=n))

    first = head_of(client, "/sport/")
    second = head_of(client, "/sport/?page=2")
    last = head_of(client, "/sport/?page=3")

    assert first.title == "Sport | Harbour Times"
    assert first.meta["description"] == ["Every result."]
    assert first.links["canonical"] == ["https://news.example/sport/"]
    assert "prev" not in first.links
    assert first.links["next"] == ["https://news.example/sport/?page=2"]
    assert second.title == "Sport (page 2) | Harbour Times"
    assert second.links["canonical"] == ["https://news.example/sport/?page=2"]
    assert second.links["prev"] == ["https://news.example/sport/"]
    assert second.links["next"] == ["https://news.example/sport/?page=3"]
    assert last.links["prev"] == ["https://news.example/sport/?page=2"]
    assert "next" not in last.links


def test_author_and_tag_pages_have_their_own_title_description_and_canonical(client):
    author = make_author(name="Ada Reporter", slug="ada", bio="Covers the harbour.")
    make_article(authors=[author], tags=["Ferries"])
    author_head = head_of(client, "/authors/ada/")
    tag_head = head_of(client, "/tags/ferries/")
    assert author_head.title == "Ada Reporter | Harbour Times"
    assert author_head.meta["description"] == ["Covers the harbour."]
    assert author_head.links["canonical"] == ["https://news.example/authors/ada/"]
    assert tag_head.title == "Ferries | Harbour Times"
    assert tag_head.meta["description"] == ["Stories about Ferries from Harbour Times."]
    assert tag_head.links["canonical"] == ["https://news.example/tags/ferries/"]


def test_metadata_adds_no_query_to_the_article_page(client):
    story = full_story()
    schedule_known()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(story.get_absolute_url()).status_code == 200
    assert len(queries) <= 6


# --- Pictures inside the body -------------------------------------------------------------------


def inline(image, **attributes) -> str:
    extra = "".join(f' data-{name}="{value}"' for name, value in attributes.items())
    return f'<figure data-block="picture" data-photo="{image.pk}"{extra}></figure>'


def json_ld_of(client, story) -> dict:
    [raw] = head_of(client, story.get_absolute_url()).json_ld
    return json.loads(raw)


def social_url(image) -> str:
    return image.social_rendition().url


def test_json_ld_lists_the_hero_then_each_inline_picture_once_in_body_order(client):
    hero, first, second = (make_sized_image() for _ in range(3))
    body = (
        f"<p>One.</p>{inline(second)}<p>Two.</p>{inline(hero)}{inline(first)}"
        f"{inline(second, size='wide')}"
    )
    story = make_article(hero_image=hero, body=body)

    images = json_ld_of(client, story)["image"]

    assert [image["url"] for image in images] == [social_url(i) for i in (hero, second, first)]
    assert all(image["@type"] == "ImageObject" for image in images)
    assert {(image["width"], image["height"]) for image in images} == {(1200, 630)}


def test_json_ld_leaves_out_a_picture_whose_photo_was_deleted(client):
    kept, gone = make_sized_image(), make_sized_image()
    story = make_article(body=inline(gone) + inline(kept))
    gone.delete()

    assert [image["url"] for image in json_ld_of(client, story)["image"]] == [social_url(kept)]


def test_without_a_hero_the_first_inline_picture_is_the_social_card(client):
    first, second = make_sized_image(alt="Ferry at the pier"), make_sized_image()
    story = make_article(body=f"<p>Intro.</p>{inline(first)}{inline(second)}")
    head = head_of(client, story.get_absolute_url())
    meta = {key: values[0] for key, values in head.meta.items()}

    assert meta["og:image"] == social_url(first)
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["twitter:image"] == social_url(first)
    assert [image["url"] for image in json.loads(head.json_ld[0])["image"]] == [
        social_url(first), social_url(second),
    ]  # fmt: skip


def test_with_a_hero_the_social_card_is_the_hero_whatever_the_body_shows(client):
    hero, first = make_sized_image(), make_sized_image()
    story = make_article(hero_image=hero, body=inline(first))

    assert head_of(client, story.get_absolute_url()).meta["og:image"] == [social_url(hero)]


def test_words_of_an_inline_picture_cannot_break_out_of_the_json_ld_or_the_head(client):
    photo = make_sized_image(alt=HOSTILE, caption=HOSTILE, credit=HOSTILE)
    escaped = HOSTILE.replace("<", "&lt;").replace(">", "&gt;")
    story = make_article(body=inline(photo, alt=escaped, caption=escaped, credit=escaped))
    html = client.get(story.get_absolute_url()).content.decode()
    head = Head()
    head.feed(html)

    assert "<script>alert(1)" not in html
    assert len(head.json_ld) == 1
    assert html.count("<script") == head.scripts + len(head.script_files)
    assert html.count("<script>") == 0  # every script is the JSON-LD or a file of ours
    assert json.loads(head.json_ld[0])["image"][0]["url"] == social_url(photo)


def test_corrections_are_in_the_json_ld_as_on_the_page(client):
    story = make_article(headline="Council vote")
    make_correction(story, text="The vote was 7 to 4, not 8 to 3.")

    data = json_ld_of(client, story)

    [correction] = data["correction"]
    assert correction["@type"] == "CorrectionComment"
    assert correction["text"] == "The vote was 7 to 4, not 8 to 3."
    assert correction["datePublished"].startswith(f"{story.corrections.get().published_at:%Y-}")
    assert "correction" not in json_ld_of(client, make_article(headline="Nothing to correct"))
