from csp.constants import SELF
from csp.decorators import csp_replace
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import construct_change_message, unquote
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import Truncator
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST
from taggit.models import Tag as TaggitTag

from newsroom.text import clean_line
from photos import usage
from planning import notes

from . import desk, edit_sessions, preview, revisions, workflow
from .admin_forms import (
    PLANNING,
    ArticleForm,
    ContentInlineFormSet,
    TransitionForm,
    merge_stale,
    posted_content,
)
from .models import (
    Article,
    ArticleAuthor,
    Author,
    Correction,
    Desk,
    EditSession,
    Revision,
    Section,
    Tag,
    WorkflowEvent,
)

# The admin is the newsroom's own: its name in the header and the tab, a desk on its home
# page (templates/admin/index.html, articles/desk.py).
admin.site.site_header = admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Desk"

# django-taggit registers an admin for its own tag model, which newsroom does not use (tags
# are articles.Tag); its merge view checks no permission.
if admin.site.is_registered(TaggitTag):
    admin.site.unregister(TaggitTag)


@require_GET
def view_on_site(request, content_type_id, object_id):
    """The admin's "View on site", for what this user may see in the admin, else 404.

    Django's own sends any staff member to any object's address, which for another writer's
    draft gives away its slug and date.
    """
    if not content_type_id.isdigit():
        raise Http404("No such object.")  # "+1" would be read as 1 further down
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    try:
        model_admin = admin.site.get_model_admin(content_type.model_class())
    except admin.exceptions.NotRegistered:
        raise Http404("No such object.") from None
    obj = model_admin.get_object(request, object_id)
    if obj is None or not model_admin.has_view_or_change_permission(request, obj):
        raise Http404("No such object.")
    return shortcut(request, content_type_id, object_id)


@usage.register
def photo_usage(image, user) -> list[tuple[str, str]]:
    """The articles (that this user may see) and authors showing a photo, for its admin page."""
    visible = workflow.visible_articles(user).values("pk")
    shown = Q(hero_image=image) | Q(body_pictures__image=image)
    articles = Article.objects.filter(shown, pk__in=visible).distinct()
    authors = image.author_set.order_by("name")
    return [
        (reverse("admin:articles_article_change", args=[a.pk]), f"Article: {a.headline}")
        for a in articles.order_by("-published_at", "-pk")
    ] + [
        (reverse("admin:articles_author_change", args=[a.pk]), f"Author: {a.name}") for a in authors
    ]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "job_title", "user"]
    search_fields = ["name", "job_title"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["photo", "user"]


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


class MyWorkFilter(admin.SimpleListFilter):
    title = "my work"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [
            ("assigned", "Assigned to me"),
            ("drafts", "My drafts"),
            ("sent_back", "Sent back to me"),
            ("review", "Awaiting my review"),
            ("scheduled", "Scheduled (mine, or on my desks)"),
        ]

    def queryset(self, request, queryset):
        lists = {
            "assigned": desk.assigned_to,
            "drafts": workflow.drafts_of,
            "sent_back": workflow.sent_back_to,
            "review": workflow.awaiting_review_by,
            "scheduled": workflow.scheduled_for,
        }
        if self.value() in lists:
            return queryset.filter(pk__in=_pks(lists[self.value()](request.user)))
        return queryset


class DeskFilter(admin.SimpleListFilter):
    title = "desk"
    parameter_name = "desk"

    def lookups(self, request, model_admin):
        return [(str(desk.pk), desk.name) for desk in Desk.objects.all()]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(section__desks=self.value())
        return queryset


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def restored_initial(form_class, post) -> dict:
    """An autosave as a change form's initial values (main fields; the inlines are not kept)."""
    initial = {}
    for name, field in form_class.base_fields.items():
        if name in post and not name.startswith("loaded_"):
            multiple = isinstance(field, forms.ModelMultipleChoiceField)
            initial[name] = post.getlist(name) if multiple else post.get(name)
    return initial


def _save_plan(article: Article, *, by) -> Article:
    """Write the form's planning fields onto the story's row, and only those; the row."""
    stored = Article.objects.get(pk=article.pk)  # the live row, not the form's pending copy
    for name in PLANNING:
        setattr(stored, name, getattr(article, name))
    stored.changed_by = by
    stored.save(update_fields=PLANNING)
    return stored


def _revision(history, pk: str):
    return history.filter(pk=pk).first() if pk.isdigit() else None


def _pks(queryset):
    return queryset.values("pk")


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = [
        "headline", "state_label", "section", "byline", "plan", "publish_time", "modified_at",
        "editing",
    ]  # fmt: skip
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
    readonly_fields = ["state_label", "publish_time", "updated_at"]
    inlines = [BylineInline, CorrectionInline]
    date_hierarchy = "published_at"
    actions = ["submit_selected", "publish_selected", "unschedule_selected", "republish_selected"]
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
        if workflow.is_editor(request.user):
            publishing = ["homepage_priority", "canonical_url"]
            if obj is not None and obj.is_published():
                publishing.append("substantive_update")
            fieldsets.insert(3, ("Publishing", {"fields": publishing}))
        if obj is None:
            # A story is planned before it is written: a working headline, a brief, a section.
            fieldsets.remove(planning)
            fieldsets.insert(0, planning)
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.current_user = request.user
        form.conflict = getattr(request, "edit_conflict", None)
        form.restored = getattr(request, "restored_autosave", None)
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
        fresh = EditSession.objects.filter(
            seen_at__gte=timezone.now() - edit_sessions.PRESENT_FOR
        ).exclude(user=request.user)
        return (
            queryset.filter(pk__in=_pks(workflow.visible_articles(request.user)))
            .annotate(
                last_action=Subquery(last.values("action")[:1]),
                last_comment=Subquery(last.values("comment")[:1]),
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
        return workflow.is_editor(request.user)

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
        return label

    @admin.display(description="open by")
    def editing(self, obj):
        return ", ".join(sorted({_person(s.user) for s in obj.open_sessions})) or "—"

    @admin.display(description="byline")
    def byline(self, obj):
        return ", ".join(str(b.author) for b in obj.bylines.all())

    @admin.display(description="assigned, due", ordering="deadline")
    def plan(self, obj):
        if not obj.assignee_id and not obj.deadline:
            return "—"
        who = _person(obj.assignee) if obj.assignee_id else "Not assigned"
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
        return f"{local:%d %b %Y, %H:%M} {local.tzname()}"

    # --- saving ---

    def save_model(self, request, obj, form, change):
        # Only prepared here: save_related saves the story with its bylines, tags and
        # corrections through the one edit path (as pending changes, if it is live).
        if not change:
            obj.created_by = request.user
        obj.changed_by = request.user  # who assigned it, for planning.notifications

    def save_related(self, request, form, formsets, change):
        article, content = form.instance, form.content(formsets)
        author = getattr(request.user, "author", None)
        if not change and author and not content["bylines"]:
            content["bylines"] = [author.pk]
        marks_update = bool(form.cleaned_data.get("substantive_update"))
        if article.is_published():
            # Its row keeps the live version, and save_edit() holds content changes back; the
            # plan is no reader content (admin_forms.PLANNING), so it is written now. A save
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

    def construct_change_message(self, request, form, formsets, add=False):
        # The inlines are saved as part of the content, not row by row.
        return construct_change_message(form, None, add)

    # --- bulk actions: adapters over the workflow ---

    @admin.action(description="Submit selected for review")
    def submit_selected(self, request, queryset):
        self._bulk(request, queryset, "submit")

    @admin.action(description="Publish selected now", permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._bulk(request, queryset, "publish")

    @admin.action(description="Unschedule selected", permissions=["publish"])
    def unschedule_selected(self, request, queryset):
        self._bulk(request, queryset, "unschedule")

    @admin.action(description="Republish selected", permissions=["publish"])
    def republish_selected(self, request, queryset):
        self._bulk(request, queryset, "republish")

    def _bulk(self, request, queryset, name: str):
        done = 0
        for article in queryset:
            try:
                workflow.take(article, name, by=request.user)
                done += 1
            except workflow.TransitionError as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
        if done:
            self.message_user(request, f"{done} article(s) done.", messages.SUCCESS)

    # --- workflow buttons, history, revisions, preview ---

    def get_object(self, request, object_id, from_field=None):
        article = super().get_object(request, object_id, from_field)
        if article is not None:
            article.viewer = request.user  # whose preview link "View on site" opens
        return article

    def get_view_on_site_url(self, obj=None):
        # A story readers cannot see yet opens as its preview, not as a 404.
        if obj is not None and not obj.is_published():
            return preview.preview_url(obj, by=getattr(obj, "viewer", None))
        return super().get_view_on_site_url(obj)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("field_name") == "related":
            # The Related picker offers only what readers can see (and so may be chosen).
            queryset = queryset.filter(pk__in=_pks(Article.objects.published()))
        return queryset, may_have_duplicates

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("tags/suggest/", wrap(self.suggest_tags_view), name="articles_article_tags"),
            path(
                "<path:object_id>/workflow/<str:name>/",
                wrap(self.transition_view),
                name="articles_article_transition",
            ),
            path(
                "<path:object_id>/revisions/compare/",
                wrap(self.compare_view),
                name="articles_article_compare",
            ),
            path(
                "<path:object_id>/revisions/<int:revision_id>/restore/",
                wrap(self.restore_view),
                name="articles_article_restore",
            ),
            path("autosave/", wrap(self.autosave_view), name="articles_article_autosave_new"),
            path("live-preview/", wrap(self.live_preview_view), name="articles_article_live_new"),
            path(
                "<path:object_id>/live-preview/",
                wrap(self.live_preview_view),
                name="articles_article_live",
            ),
            path(
                "<path:object_id>/autosave/",
                wrap(self.autosave_view),
                name="articles_article_autosave",
            ),
            path(
                "<path:object_id>/previews/<int:link_id>/revoke/",
                wrap(self.revoke_preview_view),
                name="articles_article_revoke_preview",
            ),
            path("<path:object_id>/notes/", wrap(notes.write_view), name="articles_article_note"),
            path(
                "<path:object_id>/notes/<int:note_id>/reply/",
                wrap(notes.reply_view),
                name="articles_article_note_reply",
            ),
            path(
                "<path:object_id>/notes/<int:note_id>/edit/",
                wrap(notes.edit_view),
                name="articles_article_note_edit",
            ),
            path(
                "<path:object_id>/heartbeat/",
                wrap(self.heartbeat_view),
                name="articles_article_heartbeat",
            ),
        ] + super().get_urls()

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

    def suggest_tags_view(self, request):
        """Existing tag names matching what is typed, for the tags field's suggestions."""
        if not (self.has_add_permission(request) or self.has_view_or_change_permission(request)):
            raise PermissionDenied
        term = clean_line(request.GET.get("term", ""))[:100]
        # Only tags readers can see or on stories this user can: no hint of others' drafts.
        seen = Article.objects.published() | workflow.visible_articles(request.user)
        tags = Tag.objects.filter(tagged_articles__content_object__in=seen.values("pk"))
        names = tags.filter(name__icontains=term).values_list("name", flat=True).distinct()[:10]
        return JsonResponse({"tags": list(names) if term else []})

    def add_view(self, request, form_url="", extra_context=None):
        context = {**(extra_context or {}), **self._autosave_context(request, None)}
        return super().add_view(request, form_url, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, unquote(object_id))
        if article is not None:
            extra_context = {
                **(extra_context or {}),
                **self._workflow_context(request, article),
                **self._autosave_context(request, article),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def _workflow_context(self, request, article):
        pending = None
        if article.has_pending_changes():
            live = revisions.snapshot(article)
            pending = revisions.compare(live, revisions.current_content(article))
        events = article.events.select_related("actor")[:50]
        return {
            **notes.for_change_form(article, request.user, events),
            "transitions": workflow.allowed_actions(article, request.user),
            "transition_form": TransitionForm(),
            "events": events,
            "article_revisions": article.revisions.select_related("created_by")[:50],
            "preview_url": preview.preview_url(article, by=request.user),
            "preview_links": preview.active_links(article).select_related("created_by"),
            "can_restore": workflow.may_edit(request.user, article),
            "overdue": article.is_due_unrecorded(),
            "pending_rows": pending,
            "sent_back": workflow.send_back_reason(article),
            "others_editing": edit_sessions.others_editing(article, request.user),
        }

    def _autosave_context(self, request, article):
        """Offer this user's unsaved work from a closed tab, or restore it if they asked."""
        if request.method != "GET" or not self._may_write(request, article):
            return {}
        session = edit_sessions.autosave_of(request.user, article)
        if session is None:
            return {}
        form_class = self.get_form(request, article, change=article is not None)
        saved = edit_sessions.autosave_post(session)
        if request.GET.get("autosave") == "discard":
            edit_sessions.discard_autosave(request.user, article)
            return {}
        if request.GET.get("autosave") == "restore":
            request.restored_autosave = restored_initial(form_class, saved)
            return {"autosave_restored": session}
        current = revisions.current_content(article) if article else revisions.empty_content()
        rows = revisions.compare(current, {**current, **posted_content(form_class, saved, current)})
        return {"autosave": session, "autosave_rows": rows} if rows.changed else {}

    def _may_write(self, request, article) -> bool:
        if article is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, article)

    def autosave_view(self, request, object_id=None):
        return require_POST(self._autosave)(request, object_id)

    def _autosave(self, request, object_id):
        article = self._article_or_404(request, object_id) if object_id else None
        if not self._may_write(request, article):
            raise PermissionDenied
        session = edit_sessions.keep_autosave(request.user, article, request.POST)
        local = timezone.localtime(session.autosaved_at)
        return JsonResponse({"saved_at": f"{local:%H:%M:%S}"})

    @method_decorator(xframe_options_sameorigin)
    @method_decorator(csp_replace({"frame-ancestors": [SELF]}))  # the form's own page frames it
    @method_decorator(never_cache)
    def live_preview_view(self, request, object_id=None):
        """The story as readers would see it, from the form as it stands (POST) or as stored
        (GET); nothing is saved. The form's page shows it beside the form (live_preview.js)."""
        article = self._article_or_404(request, object_id) if object_id else None
        if article is None and not self.has_add_permission(request):
            raise PermissionDenied
        start = revisions.current_content(article) if article else revisions.empty_content()
        content = start
        if request.method == "POST":
            form_class = self.get_form(request, article, change=article is not None)
            try:  # a body over the sanitiser's caps: say so rather than show the old one
                form_class.base_fields["body"].clean(request.POST.get("body", ""))
            except ValidationError as refusal:
                return HttpResponse(
                    " ".join(refusal.messages), status=400, content_type="text/plain"
                )
            content = {**start, **posted_content(form_class, request.POST, start)}
        # A story not saved yet gets pk 0, which no row has: Django reads relations (the
        # stand-in bylines and corrections with_content() sets) only on an object with one.
        story = preview.with_content(article or Article(pk=0), content)
        return preview.render_page(request, story, "articles/article.html")

    def revoke_preview_view(self, request, object_id, link_id):
        return require_POST(self._revoke_preview)(request, object_id, link_id)

    def _revoke_preview(self, request, object_id, link_id):
        article = self._article_or_404(request, object_id)
        link = get_object_or_404(preview.active_links(article), pk=link_id)
        if workflow.may_revoke_preview(request.user, article, link):
            link.revoked_at = timezone.now()
            link.save(update_fields=["revoked_at"])
            self.message_user(request, "The preview link is revoked.", messages.SUCCESS)
        else:
            self.message_user(
                request, "You may revoke only your own links or those on your desks.",
                messages.ERROR,
            )  # fmt: skip
        return redirect(reverse("admin:articles_article_change", args=[article.pk]))

    def heartbeat_view(self, request, object_id):
        return require_POST(self._heartbeat)(request, object_id)

    def _heartbeat(self, request, object_id):
        article = self._article_or_404(request, object_id)
        edit_sessions.heartbeat(request.user, article)
        others = [
            {"name": _person(s.user), "since": f"{timezone.localtime(s.opened_at):%H:%M}"}
            for s in edit_sessions.others_editing(article, request.user)
        ]
        return JsonResponse({"others": others})

    def _article_or_404(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404("No such article.")
        return article

    def transition_view(self, request, object_id, name):
        return require_POST(self._transition)(request, object_id, name)

    def _transition(self, request, object_id, name):
        article = self._article_or_404(request, object_id)
        transition = workflow.TRANSITIONS.get(name)
        form = TransitionForm(request.POST)
        if transition is None or not form.is_valid():
            self.message_user(
                request, "That action was not understood; nothing changed.", messages.ERROR
            )
        else:
            self._take(request, article, transition, form.cleaned_data)
        return redirect(reverse("admin:articles_article_change", args=[article.pk]))

    def _take(self, request, article, transition, data):
        at = data["at"] if transition.needs_time else None
        try:
            workflow.take(article, transition.name, by=request.user, comment=data["comment"], at=at)
        except workflow.TransitionError as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
        else:
            self.message_user(request, f"{transition.label}: done.", messages.SUCCESS)

    def compare_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        history = article.revisions.select_related("created_by")
        first, second = (_revision(history, request.GET.get(key, "")) for key in ("a", "b"))
        if first is None or second is None:
            self.message_user(request, "Choose two revisions to compare.", messages.WARNING)
            return redirect(reverse("admin:articles_article_change", args=[article.pk]))
        older, newer = sorted([first, second], key=lambda r: (r.created_at, r.pk))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "article": article,
            "title": f"Compare versions of “{article.headline}”",
            "older": older,
            "newer": newer,
            "chosen": [older, newer],
            "rows": revisions.compare(older.content, newer.content),
            "can_restore": workflow.may_edit(request.user, article),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def restore_view(self, request, object_id, revision_id):
        return require_POST(self._restore)(request, object_id, revision_id)

    def _restore(self, request, object_id, revision_id):
        article = self._article_or_404(request, object_id)
        revision = get_object_or_404(Revision, pk=revision_id, article=article)
        if not workflow.may_edit(request.user, article):
            self.message_user(request, "You may not change this story.", messages.ERROR)
        elif article.is_published() and request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "article": article,
                "revision": revision,
                "title": f"Restore version {revision.version}?",
            }
            return TemplateResponse(request, "admin/articles/article/restore_confirm.html", context)
        else:
            revisions.restore(revision, by=request.user)
            waiting = " as changes waiting for an editor" if article.is_published() else ""
            self.message_user(
                request, f"Restored version {revision.version}{waiting}.", messages.SUCCESS
            )
        return redirect(reverse("admin:articles_article_change", args=[article.pk]))


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["sections", "editors"]
