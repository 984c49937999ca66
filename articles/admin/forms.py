"""The article admin's forms: the story (rich-text body, plan, a save refused when the story
moved under it), its inlines, and a workflow transition."""

from django import forms
from django.db.models import F
from django.forms.models import BaseInlineFormSet
from django.urls import reverse_lazy
from django.utils import timezone
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

from accounts import roles

from .. import revisions, workflow
from ..models import Article, ArticleAuthor, Correction, Tag
from ..sanitise import sanitise_html

# What the editor offers; articles.sanitise stays the authority on what is stored. The body
# blocks (picture, embed, pull quote, key facts) are static/articles/admin/body_blocks.js,
# registered by DJANGO_PROSE_EDITOR_EXTENSIONS in settings.
BODY_EDITOR = {
    "extensions": {
        "Bold": True,
        "Italic": True,
        "Strike": True,
        "Subscript": True,
        "Superscript": True,
        "Heading": {"levels": [2, 3, 4]},
        "BulletList": True,
        "OrderedList": True,
        "ListItem": True,
        "Blockquote": True,
        "HorizontalRule": True,
        "HardBreak": True,
        "Link": {"enableTarget": True, "protocols": ["http", "https", "mailto"]},
        "History": True,
        "Table": True,
        "TableRow": True,
        "TableHeader": True,
        "TableCell": True,
        "BodyPicture": {
            "search": reverse_lazy("admin:photos_image_picker"),
            "upload": reverse_lazy("admin:photos_image_upload"),
        },
        "BodyEmbed": True,
        "BodyPullQuote": True,
        "BodyKeyFacts": True,
        "BodyBlockGuard": True,
        # The default toolbar, with the body blocks in a group of their own.
        "Menu": {
            "groups": [
                {"group": "blockType -lists", "type": "dropdown", "minItems": 2},
                {"group": "lists"},
                {"group": "nodes -blockType -lists"},
                {"group": "marks"},
                {"group": "link"},
                {"group": "bodyBlocks"},
                {"group": "table"},
                {"group": "history"},
                {"group": "utility"},
            ]
        },
    }
}


# The story's plan. Not reader content, so not in revisions.FIELDS: a plan changes with the
# desk's day (reassigned, deadline moved), which is no version of the story, and a live story's
# plan must change at once rather than wait with its pending changes. So ArticleAdmin writes
# these straight onto the row after every save, and stale-save merging (merge_stale) leaves
# them out: a stale form is refused as a whole anyway, and shown again with this user's input.
PLANNING = ["brief", "assignee", "deadline", "planned_for"]


def _planned_time(name: str) -> forms.DateTimeField:
    # One labelled native control (the admin's split date and time fields have no labels).
    field = Article._meta.get_field(name)
    return forms.DateTimeField(
        required=False,
        label=field.verbose_name.capitalize(),
        help_text=field.help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class ArticleForm(forms.ModelForm):
    deadline = _planned_time("deadline")
    planned_for = _planned_time("planned_for")
    body = ProseEditorFormField(
        config=BODY_EDITOR,
        sanitize=sanitise_html,  # raises a ValidationError the form shows when over a cap
        widget=AdminProseEditorWidget,
        required=False,
        help_text="Headings, lists, links and quotes; pictures from the photo library (paste "
        "or drop one to upload it), embeds (paste a YouTube, X, Instagram… address), pull "
        "quotes, key facts and tables. Anything else (scripts, styles, other pictures) is "
        "removed when you save.",
    )
    canonical_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Canonical URL",
        help_text=Article._meta.get_field("canonical_url").help_text,
    )
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    loaded_state = forms.CharField(widget=forms.HiddenInput, required=False)
    substantive_update = forms.BooleanField(
        required=False,
        label="Substantive update",
        help_text="Shows readers an “Updated” time. Leave unticked for typo fixes.",
    )

    #: set by ArticleAdmin.get_form: who is saving, and a stale save's conflict (see merge_stale)
    current_user = None
    conflict = None
    restored = None  # initial values from an autosave the user chose to restore
    transition = None  # the workflow button the form was sent with (transitions.asked)

    class Meta:
        model = Article
        fields = [
            "headline", "slug", "standfirst", "body", "section", "tags", "hero_image",
            "hero_caption", "related", "seo_title", "seo_description", "homepage_priority",
            "canonical_url", *PLANNING,
        ]  # fmt: skip
        wide = forms.TextInput(attrs={"class": "vTextField", "style": "width: min(100%, 46em)"})
        widgets = {"headline": wide, "slug": wide, "seo_title": wide, "seo_description": wide}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        article = self.instance
        if article.pk:
            self.fields["loaded_version"].initial = article.version
            self.fields["loaded_state"].initial = state_key(article)
            if not self.is_bound and article.pending_revision_id:
                self.initial.update(form_values(revisions.current_content(article)))
        if not self.is_bound and self.restored:
            self.initial.update(self.restored)
        zone = timezone.get_current_timezone_name()
        for name in ("deadline", "planned_for"):
            self.fields[name].label = f"{self.fields[name].label} ({zone} time)"
        if "assignee" in self.fields:
            assignee = self.fields["assignee"]
            assignee.queryset = roles.assignable().order_by("first_name", "last_name", "username")
            assignee.label_from_instance = _person_label
            if self.current_user and not roles.is_editor(self.current_user):
                assignee.disabled = True  # shown, not offered: what is stored is kept
                assignee.help_text = "Only editors assign stories."

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if len(tags) > Article.MAX_TAGS:
            raise forms.ValidationError(
                "A story takes at most %(limit)s tags (this one has %(count)s).",
                params={"limit": Article.MAX_TAGS, "count": len(tags)},
            )
        return tags

    def clean_section(self):
        section = self.cleaned_data["section"]
        user = self.current_user
        if user and roles.is_editor(user) and not workflow.covers_section(user, section):
            raise forms.ValidationError(
                "%(section)s is not on your desks.", params={"section": section}
            )
        return section

    def clean(self):
        cleaned = super().clean()
        if self.conflict:
            self._refuse_stale()
        if self.instance.pk:
            self._check_still_editable(cleaned.get("loaded_version"), cleaned.get("loaded_state"))
        if self.transition is not None:
            self._check_transition()
        return cleaned

    def _check_transition(self):
        """A move whose comment or time would be refused saves nothing: the form comes back
        with the reason, and with what was typed."""
        name, inputs = self.transition["name"], self.transition["inputs"]
        if not inputs.is_valid():
            problems = [f"{inputs[f].label or f}: {' '.join(e)}" for f, e in inputs.errors.items()]
            raise forms.ValidationError("Nothing was saved or moved. " + " ".join(problems))
        try:
            workflow.check_inputs(self.instance, name, **inputs.cleaned_data)
        except workflow.TransitionError as refusal:
            raise forms.ValidationError(f"Nothing was saved or moved: {refusal}") from None

    def content(self, formsets) -> dict:
        """The story as this form and its inlines say it, over what is stored."""
        article = self.instance
        content = revisions.current_content(article) if article.pk else revisions.empty_content()
        for name in set(self.fields) & set(content):
            content[name] = content_value(name, self.cleaned_data[name])
        for formset in formsets:
            rows = [f.cleaned_data for f in formset.forms if f.cleaned_data]
            rows = [row for row in rows if not row.get("DELETE")]
            if formset.model is ArticleAuthor:
                rows.sort(key=lambda row: row.get("position") or 0)
                content["bylines"] = [row["author"].pk for row in rows if row.get("author")]
            elif formset.model is Correction:
                content["corrections"] = [
                    revisions.correction_entry(row["published_at"], row["text"]) for row in rows
                ]
        return content

    def _check_still_editable(self, loaded, loaded_state):
        # A no-op UPDATE that matches only the version this form was loaded with: it both
        # detects a stale form and locks the row (PostgreSQL) or the database (SQLite)
        # until the admin's transaction commits this save.
        unchanged = Article.objects.filter(pk=self.instance.pk, version=loaded or 0).update(
            version=F("version")
        )
        article = self.instance
        article.refresh_from_db(
            fields=["state", "published_at", "updated_at", "version", "pending_state",
                    "pending_revision"]
        )  # fmt: skip
        if not unchanged:
            raise forms.ValidationError(
                "Someone saved this story a moment ago. Nothing of yours was saved: your text "
                "is still in the form below. Reload the page to see their change.",
                code="stale",
            )
        user = self.current_user
        moved = bool(loaded_state) and loaded_state != state_key(article)
        if user and not workflow.may_edit(user, article):
            self._keep_for_later()
            why = (
                f"This story is {describe_state(article)} now, so you can no longer change it."
                if moved or not loaded_state
                else "You can no longer change this story: it is not on your desks now, or "
                "your role changed."
            )
            raise forms.ValidationError(
                "%(why)s Nothing of yours was saved: your text is still in the form below; "
                "copy what you need and ask an editor.",
                params={"why": why},
                code="not_editable",
            )
        if moved:
            self._keep_for_later()
            raise forms.ValidationError(self._moved_message(article), code="moved")

    def _moved_message(self, article) -> str:
        if article.is_published() and not roles.is_editor(self.current_user):
            return (
                "An editor published this story while you were writing; your changes are "
                "kept below: save them to make them changes to the live story, then submit "
                "them for review."
            )
        return (
            f"This story is {describe_state(article)} now. Nothing was saved yet: your changes "
            "are kept below; save again to keep them"
            + (" as changes waiting for an editor." if article.is_published() else ".")
        )

    def _keep_for_later(self):
        """The next save is made against the story as it stands now, with this input kept."""
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_state")] = state_key(self.instance)

    def _refuse_stale(self):
        conflict = self.conflict
        raise forms.ValidationError(
            "%(who)s saved this story at %(when)s while you were editing it. Nothing of "
            "yours was saved. What they changed is shown above; where you had not changed a "
            "field, the form now holds their version; where you both changed it, your "
            "version is kept. Check the form and save again.",
            params={
                "who": conflict["who"],
                "when": f"{conflict['when']:%H:%M:%S, %d %b %Y} ({conflict['when'].tzname()})",
            },
            code="stale",
        )


def _person_label(user) -> str:
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


class ContentInlineFormSet(BaseInlineFormSet):
    """Bylines or corrections shown from the story's content (its pending changes, if any).

    The rows are never written by the formset: ArticleAdmin reads its cleaned data into the
    content that revisions.save_edit() saves, so a live story's inline changes wait too.
    """

    content_key = ""

    def __init__(self, data=None, files=None, instance=None, **kwargs):
        kwargs["queryset"] = self.model._default_manager.none()
        if data is None and instance is not None and instance.pk:
            rows = revisions.current_content(instance)[self.content_key]
            kwargs["initial"] = [self.initial_row(i, row) for i, row in enumerate(rows)]
            self.extra = len(rows) + (1 if self.content_key == "bylines" else 0)
        super().__init__(data, files, instance, **kwargs)

    def initial_row(self, position: int, row) -> dict:
        if self.content_key == "bylines":
            return {"author": row, "position": position}
        return {"text": row["text"], "published_at": revisions.correction_time(row)}


def state_key(article: Article) -> str:
    """The state a form was loaded in, so a save can tell that the story moved under it."""
    return f"{workflow.current_state(article)}:{article.pending_state}"


def describe_state(article: Article) -> str:
    state = Article.State(workflow.current_state(article)).label.lower()
    if article.has_pending_changes():
        return f"{state}, with changes {article.get_pending_state_display().lower()}"
    return state


def content_value(name: str, value):
    """A cleaned form value as content stores it (ids for rows, names for tags)."""
    if name in {"section", "hero_image"}:
        return value.pk if value is not None else None
    if name == "related":
        return sorted(article.pk for article in value)
    if name == "tags":
        return revisions.canonical_tags(value)
    return value


def form_values(content: dict) -> dict:
    """Content as a form's initial values."""
    values = {name: content[name] for name in revisions.ROW_FIELDS}
    values.update(
        section=content["section"],
        hero_image=content["hero_image"],
        related=content["related"],
        tags=[Tag(name=name) for name in content["tags"]],
    )
    return values


class TransitionForm(forms.Form):
    comment = forms.CharField(
        required=False, max_length=2_000, widget=forms.Textarea(attrs={"rows": 2})
    )
    at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Entered and shown in the newsroom's time zone; say which.
        self.fields["at"].label = f"Publish at ({timezone.get_current_timezone_name()} time)"
