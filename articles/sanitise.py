"""The one gate every article body passes before it is stored: caps, nh3, then body blocks.

nh3 is roughly quadratic on deeply nested markup and raises on lone surrogates, so the size
and nesting checks and the code-point clean-up run first, in linear time. nh3 keeps the tags
and attributes below; articles.blocks then puts every block (picture, embed, pull quote, key
facts) in its one stored form or drops it.
"""

import re

import nh3
from django.core.exceptions import ValidationError

from newsroom.text import drop_invalid_code_points

from . import block_markup, blocks

MAX_BODY_CHARS = 400_000  # a 60,000-word long read is about 400 KB of HTML
MAX_NESTING_DEPTH = 24

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "a", "ul", "ol", "li", "blockquote", "code", "pre", "figure", "figcaption",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
}  # fmt: skip
MAX_SPAN = 50  # a cell spanning more rows or columns than this is a mistake or an attack
_VOID_TAGS = {"br", "hr", "img", "wbr", "input", "meta", "link", "source", "area", "col"}
_SELF_ENDING = {"p", "li"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")


def _spans_in_reason(tag: str, name: str, value: str) -> str | None:
    if name in {"colspan", "rowspan"}:
        in_reason = value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_SPAN
        return value if in_reason else None
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style"},
    attributes={
        "a": {"href", "title"},
        "ol": {"start"},
        "figure": set(block_markup.ATTRIBUTES),
        "th": {"colspan", "rowspan"},
        "td": {"colspan", "rowspan"},
    },  # fmt: skip
    tag_attribute_values={"a": {"target": {"_blank"}}, "th": {"scope": {"col", "row"}}},
    attribute_filter=_spans_in_reason,
    url_schemes={"http", "https", "mailto"},
    # Every link gets rel, so one opened in a new tab can never script its opener.
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def nesting_depth(html: str, stop_above: int = MAX_NESTING_DEPTH) -> int:
    """How deep a parser would nest this markup, in one pass.

    As in HTML, `<div/>` opens a div (only void elements close themselves) and a new `<p>` or
    `<li>` ends an open one, so neither trick nor plain old-style markup is miscounted.
    Counting stops past `stop_above`, which keeps the scan linear on hostile input.
    """
    open_tags: list[str] = []
    deepest = 0
    # Past the last ">" no tag can end, and a "<" there would make the pattern scan to the end
    # again for each one: quadratic on "<a<a<a...". Before it, every scan stops at a ">".
    for match in _TAG.finditer(html, 0, html.rfind(">") + 1):
        closing, name, _ = match.groups()
        name = name.lower()
        if name in _VOID_TAGS:
            continue
        if closing:
            if name in open_tags:
                while open_tags.pop() != name:
                    pass
            continue
        if name in _SELF_ENDING and open_tags and open_tags[-1] == name:
            open_tags.pop()
        open_tags.append(name)
        deepest = max(deepest, len(open_tags))
        if deepest > stop_above:
            break
    return deepest


def check_body(html: str) -> None:
    """Raise ValidationError, with a message an editor can act on, when a body is over a cap."""
    _check_size(html)
    if nesting_depth(html) > MAX_NESTING_DEPTH:
        raise ValidationError(
            "The body nests elements more than %(limit)s deep; simplify its formatting.",
            code="too_deep",
            params={"limit": MAX_NESTING_DEPTH},
        )


def _check_size(html: str) -> None:
    if len(html) > MAX_BODY_CHARS:
        raise ValidationError(
            "The body is too long (%(size)s characters; the limit is %(limit)s).",
            code="too_long",
            params={"size": f"{len(html):,}", "limit": f"{MAX_BODY_CHARS:,}"},
        )


def sanitise_html(html: str) -> str:
    """The body as stored; raises ValidationError over a cap.

    The caps are checked before nh3 runs (to bound its work) and again on what it returns,
    since closing every open tag can make a body longer, and the `<tbody>` it adds to every
    table deeper: what is stored is what is capped, so a stored body always passes again
    when it is saved again.
    """
    html = drop_invalid_code_points(html)
    check_body(html)
    clean = blocks.normalise(_cleaner.clean(html))
    check_body(clean)
    return clean
