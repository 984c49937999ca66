"""What search engines and social cards read about a page: titles, descriptions, images, JSON-LD.

Everything here works from data the page has already loaded (the article with its section,
hero image and bylines, and its tags), so metadata never adds a query to a page.
"""

import html
import json
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import strip_tags

from newsroom.text import clean_line

from . import blocks
from .models import Article

DESCRIPTION_CHARS = 160
PUBLISHER_LOGO = ("img/publisher-logo.png", 600, 60)
_FIRST_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.DOTALL | re.IGNORECASE)
# Inside <script>, these could end the element or open a comment; as \u escapes they are inert.
_SCRIPT_SAFE = {
    ord("<"): "\\u003C",
    ord(">"): "\\u003E",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def absolute_url(url: str) -> str:
    """An address usable off-site: ours are prefixed with SITE_URL; a CDN's are kept."""
    if url.startswith(("http://", "https://")):
        return url
    if url.startswith("//"):
        return f"{urlsplit(settings.SITE_URL).scheme}:{url}"
    return settings.SITE_URL + url


def w3c_datetime(value) -> str:
    """ISO 8601 to the second in the site's time zone, as sitemaps, OpenGraph and JSON-LD like."""
    return timezone.localtime(value).replace(microsecond=0).isoformat() if value else ""


def cut_at_word(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    text = clean_line(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:.–—-") + "…"


def first_paragraph(body_html: str) -> str:
    for match in _FIRST_PARAGRAPH.finditer(body_html):
        text = clean_line(html.unescape(strip_tags(match.group(1))))
        if text:
            return text
    return clean_line(html.unescape(strip_tags(body_html)))


def page_title(article: Article) -> str:
    return article.seo_title or article.headline


def meta_description(article: Article) -> str:
    """The SEO override, else the standfirst, else the opening paragraph, cut at a word."""
    text = article.seo_description or article.standfirst or first_paragraph(article.body)
    return cut_at_word(text)


def share_image(article: Article) -> dict | None:
    """The picture social cards show for an article, with its pixel size: the hero image,
    else the body's first picture."""
    pictures = [article.hero_image] if article.hero_image else blocks.pictures_in_order(article)
    return image_data(pictures[0]) if pictures else None


def image_data(image) -> dict | None:
    if not image.file:
        return None
    social = image.social_rendition()
    if social:
        return {"url": social.url, "width": social.width, "height": social.height, "alt": image.alt}
    return {
        "url": absolute_url(image.file.url),
        "width": image.width,
        "height": image.height,
        "alt": image.alt,
    }


def publisher() -> dict:
    path, width, height = PUBLISHER_LOGO
    logo = {"@type": "ImageObject", "url": absolute_url(static(path)), "width": width}
    return {"@type": "Organization", "name": settings.SITE_NAME, "logo": logo | {"height": height}}


def news_article(article: Article, tags) -> dict:
    """schema.org NewsArticle for Google's article rich results."""
    canonical = article.get_canonical_url()
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": meta_description(article),
        "datePublished": w3c_datetime(article.published_at),
        "dateModified": w3c_datetime(article.updated_at or article.published_at),
        "author": [
            {
                "@type": "Person",
                "name": author.name,
                "url": absolute_url(author.get_absolute_url()),
            }
            for author in article.byline_authors()
        ],
        "publisher": publisher(),
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "url": canonical,
        "articleSection": article.section.name,
        "keywords": [tag.name for tag in tags],
        "inLanguage": settings.SITE_LANGUAGE,
    }
    corrections = article.corrections.all()
    if corrections:  # what the page's Corrections box says, for machines too
        data["correction"] = [
            {
                "@type": "CorrectionComment",
                "text": correction.text,
                "datePublished": w3c_datetime(correction.published_at),
            }
            for correction in corrections
        ]
    # Every picture the page shows, the hero first: search engines pick the best fit.
    pictures = [article.hero_image, *blocks.pictures_in_order(article)]
    found = [image_data(image) for image in dict.fromkeys(filter(None, pictures))]
    if found := [image for image in found if image]:
        keys = ("url", "width", "height")
        data["image"] = [{"@type": "ImageObject", **{key: i[key] for key in keys}} for i in found]
    return data


def script_json(data: dict) -> str:
    """JSON for a <script> element: nothing in any field can close the element early."""
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_SAFE)
