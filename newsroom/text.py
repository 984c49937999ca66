"""Text clean-up shared by every place that turns people's words into slugs, tags or HTML."""

import hashlib
import re
import unicodedata

from django.utils.text import slugify

# Letters that Unicode calls letters yet render as nothing (Hangul fillers).
_INVISIBLE_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0"}
_HIDDEN_CATEGORIES = {"Cf", "Cc", "Cs", "Zl", "Zp"}
# Characters that are never valid in stored text: C0/C1 controls (bar tab and newlines),
# lone surrogates (they make encoders raise) and Unicode non-characters.
_INVALID_CODE_POINTS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)

# What _is_visible() may refuse: the ASCII controls bar tab and newline, and anything not ASCII.
_MAY_HIDE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\U0010ffff]")


def drop_invalid_code_points(text: str) -> str:
    return _INVALID_CODE_POINTS.sub("", text)


def strip_invisible(text: str) -> str:
    """Remove format characters (zero-width, bidi overrides, BOM) and invisible letters."""
    # Only controls hide among ASCII characters: a pattern skips the rest at C speed, and only
    # the others are looked up one by one.
    return _MAY_HIDE.sub(_visible_or_nothing, text)


def _visible_or_nothing(match: re.Match) -> str:
    ch = match.group()
    return ch if _is_visible(ch) else ""


def _is_visible(ch: str) -> bool:
    if ch in "\t\n":
        return True
    return unicodedata.category(ch) not in _HIDDEN_CATEGORIES and ch not in _INVISIBLE_LETTERS


def clean_line(text: str) -> str:
    """One line of display text (a name, a tag, a headline): NFC, visible, single-spaced."""
    text = unicodedata.normalize("NFC", strip_invisible(drop_invalid_code_points(text)))
    return " ".join(text.split())


def make_slug(text: str, *, fallback: str = "item", max_length: int = 80) -> str:
    """A URL slug that is never empty and never carries invisible characters.

    Unicode letters are kept (newsrooms publish in every script); text with no letters or
    digits at all (emoji, punctuation) falls back to a stable hash of the text.
    """
    slug = slugify(clean_line(text), allow_unicode=True)[:max_length].strip("-_")
    if slug:
        return slug
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]  # noqa: S324
    return f"{fallback}-{digest}"
