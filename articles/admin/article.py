"""The story's admin: its configuration (the list, the form and its fieldsets, who may do
what, saving through the one edit path). Its extra views live by concern beside it, wired by
get_urls(): transitions.py, versions.py, editing.py, preview_links.py; what other apps add to
the change page is registered in panels.py.
"""

from functools import partial, update_wrapper

from django.contrib import admin, messages
from django.contrib.admin.utils import construct_change_message, unquote
from django.db.models import Case, F, IntegerField, OuterRef, Prefetch, Subquery, Value, When
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from accounts import roles
from accounts.names import display_name

from .. import blocks, edit_sessions, preview, revisions, workflow
from ..models import Article, ArticleAuthor, Correction, EditSession, Revision, WorkflowEvent
from . import editing, panels, preview_links, transitions, versions
from .filters import DeskFilter, MyWorkFilter
from .forms import PLANNING, ArticleForm, ContentInlineFormSet, TransitionForm
from .merge import merge_stale


class BylineFormSet(ContentInlineFormSet):
    content_key = "bylines"


class CorrectionFormSet(ContentInlineFormSet):
    content_key = "corrections"


class BylineInline(admin.TabularInline):
    model = ArticleAuthor
    formset = BylineFormSet
    extra = 1
    autocomplete_fields = ["author"]
    fields = ["position", "author"]
    verbose_name = "byline name"
    verbose_name_plural = "Byline (in this order)"


class CorrectionInline(admin.StackedInline):
    model = Correction
    formset = CorrectionFormSet
    extra = 0


def _save_plan(article: Article, *, by) -> Article:
    """Write the form's planning fields onto the story's row, and only those; the row."""
    stored = Article.objects.get(pk=article.pk)  # the live row, not the form's pending copy
    for name in PLANNING:
        setattr(stored, name, getattr(article, name))
    stored.changed_by = by
    stored.save(update_fields=PLANNING)
    return stored


State = Article.State
# The list's default order: work in progress first (drafts and stories in review by deadline,
# scheduled ones by their time), then what is published, newest first; a column's sort
# replaces it.
STAGE = Case(
    *(When(state=state, then=Value(n)) for n, state in enumerate(
        [State.DRAFT, State.REVIEW, State.SCHEDULED, State.PUBLISHED])),
    default=Value(4), output_field=IntegerField(),
)  # fmt: skip
TIME_IN_STAGE = Case(
    When(state__in=[State.DRAFT, State.REVIEW], then=F("deadline")),
    When(state=State.SCHEDULED, then=F("published_at")),
)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = [
        "headline_cell", "state_label", "section", "byline", "plan", "last_changed",
    ]  # fmt: skip
    list_display_links = ["headline_cell"]
    ordering = [STAGE.asc(), TIME_IN_STAGE.asc(nulls_last=True), "-published_at", "-pk"]
    list_filter = [
        MyWorkFilter,
        "state",
        "section",
        DeskFilter,
        ("bylines__author", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["headline", "standfirst", "bylines__author__name"]
    list_select_related = ["section", "assignee"]
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["hero_image", "related"]
    readonly_fields = ["state_label", "publish_time", "updated_at", "body_as_read"]
    inlines = [BylineInline, CorrectionInline]
    date_hierarchy = "published_at"
    actions = transitions.ACTIONS
    change_form_template = "admin/articles/article/change_form.html"

    class Media:
        css = {"all": ["articles/admin/article_form.css", "articles/admin/body_blocks.css"]}
        js = [
            "articles/admin/tag_suggest.js",
            "articles/admin/edit_session.js",
            "articles/admin/byline_order.js",
            "articles/admin/live_preview.js",
        ]

    # Hidden: what the form was loaded with, so a save can tell that the story moved under it.
    LOADED = ["loaded_version", "loaded_state"]

    def get_fieldsets(self, request, obj=None):
        story = ["headline", "slug", "standfirst", "body", "section", "tags"]
        image = ["hero_image", "hero_caption", "related"]
        planning = (
            "Planning",
            {"fields": PLANNING, "description": "For the desk's plan; readers never see it."},
        )
        fieldsets = [
            (None, {"fields": story}),
            planning,
            ("Picture and related stories", {"fields": image}),
            (
                "Search engines",
                {"fields": ["seo_title", "seo_description"], "classes": ["collapse"]},
            ),
            ("State", {"fields": ["state_label", "publish_time", "updated_at", *self.LOADED]}),
        ]
        if roles.is_editor(request.user):
            publishing = ["homepage_priority", "canonical_url"]
            if obj is not None and obj.is_published():
                publishing.append("substantive_update")
            fieldsets.insert(3, ("Publishing", {"fields": publishing}))
        if obj is not None and not self.has_change_permission(request, obj):
            story[story.index("body")] = "body_as_read"  # the story, not its stored HTML
        if obj is None:
            # A story is planned before it is written: a working headline (the first field, where
            # the caret starts), a brief, a section.
            story.remove("headline")
            fieldsets.remove(planning)
            fieldsets.insert(0, ("Planning", {**planning[1], "fields": ["headline", *PLANNING]}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.current_user = request.user
        form.conflict = getattr(request, "edit_conflict", None)
        form.restored = getattr(request, "restored_autosave", None)
        form.transition = transitions.asked(request) if obj is not None else None
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        article = self.get_object(request, unquote(object_id)) if object_id else None
        if request.method == "POST" and article is not None:
            # A save is judged by the form, with a message and the input kept, never by a
            # bare 403: the story may have moved on since the form was opened.
            request.saving_article = article.pk
            stale = merge_stale(self.get_form(request, article), article, request.POST)
            if stale:
                request.POST, request.edit_conflict = stale
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("bylines", queryset=ArticleAuthor.objects.select_related("author"))
            )
        )
        last = WorkflowEvent.objects.filter(article=OuterRef("pk")).order_by("-at", "-pk")
        saved = Revision.objects.filter(article=OuterRef("pk")).order_by("-created_at", "-pk")
        fresh = EditSession.objects.filter(
            seen_at__gte=timezone.now() - edit_sessions.PRESENT_FOR
        ).exclude(user=request.user)
        return (
            queryset.filter(pk__in=workflow.visible_articles(request.user).values("pk"))
            .annotate(
                last_action=Subquery(last.values("action")[:1]),
                last_comment=Subquery(last.values("comment")[:1]),
                last_editor_first=Subquery(saved.values("created_by__first_name")[:1]),
                last_editor_last=Subquery(saved.values("created_by__last_name")[:1]),
                last_editor_username=Subquery(saved.values("created_by__username")[:1]),
            )
            .prefetch_related(
                Prefetch("edit_sessions", queryset=fresh.select_related("user"),
                         to_attr="open_sessions")
            )
        )  # fmt: skip

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is not None and getattr(request, "saving_article", None) == obj.pk:
            return allowed  # ArticleForm refuses, with a message, what may_edit refuses
        return allowed and (obj is None or workflow.may_edit(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or workflow.may_delete(request.user, obj))

    def get_actions(self, request):
        # Bulk delete would skip the per-story check above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_publish_permission(self, request):
        return roles.is_editor(request.user)

    # --- list columns ---

    @admin.display(description="state", ordering="state")
    def state_label(self, obj):
        if obj.is_due_unrecorded():
            return format_html(
                '<strong class="overdue" title="{}">Scheduled: due, not yet recorded</strong>',
                "Public since its time passed; publish_scheduled has not run since.",
            )
        label = obj.get_state_display()
        if obj.has_pending_changes():
            in_review = obj.pending_state == Article.ChangesState.REVIEW
            label += ", changes in review" if in_review else ", changes waiting"
        if obj.last_action in workflow.SEND_BACKS:
            return format_html("{}<br>Sent back: {}", label, Truncator(obj.last_comment).chars(80))
        if obj.published_at and obj.state in Article.NEEDS_PUBLISH_TIME:
            return format_html("{}<br>{}", label, self.publish_time(obj))  # the list's only time
        return label

    @admin.display(description="Body")
    def body_as_read(self, obj):
        """For whoever may only read the story: its body drawn as readers will see it."""
        html = blocks.render(obj.body, blocks.body_photos(obj))
        return format_html('<div class="story-as-read">{}</div>', html)

    @admin.display(description="headline", ordering="headline")
    def headline_cell(self, obj):
        return format_html(
            '<span class="article-list__headline" title="{}">{}</span>', obj.headline, obj.headline
        )

    @admin.display(description="last changed", ordering="modified_at")
    def last_changed(self, obj):
        """When and by whom it was last saved, and who has it open now."""
        local = timezone.localtime(obj.modified_at)
        full = f"{obj.last_editor_first or ''} {obj.last_editor_last or ''}".strip()
        who = full or obj.last_editor_username  # as display_name() names people
        changed = f"{local:%-d %b, %H:%M}" + (f" by {who}" if who else "")
        editing = sorted({display_name(s.user) for s in obj.open_sessions})
        if editing:
            return format_html("{}<br>Open by {}", changed, ", ".join(editing))
        return changed

    @admin.display(description="byline")
    def byline(self, obj):
        return ", ".join(str(b.author) for b in obj.bylines.all())

    @admin.display(description="assigned, due", ordering="deadline")
    def plan(self, obj):
        if not obj.assignee_id and not obj.deadline:
            return "—"
        who = display_name(obj.assignee, "Not assigned")
        if not obj.deadline:
            return who
        local = timezone.localtime(obj.deadline)
        due = f"{local:%d %b, %H:%M}"
        if obj.is_past_deadline():
            return format_html('{}<br><strong class="overdue">Overdue: {}</strong>', who, due)
        return format_html("{}<br>Due {}", who, due)

    @admin.display(description="publish time", ordering="published_at")
    def publish_time(self, obj):
        if not obj.published_at:
            return "—"
        local = timezone.localtime(obj.published_at)
        return f"{local:%-d %b %Y, %H:%M}"  # the zone is the newsroom's, as everywhere here

    # --- saving ---

    def save_model(self, request, obj, form, change):
        # Only prepared here: save_related saves the story with its bylines, tags and
        # corrections through the one edit path (as pending changes, if it is live).
        if not change:
            obj.created_by = request.user
        obj.changed_by = request.user  # who assigned it, for planning.notifications

    def save_related(self, request, form, formsets, change):
        article, content = form.instance, form.content(formsets)
        # A new story without a byline is by whoever will write it: its assignee, else its maker.
        author = getattr(article.assignee or request.user, "author", None)
        if not change and author and not content["bylines"]:
            content["bylines"] = [author.pk]
        marks_update = bool(form.cleaned_data.get("substantive_update"))
        # A workflow button saves first (transitions.py): with nothing typed, it only moves.
        moving = change and transitions.asked(request) is not None
        if article.is_published() or moving:
            # Its row keeps the live version, and save_edit() holds content changes back; the
            # plan is no reader content (forms.PLANNING), so it is written now. A save
            # that changed only the plan leaves nothing waiting for an editor.
            stored = _save_plan(article, by=request.user)
            unchanged = revisions.normalise(content) == revisions.current_content(stored)
            content = None if unchanged and not marks_update else content
        if content is not None:
            revisions.save_edit(article, content, by=request.user, marks_update=marks_update)
        if form.instance.has_pending_changes():
            self.message_user(
                request,
                "Kept as changes to the live story: readers see the live version until an "
                "editor publishes them.",
                messages.INFO,
            )
        edit_sessions.discard_autosave(request.user, form.instance if change else None)

    def response_change(self, request, obj):
        if transitions.asked(request) is None:
            return super().response_change(request, obj)
        # Saved: now the move its button asked for, on the story as saved.
        transitions.take_asked(self, request, Article.objects.get(pk=obj.pk))
        return redirect(reverse("admin:articles_article_change", args=[obj.pk]))

    def construct_change_message(self, request, form, formsets, add=False):
        # The inlines are saved as part of the content, not row by row.
        return construct_change_message(form, None, add)

    # --- the change page ---

    def get_object(self, request, object_id, from_field=None):
        article = super().get_object(request, object_id, from_field)
        if article is not None:
            article.viewer = request.user  # whose preview link "View on site" opens
        return article

    def get_view_on_site_url(self, obj=None):
        # A story readers cannot see yet opens as its preview, not as a 404.
        if obj is not None and not obj.is_published():
            viewer = getattr(obj, "viewer", None)
            return self._preview_url(viewer, obj) if viewer else None
        return super().get_view_on_site_url(obj)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("field_name") == "related":
            # The Related picker offers only what readers can see (and so may be chosen).
            queryset = queryset.filter(pk__in=Article.objects.published().values("pk"))
        return queryset, may_have_duplicates

    def get_urls(self):
        def view(function):
            bound = update_wrapper(partial(function, model_admin=self), function)
            return self.admin_site.admin_view(bound)

        own = [
            ("tags/suggest/", editing.suggest_tags, "articles_article_tags"),
            ("<path:object_id>/workflow/<str:name>/", transitions.transition,
             "articles_article_transition"),
            ("<path:object_id>/revisions/compare/", versions.compare, "articles_article_compare"),
            ("<path:object_id>/revisions/<int:revision_id>/restore/", versions.restore,
             "articles_article_restore"),
            ("autosave/", editing.autosave, "articles_article_autosave_new"),
            ("live-preview/", editing.live_preview, "articles_article_live_new"),
            ("<path:object_id>/live-preview/", editing.live_preview, "articles_article_live"),
            ("<path:object_id>/autosave/", editing.autosave, "articles_article_autosave"),
            ("<path:object_id>/previews/<int:link_id>/revoke/", preview_links.revoke,
             "articles_article_revoke_preview"),
            ("<path:object_id>/heartbeat/", editing.heartbeat, "articles_article_heartbeat"),
        ]  # fmt: skip
        # Before Django's own: its "<id>/" catch-all would take them.
        return [
            *(path(route, view(function), name=name) for route, function, name in own),
            *(path(r.route, self.admin_site.admin_view(r.view), name=r.name)
              for r in panels.routes()),
            *super().get_urls(),
        ]  # fmt: skip

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "related":
            # Only stories readers can see may be chosen, so choosing reveals no one's draft.
            kwargs["queryset"] = Article.objects.published()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def changelist_view(self, request, extra_context=None):
        # Django's date drill-down raises on years past 9998 or huge numbers; refuse them here.
        limits = {"published_at__year": 9998, "published_at__month": 12, "published_at__day": 31}
        for name, limit in limits.items():
            value = request.GET.get(name)
            if value is not None and not (
                value.isdigit() and len(value) <= 4 and 1 <= int(value) <= limit
            ):
                return redirect(f"{request.path}?e=1")
        return super().changelist_view(request, extra_context)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "tags":
            field.widget.attrs.update(
                {"data-suggest-url": reverse("admin:articles_article_tags"), "autocomplete": "off"}
            )
        return field

    def add_view(self, request, form_url="", extra_context=None):
        context = {**(extra_context or {}), **editing.autosave_context(self, request, None)}
        return super().add_view(request, form_url, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, unquote(object_id))
        if article is not None:
            extra_context = {
                **(extra_context or {}),
                **self._workflow_context(request, article),
                **editing.autosave_context(self, request, article),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def _workflow_context(self, request, article):
        pending = None
        if article.has_pending_changes():
            live = revisions.snapshot(article)
            pending = revisions.compare(live, revisions.current_content(article))
        events = article.events.select_related("actor")[:50]
        return {
            # The history lists the events; a panel (planning's notes) may add its own rows.
            "history": [("event", event) for event in events],
            **panels.panel_context(article, request.user, events),
            "transitions": transitions.with_inputs(
                request, workflow.allowed_actions(article, request.user)
            ),
            "transition_form": TransitionForm(),
            "events": events,
            "article_revisions": article.revisions.select_related("created_by")[:50],
            "preview_url": self._preview_url(request.user, article),
            "preview_links": preview.active_links(article).select_related("created_by"),
            "can_restore": workflow.may_edit(request.user, article),
            "overdue": article.is_due_unrecorded(),
            "pending_rows": pending,
            "sent_back": workflow.send_back_reason(article),
            "others_editing": edit_sessions.others_editing(article, request.user),
        }

    def _preview_url(self, user, article):
        """This user's preview link, if they may make one: a link shows the story to anyone."""
        if not workflow.may_work_on(user, article):
            return None
        return preview.preview_url(article, by=user)

    def article_or_404(self, request, object_id):
        """The story, if this user may see it here; for the views beside this admin."""
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404("No such article.")
        return article
