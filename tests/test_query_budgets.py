"""Every public page runs a fixed number of queries, whatever the amount of content."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import views
from tests.factories import (
    make_article,
    make_author,
    make_correction,
    make_image,
    make_section,
    photo_bytes,
    schedule_known,
)

pytestmark = pytest.mark.django_db

ARTICLE_PAGE_BUDGET = 6


def build_site(size: int):
    """`size` sections, each with `size` stories carrying `size` authors, tags and corrections."""
    authors = [make_author() for _ in range(size)]
    tags = [f"topic {n}" for n in range(size)]
    stories = []
    for s in range(size):
        section = make_section()
        for _ in range(size):
            story = make_article(section=section, authors=authors, tags=tags, homepage_priority=s)
            for _ in range(size):
                make_correction(story)
            stories.append(story)
    stories[0].related.add(*stories[1:size])
    return stories[0], authors[0]


def queries_for(client, url) -> int:
    """What drawing the page costs (a page cache miss)."""
    schedule_known()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def page_urls(story, author) -> dict[str, str]:
    return {
        "home": "/",
        "section": story.section.get_absolute_url(),
        "section page 2": story.section.get_absolute_url() + "?page=2",
        "author": author.get_absolute_url(),
        "tag": "/tags/topic-0/",
        "article": story.get_absolute_url(),
    }


def test_pages_use_the_same_number_of_queries_at_two_data_sizes(client, monkeypatch):
    # Two stories a page, so "section page 2" is a real second page at both sizes.
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    small_story, small_author = build_site(3)
    small = {
        name: queries_for(client, url) for name, url in page_urls(small_story, small_author).items()
    }

    large_story, large_author = build_site(7)
    large = {
        name: queries_for(client, url) for name, url in page_urls(large_story, large_author).items()
    }

    assert small == large
    assert large["article"] <= ARTICLE_PAGE_BUDGET


@pytest.mark.parametrize("size", [1, 8])
def test_article_page_stays_within_budget_whatever_its_bylines_tags_and_corrections(
    client, django_assert_max_num_queries, size
):
    authors = [make_author() for _ in range(size)]
    story = make_article(authors=authors, tags=[f"t{n}" for n in range(size)])
    for _ in range(size):
        make_correction(story)
        make_article(section=story.section, tags=["t0"])
    schedule_known()
    with django_assert_max_num_queries(ARTICLE_PAGE_BUDGET):
        response = client.get(story.get_absolute_url())
    # Each correction is on the page twice: in its Corrections box and in the JSON-LD.
    assert response.content.decode().count("An earlier version misspelled a name.") == 2 * size


# --- Pictures inside bodies -----------------------------------------------------------------------


def body_with_pictures(count: int) -> str:
    """A body showing `count` different library photos between paragraphs."""
    photos = [make_image(photo_bytes((640, 400))) for _ in range(count)]
    return "".join(
        f'<p>Paragraph {n}.</p><figure data-block="picture" data-photo="{photo.pk}" '
        f'data-size="{("inline", "wide", "full")[n % 3]}" data-caption="Picture {n}"></figure>'
        for n, photo in enumerate(photos)
    )


def story_with(pictures: int, size: int):
    """A story with a hero, `pictures` inline pictures, and `size` bylines, tags and corrections."""
    story = make_article(
        authors=[make_author() for _ in range(size)], tags=[f"t{n}" for n in range(size)],
        hero_image=make_image(photo_bytes((640, 400))), body=body_with_pictures(pictures),
    )  # fmt: skip
    for _ in range(size):
        make_correction(story)
        make_article(section=story.section, tags=["t0"])
    return story


def test_inline_pictures_cost_one_query_for_them_all_at_any_data_size(client):
    plain = queries_for(client, story_with(0, 2).get_absolute_url())
    small = story_with(6, 2)
    small_queries = queries_for(client, small.get_absolute_url())
    large = story_with(6, 7)
    large_queries = queries_for(client, large.get_absolute_url())
    page = client.get(large.get_absolute_url()).content.decode()

    assert small_queries == large_queries <= plain + 1
    assert large_queries <= ARTICLE_PAGE_BUDGET + 1
    assert page.count('<figure class="picture picture--') == 6


def test_the_number_of_inline_pictures_does_not_change_the_number_of_queries(client):
    assert queries_for(client, story_with(1, 1).get_absolute_url()) == queries_for(
        client, story_with(9, 1).get_absolute_url()
    )


def test_feeds_fetch_every_items_pictures_in_one_query(client):
    section = make_section()
    for _ in range(2):
        make_article(section=section, body=body_with_pictures(2))
    small = {url: queries_for(client, url) for url in ["/feed/", "/feed/atom/"]}
    for _ in range(6):
        make_article(section=section, body=body_with_pictures(3))
    large = {url: queries_for(client, url) for url in ["/feed/", "/feed/atom/"]}
    rss = client.get("/feed/").content.decode()

    assert small == large
    assert rss.count('&lt;img src="http') == 2 * 2 + 6 * 3  # each picture, as an image


# --- The notifications inbox and the header's unread count (planning/inbox.py) -----------------

# The session, the user and their two-factor devices (4); the page's count, its rows and marking
# them read (3); the admin menu's permissions (2); the header's unread count (1).
INBOX_BUDGET = 10


def _notified(size: int):
    """A writer with `size` notifications, each on its own story from its own editor."""
    from planning.models import Kind, Notification
    from tests.factories import make_staff

    writer = make_staff("Writer")
    for n in range(size):
        story = make_article(published=False, created_by=writer)
        Notification.objects.create(
            recipient=writer, kind=Kind.SENT_BACK, article=story, actor=make_staff("Editor"),
            text=f"Reason {n}", email="off",
        )  # fmt: skip
    return writer


@pytest.mark.parametrize("size", [2, 30])
def test_the_inbox_stays_within_budget_at_any_number_of_notifications(
    client, django_assert_max_num_queries, size
):
    client.force_login(_notified(size))
    with django_assert_max_num_queries(INBOX_BUDGET):
        page = client.get("/admin/planning/notification/")
    assert page.content.decode().count("Reason ") == size


def test_the_inbox_and_the_header_count_cost_the_same_at_two_data_sizes(client):
    costs = []
    for size in (2, 30):
        client.force_login(_notified(size))
        costs.append(
            [
                queries_for_admin(client, "/admin/planning/notification/"),
                queries_for_admin(client, "/admin/password_change/"),  # the header's count only
            ]
        )
    assert costs[0] == costs[1]


def queries_for_admin(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)
