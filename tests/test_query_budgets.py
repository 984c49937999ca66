"""Every public page runs a fixed number of queries, whatever the amount of content."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import views
from tests.factories import (
    make_article,
    make_author,
    make_correction,
    make_section,
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
    assert response.content.decode().count("An earlier version misspelled a name.") == size
