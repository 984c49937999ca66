"""The one gate every article body passes before it is stored: caps, then nh3.

nh3 is roughly quadratic on deeply nested markup and raises on lone surrogates, so the size
and nesting checks and the code-point clean-up run first, in linear time.
"""

import re

import nh3
from django.core.exceptions import ValidationError

from .text import drop_invalid_code_points

MAX_BODY_CHARS = 400_000  # a 60,000-word long read is about 400 KB of HTML
MAX_NESTING_DEPTH = 24

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "a", "ul", "ol", "li", "blockquote", "code", "pre", "figure", "figcaption",
}  # fmt: skip
_VOID_TAGS = {"br", "hr", "img", "wbr", "input", "meta", "link", "source", "area", "col"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style"},
    attributes={"a": {"href", "title"}, "ol": {"start"}},
    tag_attribute_values={"a": {"target": {"_blank"}}},
    url_schemes={"http", "https", "mailto"},
    # Every link gets rel, so one opened in a new tab can never script its opener.
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def nesting_depth(html: str) -> int:
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if name.lower() in _VOID_TAGS or self_closing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


def check_body(html: str) -> None:
    """Raise ValidationError, with a message an editor can act on, when a body is over a cap."""
    if len(html) > MAX_BODY_CHARS:
        raise ValidationError(
            "The body is too long (%(size)s characters; the limit is %(limit)s).",
            code="too_long",
            params={"size": f"{len(html):,}", "limit": f"{MAX_BODY_CHARS:,}"},
        )
    if nesting_depth(html) > MAX_NESTING_DEPTH:
        raise ValidationError(
            "The body nests elements more than %(limit)s deep; simplify its formatting.",
            code="too_deep",
            params={"limit": MAX_NESTING_DEPTH},
        )


def sanitise_html(html: str) -> str:
    html = drop_invalid_code_points(html)
    check_body(html)
    return _cleaner.clean(html)
