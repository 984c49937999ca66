"""Every URL pattern x every role x GET and POST, against the table of expectations below.

The table is DESIGN.md's access contract written out route by route: who gets the page, who is
sent to sign in, who is refused, and which POSTs do what they ask. A URL pattern with no row
fails the suite, so no route ships before someone has decided who may use it.

Every row is about the same people and stories: a draft by the writer in section A, where the
desk editor works (the other desk editor's desk covers section B only; the deskless editor
covers every section), and a published story in section A. Each case runs in a transaction
rolled back afterwards, so a POST that deletes or publishes leaves the next case as it was.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLResolver, get_resolver, resolve
from django.utils import timezone

from articles import preview, revisions
from articles.models import Article, Author, Desk, PreviewLink, Section, Tag
from photos.models import Image
from planning.models import EmailOptOut, Note
from tests.factories import (
    article_form_data,
    make_article,
    make_author,
    make_desk,
    make_section,
    make_sized_image,
    make_staff,
    make_user,
)

# --- Who asks ---------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
WRITER = "writer"  # wrote the draft
OTHER_WRITER = "other_writer"
DESK_EDITOR = "desk_editor"  # on the desk covering section A
OTHER_DESK_EDITOR = "other_desk_editor"  # on a desk covering section B only
DESKLESS_EDITOR = "deskless_editor"  # on no desk: covers every section
SUPERUSER = "superuser"
ROLES = [
    ANONYMOUS, WRITER, OTHER_WRITER, DESK_EDITOR, OTHER_DESK_EDITOR, DESKLESS_EDITOR, SUPERUSER,
]  # fmt: skip
COVERING = [DESK_EDITOR, DESKLESS_EDITOR, SUPERUSER]  # may edit, publish and delete the draft

# --- What they get ----------------------------------------------------------------------------

OK = "ok"  # 200: the page (or, for a POST, the answer of an endpoint that takes it)
DONE = "done"  # answered (200, or a redirect not to sign in) and something stored changed
UNCHANGED = "unchanged"  # answered, and nothing stored changed: a form with errors, a refusal
# with a message, a page that ignores what was posted
MOVED = "moved"  # a redirect (301/302) elsewhere than the sign-in page; nothing changed
LOGIN = "login"  # a redirect to the admin's sign-in page; nothing changed
DENIED = "denied"  # 403, 404, or the admin's "perhaps it was deleted" redirect to its index
# (for an object the user may not see); nothing changed
NOT_ALLOWED = "not allowed"  # 405: the view takes other methods; nothing changed
REFUSED = "refused"  # 400: an endpoint's answer to input it will not take; nothing changed

# Only in the draft's headline, slug and one of its tags: no one who may not see the draft
# may find it in a page, a redirect or a JSON answer.
SECRET = "qqsecret"
SECRET_HEADLINE = "Qqsecret takeover plans"
TYPED = SECRET[:5]  # typed into a search box: matches the draft, and is no leak when echoed


def roles(default: str, **by_role: str) -> dict[str, str]:
    """An outcome for every role: `default`, except for the roles named."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, f"no such role: {unknown}"
    return {role: by_role.get(role, default) for role in ROLES}


def staff(default: str, **by_role: str) -> dict[str, str]:
    """An admin page: anonymous visitors are sent to sign in."""
    return roles(default, **{ANONYMOUS: LOGIN, **by_role})


def allowed(who, outcome: str, otherwise: str = DENIED) -> dict[str, str]:
    """An admin page that `who` may use (the superuser always may); others get `otherwise`."""
    return staff(otherwise, **dict.fromkeys([*who, SUPERUSER], outcome))


def _no_args(world) -> dict:
    return {}


def _no_query(world) -> str:
    return ""


@dataclass(frozen=True)
class Row:
    get: dict[str, str]
    post: dict[str, str]
    args: Callable = _no_args  # the route's parameters, from the world below
    query: Callable = _no_query  # a query string the view needs
    body: Callable = _no_args  # what the POST sends
    shows_draft: bool = False  # the preview: its link is the credential


def public(args: Callable = _no_args, query: Callable = _no_query, **kwargs) -> Row:
    """A reader's page: the same for everyone, signed in or not; POST is refused."""
    return Row(roles(OK), roles(NOT_ALLOWED), args, query, **kwargs)


def _draft(world) -> dict:
    return {"object_id": world.draft.pk}


def _just_written_note(world) -> dict:
    """The writer's note on the draft, as if written a moment ago (the matrix runs longer
    than the few minutes a note may be corrected in)."""
    Note.objects.filter(pk=world.note.pk).update(created_at=timezone.now())
    return {"object_id": world.draft.pk, "note_id": world.note.pk}


def _confirm(world) -> dict:
    return {"post": "yes"}  # the delete page's "Yes, I'm sure"


def model_admin(prefix: str, pk: Callable, *, view, add, change, delete, **rows: Row) -> dict:
    """The standard routes of a registered ModelAdmin, by which roles hold each permission.

    An empty POST to the change or add form saves nothing (the form has errors); the delete
    page is posted with its confirmation. `rows` replace standard rows, named by their suffix.
    """
    view = [*view, *change]

    def the_object(world):
        return {"object_id": pk(world)}

    standard = {
        "": Row(allowed(view, OK), allowed(view, UNCHANGED)),
        "add/": Row(allowed(add, OK), allowed(add, UNCHANGED)),
        "<path:object_id>/history/": Row(allowed(view, OK), allowed(view, UNCHANGED), the_object),
        "<path:object_id>/delete/": Row(
            allowed(delete, OK), allowed(delete, DONE), the_object, body=_confirm
        ),
        "<path:object_id>/change/": Row(allowed(view, OK), allowed(change, UNCHANGED), the_object),
        # Django's old-style address of an object: a redirect to its change page, for any staff.
        "<path:object_id>/": Row(staff(MOVED), staff(MOVED), the_object),
    }
    return {prefix + suffix: rows.get(suffix, row) for suffix, row in standard.items()}


ALL_STAFF = [WRITER, OTHER_WRITER, DESK_EDITOR, OTHER_DESK_EDITOR, DESKLESS_EDITOR]
EDITORS = [DESK_EDITOR, OTHER_DESK_EDITOR, DESKLESS_EDITOR]
NOBODY: list[str] = []

# --- The table ----------------------------------------------------------------------------------

EXPECTATIONS: dict[str, Row] = {
    # The reader site.
    "": public(),
    "feed/": public(),
    "feed/atom/": public(),
    "authors/<uslug:slug>/feed/": public(lambda w: {"slug": w.author.slug}),
    "tags/<uslug:slug>/feed/": public(lambda w: {"slug": w.tag.slug}),
    "<uslug:slug>/feed/": public(lambda w: {"slug": w.section.slug}),
    "authors/<uslug:slug>/": public(lambda w: {"slug": w.author.slug}),
    "tags/<uslug:slug>/": public(lambda w: {"slug": w.tag.slug}),
    # The link is the credential: whoever holds it sees the draft, signed in or not.
    "preview/<str:token>/": public(lambda w: {"token": w.token}, shows_draft=True),
    # A word of the draft's body: searching for it finds nothing.
    "search/": public(query=lambda w: "q=marzipan"),
    "<uslug:slug>/": public(lambda w: {"slug": w.section.slug}),
    r"^(?P<section>[-\w]+)/(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/(?P<slug>[-\w]+)/$": (
        public(lambda w: w.live_address)
    ),
    "healthz": public(),
    # The site's icon, where browsers look for one: a redirect to the static file.
    "favicon.ico": Row(roles(MOVED), roles(NOT_ALLOWED)),
    # The draft's photo: no public page shows it, so it is for signed-in staff only.
    "media/<path:path>": Row(
        roles(OK, anonymous=DENIED), roles(NOT_ALLOWED), lambda w: {"path": w.image.file.name}
    ),
    "robots.txt": public(),
    "sitemap.xml": public(),
    "sitemap-<section>.xml": public(lambda w: {"section": "articles"}),
    "news-sitemap.xml": public(),
    # The admin site.
    "admin/": Row(staff(OK), staff(UNCHANGED)),
    "admin/login/": Row(staff(MOVED, anonymous=OK), roles(UNCHANGED)),
    # Signing out is a POST; the admin sends anyone signed out to its index, which asks them in.
    "admin/logout/": Row(staff(NOT_ALLOWED, anonymous=MOVED), staff(OK, anonymous=MOVED)),
    "admin/password_change/": Row(staff(OK), staff(UNCHANGED)),
    "admin/password_change/done/": Row(staff(OK), staff(NOT_ALLOWED)),
    "admin/jsi18n/": Row(staff(OK), staff(NOT_ALLOWED)),
    # Each person's own two-factor pages (no one here has enrolled; test_two_factor.py covers
    # the enrolled and the half-signed-in): setting up, the code step, new codes, turning off.
    "admin/2fa/": Row(staff(OK), staff(UNCHANGED)),
    "admin/2fa/verify/": Row(staff(MOVED), staff(MOVED)),
    "admin/2fa/backup-codes/": Row(staff(NOT_ALLOWED), staff(DENIED)),
    "admin/2fa/turn-off/": Row(staff(NOT_ALLOWED), staff(MOVED)),
    # The planning board: every member of staff sees it (what is on it is theirs to see). A
    # move is a workflow transition: publishing the draft from it is refused to the writer and
    # the other desk's editor with a message; the other writer cannot reach the draft at all.
    "admin/planning/board/": Row(
        staff(OK),
        staff(UNCHANGED, other_writer=DENIED, **dict.fromkeys(COVERING, DONE)),
        body=lambda w: {"action": "move", "article": w.draft.pk, "transition": "publish"},
    ),
    # The pickers' search: the Related picker offers published stories only (not the draft,
    # whose headline is what is typed here).
    "admin/autocomplete/": Row(
        staff(OK),
        staff(NOT_ALLOWED),
        query=lambda w: f"app_label=articles&model_name=article&field_name=related&term={TYPED}",
    ),
    "admin/(?P<app_label>auth|axes|photos|articles|planning)/$": Row(
        allowed(NOBODY, OK), allowed(NOBODY, UNCHANGED), lambda w: {"app_label": "auth"}
    ),
    "admin/(?P<url>.*)$": Row(staff(DENIED), staff(DENIED), lambda w: {"url": "no-such-page"}),
    # "View on site" from the admin: only for what the user may see there. (It takes every id,
    # so Django's own, which it replaces, is never reached: "+7" would be read as 7 there.)
    "admin/r/<path:content_type_id>/<path:object_id>/": Row(
        staff(MOVED, other_writer=DENIED),
        staff(NOT_ALLOWED),
        lambda w: {"content_type_id": w.article_type, "object_id": w.draft.pk},
    ),
    # Accounts and sign-in records: superusers only; the sign-in records are never added by hand.
    **model_admin(
        "admin/auth/group/", lambda w: w.writer_group.pk,
        view=NOBODY, add=NOBODY, change=NOBODY, delete=NOBODY,
    ),
    **model_admin(
        "admin/auth/user/", lambda w: w.users[WRITER].pk,
        view=NOBODY, add=NOBODY, change=NOBODY, delete=NOBODY,
    ),
    "admin/auth/user/<id>/password/": Row(
        allowed(NOBODY, OK), allowed(NOBODY, UNCHANGED), lambda w: {"id": w.users[WRITER].pk}
    ),
    **model_admin(
        "admin/axes/accessattempt/", lambda w: w.attempt.pk,
        view=NOBODY, add=NOBODY, change=NOBODY, delete=NOBODY,
        **{"add/": Row(staff(DENIED), staff(DENIED))},
    ),
    **model_admin(
        "admin/axes/accesslog/", lambda w: w.access_log.pk,
        view=NOBODY, add=NOBODY, change=NOBODY, delete=NOBODY,
        **{"add/": Row(staff(DENIED), staff(DENIED))},
    ),
    **model_admin(
        "admin/axes/accessfailurelog/", lambda w: w.failure_log.pk,
        view=NOBODY, add=NOBODY, change=NOBODY, delete=NOBODY,
        **{"add/": Row(staff(DENIED), staff(DENIED))},
    ),
    # The photo library: all staff see and upload; the uploader (the writer) and editors
    # correct; only superusers delete.
    **model_admin(
        "admin/photos/image/", lambda w: w.image.pk,
        view=ALL_STAFF, add=ALL_STAFF, change=[WRITER, *EDITORS], delete=NOBODY,
    ),
    # Sections, authors and desks are administered by superusers; a section or author still in
    # use is not deleted.
    **model_admin(
        "admin/articles/section/", lambda w: w.section.pk,
        view=ALL_STAFF, add=NOBODY, change=NOBODY, delete=NOBODY,
        **{"<path:object_id>/delete/": Row(
            allowed(NOBODY, OK), allowed(NOBODY, UNCHANGED), lambda w: {"object_id": w.section.pk},
            body=_confirm,
        )},
    ),
    **model_admin(
        "admin/articles/author/", lambda w: w.author.pk,
        view=ALL_STAFF, add=NOBODY, change=NOBODY, delete=NOBODY,
        **{"<path:object_id>/delete/": Row(
            allowed(NOBODY, OK), allowed(NOBODY, UNCHANGED), lambda w: {"object_id": w.author.pk},
            body=_confirm,
        )},
    ),
    **model_admin(
        "admin/articles/desk/", lambda w: w.desk.pk,
        view=EDITORS, add=NOBODY, change=NOBODY, delete=NOBODY,
    ),
    # Articles, every route about the writer's draft. Writers see and edit their own drafts;
    # every editor sees every story, but changes only those on their desks.
    "admin/articles/article/": Row(
        staff(OK),
        # Bulk "Publish selected now": only an editor covering the section publishes.
        staff(UNCHANGED, **dict.fromkeys(COVERING, DONE)),
        body=lambda w: {
            "action": "publish_selected", "_selected_action": [w.draft.pk], "index": "0",
        },
    ),
    "admin/articles/article/add/": Row(staff(OK), staff(UNCHANGED)),
    "admin/articles/article/<path:object_id>/change/": Row(
        staff(OK, other_writer=DENIED),
        # A whole valid form with a new headline; the other desk's editor is refused by the
        # form, with a message, not by a bare 403.
        staff(DONE, other_writer=DENIED, other_desk_editor=UNCHANGED),
        _draft,
        body=lambda w: article_form_data(w.draft, headline="Qqsecret plans, revised"),
    ),
    "admin/articles/article/<path:object_id>/history/": Row(
        staff(OK, other_writer=DENIED), staff(UNCHANGED, other_writer=DENIED), _draft
    ),
    "admin/articles/article/<path:object_id>/delete/": Row(
        allowed(COVERING, OK), allowed(COVERING, DONE), _draft, body=_confirm
    ),
    "admin/articles/article/<path:object_id>/": Row(staff(MOVED), staff(MOVED), _draft),
    # Tag names for what is typed: the other writer is never offered the draft's own tag.
    "admin/articles/article/tags/suggest/": Row(
        staff(OK), staff(OK), query=lambda w: f"term={TYPED}"
    ),
    "admin/articles/article/<path:object_id>/revisions/compare/": Row(
        staff(OK, other_writer=DENIED),
        staff(UNCHANGED, other_writer=DENIED),
        _draft,
        query=lambda w: f"a={w.old_revision.pk}&b={w.new_revision.pk}",
    ),
    # The endpoints below take POST only; a GET is refused for its method before the story is
    # looked up, so it tells no one whether the story exists.
    # "Publish now": the writer and the other desk's editor are refused with a message.
    "admin/articles/article/<path:object_id>/workflow/<str:name>/": Row(
        staff(NOT_ALLOWED),
        staff(UNCHANGED, other_writer=DENIED, **dict.fromkeys(COVERING, DONE)),
        lambda w: {"object_id": w.draft.pk, "name": "publish"},
    ),
    "admin/articles/article/<path:object_id>/revisions/<int:revision_id>/restore/": Row(
        staff(NOT_ALLOWED),
        staff(DONE, other_writer=DENIED, other_desk_editor=UNCHANGED),
        lambda w: {"object_id": w.draft.pk, "revision_id": w.old_revision.pk},
    ),
    "admin/articles/article/autosave/": Row(
        staff(NOT_ALLOWED), staff(OK), body=lambda w: {"headline": "A new story"}
    ),
    "admin/articles/article/<path:object_id>/autosave/": Row(
        staff(NOT_ALLOWED),
        staff(OK, other_writer=DENIED, other_desk_editor=DENIED),
        _draft,
        body=lambda w: {"headline": "Qqsecret plans, typing"},
    ),
    # Presence says "editing", so it is for those who may edit the story.
    "admin/articles/article/<path:object_id>/heartbeat/": Row(
        staff(NOT_ALLOWED), staff(OK, other_writer=DENIED, other_desk_editor=DENIED), _draft
    ),
    # The live preview draws what is posted and saves nothing; a story's own is for those who
    # may edit it (it draws their unsaved input).
    "admin/articles/article/live-preview/": Row(
        staff(OK), staff(OK), body=lambda w: {"headline": "A new story"}
    ),
    "admin/articles/article/<path:object_id>/live-preview/": Row(
        staff(OK, other_writer=DENIED, other_desk_editor=DENIED),
        staff(OK, other_writer=DENIED, other_desk_editor=DENIED),
        _draft,
        body=lambda w: {"headline": "Qqsecret plans, typed"},
    ),
    # Each person's own notifications: the inbox (read-only; opening it marks them read) and
    # their email choices (an empty POST unticks every box: no email of any kind).
    "admin/planning/notification/": Row(staff(OK), staff(NOT_ALLOWED)),
    "admin/planning/notification/preferences/": Row(staff(OK), staff(DONE)),
    # Notes on the draft: its writer and the editors covering it write and reply (an editor on
    # another desk reads them and is refused with a message); only the note's author (the
    # writer) corrects it, within minutes of writing it; anyone else is refused with a
    # message. The other writer cannot reach the story at all.
    "admin/articles/article/<path:object_id>/notes/": Row(
        staff(NOT_ALLOWED), staff(DONE, other_writer=DENIED, other_desk_editor=UNCHANGED), _draft,
        body=lambda w: {"text": "Qqsecret: check the figures, @desk_editor"},
    ),
    "admin/articles/article/<path:object_id>/notes/<int:note_id>/reply/": Row(
        staff(NOT_ALLOWED), staff(DONE, other_writer=DENIED, other_desk_editor=UNCHANGED),
        _just_written_note, body=lambda w: {"text": "Checked."},
    ),
    "admin/articles/article/<path:object_id>/notes/<int:note_id>/edit/": Row(
        staff(NOT_ALLOWED), staff(UNCHANGED, writer=DONE, other_writer=DENIED),
        _just_written_note, body=lambda w: {"text": "Check the figures again"},
    ),
    # The editor's photo picker: every role may browse the library and upload to it; an
    # upload without a file or alt text is refused.
    "admin/photos/image/picker/": Row(staff(OK), staff(NOT_ALLOWED)),
    "admin/photos/image/picker/upload/": Row(staff(NOT_ALLOWED), staff(REFUSED)),
    # The writer's own preview link: they and the editors who cover the story may revoke it.
    "admin/articles/article/<path:object_id>/previews/<int:link_id>/revoke/": Row(
        staff(NOT_ALLOWED),
        staff(DONE, other_writer=DENIED, other_desk_editor=UNCHANGED),
        lambda w: {"object_id": w.draft.pk, "link_id": w.link.pk},
    ),
}  # fmt: skip


# --- The URLconf --------------------------------------------------------------------------------


def url_routes(patterns=None, prefix: str = "") -> list[str]:
    """Every pattern's full route, joined as Django joins them in ResolverMatch.route."""
    routes = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        own = str(pattern.pattern)
        route = prefix + own.removeprefix("^") if prefix else own
        if isinstance(pattern, URLResolver):
            routes += url_routes(pattern.url_patterns, route)
        else:
            routes.append(route)
    return routes


_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^()]*\)")


def address(route: str, args: dict) -> str:
    """The route with its parameters filled in."""
    filled = _PARAMETER.sub(lambda match: str(args[match[1] or match[2]]), route)
    return "/" + filled.removeprefix("^").removesuffix("$")


def test_every_url_pattern_has_a_row_in_the_table():
    missing = sorted(set(url_routes()) - set(EXPECTATIONS))
    assert not missing, (
        "These URL patterns have no row in EXPECTATIONS (tests/test_url_matrix.py); add one "
        "saying what each role gets from GET and POST:\n  " + "\n  ".join(missing)
    )


def test_every_row_in_the_table_is_a_url_pattern():
    stale = sorted(set(EXPECTATIONS) - set(url_routes()))
    assert not stale, "Rows for URL patterns that no longer exist:\n  " + "\n  ".join(stale)


# --- The world every row is about ---------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module, inside a transaction rolled back at its end."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world(media)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _build_world(media) -> SimpleNamespace:
    section, other_section = make_section(name="Section A"), make_section(name="Section B")
    users = {
        WRITER: make_staff("Writer", "writer"),
        OTHER_WRITER: make_staff("Writer", "other_writer"),
        DESK_EDITOR: make_staff("Editor", "desk_editor"),
        OTHER_DESK_EDITOR: make_staff("Editor", "other_desk_editor"),
        DESKLESS_EDITOR: make_staff("Editor", "deskless_editor"),
        SUPERUSER: make_user("superuser", is_staff=True, is_superuser=True),
    }
    desk = make_desk(section, editors=[users[DESK_EDITOR]])
    make_desk(other_section, editors=[users[OTHER_DESK_EDITOR]])
    author = make_author(name="Wendy Writer", user=users[WRITER])
    image = make_sized_image(width=400, height=300, uploaded_by=users[WRITER])
    live = make_article(
        section=section, authors=[author], tags=["harbour"], created_by=users[DESK_EDITOR]
    )
    draft = make_article(
        published=False, section=section, authors=[author], tags=["harbour", "qqsecret plans"],
        headline=SECRET_HEADLINE, body="<p>The marzipan factory changes hands.</p>",
        hero_image=image, created_by=users[WRITER],
    )  # fmt: skip
    old, new = (
        revisions.save_edit(
            draft, {**revisions.current_content(draft), "headline": headline}, by=users[WRITER]
        )
        for headline in ["Qqsecret early plans", SECRET_HEADLINE]
    )
    token = preview.preview_url(draft, by=users[WRITER]).rstrip("/").rsplit("/", 1)[1]
    live_day = live.get_absolute_url().strip("/").split("/")
    sign_in = {
        "username": "someone", "ip_address": "127.0.0.1", "user_agent": "test",
        "http_accept": "*/*", "path_info": "/admin/login/",
    }  # fmt: skip
    draft.refresh_from_db()
    return SimpleNamespace(
        media_root=media,
        users=users,
        sessions={role: _signed_in(user) for role, user in users.items()},
        section=section,
        desk=desk,
        author=author,
        tag=Tag.objects.get(name="harbour"),
        image=image,
        live=live,
        live_address=dict(zip(["section", "year", "month", "day", "slug"], live_day, strict=True)),
        draft=draft,
        old_revision=old,
        new_revision=new,
        link=draft.preview_links.get(),
        note=Note.objects.create(article=draft, author=users[WRITER], text="Check the figures"),
        token=token,
        article_type=ContentType.objects.get_for_model(Article).pk,
        writer_group=Group.objects.get(name="Writer"),
        attempt=AccessAttempt.objects.create(
            **sign_in, get_data="", post_data="", failures_since_start=1
        ),
        access_log=AccessLog.objects.create(**sign_in),
        failure_log=AccessFailureLog.objects.create(**sign_in),
    )


def _signed_in(user) -> str:
    """A session key of this user: each case sends it, rather than signing in again."""
    client = Client()
    client.force_login(user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def _stored() -> dict:
    """What a refused request must leave as it was."""
    rows = {
        Article: ["headline", "state", "version", "pending_state", "published_at", "section"],
        Section: ["slug", "name", "position"],
        Author: ["slug", "name", "user"],
        Desk: ["name"],
        Image: ["file", "alt", "caption", "credit", "focal_x", "focal_y"],
        get_user_model(): ["username", "password", "is_staff", "is_superuser", "is_active"],
        Group: ["name"],
        AccessAttempt: [],
        AccessLog: [],
        AccessFailureLog: [],
        EmailOptOut: ["user", "kind"],
        Note: ["text", "edited_at", "parent"],
    }
    stored = {
        model._meta.label: list(model.objects.order_by("pk").values_list("pk", *fields))
        for model, fields in rows.items()
    }
    # Opening a story's page may make the user's preview link; revoking one is a change.
    stored["revoked links"] = list(
        PreviewLink.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True)
    )
    return stored


# --- The matrix ---------------------------------------------------------------------------------


def _judge(expected: str, response, changed: bool) -> bool:
    status, location = response.status_code, response.get("Location", "")
    to_login = status == 302 and location.startswith("/admin/login/")
    redirected = status in (301, 302) and not to_login
    answered = status == 200 or redirected
    denied = status in (403, 404) or (status == 302 and location == "/admin/")
    return {
        OK: status == 200,
        DONE: answered and changed,
        UNCHANGED: answered and not changed,
        MOVED: redirected and not changed,
        LOGIN: to_login and not changed,
        DENIED: denied and not changed,
        NOT_ALLOWED: status == 405 and not changed,
        REFUSED: status == 400 and not changed,
    }[expected]


def _seen(response) -> str:
    body = b"" if response.streaming else response.content
    return (response.get("Location", "") + body.decode(errors="replace")).lower()


CASES = [
    pytest.param(route, role, method, id=f"{method.upper()} {route} as {role}")
    for route in EXPECTATIONS
    for method in ("get", "post")
    for role in ROLES
]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "role", "method"), CASES)
def test_each_role_gets_what_the_table_says(world, settings, route, role, method):
    settings.MEDIA_ROOT = world.media_root  # conftest gives each test its own; the photo is here
    row = EXPECTATIONS[route]
    expected = getattr(row, method)[role]
    path = address(route, row.args(world))
    assert resolve(path).route == route, f"{path} does not reach {route}"
    url = f"{path}?{row.query(world)}" if row.query(world) else path
    client = Client(raise_request_exception=False)
    if role != ANONYMOUS:
        client.cookies[django_settings.SESSION_COOKIE_NAME] = world.sessions[role]
    before = _stored()

    response = client.get(url) if method == "get" else client.post(url, row.body(world))

    changed = _stored() != before
    status = f"{response.status_code} {response.get('Location', '')}".strip()
    assert response.status_code != 500, (
        f"{method.upper()} {url} as {role}: server error {getattr(response, 'exc_info', '')}"
    )
    assert _judge(expected, response, changed), (
        f"{method.upper()} {url} as {role}: expected {expected}, got {status}"
        + (" and stored data changed" if changed else " and nothing stored changed")
    )
    assert not (method == "get" and changed), f"GET {url} as {role} changed stored data"
    if role in (ANONYMOUS, OTHER_WRITER) and not row.shows_draft:
        assert SECRET not in _seen(response), f"{method.upper()} {url} shows {role} the draft"
