"""RSS 2.0 and Atom feeds: valid XML with absolute links, dates, bylines, tags and images."""

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from defusedxml import ElementTree as ET
from django.core.cache import cache
from django.utils import timezone

from tests.factories import (
    make_article,
    make_author,
    make_correction,
    make_section,
    make_sized_image,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://news.example"


def rss_items(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for required in ("title", "link", "description"):
        assert channel.findtext(required), required
    return channel, channel.findall("item")


def test_site_feed_items_carry_absolute_links_dates_bylines_tags_and_the_hero_image(client):
    ada, bo = make_author(name="Ada Reporter"), make_author(name="Bo Writer")
    when = timezone.now() - timedelta(hours=2)
    story = make_article(
        headline="Harbour bridge reopens", standfirst="Traffic flows again.",
        body="<p>The bridge <em>reopened</em> today.</p>", authors=[ada, bo],
        tags=["Transport", "City"], published_at=when, hero_image=make_sized_image(),
    )  # fmt: skip

    channel, items = rss_items(client, "/feed/")

    assert channel.findtext("link") == "https://news.example/"
    [item] = items
    url = "https://news.example" + story.get_absolute_url()
    assert item.findtext("title") == "Harbour bridge reopens"
    assert item.findtext("link") == url
    assert (
        item.findtext("guid") == f"tag:news.example,{story.created_at:%Y-%m-%d}:article-{story.pk}"
    )
    assert item.find("guid").get("isPermaLink") == "false"
    assert parsedate_to_datetime(item.findtext("pubDate")) == when.replace(microsecond=0)
    assert item.findtext(f"{DC}creator") == "Ada Reporter, Bo Writer"
    assert sorted(c.text for c in item.findall("category")) == ["City", "Transport"]
    description = item.findtext("description")
    assert "<em>reopened</em>" in description and "Traffic flows again." in description
    media = item.find(f"{MEDIA}content")
    assert media.get("url").startswith("https://news.example/media/")
    assert (media.get("width"), media.get("height"), media.get("medium")) == (
        "1200",
        "630",
        "image",
    )
    assert media.findtext(f"{MEDIA}description") == "A harbour at dawn"


def test_feed_description_keeps_the_sanitised_body_and_escapes_the_standfirst(client):
    make_article(standfirst="<script>alert(1)</script>", body="<p>ok<script>alert(2)</script></p>")
    _, [item] = rss_items(client, "/feed/")
    description = item.findtext("description")
    assert "<script>" not in description
    assert "&lt;script&gt;alert(1)" in description


def test_site_feed_is_newest_first_and_capped(client):
    section = make_section()
    for n in range(35):
        make_article(headline=f"Story {n:02d}", section=section,
                     published_at=timezone.now() - timedelta(minutes=n))  # fmt: skip
    _, items = rss_items(client, "/feed/")
    assert len(items) == 30
    assert [i.findtext("title") for i in items[:2]] == ["Story 00", "Story 01"]


def test_section_tag_and_author_feeds_list_only_their_stories(client):
    sport, city = make_section(name="Sport", slug="sport"), make_section(slug="city")
    ada = make_author(name="Ada", slug="ada")
    make_article(headline="Cup final", section=sport, tags=["Football"], authors=[ada])
    make_article(headline="Council vote", section=city)

    for url, title in [
        ("/sport/feed/", "Sport | The Newsroom"),
        ("/tags/football/feed/", "Football | The Newsroom"),
        ("/authors/ada/feed/", "Ada | The Newsroom"),
    ]:
        channel, items = rss_items(client, url)
        assert channel.findtext("title") == title
        assert [i.findtext("title") for i in items] == ["Cup final"], url
        atom_self = channel.find(f"{ATOM}link")
        assert atom_self.get("href") == "https://news.example" + url


def test_feeds_of_unknown_things_answer_404(client):
    for url in ["/nowhere/feed/", "/tags/nothing/feed/", "/authors/nobody/feed/"]:
        assert client.get(url).status_code == 404


def test_atom_feed_is_valid_and_absolute(client):
    story = make_article(headline="Atom story", authors=[make_author(name="Ada")])
    response = client.get("/feed/atom/")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.findtext(f"{ATOM}{required}"), required
    [entry] = root.findall(f"{ATOM}entry")
    for required in ("id", "title", "updated", "published"):
        assert entry.findtext(f"{ATOM}{required}"), required
    link = entry.find(f"{ATOM}link[@rel='alternate']")
    assert link.get("href") == "https://news.example" + story.get_absolute_url()
    assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Ada"


def test_html_pages_point_at_their_feeds(client):
    section = make_section(slug="sport")
    ada = make_author(slug="ada")
    make_article(section=section, tags=["Football"], authors=[ada])
    expected = {
        "/": "/feed/",
        "/sport/": "/sport/feed/",
        "/tags/football/": "/tags/football/feed/",
        "/authors/ada/": "/authors/ada/feed/",
    }
    for page, feed in expected.items():
        html = client.get(page).content.decode()
        assert '<link rel="alternate" type="application/rss+xml" title="' in html, page
        assert f'href="{feed}"' in html, page
        assert 'type="application/atom+xml"' in html, page


def test_hostile_text_keeps_every_feed_and_sitemap_well_formed(client):
    from pathlib import Path

    from django.conf import settings

    corpus = Path(settings.BASE_DIR).parent / "shared" / "corpus"
    if not corpus.exists():
        pytest.skip(f"corpus not found at {corpus}")
    lines = []
    for name in ("xss_vectors.txt", "unicode_strings.txt", "injection_strings.txt"):
        text = (corpus / name).read_text(encoding="utf-8").splitlines()
        lines += [line for line in text if line.strip() and not line.startswith("#")]
    section = make_section(slug="news")
    for n, line in enumerate(lines):
        make_article(headline=line[:250], slug=f"hostile-{n}", standfirst=line, section=section,
                     tags=[line[:90]], body=f"<p>{line}</p>")  # fmt: skip

    for url in ["/feed/", "/feed/atom/", "/news/feed/", "/news-sitemap.xml",
                "/sitemap-articles.xml", "/sitemap-tags.xml"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        ET.fromstring(response.content)  # raises if any text broke the XML


def story_with_blocks(photo, **kwargs):
    body = (
        "<p>The mill burned.</p>"
        f'<figure data-block="picture" data-photo="{photo.pk}" data-caption="Smouldering"></figure>'
        '<figure data-block="embed" data-url="https://youtu.be/dQw4w9WgXcQ"></figure>'
        '<figure data-block="pullquote" data-quote="Never again" data-by="The mayor"></figure>'
        '<figure data-block="keyfacts" data-facts="Roads closed&#10;No one hurt"></figure>'
    )
    return make_article(body=body, **kwargs)


def test_feed_items_draw_blocks_as_plain_images_and_links_and_name_their_photos(client):
    photo = make_sized_image(alt="Firefighters on the roof", credit="Jane Doe")
    story_with_blocks(photo)

    response = client.get("/feed/")
    [item] = ET.fromstring(response.content).find("channel").findall("item")

    description = item.findtext("description")
    assert 'src="https://news.example/media/' in description
    assert 'alt="Firefighters on the roof"' in description
    assert "<figcaption>Smouldering Jane Doe</figcaption>" in description
    assert '<a href="https://youtu.be/dQw4w9WgXcQ">YouTube video' in description
    assert "<blockquote><p>Never again</p><p>The mayor</p></blockquote>" in description
    assert "<li>Roads closed</li><li>No one hurt</li>" in description
    assert "data-block" not in description and "<script" not in description
    assert f"image-{photo.pk}" in response["Surrogate-Key"].split()


def test_a_feed_fetches_its_items_body_photos_in_one_query(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import schedule_known

    def queries(stories: int) -> int:
        section = make_section()
        for _ in range(stories):
            story_with_blocks(make_sized_image(), section=section)
        schedule_known()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/{section.slug}/feed/").status_code == 200
        return len(captured)

    assert queries(2) == queries(6)


def test_a_renamed_story_keeps_its_feed_id_so_readers_do_not_see_it_again(client):
    story = make_article(headline="Bridge reopens", slug="bridge-reopens")
    [before] = rss_items(client, "/feed/")[1]
    entry_id = ET.fromstring(client.get("/feed/atom/").content).find(f"{ATOM}entry/{ATOM}id")

    story.slug = "harbour-bridge-reopens-early"
    story.save()
    cache.clear()
    [after] = rss_items(client, "/feed/")[1]

    assert after.findtext("link").endswith("/harbour-bridge-reopens-early/")
    assert after.findtext("guid") == before.findtext("guid")
    atom = ET.fromstring(client.get("/feed/atom/").content)
    assert atom.find(f"{ATOM}entry/{ATOM}id").text == entry_id.text == before.findtext("guid")


def test_feeds_speak_the_sites_language(client, settings):
    settings.SITE_LANGUAGE = "cy"
    make_article()

    channel, _ = rss_items(client, "/feed/")
    atom = ET.fromstring(client.get("/feed/atom/").content)

    assert channel.findtext("language") == "cy"
    assert atom.get("{http://www.w3.org/XML/1998/namespace}lang") == "cy"


def test_atom_gives_each_author_of_a_byline_an_author_element(client):
    ada, bo = make_author(name="Ada Reporter"), make_author(name="Bo Writer")
    make_article(authors=[ada, bo])
    make_article(headline="Unsigned")

    atom = ET.fromstring(client.get("/feed/atom/").content)
    signed, unsigned = sorted(atom.findall(f"{ATOM}entry"), key=lambda e: len(e))[::-1]

    names = [a.findtext(f"{ATOM}name") for a in signed.findall(f"{ATOM}author")]
    pages = [a.findtext(f"{ATOM}uri") for a in signed.findall(f"{ATOM}author")]
    assert names == ["Ada Reporter", "Bo Writer"]
    assert pages == [f"https://news.example{a.get_absolute_url()}" for a in (ada, bo)]
    assert unsigned.findall(f"{ATOM}author") == []  # the feed's own author covers it
    assert atom.find(f"{ATOM}author").findtext(f"{ATOM}name")


def test_corrections_reach_feed_readers(client):
    story = make_article(headline="Council vote")
    make_correction(story, text="The vote was 7 to 4, not 8 to 3 <as first said>.")

    [item] = rss_items(client, "/feed/")[1]
    description = item.findtext("description")

    assert "<h2>Corrections</h2>" in description
    assert "The vote was 7 to 4, not 8 to 3 &lt;as first said&gt;." in description
