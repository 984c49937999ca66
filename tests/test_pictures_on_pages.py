"""Responsive pictures on reader pages: every srcset candidate exists, at its stated width."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from PIL import Image as Pillow

from tests.factories import (
    make_article,
    make_author,
    make_image,
    make_section,
    photo_bytes,
    schedule_known,
)

pytestmark = pytest.mark.django_db


class _Pictures(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"img", "source", "picture"}:
            self.tags.append((tag, dict(attrs)))


def picture_tags(html: str) -> list[tuple[str, dict]]:
    parser = _Pictures()
    parser.feed(html)
    return parser.tags


def candidates(srcset: str) -> list[tuple[str, int]]:
    pairs = [item.strip().rsplit(" ", 1) for item in srcset.split(",")]
    return [(url, int(descriptor.rstrip("w"))) for url, descriptor in pairs]


def fetch_picture(client, url: str) -> Pillow.Image:
    response = client.get(url)
    assert response.status_code == 200, url
    picture = Pillow.open(io.BytesIO(b"".join(response.streaming_content)))
    assert response["Content-Type"] == Pillow.MIME[picture.format]
    return picture


def test_article_srcset_candidates_all_exist_at_their_stated_widths(client):
    hero = make_image(photo_bytes((2000, 1333)), alt="Harbour bridge at dusk")
    story = make_article(headline="Harbour bridge reopens", hero_image=hero)

    html = client.get(story.get_absolute_url()).content.decode()

    tags = picture_tags(html)
    sources = [attrs for tag, attrs in tags if tag == "source"]
    img = next(attrs for tag, attrs in tags if tag == "img")
    assert [s["type"] for s in sources] == ["image/webp"]
    assert img["alt"] == "Harbour bridge at dusk"
    assert (img["width"], img["height"]) == ("1600", "1066")
    assert "loading" not in img and img["fetchpriority"] == "high"
    assert img["sizes"] == sources[0]["sizes"]
    checked = 0
    for srcset in (sources[0]["srcset"], img["srcset"]):
        assert [w for _, w in candidates(srcset)] == [480, 800, 1200, 1600]
        for url, width in candidates(srcset):
            picture = fetch_picture(client, url)
            assert picture.width == width
            assert abs(picture.height - width * 1333 / 2000) <= 1
            checked += 1
    assert checked == 8
    assert fetch_picture(client, img["src"]).width == 800


def test_article_page_with_a_hero_stays_within_six_queries(client, django_assert_max_num_queries):
    story = make_article(hero_image=make_image())
    schedule_known()

    with django_assert_max_num_queries(6):
        response = client.get(story.get_absolute_url())

    assert "<picture>" in response.content.decode()


def _home_queries(client) -> int:
    schedule_known()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_lead_card_is_an_eager_16_9_crop_in_constant_queries(client):
    section = make_section()
    for _ in range(9):  # past the top stories, so "latest" is filled in both runs
        make_article(section=section, hero_image=make_image(photo_bytes((900, 900))))
    few = _home_queries(client)
    for _ in range(5):
        make_article(section=section, hero_image=make_image(photo_bytes((900, 900))))

    assert _home_queries(client) == few
    html = client.get("/").content.decode()
    lead = next(attrs for tag, attrs in picture_tags(html) if tag == "img")
    assert lead["fetchpriority"] == "high" and "loading" not in lead
    assert "card__image" in lead["class"]
    assert int(lead["width"]) * 9 == int(lead["height"]) * 16
    for url, width in candidates(lead["srcset"]):
        assert fetch_picture(client, url).size == (width, width * 9 // 16)


def test_other_cards_load_their_picture_lazily():
    story = make_article(hero_image=make_image(photo_bytes((900, 900))))

    html = render_to_string("includes/story_card.html", {"story": story, "show_image": True})

    img = next(attrs for tag, attrs in picture_tags(html) if tag == "img")
    assert img["loading"] == "lazy" and "fetchpriority" not in img
    assert img["sizes"].startswith("(min-width: 64rem) 17rem")


def test_author_photo_is_a_square_crop(client):
    author = make_author(name="Ada Reporter", photo=make_image(photo_bytes((800, 500))))
    make_article(authors=[author])

    html = client.get(author.get_absolute_url()).content.decode()

    img = next(attrs for tag, attrs in picture_tags(html) if tag == "img")
    assert "author-header__photo" in img["class"] and img["sizes"] == "120px"
    for url, width in candidates(img["srcset"]):
        assert fetch_picture(client, url).size == (width, width)


def test_image_without_renditions_still_shows_with_its_size_and_alt(client):
    hero = make_image(photo_bytes((640, 480)), alt="Old archive photo")
    type(hero).objects.filter(pk=hero.pk).update(renditions={})
    story = make_article(hero_image=hero)

    html = client.get(story.get_absolute_url()).content.decode()

    assert re.search(r'<img src="/media/images/[^"]+" alt="Old archive photo" width="640"', html)


def test_a_hero_caption_that_repeats_the_alt_text_is_read_once(client):
    hero = make_image(alt="Crowds on the quay", caption="Crowds on the quay")
    other = make_image(alt="Crowds on the quay", caption="The festival's first night")

    repeated = client.get(make_article(hero_image=hero).get_absolute_url()).content.decode()
    distinct = client.get(make_article(hero_image=other).get_absolute_url()).content.decode()

    [img] = [attrs for tag, attrs in picture_tags(repeated) if tag == "img"]
    assert img["alt"] == "" and "<figcaption>Crowds on the quay" in repeated
    [img] = [attrs for tag, attrs in picture_tags(distinct) if tag == "img"]
    assert img["alt"] == "Crowds on the quay"
