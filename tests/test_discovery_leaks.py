"""A story readers may not see (draft, in review, scheduled but not due, withdrawn) is in no
feed, sitemap, search result or related list, nor served at its own URL; related stories are
chosen first, then by tags."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_author, make_section
from tests.test_public_site import assert_not_served

pytestmark = pytest.mark.django_db


def related_headlines(story, tags=None) -> list[str]:
    tag_ids = [t.pk for t in story.tags.all()] if tags is None else tags
    return [a.headline for a in Article.objects.published().related_to(story, tag_ids)]


def test_hidden_story_is_in_no_feed_sitemap_search_result_or_related_list_nor_at_its_url(
    client, django_capture_on_commit_callbacks, hidden_story_fields
):
    author = make_author(slug="ada")
    section = make_section(slug="city")
    with django_capture_on_commit_callbacks(execute=True):
        visible = make_article(headline="Visible zebra story", section=section, authors=[author],
                               tags=["Zebras"])  # fmt: skip
        hidden = make_article(
            headline="SECRET zebra story", standfirst="SECRET zebra talks.",
            body="<p>SECRET zebra terms agreed.</p>", section=section, authors=[author],
            tags=["Zebras"], published=False, **hidden_story_fields,
        )  # fmt: skip
        visible.related.add(hidden)

    urls = [
        "/feed/", "/feed/atom/", "/city/feed/", "/tags/zebras/feed/", "/authors/ada/feed/",
        "/sitemap.xml", "/sitemap-articles.xml", "/news-sitemap.xml", "/search/?q=zebra",
        visible.get_absolute_url(),
    ]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "SECRET" not in response.content.decode(), url
        assert hidden.slug not in response.content.decode(), url
    assert related_headlines(visible) == []
    assert_not_served(client, hidden)


def test_section_author_and_tag_with_only_hidden_stories_are_not_in_the_sitemaps(
    client, hidden_story_fields
):
    make_article(headline="Elsewhere", section=make_section(slug="other"))
    make_article(
        headline="SECRET", section=make_section(slug="hush"), authors=[make_author(slug="ghost")],
        tags=["Whisper"], published=False, **hidden_story_fields,
    )  # fmt: skip
    for url in ["/sitemap-sections.xml", "/sitemap-authors.xml", "/sitemap-tags.xml"]:
        html = client.get(url).content.decode()
        assert "hush" not in html and "ghost" not in html and "whisper" not in html, url


def test_scheduled_story_appears_everywhere_once_due(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_article(
            headline="Due quagga story", published=False, state=Article.State.SCHEDULED,
            published_at=timezone.now() - timedelta(seconds=1), tags=["Quaggas"],
        )  # fmt: skip
    for url in ["/feed/", "/sitemap-articles.xml", "/news-sitemap.xml", "/search/?q=quagga"]:
        assert "quagga" in client.get(url).content.decode().lower(), url


def test_related_stories_are_chosen_ones_first_then_most_shared_tags_then_newest():
    section = make_section()
    story = make_article(headline="Main", section=section, tags=["a", "b", "c"])
    now = timezone.now()
    make_article(headline="One tag, new", section=section, tags=["a"],
                               published_at=now - timedelta(minutes=1))  # fmt: skip
    make_article(headline="Two tags", section=section, tags=["a", "b"],
                            published_at=now - timedelta(days=3))  # fmt: skip
    make_article(headline="One tag, old", section=section, tags=["c"],
                               published_at=now - timedelta(days=5))  # fmt: skip
    chosen = make_article(headline="Chosen", section=section, published_at=now - timedelta(days=9))
    make_article(headline="Unrelated", section=section, tags=["z"])
    story.related.add(chosen)

    assert related_headlines(story) == ["Chosen", "Two tags", "One tag, new", "One tag, old"]


def test_a_story_without_tags_lists_only_its_chosen_related_stories():
    section = make_section()
    story = make_article(headline="Main", section=section)
    chosen = make_article(headline="Chosen", section=section)
    make_article(headline="Tagged", section=section, tags=["a"])
    story.related.add(chosen)

    assert related_headlines(story) == ["Chosen"]


def test_related_stories_take_one_query(django_assert_num_queries):
    story = make_article(tags=["a", "b"])
    for _ in range(6):
        make_article(tags=["a", "b"])
    tag_ids = [t.pk for t in story.tags.all()]
    with django_assert_num_queries(1):
        assert len(related_headlines(story, tag_ids)) == 4


def test_notes_and_the_plan_appear_on_no_public_surface_export_or_feed(
    client, django_capture_on_commit_callbacks, tmp_path
):
    """Staff notes (and a story's brief) are the newsroom's own: readers, feeds, search
    engines and exports never see them, on a live story or on a draft's preview."""
    import io
    import json

    from django.core.management import call_command

    from articles import preview, search
    from planning import notes
    from tests.factories import make_staff

    editor = make_staff("Editor", "edna")
    author = make_author(slug="ada")
    section = make_section(slug="city")
    with django_capture_on_commit_callbacks(execute=True):
        live = make_article(
            headline="Zebra crossing opens", section=section, authors=[author], tags=["Zebras"],
            brief="NOTESECRET brief: the mayor's angle",
        )  # fmt: skip
        draft = make_article(headline="Zebra draft", section=section, published=False)
        for story in (live, draft):
            first = notes.write(story, by=editor, text="NOTESECRET zebra: source is the mayor")
            notes.write(story, by=editor, text="NOTESECRET reply, @edna", parent=first)
    search.rebuild_index()

    urls = [
        "/", "/city/", "/feed/", "/feed/atom/", "/city/feed/", "/tags/zebras/",
        "/tags/zebras/feed/", "/authors/ada/", "/authors/ada/feed/", "/sitemap.xml",
        "/sitemap-articles.xml", "/news-sitemap.xml", "/search/?q=zebra",
        "/search/?q=notesecret", "/search/?q=mayor",
        live.get_absolute_url(), preview.preview_url(draft, by=editor),
        preview.preview_url(live, by=editor),
    ]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "NOTESECRET" not in page and "the mayor" not in page, url
    assert "application/ld+json" in client.get(live.get_absolute_url()).content.decode()

    as_json, as_markdown = tmp_path / "stories.json", tmp_path / "markdown"
    as_markdown.mkdir()
    call_command("export_articles", "--output", str(as_json), stdout=io.StringIO())
    exported = as_json.read_text(encoding="utf-8")
    assert len(json.loads(exported)["articles"]) == 2
    call_command("export_articles", "--format", "markdown", "--output", str(as_markdown),
                 stdout=io.StringIO())  # fmt: skip
    exported += "".join(p.read_text(encoding="utf-8") for p in as_markdown.glob("*.md"))
    assert "Zebra crossing opens" in exported
    assert "NOTESECRET" not in exported and "the mayor" not in exported
