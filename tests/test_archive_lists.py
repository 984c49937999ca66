"""Lists that cost the same on any size of archive, and still show the right stories in order.

Tag and author pages walk their link rows' copy of each story's publish time; these tests
change that time every way the product can and check the pages follow. The timings are in
bench/pages.py; the query counts at two sizes in test_query_budgets.py.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles import caching, workflow
from articles.models import Article, ArticleAuthor, TaggedArticle
from tests.factories import make_article, make_author, make_section, make_staff

pytestmark = pytest.mark.django_db


def copies(article) -> set:
    """The publish times the story's tag and byline rows hold."""
    rows = [*TaggedArticle.objects.filter(content_object=article),
            *ArticleAuthor.objects.filter(article=article)]  # fmt: skip
    return {row.published_at for row in rows}


def headlines_in_order(client, url: str, *headlines: str) -> list[str]:
    html = client.get(url).content.decode()
    return sorted((h for h in headlines if h in html), key=html.index)


def test_every_way_a_publish_time_changes_reaches_the_tag_and_byline_rows():
    editor, ada = make_staff("Editor"), make_author(slug="ada")
    story = make_article(published=False, authors=[ada], tags=["Harbour", "Ferries"])
    assert copies(story) == {None}

    workflow.take(story, "publish", by=editor)
    story.refresh_from_db()
    assert copies(story) == {story.published_at}

    workflow.take(story, "withdraw", by=editor, comment="Legal.")
    workflow.take(story, "republish", by=editor)
    assert copies(story) == {Article.objects.get(pk=story.pk).published_at}

    later = make_article(published=False, authors=[ada], tags=["Harbour"])
    at = timezone.now() + timedelta(days=1)
    workflow.take(later, "schedule", by=editor, at=at)
    assert copies(later) == {at}
    workflow.take(later, "unschedule", by=editor)
    assert copies(later) == {None}

    backdated = timezone.now() - timedelta(days=400)
    story.published_at = backdated
    story.save()
    assert copies(story) == {backdated}

    story.tags.add("Storms")
    ArticleAuthor.objects.create(article=story, author=make_author(), position=1)
    assert copies(story) == {backdated}


def test_tag_and_author_pages_list_by_publish_time_not_by_when_rows_were_added(client):
    ada, now = make_author(slug="ada"), timezone.now()
    newest = make_article(headline="Newest", published_at=now - timedelta(hours=1))
    oldest = make_article(headline="Oldest", published_at=now - timedelta(days=30))
    middle = make_article(headline="Middle", published_at=now - timedelta(days=2))
    for story in (oldest, newest, middle):  # tagged and bylined in another order
        story.tags.add("Harbour")
        ArticleAuthor.objects.create(article=story, author=ada)
    expected = ["Newest", "Middle", "Oldest"]
    for url in ("/tags/harbour/", "/authors/ada/", "/tags/harbour/feed/", "/authors/ada/feed/"):
        assert headlines_in_order(client, url, *expected) == expected, url

    before = caching.shown(oldest)
    oldest.published_at = now - timedelta(minutes=1)  # corrected publish time, in the shell
    oldest.save()
    caching.story_changed(before, oldest)  # as every change to a story readers see must
    expected = ["Oldest", "Newest", "Middle"]
    for url in ("/tags/harbour/", "/authors/ada/"):
        assert headlines_in_order(client, url, *expected) == expected, url


def test_unpublished_stories_stay_off_tag_and_author_pages_whatever_their_copy_says(client):
    ada, editor = make_author(slug="ada"), make_staff("Editor")
    make_article(headline="Public story", authors=[ada], tags=["Harbour"])
    hidden = make_article(headline="Withdrawn story", authors=[ada], tags=["Harbour"])
    workflow.take(hidden, "withdraw", by=editor, comment="Legal.")
    future = make_article(headline="Future story", published=False, authors=[ada],
                          tags=["Harbour"])  # fmt: skip
    workflow.take(future, "schedule", by=editor, at=timezone.now() + timedelta(hours=1))
    for url in ("/tags/harbour/", "/authors/ada/"):
        html = client.get(url).content.decode()
        assert "Public story" in html
        assert "Withdrawn story" not in html and "Future story" not in html


def test_related_stories_by_tag_come_from_the_fortnight_around_a_story(client):
    section, now = make_section(slug="city"), timezone.now()
    story = make_article(headline="The story", section=section, tags=["Harbour"],
                         published_at=now - timedelta(hours=1))  # fmt: skip
    make_article(headline="Last week", tags=["Harbour"], published_at=now - timedelta(days=7))
    make_article(headline="Two months ago", tags=["Harbour"], published_at=now - timedelta(days=60))
    chosen = make_article(headline="Chosen long ago", published_at=now - timedelta(days=900))
    story.related.add(chosen)
    html = client.get(story.get_absolute_url()).content.decode()
    assert "Last week" in html and "Chosen long ago" in html
    assert "Two months ago" not in html


def test_article_sitemap_pages_past_the_end_are_not_found(client):
    make_article()
    assert client.get("/sitemap-articles.xml").status_code == 200
    assert client.get("/sitemap-articles.xml?p=2").status_code == 404


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL analyses by itself")
def test_an_import_leaves_sqlite_with_statistics_for_its_planner(tmp_path):
    for n in range(3):
        (tmp_path / f"story-{n}.txt").write_text(f"Story {n}\n\nA body for story {n}.\n")
    call_command("import_articles", str(tmp_path), "--publish", "--section", "News")
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'articles_article'")
        analysed = {row[0] for row in cursor.fetchall()}
    assert {"article_section_newest", "article_home_order", "article_public"} <= analysed
