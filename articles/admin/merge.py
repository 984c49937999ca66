"""A posted change form read as the story's content, and written back: the stale-save merge.

A save made from a form loaded at an older version is not saved; merge_stale() gives the form
back holding the other person's version of every field this user left alone (ArticleAdmin's
changeform_view calls it; ArticleForm refuses the save and says who saved and when).
"""

from django import forms
from django.http import QueryDict
from django.utils import timezone
from taggit.utils import edit_string_for_tags

from .. import revisions
from ..models import Article, Tag
from .forms import content_value, state_key


def merge_stale(form_class, article: Article, post: QueryDict) -> tuple[QueryDict, dict] | None:
    """For a save made from an older version: None if it is not stale, else the post to show
    again, holding the other person's version of every field this user had not changed, and
    the conflict (who, when, what they changed) for the form to show."""
    loaded = _int(post.get("loaded_version"))
    if loaded == article.version:
        return None
    current = revisions.current_content(article)
    seen = article.revisions.filter(version=loaded).first() if loaded else None
    base = {**current, **seen.content} if seen else current
    mine = posted_content(form_class, post, current)
    merged = post.copy()
    for name, value in current.items():
        if value != base.get(name) and mine.get(name) == base.get(name):
            write_post(merged, name, value)
    merged["loaded_version"] = str(article.version)
    merged["loaded_state"] = state_key(article)
    latest = article.revisions.select_related("created_by").first()
    conflict = {
        "who": latest.author_name if latest else "Someone",
        "when": timezone.localtime(latest.created_at if latest else article.modified_at),
        "rows": revisions.compare(base, current) if seen else revisions.Comparison(),
    }
    return merged, conflict


def posted_content(form_class, post: QueryDict, start: dict) -> dict:
    """What a posted form says, as content; a field that does not clean is left out."""
    content = {}
    for name, field in form_class.base_fields.items():
        if name in start:
            try:
                value = field.clean(field.widget.value_from_datadict(post, {}, name))
            except forms.ValidationError:
                continue
            content[name] = content_value(name, value)
    rows = _posted_rows(post, "bylines", ["author", "position"])
    rows.sort(key=lambda row: _int(row["position"]) or 0)
    content["bylines"] = [_int(row["author"]) for row in rows if _int(row["author"])]
    if "corrections-TOTAL_FORMS" in post:
        corrections = []
        for row in _posted_rows(post, "corrections", ["text", "published_at_0", "published_at_1"]):
            try:
                when = forms.SplitDateTimeField().clean(
                    [row["published_at_0"], row["published_at_1"]]
                )
            except forms.ValidationError:
                continue
            corrections.append(revisions.correction_entry(when, row["text"]))
        content["corrections"] = corrections
    return content


def write_post(post: QueryDict, name: str, value) -> None:
    """Put a content value into a posted form, as the form's widgets would have sent it."""
    if name in {"bylines", "corrections"}:
        _write_rows(post, name, value)
    elif name == "related":
        post.setlist("related", [str(pk) for pk in value])
    elif name == "tags":
        post["tags"] = edit_string_for_tags([Tag(name=tag) for tag in value])
    else:
        post[name] = "" if value is None else str(value)


def _write_rows(post: QueryDict, prefix: str, rows: list) -> None:
    for key in [k for k in post if k.startswith(f"{prefix}-")]:
        del post[key]
    post[f"{prefix}-TOTAL_FORMS"], post[f"{prefix}-INITIAL_FORMS"] = str(len(rows)), "0"
    for i, row in enumerate(rows):
        if prefix == "bylines":
            post[f"{prefix}-{i}-author"], post[f"{prefix}-{i}-position"] = str(row), str(i)
        else:
            when = timezone.localtime(revisions.correction_time(row))
            post[f"{prefix}-{i}-text"] = row["text"]
            post[f"{prefix}-{i}-published_at_0"] = f"{when:%Y-%m-%d}"
            post[f"{prefix}-{i}-published_at_1"] = f"{when:%H:%M:%S}"


def _posted_rows(post: QueryDict, prefix: str, names: list[str]) -> list[dict]:
    total = min(_int(post.get(f"{prefix}-TOTAL_FORMS")) or 0, 1000)
    rows = [{name: post.get(f"{prefix}-{i}-{name}", "") for name in names} for i in range(total)]
    deleted = {i for i in range(total) if post.get(f"{prefix}-{i}-DELETE")}
    first = names[0]
    return [row for i, row in enumerate(rows) if i not in deleted and row[first].strip()]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
