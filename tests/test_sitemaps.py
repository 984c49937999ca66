"""Sitemap index, its sitemaps, the Google News sitemap and robots.txt."""

from datetime import timedelta

import pytest
from defusedxml import ElementTree as ET
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles import sitemaps
from tests.factories import make_article, make_author, make_section, schedule_known

pytestmark = pytest.mark.django_db

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://news.example"


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def index_locations(client) -> dict[str, str]:
    root = parse(client, "/sitemap.xml")
    assert root.tag == f"{SM}sitemapindex"
    entries = root.findall(f"{SM}sitemap")
    for entry in entries:
        assert parse_datetime(entry.findtext(f"{SM}lastmod")), entry.findtext(f"{SM}loc")
    return {e.findtext(f"{SM}loc"): e.findtext(f"{SM}lastmod") for e in entries}


def urls(client, location: str) -> dict[str, str]:
    path = location.removeprefix("https://news.example")
    root = parse(client, path)
    assert root.tag == f"{SM}urlset"
    return {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in root.findall(f"{SM}url")}


def test_index_lists_articles_sections_authors_and_tags_with_lastmod(client):
    section = make_section(slug="city")
    ada = make_author(slug="ada")
    updated = timezone.now() - timedelta(minutes=5)
    story = make_article(section=section, authors=[ada], tags=["Harbour"], updated_at=updated)
    make_section(slug="empty")

    locations = index_locations(client)

    assert set(locations) == {
        f"https://news.example/sitemap-{name}.xml"
        for name in ("articles", "sections", "authors", "tags")
    }
    articles = urls(client, "https://news.example/sitemap-articles.xml")
    assert articles == {
        "https://news.example" + story.get_absolute_url(): updated.date().isoformat()
    }
    assert set(urls(client, "https://news.example/sitemap-sections.xml")) == {
        "https://news.example/city/"
    }
    assert set(urls(client, "https://news.example/sitemap-authors.xml")) == {
        "https://news.example/authors/ada/"
    }
    assert set(urls(client, "https://news.example/sitemap-tags.xml")) == {
        "https://news.example/tags/harbour/"
    }


def test_articles_are_split_into_pages_under_the_url_limit(client, monkeypatch):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    section = make_section()
    stories = [make_article(section=section) for _ in range(5)]

    pages = [loc for loc in index_locations(client) if "sitemap-articles" in loc]

    assert pages == [
        "https://news.example/sitemap-articles.xml",
        "https://news.example/sitemap-articles.xml?p=2",
        "https://news.example/sitemap-articles.xml?p=3",
    ]
    listed = set()
    for page in pages:
        listed |= set(urls(client, page))
    assert listed == {"https://news.example" + s.get_absolute_url() for s in stories}


def test_syndicated_copies_are_left_to_their_original_site(client):
    make_article(headline="Ours")
    copy = make_article(headline="Theirs", canonical_url="https://elsewhere.example/story")
    listed = urls(client, "https://news.example/sitemap-articles.xml")
    assert "https://news.example" + copy.get_absolute_url() not in listed
    assert len(listed) == 1


def test_news_sitemap_lists_the_last_48_hours_with_publication_date_and_title(client, settings):
    settings.SITE_NAME = "Harbour Times"
    fresh = make_article(
        headline="Fresh & “quoted”", published_at=timezone.now() - timedelta(hours=3)
    )
    make_article(headline="Old news", published_at=timezone.now() - timedelta(hours=49))

    root = parse(client, "/news-sitemap.xml")

    [url] = root.findall(f"{SM}url")
    assert url.findtext(f"{SM}loc") == "https://news.example" + fresh.get_absolute_url()
    news = url.find(f"{NEWS}news")
    publication = news.find(f"{NEWS}publication")
    assert publication.findtext(f"{NEWS}name") == "Harbour Times"
    assert publication.findtext(f"{NEWS}language") == "en"
    assert parse_datetime(news.findtext(f"{NEWS}publication_date")) == fresh.published_at.replace(
        microsecond=0
    )
    assert news.findtext(f"{NEWS}title") == "Fresh & “quoted”"


def test_news_sitemap_holds_at_most_1000_stories_newest_first(client, monkeypatch):
    monkeypatch.setattr(sitemaps, "NEWS_LIMIT", 3)
    section = make_section()
    for n in range(5):
        make_article(headline=f"Story {n}", section=section,
                     published_at=timezone.now() - timedelta(minutes=n))  # fmt: skip
    root = parse(client, "/news-sitemap.xml")
    titles = [u.find(f"{NEWS}news").findtext(f"{NEWS}title") for u in root.findall(f"{SM}url")]
    assert titles == ["Story 0", "Story 1", "Story 2"]
    assert sitemaps.NEWS_LIMIT == 3 and timedelta(hours=48) == sitemaps.NEWS_WINDOW


def test_robots_txt_points_at_both_sitemaps(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: https://news.example/sitemap.xml" in lines
    assert "Sitemap: https://news.example/news-sitemap.xml" in lines
    assert "Disallow: /admin/" in lines


def test_sitemaps_run_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    def build(size):
        for _ in range(size):
            make_article(section=make_section(), authors=[make_author()], tags=[f"t{_}"])

    for size in (2, 12):
        build(size)
        for path in [
            "/sitemap.xml",
            "/sitemap-articles.xml",
            "/sitemap-tags.xml",
            "/news-sitemap.xml",
        ]:
            schedule_known()
            with django_assert_max_num_queries(8):
                assert client.get(path).status_code == 200
