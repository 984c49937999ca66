"""The reader site: what each page shows, canonical URLs, and what it never shows."""

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone
from django.utils.html import escape, strip_tags

from articles.models import Article
from tests.factories import make_article, make_author, make_correction, make_section

pytestmark = pytest.mark.django_db


class _Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.counts: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1


def count_tags(html: str) -> dict[str, int]:
    parser = _Headings()
    parser.feed(html)
    return parser.counts


def urls_of(story: Article) -> set[str]:
    """The story's own URL, and the one it would have if published now.

    Publishing keeps a publish time only if it has passed (articles.workflow), so a draft
    or a story scheduled for tomorrow would be published under today's date.
    """
    now = timezone.now()
    kept = story.published_at if story.published_at and story.published_at <= now else now
    published_now = Article(section=story.section, slug=story.slug, published_at=kept)
    return {story.get_absolute_url(), published_now.get_absolute_url()}


def assert_not_served(client, story: Article) -> None:
    """Every URL of a hidden story answers 404 (410 once withdrawn) and shows none of its words."""
    expected = 410 if story.state == Article.State.WITHDRAWN else 404
    words = [story.headline, story.standfirst, strip_tags(story.body)]
    for url in urls_of(story):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == expected, url
        for text in words:
            assert text not in html and escape(text) not in html, (url, text)


def test_article_page_shows_the_story_with_linked_bylines_tags_and_corrections(client):
    first, second = make_author(name="Ada Reporter"), make_author(name="Bo Writer")
    story = make_article(
        headline="Harbour bridge reopens", authors=[first, second], tags=["Transport"]
    )
    make_correction(story, text="The bridge is 2 km long, not 3 km.")

    response = client.get(story.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert count_tags(html)["h1"] == 1
    assert '<h1 class="story__headline">Harbour bridge reopens</h1>' in html
    assert html.index("Ada Reporter") < html.index("Bo Writer")
    assert f'href="{first.get_absolute_url()}"' in html
    assert '<time datetime="' in html
    assert "min read" in html
    assert 'href="/tags/transport/"' in html
    assert "The bridge is 2 km long, not 3 km." in html


def test_unpublished_story_is_absent_from_every_public_page_and_its_own_url(
    client, hidden_story_fields
):
    author = make_author()
    section = make_section(name="City", slug="city")
    visible = make_article(
        headline="A visible story", section=section, authors=[author], tags=["Leak"]
    )
    hidden = make_article(
        headline="SECRET hidden story", standfirst="SECRET terms of the deal.",
        body="<p>SECRET: the board met on Tuesday.</p>", section=section, authors=[author],
        tags=["Leak"], published=False, **hidden_story_fields,
    )  # fmt: skip

    pages = ["/", "/city/", author.get_absolute_url(), "/tags/leak/", visible.get_absolute_url()]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "SECRET" not in response.content.decode(), url
    assert client.get(hidden.get_absolute_url()).status_code in {404, 410}
    assert_not_served(client, hidden)


def test_scheduled_story_is_public_once_its_time_has_passed_without_any_command(client):
    story = make_article(
        headline="Due now", published=False, state=Article.State.SCHEDULED,
        published_at=timezone.now() - timedelta(seconds=1),
    )  # fmt: skip
    assert client.get(story.get_absolute_url()).status_code == 200
    assert "Due now" in client.get(story.section.get_absolute_url()).content.decode()


def test_withdrawn_story_answers_410_gone(client):
    story = make_article(headline="Pulled story")
    url = story.get_absolute_url()
    Article.objects.filter(pk=story.pk).update(state=Article.State.WITHDRAWN)
    response = client.get(url)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert "Pulled story" not in response.content.decode()  # often withdrawn for legal reasons


def test_wrong_date_or_section_redirects_permanently_to_the_canonical_url(client):
    story = make_article(slug="budget-vote")
    other = make_section(slug="elsewhere")
    canonical = story.get_absolute_url()
    for wrong in [
        "/elsewhere/2001/01/01/budget-vote/",
        canonical.replace(story.section.slug, other.slug),
    ]:
        response = client.get(wrong)
        assert response.status_code == 301
        assert response["Location"] == canonical


def test_old_slug_redirects_to_the_new_one(client):
    story = make_article(slug="first-draft-headline")
    old_url = story.get_absolute_url()
    story.slug = "final-headline"
    story.save()
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == story.get_absolute_url()
    assert story.get_absolute_url().endswith("/final-headline/")


def test_article_url_date_is_the_first_publication_day_in_the_site_time_zone(client, settings):
    settings.TIME_ZONE = "Pacific/Auckland"
    timezone.deactivate()
    when = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # 2 March in Auckland
    story = make_article(slug="late-news", published_at=when)
    assert "/2026/03/02/late-news/" in story.get_absolute_url()
    assert client.get(story.get_absolute_url()).status_code == 200


def test_section_front_is_newest_first_and_paginated(client):
    section = make_section(slug="sport")
    for i in range(25):
        make_article(headline=f"Match report {i:02d}", section=section,
                     published_at=timezone.now() - timedelta(hours=i))  # fmt: skip
    first = client.get("/sport/").content.decode()
    second = client.get("/sport/?page=2").content.decode()
    assert first.index("Match report 00") < first.index("Match report 01")
    assert "Match report 24" in second and "Match report 24" not in first
    assert 'rel="next"' in first


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.0e309", "' OR 1=1", ""])
def test_page_numbers_that_are_not_pages_get_the_first(client, page):
    make_article(headline="The only story", section=make_section(slug="news"))
    response = client.get("/news/", {"page": page})
    assert response.status_code == 200
    assert "The only story" in response.content.decode()


@pytest.mark.parametrize("page", ["2", "1000000", "1000001", "99999999999999999999"])
def test_pages_past_the_end_are_not_found(client, page):
    make_article(section=make_section(slug="news"))
    assert client.get("/news/", {"page": page}).status_code == 404


def test_listing_pages_say_their_number_without_counting_the_archive(client):
    section = make_section(slug="sport")
    for i in range(41):
        make_article(headline=f"Match report {i:02d}", section=section,
                     published_at=timezone.now() - timedelta(hours=i))  # fmt: skip
    pages = [client.get(f"/sport/?page={n}").content.decode() for n in (1, 2, 3)]
    assert [page.count('rel="next"') for page in pages] == [2, 2, 0]  # link and <link>
    assert [page.count('rel="prev"') for page in pages] == [0, 2, 2]
    assert "Page 2</span>" in pages[1] and " of " not in pages[1].split("Page 2")[1][:10]
    assert "Match report 40" in pages[2] and "Match report 39" not in pages[2]


def test_unknown_paths_get_a_styled_404(client):
    response = client.get("/no-such-section/")
    assert response.status_code == 404
    assert "couldn’t find that page" in response.content.decode()
    assert client.get("/news/2026/01/01/no-such-story/").status_code == 404
    assert client.get("/authors/nobody/").status_code == 404
    assert client.get("/tags/nothing/").status_code == 404


def test_homepage_leads_with_the_highest_priority_story(client):
    make_article(headline="Ordinary story")
    make_article(
        headline="The big one",
        homepage_priority=10,
        published_at=timezone.now() - timedelta(days=1),
    )
    html = client.get("/").content.decode()
    assert "card--lead" in html
    assert html.index("The big one") < html.index("Ordinary story")


def test_the_site_has_its_own_icon_where_browsers_look_for_one(client):
    from pathlib import Path

    from django.contrib.staticfiles import finders
    from django.templatetags.static import static

    answer = client.get("/favicon.ico")
    assert (answer.status_code, answer["Location"]) == (301, static("img/favicon.svg"))
    svg = Path(finders.find("img/favicon.svg")).read_text(encoding="utf-8")
    assert "<svg" in svg and "prefers-color-scheme: dark" in svg  # its own, in light and dark
    page = client.get("/").content.decode()
    assert f'<link rel="icon" href="{answer["Location"]}" type="image/svg+xml">' in page


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"database: ok\ncache: ok\nstatic: ok\n"


def test_healthz_answers_503_when_collectstatic_has_not_run(client, settings, tmp_path):
    # Debug off serves hashed static files from a manifest collectstatic writes; without it
    # every page would answer 500, so the health check must not say ok.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path / "never-collected"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert b"static: unavailable" in response.content


def test_a_tag_only_on_unpublished_stories_has_no_page_or_feed(client, hidden_story_fields):
    embargoed = make_article(
        headline="Embargoed", tags=["Secret merger"], published=False, **hidden_story_fields
    )
    make_article(headline="Public", tags=["Weather"])
    assert client.get("/tags/secret-merger/").status_code == 404
    assert client.get("/tags/secret-merger/feed/").status_code == 404
    assert client.get("/tags/weather/").status_code == 200
    assert client.get("/tags/weather/feed/").status_code == 200
    assert_not_served(client, embargoed)


def test_sections_and_authors_with_no_published_story_show_nowhere(client):
    quiet, busy = make_section(name="Quiet desk"), make_section(name="Busy desk")
    ghost, writer = make_author(name="Ghost Writer"), make_author(name="Busy Writer")
    make_article(section=quiet, authors=[ghost], published=False)
    make_article(section=busy, authors=[writer])

    home = client.get("/").content.decode()

    assert "Busy desk" in home and "Quiet desk" not in home
    for url in [quiet.get_absolute_url(), ghost.get_absolute_url(),
                f"/{quiet.slug}/feed/", f"/authors/{ghost.slug}/feed/"]:  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert client.get(writer.get_absolute_url()).status_code == 200
