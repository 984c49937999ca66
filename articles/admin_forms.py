"""Forms behind the article admin: the rich-text body, stale-save detection, transitions."""

from django import forms
from django.db.models import F
from django.utils import timezone
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

from . import revisions, workflow
from .models import Article
from .sanitise import sanitise_html

# What the editor offers; articles.sanitise stays the authority on what is stored.
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
    }
}


class ArticleForm(forms.ModelForm):
    body = ProseEditorFormField(
        config=BODY_EDITOR,
        sanitize=sanitise_html,  # raises a ValidationError the form shows when over a cap
        widget=AdminProseEditorWidget,
        required=False,
        help_text="Headings, bold and italic, links, lists and quotes. "
        "Anything else (scripts, styles, embeds) is removed when you save.",
    )
    canonical_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Canonical URL",
        help_text=Article._meta.get_field("canonical_url").help_text,
    )
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    substantive_update = forms.BooleanField(
        required=False,
        label="Substantive update",
        help_text="Shows readers an “Updated” time. Leave unticked for typo fixes.",
    )

    #: set by ArticleAdmin.get_form: who is saving
    current_user = None

    class Meta:
        model = Article
        fields = [
            "headline", "slug", "standfirst", "body", "section", "tags", "hero_image",
            "hero_caption", "related", "seo_title", "seo_description", "homepage_priority",
            "canonical_url",
        ]  # fmt: skip
        wide = forms.TextInput(attrs={"class": "vTextField", "style": "width: min(100%, 46em)"})
        widgets = {"headline": wide, "slug": wide, "seo_title": wide, "seo_description": wide}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def clean_section(self):
        section = self.cleaned_data["section"]
        user = self.current_user
        if user and workflow.is_editor(user) and not workflow.covers_section(user, section):
            raise forms.ValidationError(
                "%(section)s is not on your desks.", params={"section": section}
            )
        return section

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._check_not_stale(cleaned.get("loaded_version"))
        return cleaned

    def _check_not_stale(self, loaded):
        # A no-op UPDATE that matches only the version this form was loaded with: it both
        # detects a stale form and locks the row (PostgreSQL) or the database (SQLite)
        # until the admin's transaction commits this save.
        unchanged = Article.objects.filter(pk=self.instance.pk, version=loaded or 0).update(
            version=F("version")
        )
        self.instance.refresh_from_db(fields=["state", "published_at", "updated_at", "version"])
        if not unchanged:
            self._refuse_stale(loaded)
        elif self.current_user and not workflow.may_edit(self.current_user, self.instance):
            raise forms.ValidationError(
                "This story is %(state)s now, so you can no longer change it.",
                params={"state": self.instance.get_state_display().lower()},
                code="not_editable",
            )

    def _refuse_stale(self, loaded):
        current = Article.objects.get(pk=self.instance.pk)
        latest = current.revisions.select_related("created_by").first()
        seen = current.revisions.filter(version=loaded).first() if loaded else None
        who = latest.author_name if latest else "Someone"
        when = timezone.localtime(latest.created_at if latest else current.modified_at)
        self.conflict = {
            "who": who,
            "when": when,
            "rows": revisions.compare(seen or current, current) if seen else [],
        }
        # The next save, after merging, is made against what is stored now.
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_version")] = current.version
        raise forms.ValidationError(
            "%(who)s saved this story at %(when)s while you were editing it. Nothing of "
            "yours was saved: your text is still in the form below. Merge their changes "
            "(shown above) into it and save again.",
            params={"who": who, "when": f"{when:%H:%M:%S, %d %b %Y} ({when.tzname()})"},
            code="stale",
        )


class TransitionForm(forms.Form):
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Entered and shown in the newsroom's time zone; say which.
        self.fields["at"].label = f"Publish at ({timezone.get_current_timezone_name()} time)"
