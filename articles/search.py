"""Full-text search over published articles: one interface, a PostgreSQL and an SQLite backend.

PostgreSQL keeps a weighted tsvector per article in a GIN-indexed table (English stemming,
ranked by ts_rank); SQLite keeps an FTS5 table (Porter stemming, ranked by bm25). Either way an
article is re-indexed after the transaction that changed it commits, so a rolled-back edit
never reaches the index and bylines and tags saved after the article are included.

What the ranking promises: every match, best first (headline and tags above standfirst and
bylines, above the body; ties newest first), when at most CANDIDATES stories match. A common
word matches much of the archive, and scoring every match before the first page is known grows
with it: then the CANDIDATES most recently added matches are ranked (both indexes hand them
over in that order without visiting the rest), and the page says older ones were left out.
"""

import html
import re
from collections.abc import Callable, Iterable
from functools import cached_property

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import (
    F,
    FloatField,
    Func,
    Lookup,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from newsroom.text import clean_line
from newsroom.transactions import once_per_transaction

from . import blocks
from .models import (
    Article,
    ArticleAuthor,
    ArticleFTS,
    ArticleSearch,
    Author,
    Tag,
    TaggedArticle,
)

MAX_QUERY_CHARS = 200
CANDIDATES = 1000
MAX_TERMS = 12
SNIPPET_WORDS = 30
# Highlight markers the database puts around matches. They can never come from stored text:
# every stored field goes through text.drop_invalid_code_points, which removes them.
MARK_START, MARK_END = "\x02", "\x03"
_WORD = re.compile(r"[^\W_]+")
_MARKED = re.compile(f"{MARK_START}(.*?){MARK_END}", re.DOTALL)


def query_terms(text: str) -> list[str]:
    """The words of a reader's query, capped; punctuation and operators are never syntax."""
    return _WORD.findall(clean_line(text[:MAX_QUERY_CHARS]))[:MAX_TERMS]


class SearchResults:
    """Matches that a Paginator can page through, best first (the ranking's promise: above).

    One query fetches the candidates' ids, times and scores, newest added first; they are put
    in rank order here, and a page's cards (with their snippets) are fetched by id, `cards(pks)`.
    """

    def __init__(self, candidates: QuerySet, cards: Callable[[list[int]], QuerySet], *,
                 higher_is_better: bool):  # fmt: skip
        self._candidates = candidates.values_list("pk", "published_at", "search_rank")
        self._cards = cards
        self._sign = -1 if higher_is_better else 1

    @cached_property
    def _ranked(self) -> tuple[list[int], bool]:
        rows = list(self._candidates[: CANDIDATES + 1])
        more, rows = len(rows) > CANDIDATES, rows[:CANDIDATES]
        rows.sort(key=lambda row: (self._sign * row[2], -row[1].timestamp(), -row[0]))
        return [pk for pk, _, _ in rows], more

    @property
    def more(self) -> bool:
        """More stories match than were ranked."""
        return self._ranked[1]

    def count(self) -> int:
        return len(self._ranked[0])

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        pks = self._ranked[0][key] if isinstance(key, slice) else [self._ranked[0][key]]
        cards = {card.pk: card for card in self._cards(pks)} if pks else {}
        page = [cards[pk] for pk in pks if pk in cards]
        return page if isinstance(key, slice) else page[0]

    def __iter__(self):
        return iter(self[:])


def search_articles(text: str) -> SearchResults:
    """Published articles matching every word, best first, each with `search_snippet`."""
    terms = query_terms(text)
    articles = Article.objects.published()
    if not terms:
        nothing = articles.none().annotate(search_rank=Value(0.0, output_field=FloatField()))
        return SearchResults(nothing, lambda pks: articles.none(), higher_is_better=True)
    return backend().results(articles, terms)


def highlight(snippet: str) -> SafeString:
    """Escape a snippet; only the <mark> around each match is markup."""
    text = escape(backend().snippet_text(snippet or ""))
    text = _MARKED.sub(r"<mark>\1</mark>", text)
    return mark_safe(text.replace(MARK_START, "").replace(MARK_END, ""))  # noqa: S308


def index_articles(pks: Iterable[int]) -> None:
    pks = list(pks)
    if pks:
        backend().index(pks)


def rebuild_index(batch_size: int = 500) -> int:
    """Index every article again (after a bulk load that bypassed save()); returns the count."""
    pks = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), batch_size):
        index_articles(pks[start : start + batch_size])
    return len(pks)


def body_text(body: str) -> str:
    """What search reads of a stored body: its words, captions, quotes and facts, never an
    embed's address (articles.blocks.search_text); both backends index this."""
    return blocks.search_text(body)


def backend():
    return PostgresSearch() if connection.vendor == "postgresql" else SqliteSearch()


class PostgresSearch:
    config = "english"

    def results(self, articles: QuerySet, terms: list[str]) -> SearchResults:
        query = SearchQuery(" ".join(terms), config=self.config)  # every word, stemmed
        snippet = SearchHeadline(
            Func(
                F("body"),
                Value("(<[^>]+>)+"),  # tags in a row: one space
                Value(" "),
                Value("g"),
                function="regexp_replace",
                output_field=TextField(),
            ),
            query,
            config=self.config,
            start_sel=MARK_START,
            stop_sel=MARK_END,
            max_words=SNIPPET_WORDS,
            min_words=SNIPPET_WORDS // 2,
            max_fragments=2,
            fragment_delimiter=" … ",
        )
        candidates = (
            articles.filter(search__vector=query)
            .annotate(search_rank=SearchRank(F("search__vector"), query))
            .order_by("-pk")
        )

        def cards(pks):
            return articles.filter(pk__in=pks).for_listing().annotate(search_snippet=snippet)

        return SearchResults(candidates, cards, higher_is_better=True)

    def snippet_text(self, snippet: str) -> str:
        return html.unescape(snippet)  # ts_headline cut it from the stored HTML

    def index(self, pks: list[int]) -> None:
        """Upsert the vectors in one statement; the ORM writes the SELECT half of it. The
        body's words are body_text()'s, worked out here and passed in as an array."""
        articles = Article.objects.filter(pk__in=pks).order_by()
        bodies = [(pk, body_text(body)) for pk, body in articles.values_list("pk", "body")]
        rows = articles.annotate(vector=self.vector()).values("pk", "vector")
        select_sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {ArticleSearch._meta.db_table} (article_id, vector) "  # noqa: S608
                "SELECT a.id, a.vector || setweight(to_tsvector(%s::regconfig, b.text), 'C') "
                f"FROM ({select_sql}) AS a(id, vector) "
                "JOIN unnest(%s::bigint[], %s::text[]) AS b(id, text) ON b.id = a.id "
                "ON CONFLICT (article_id) DO UPDATE SET vector = EXCLUDED.vector",
                [self.config, *params, [pk for pk, _ in bodies], [text for _, text in bodies]],
            )

    def vector(self):
        def weighted(expression, weight):
            return SearchVector(expression, config=self.config, weight=weight)

        tags = _names(TaggedArticle, "content_object", "tag__name")
        authors = _names(ArticleAuthor, "article", "author__name")
        return (
            weighted("headline", "A")
            + weighted(tags, "A")
            + weighted(authors, "B")
            + weighted("standfirst", "B")
        )  # and the body's text, weight C (index)


def _names(model, article_field: str, name_field: str):
    """The names joined by spaces, as a subquery per article (an UPDATE cannot join)."""
    from django.contrib.postgres.aggregates import StringAgg  # loads psycopg: PostgreSQL only

    names = (
        model.objects.filter(**{article_field: OuterRef("pk")})
        .values(article_field)
        .annotate(names=StringAgg(name_field, " "))
        .values("names")
    )
    return Coalesce(Subquery(names), Value(""), output_field=TextField())


class FullTextMatch(Lookup):
    """`fts__document__match=...`: FTS5's MATCH, on the one field it makes sense for."""

    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


ArticleFTS._meta.get_field("document").register_lookup(FullTextMatch)


class SqliteSearch:
    table = ArticleFTS._meta.db_table

    def results(self, articles: QuerySet, terms: list[str]) -> SearchResults:
        # Each word quoted, so FTS5 reads it as a word and never as an operator.
        match = " ".join('"{}"'.format(term.replace('"', '""')) for term in terms)
        snippet = Func(
            Value(MARK_START),
            Value(MARK_END),
            Value("…"),
            Value(SNIPPET_WORDS),
            template=f"snippet({self.table}, 4, %(expressions)s)",
            output_field=TextField(),
        )
        matching = articles.filter(fts__document__match=match)
        # Down the index's own order (its rowid is the article's id): FTS5 stops at the limit.
        candidates = matching.annotate(search_rank=F("fts__rank")).order_by("-fts")

        def cards(pks):
            # By the index's rowid: FTS5 looks up these rows, not every match of the word.
            page = matching.filter(pk__in=pks, fts__pk__in=pks).order_by()
            return page.for_listing().annotate(search_snippet=snippet)

        return SearchResults(candidates, cards, higher_is_better=False)

    def snippet_text(self, snippet: str) -> str:
        return snippet  # the FTS5 table holds plain text already

    def index(self, pks: list[int]) -> None:
        articles = Article.objects.filter(pk__in=pks).prefetch_related("tags", "bylines__author")
        rows = [
            (
                article.pk,
                article.headline,
                " ".join(tag.name for tag in article.tags.all()),
                " ".join(author.name for author in article.byline_authors()),
                article.standfirst,
                body_text(article.body),
            )
            for article in articles
        ]
        placeholders = ", ".join("%s" for _ in pks)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE rowid IN ({placeholders})", pks)  # noqa: S608
            cursor.executemany(
                f"INSERT INTO {self.table} (rowid, headline, tags, authors, standfirst, body) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s, %s)",
                rows,
            )


# --- Keeping the index in step ---------------------------------------------------------------
# Receivers, because the index is a decoupled concern: every path that changes an article, its
# bylines or its tags (admin, workflow, importer, shell) is covered without knowing about search.


def index_on_commit(pks: Iterable[int]) -> None:
    """Index these articles after the commit, in the transaction's one index update (a story
    saved with 10,000 tags once meant 10,000 updates). The receivers below call it; so do
    writers of rows in bulk, which send no signals."""
    once_per_transaction(index_articles, pks)


def _article_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        index_on_commit([instance.pk])


def _article_deleted(sender, instance, **kwargs):
    index_on_commit([instance.pk])  # indexing a missing article drops its entry


def _link_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        index_on_commit([getattr(instance, "article_id", None) or instance.content_object_id])


def _author_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        index_on_commit(instance.bylines.values_list("article_id", flat=True))


def _tag_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        index_on_commit(instance.tagged_articles.values_list("content_object_id", flat=True))


def connect_receivers() -> None:
    post_save.connect(_article_saved, sender=Article, dispatch_uid="search_article_saved")
    post_delete.connect(_article_deleted, sender=Article, dispatch_uid="search_article_deleted")
    for model in (ArticleAuthor, TaggedArticle):
        for signal in (post_save, post_delete):
            signal.connect(_link_changed, sender=model, dispatch_uid=f"search_{model.__name__}")
    post_save.connect(_author_saved, sender=Author, dispatch_uid="search_author_saved")
    post_save.connect(_tag_saved, sender=Tag, dispatch_uid="search_tag_saved")
