"""The one edit path: every change to a story's content is saved here, with a new version and a
revision; and revisions' word-level diffs and restore."""

import difflib
import html
import re

from django.db import transaction
from django.utils.html import strip_tags

from .models import Article, Revision

COMPARED_FIELDS = [("headline", "Headline"), ("standfirst", "Standfirst"), ("body", "Body")]
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|pre|figcaption)>|<br\s*/?>", re.IGNORECASE)
_TOKENS = re.compile(r"\s+|[^\s]+")


def save_edit(article: Article, *, by, note: str = "", save_related=None) -> Revision:
    """Save a change to a story's content: the admin's save, an import, a restore.

    In one transaction: the stored version is kept as a revision if it has none yet, the
    article is saved with its version one higher (a new article starts at 1), then its related
    rows (`save_related`, e.g. bylines and tags), and the result is kept as a new revision.
    The version is what stale forms are detected by, so nothing may change content elsewhere.
    """
    with transaction.atomic():
        if article.pk is not None:
            _keep_base(article.pk, article.version)
            article.version += 1
        article.save()
        if save_related is not None:
            save_related()
        return Revision.objects.create(
            article=article, version=article.version, created_by=by, note=note,
            headline=article.headline, standfirst=article.standfirst, body=article.body,
        )  # fmt: skip


def _keep_base(article_pk: int, version: int) -> None:
    """Snapshot the stored article before its first tracked save (say, one loaded in bulk)."""
    if Revision.objects.filter(article_id=article_pk, version=version).exists():
        return
    stored = Article.objects.get(pk=article_pk)
    Revision.objects.create(
        article=stored, version=stored.version, created_at=stored.modified_at,
        headline=stored.headline, standfirst=stored.standfirst, body=stored.body,
        note="As it was before it was edited here",
    )  # fmt: skip


def readable_text(body_html: str) -> str:
    """The body as a reader sees its words: one line per block, no markup."""
    return html.unescape(strip_tags(_BLOCK_END.sub(lambda m: m.group(0) + "\n", body_html)))


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] where op is 'equal', 'delete' or 'insert', word by word."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    segments = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in {"equal", "delete", "replace"}:
            segments.append(("equal" if op == "equal" else "delete", "".join(a[i1:i2])))
        if op in {"insert", "replace"}:
            segments.append(("insert", "".join(b[j1:j2])))
    return segments


def compare(old, new) -> list[dict]:
    """Field-by-field word diffs between two snapshots (revisions, articles or dicts)."""
    rows = []
    for field, label in COMPARED_FIELDS:
        before, after = _text(old, field), _text(new, field)
        rows.append(
            {"label": label, "changed": before != after, "segments": word_diff(before, after)}
        )
    return rows


def _text(snapshot, field: str) -> str:
    value = snapshot[field] if isinstance(snapshot, dict) else getattr(snapshot, field)
    return readable_text(value or "") if field == "body" else (value or "")


def restore(revision: Revision, *, by) -> Article:
    """Put a revision's words back; the restore is itself a new revision."""
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=revision.article_id)
        article.headline, article.standfirst = revision.headline, revision.standfirst
        article.body = revision.body
        save_edit(article, by=by, note=f"Restored version {revision.version}")
    return article
