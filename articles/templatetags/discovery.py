"""Template tags for how readers and machines find pages: metadata, JSON-LD, search snippets."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .. import metadata, search

register = template.Library()


@register.inclusion_tag("includes/article_meta.html", takes_context=True)
def article_meta(context, article, tags):
    """Canonical link, OpenGraph, Twitter card and NewsArticle JSON-LD for one article."""
    return {
        "site_name": context.get("site_name"),
        "article": article,
        "tags": tags,
        "title": metadata.page_title(article),
        "description": metadata.meta_description(article),
        "canonical": article.get_canonical_url(),
        "image": metadata.share_image(article),
        "json_ld": metadata.news_article(article, tags),
    }


@register.simple_tag
def json_ld(data):
    """A schema.org <script>, escaped so no field can close it (see metadata.script_json)."""
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(metadata.script_json(data)),  # noqa: S308
    )


@register.filter
def meta_description(article):
    return metadata.meta_description(article)


@register.filter
def page_title(article):
    return metadata.page_title(article)


@register.filter
def absolute(url):
    return metadata.absolute_url(url)


@register.filter
def w3c_datetime(value):
    return metadata.w3c_datetime(value)


@register.filter
def highlight_snippet(snippet):
    return search.highlight(snippet)
