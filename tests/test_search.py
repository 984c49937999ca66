"""Search at /search/?q=: ranked, stemmed, highlighted, paginated, and never an error."""

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.search import highlight, query_terms, rebuild_index, search_articles
from tests.corpus import entries, needs_corpus
from tests.factories import make_article, make_author, make_image, make_section

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """Run the index updates queued for commit, as they run after a real request commits."""

    def run(make, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return make(*args, **kwargs)

    return run


def headlines(query: str) -> list[str]:
    return [a.headline for a in search_articles(query)]


def test_a_headline_match_ranks_above_a_body_match(indexed):
    indexed(make_article, headline="Council budget approved", body="<p>Roads and parks.</p>")
    indexed(
        make_article, headline="Weekend weather", body="<p>Rain before the lighthouse opens.</p>"
    )
    indexed(make_article, headline="Lighthouse restored after storm", body="<p>Work is done.</p>")

    assert headlines("lighthouse") == ["Lighthouse restored after storm", "Weekend weather"]


def test_tags_standfirst_and_author_names_are_searched(indexed):
    author = make_author(name="Philippa Quarrington")
    indexed(make_article, headline="A", standfirst="Glaciers are retreating", authors=[author])
    indexed(make_article, headline="B", tags=["Astrophysics"])

    assert headlines("glaciers") == ["A"]
    assert headlines("quarrington") == ["A"]
    assert headlines("astrophysics") == ["B"]


def test_every_word_of_the_query_must_match(indexed):
    indexed(make_article, headline="Harbour bridge reopens")
    indexed(make_article, headline="Harbour tunnel closes")

    assert headlines("harbour bridge") == ["Harbour bridge reopens"]


def test_stemming_finds_publishing_for_published(indexed):
    # PostgreSQL's English configuration and SQLite's Porter tokenizer both stem.
    indexed(make_article, headline="Publishing houses merge")

    assert headlines("published") == ["Publishing houses merge"]


def test_the_index_follows_edits_to_the_headline_tags_and_bylines(indexed):
    story = indexed(make_article, headline="Original wording")
    story.headline = "Revised wording"
    indexed(story.save)
    indexed(story.tags.add, "Volcanoes")
    author = make_author(name="Zebedee Fairweather")
    indexed(story.bylines.create, author=author, position=0)

    assert headlines("original") == []
    assert headlines("revised") == ["Revised wording"]
    assert headlines("volcanoes") == ["Revised wording"]
    assert headlines("fairweather") == ["Revised wording"]


def test_renaming_an_author_reindexes_their_stories(indexed):
    author = make_author(name="Old Name")
    indexed(make_article, headline="Profile", authors=[author])
    author.name = "Marguerite Newname"
    indexed(author.save)

    assert headlines("newname") == ["Profile"]


def test_a_deleted_story_leaves_the_index(indexed):
    story = indexed(make_article, headline="Ephemeral news")
    indexed(story.delete)

    assert headlines("ephemeral") == []


def test_captions_quotes_and_facts_are_searched_but_never_an_embeds_address(indexed):
    photo = make_image(alt="Firefighters", caption="Photo library caption")
    body = (
        "<p>The mill burned.</p>"
        f'<figure data-block="picture" data-photo="{photo.pk}" data-caption="Smouldering '
        'rafters"></figure>'
        '<figure data-block="embed" data-url="https://youtu.be/dQw4w9WgXcQ"></figure>'
        '<figure data-block="pullquote" data-quote="Unthinkable devastation" data-by="Mayor">'
        "</figure>"
        '<figure data-block="keyfacts" data-facts="Insurers notified&#10;Roads closed"></figure>'
    )
    indexed(make_article, headline="Mill fire", body=body)

    for word in ("rafters", "unthinkable", "insurers", "mill"):
        assert headlines(word) == ["Mill fire"], word
    for word in ("dQw4w9WgXcQ", "youtu", "youtube", "caption"):
        assert headlines(word) == [], word  # not the address, nor the photo's own caption


def test_rebuild_index_covers_articles_written_without_save(indexed):
    story = indexed(make_article, headline="Before bulk")
    Article.objects.filter(pk=story.pk).update(headline="Quietly changed")

    assert rebuild_index() == 1
    assert headlines("quietly") == ["Quietly changed"]


def test_rebuild_search_index_command_reports_what_it_indexed(indexed):
    indexed(make_article, headline="Kept")
    Article.objects.update(headline="Renamed quietly")
    out = io.StringIO()
    call_command("rebuild_search_index", "--batch-size", "1", stdout=out)
    assert out.getvalue().strip() == "Indexed 1 article."
    assert headlines("renamed") == ["Renamed quietly"]


def test_a_failing_index_update_never_undoes_or_blocks_the_edit(indexed, monkeypatch, caplog):
    def broken(pks):
        raise DatabaseError("index unavailable")

    monkeypatch.setattr("articles.search.index_articles", broken)
    story = indexed(make_article, headline="Saved anyway")
    assert Article.objects.get(pk=story.pk).headline == "Saved anyway"
    assert "index unavailable" in caplog.text


def test_search_page_highlights_matches_in_escaped_snippets(client, indexed):
    indexed(
        make_article,
        headline="Market report",
        body="<p>Shares in &lt;b&gt;Acme&lt;/b&gt; rose; the <strong>harbour</strong> opened.</p>",
    )

    response = client.get("/search/", {"q": "harbour"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>harbour</mark>" in html
    assert "&lt;b&gt;Acme&lt;/b&gt;" in html
    results = html.split("search-results")[1].split("</main>")[0]
    assert "<strong>" not in results  # the snippet is text, bar the marks


def test_snippets_keep_a_space_between_a_bodys_paragraphs_and_headings(client, indexed):
    body = "<p>Crews reached the fire station.</p><h2>What happens next</h2><p>A report.</p>"
    indexed(make_article, headline="Fire", body=body)

    html = client.get("/search/", {"q": "station"}).content.decode()

    assert "<mark>station</mark>. What happens next" in html


def test_highlight_trusts_only_its_own_markers():
    assert (
        highlight("a \x02<b>x</b>\x03 \x02dangling")
        == "a <mark>&lt;b&gt;x&lt;/b&gt;</mark> dangling"
    )


def test_search_page_is_paginated_and_keeps_the_query(client, indexed):
    section = make_section()
    for n in range(25):
        indexed(make_article, headline=f"Tide report {n}", section=section)

    first = client.get("/search/", {"q": "tide"}).content.decode()
    second = client.get("/search/", {"q": "tide", "page": "2"}).content.decode()

    assert first.count('class="card__headline"') == 20
    assert second.count('class="card__headline"') == 5
    assert 'href="?q=tide&amp;page=2"' in first
    assert 'rel="next"' in first


@pytest.mark.parametrize(
    "query", ["", "   ", "!!!", "the and of", "a" * 10_000, "word " * 2_000, "\x00\x01"]
)
def test_empty_long_and_odd_queries_get_a_normal_page(client, indexed, query):
    indexed(make_article, headline="Anything at all")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert "<h1" in response.content.decode()


@needs_corpus
@pytest.mark.parametrize("name", ["injection_strings.txt", "xss_vectors.txt"])
def test_hostile_queries_get_a_normal_escaped_page(client, indexed, name):
    indexed(make_article, headline="Alert script onerror union select drop table")
    for query in entries(name):
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200, query
        if "<" in query:
            assert query not in response.content.decode(), query


def test_query_terms_are_capped_and_never_syntax():
    assert query_terms('"harbour" OR bridge* NEAR(x)') == ["harbour", "OR", "bridge", "NEAR", "x"]
    assert len(query_terms("word " * 5_000)) == 12
    assert query_terms("___") == []


def search_queries(client, size: int, indexed) -> int:
    section = make_section()
    author = make_author()
    for n in range(size):
        indexed(make_article, headline=f"Ferry timetable {size} {n}", section=section,
                authors=[author], tags=["Transport"])  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", {"q": "ferry timetable"})
    assert response.status_code == 200
    return len(queries)


def test_search_runs_a_fixed_number_of_queries_whatever_the_number_of_matches(client, indexed):
    small = search_queries(client, 3, indexed)
    large = search_queries(client, 40, indexed)
    assert small == large <= 5


def test_a_story_given_many_tags_at_once_is_indexed_once(
    indexed, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    story = indexed(make_article, headline="Tagged heavily")
    writes = ("INSERT INTO articles_article_fts", "INSERT INTO articles_articlesearch")
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        story.tags.add(*[f"Topic {n}" for n in range(200)])

    # (SQLite's executemany is logged as "N times: INSERT ...")
    index_writes = [q["sql"] for q in queries if q["sql"].split(": ")[-1].startswith(writes)]
    assert len(index_writes) == 1
    assert headlines("topic") == ["Tagged heavily"]


def test_a_word_matching_more_than_can_be_ranked_ranks_the_latest_and_says_so(
    client, indexed, monkeypatch
):
    from articles import search

    monkeypatch.setattr(search, "CANDIDATES", 3)
    oldest = indexed(make_article, headline="Tide tables printed", body="<p>Tide.</p>")
    indexed(make_article, headline="Harbour tide", body="<p>Tide.</p>")
    indexed(make_article, headline="Ferries", body="<p>The tide turned.</p>")
    indexed(make_article, headline="Tide and wind", body="<p>Tide, tide.</p>")

    results = search_articles("tide")
    page = client.get("/search/", {"q": "tide"}).content.decode()

    assert oldest.headline not in [story.headline for story in results]  # left out, as the oldest
    assert [story.headline for story in results][-1] == "Ferries"  # only in the body: last
    assert (results.count(), results.more) == (3, True)
    assert "More than 3 stories for “tide”: the latest 3, best first." in page
    assert oldest.headline not in page


def test_a_word_matching_no_more_than_can_be_ranked_ranks_every_match(indexed, monkeypatch):
    from articles import search

    monkeypatch.setattr(search, "CANDIDATES", 3)
    for headline in ("Tide tables printed", "Harbour tide", "Tide and wind"):
        indexed(make_article, headline=headline)

    results = search_articles("tide")

    assert (results.count(), results.more) == (3, False)
