"""Articles written out as JSON or as Markdown files with YAML front matter.

Both carry what import_articles needs to rebuild an article on an empty database: headline,
slug, standfirst, body (HTML), section, bylines in order, tags, publish and update times, state.
The body stays HTML (`body_format: html`), so nothing is lost converting it to Markdown: it is
written as stored, its blocks included (`<figure data-block=...>`, articles/blocks.py), and
imported again it is the same, byte for byte. Pictures name library photos by number, so they
show only where the same photos are (a restored backup); the photos are not exported.
"""

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml
from django.db.models import Prefetch, QuerySet

from newsroom.text import make_slug

from .models import Article, ArticleAuthor

_SAFE_FILE_STEM = re.compile(r"^[-\w]+$")


def articles_to_export(states: Iterable[str] = ()) -> QuerySet:
    articles = Article.objects.select_related("section").prefetch_related(
        "tags",
        "corrections",
        Prefetch("bylines", queryset=ArticleAuthor.objects.select_related("author")),
    )
    states = list(states)
    return articles.filter(state__in=states).order_by("pk") if states else articles.order_by("pk")


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def article_record(article: Article) -> dict:
    return {
        "headline": article.headline,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "body": article.body,
        "section": article.section.slug,
        "section_name": article.section.name,
        "authors": [{"name": a.name, "slug": a.slug} for a in article.byline_authors()],
        "tags": sorted(tag.name for tag in article.tags.all()),
        "published_at": _iso(article.published_at),
        "updated_at": _iso(article.updated_at),
        "state": article.state,
        "homepage_priority": article.homepage_priority,
        "seo_title": article.seo_title,
        "seo_description": article.seo_description,
        "canonical_url": article.canonical_url,
        # Read back by import_articles: an export round-trips a story's corrections too.
        "corrections": [
            {"published_at": _iso(c.published_at), "text": c.text}
            for c in article.corrections.all()
        ],
    }


def write_json(articles: Iterable[Article], out) -> int:
    """Stream `{"articles": [...]}` one article at a time; returns how many were written."""
    count = 0
    out.write('{"articles": [')
    for count, article in enumerate(articles, start=1):
        out.write(",\n" if count > 1 else "\n")
        out.write(json.dumps(article_record(article), ensure_ascii=False, indent=2))
    out.write("\n]}\n")
    return count


def markdown_document(article: Article) -> str:
    meta = article_record(article)
    body = meta.pop("body")
    meta["authors"] = [author["name"] for author in meta["authors"]]
    meta["body_format"] = "html"
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    return f"---\n{front}---\n{body}"


def markdown_file_name(article: Article) -> str:
    """`<slug>.md`; a slug that could step out of the folder is rebuilt first."""
    stem = article.slug if _SAFE_FILE_STEM.match(article.slug) else make_slug(article.slug)
    return f"{stem}.md"


def write_markdown(articles: Iterable[Article], folder: Path) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for article in articles:
        path = folder / markdown_file_name(article)
        path.write_text(markdown_document(article), encoding="utf-8")
        yield path
