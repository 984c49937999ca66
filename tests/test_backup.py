"""backup and restore: a whole newsroom in one file, and an empty install brought back from it.

The main test builds a newsroom through the paths editors use, reads every public page, feed,
sitemap and photo of it, backs it up, and restores the file into a brand-new install in a
process of its own (its own database, media folder and cache); every address must answer
there byte for byte as it did here, and staff must sign in as before. The others are about
refusals: a file that is not a backup, a newer one, a broken one, an install that is not
empty, a place a backup cannot be written; each must leave everything as it was.
"""

import base64
import html
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
from contextlib import contextmanager, nullcontext, suppress
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import pytest
from defusedxml import ElementTree
from django.conf import settings as django_settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from articles import backups, preview, revisions, search, workflow
from articles.models import Article, ArticleSlug, Author, Section, Tag
from photos import images
from photos.models import Image
from planning import notes
from tests.factories import (
    make_article,
    make_author,
    make_desk,
    make_section,
    make_sized_image,
    make_staff,
    make_user,
)
from tests.scripts.render_pages import fetch, holdings, sign_in
from tests.test_private_photos import statuses

pytestmark = pytest.mark.django_db

ROOT = Path(django_settings.BASE_DIR)
RENDER = ROOT / "tests" / "scripts" / "render_pages.py"
PASSWORD = "a-long-test-password"  # what tests.factories.make_user gives every account
SEARCHED = "lighthouse"  # only in the lead story's body


# --- A newsroom, made the way editors make one --------------------------------------------------


def _write(by, **content) -> Article:
    """A new story as the admin's add form saves it: through the one edit path."""
    article = Article(created_by=by)
    revisions.save_edit(article, {**revisions.empty_content(), **content}, by=by)
    return article


def _publish(article, editor, *, ago: timedelta) -> None:
    workflow.take(article, "publish", by=editor, at=timezone.now() - ago)


def _change_live(article, writer, editor, *, marks_update=False, **changes) -> None:
    """An edit to a live story: pending changes, submitted by the writer, published by an
    editor (what the admin's Save, "Submit changes" and "Publish changes" buttons do)."""
    content = {**revisions.current_content(article), **changes}
    revisions.save_edit(article, content, by=writer, marks_update=marks_update)
    workflow.take(article, "submit_changes", by=writer)
    workflow.take(article, "publish_changes", by=editor)


def build_newsroom() -> SimpleNamespace:
    now = timezone.now()
    editor = make_staff("Editor", "editor", first_name="Eda", last_name="Editor")
    writer = make_staff("Writer", "writer")
    app = TOTPDevice.objects.create(user=editor, name=two_factor.APP_NAME, confirmed=False)
    codes = two_factor.confirm_app(editor, app)

    city = make_section(name="City & Harbour", slug="city", position=1, description="Ours.")
    culture = make_section(name="Culture", slug="culture", position=2)
    make_section(name="Sport", slug="sport", position=3)  # no story: its front is a 404
    make_desk(city, culture, editors=[editor])
    portrait = make_sized_image(width=480, height=480, alt="Ada, smiling", uploaded_by=writer)
    ada = make_author(
        name="Ada Reporter", slug="ada", job_title="Harbour correspondent", bio="Ada writes.",
        photo=portrait, user=writer, links="https://ada.example/\nhttps://social.example/@ada",
    )  # fmt: skip
    bo = make_author(name="Bo Writer", slug="bo")
    make_author(name="Cy Nobody", slug="cy")  # bylined nowhere: no page
    ferry = make_sized_image(
        width=1200, height=630, alt="A ferry at dawn", caption="The ferry at dawn",
        credit="Photo: C. Lens", uploaded_by=writer,
    )  # fmt: skip
    museum = make_sized_image(width=800, height=600, alt="A museum hall", credit="Photo: D. Frame")
    secret = make_sized_image(width=640, height=480, alt="Plans on a table")  # the draft's only

    lead = _write(
        writer, headline="Harbour ferry returns after forty years", section=city.pk,
        standfirst="The old route is back.", bylines=[ada.pk, bo.pk],
        body=f"<p>The {SEARCHED} keeper waved.</p><h2>Timetable</h2><p>Twice a day.</p>",
        tags=["Harbour", "Årsbudget"], hero_image=ferry.pk, homepage_priority=5,
        seo_title="Ferry returns", seo_description="The harbour ferry is back.",
    )  # fmt: skip
    workflow.take(lead, "submit", by=writer)
    _publish(lead, editor, ago=timedelta(days=3))

    renamed = _write(
        writer, headline="Museum to open", slug="museum-to-open", section=culture.pk,
        body="<p>Doors open at nine.</p>", bylines=[ada.pk], tags=["Harbour"],
        hero_image=museum.pk, hero_caption="The hall, ready for visitors",
    )  # fmt: skip
    _publish(renamed, editor, ago=timedelta(days=2, hours=1))
    old_address = renamed.get_absolute_url()
    _change_live(renamed, writer, editor, headline="Museum opens its doors", slug="museum-opens")

    # A correction and chosen related stories, published as an update of the lead.
    _change_live(
        lead, writer, editor, marks_update=True, related=[renamed.pk],
        corrections=[revisions.correction_entry(now - timedelta(days=1), "The route is older.")],
    )  # fmt: skip

    withdrawn = _write(writer, headline="Story taken down", section=city.pk, bylines=[ada.pk])
    _publish(withdrawn, editor, ago=timedelta(days=1))
    workflow.take(withdrawn, "withdraw", by=editor, comment="Legal advice")

    draft = _write(
        writer, headline="Qqsecret takeover plans", section=city.pk, bylines=[ada.pk],
        body="<p>Not yet.</p>", tags=["Qqsecret plans"], hero_image=secret.pk,
    )  # fmt: skip
    revisions.save_edit(
        draft, {**revisions.current_content(draft), "body": "<p>Not yet, still.</p>"}, by=writer
    )
    preview_address = preview.preview_url(draft, by=writer)
    # Notes are the newsroom's records of its stories: a restore keeps them, threads and all.
    question = notes.write(draft, by=editor, text="Who confirmed this, @writer?")
    notes.write(draft, by=writer, text="The harbour master.", parent=question)

    scheduled = _write(editor, headline="Tomorrow's story", section=culture.pk, bylines=[bo.pk])
    workflow.take(scheduled, "schedule", by=editor, at=now + timedelta(days=2))
    in_review = _write(writer, headline="Waiting for an editor", section=city.pk)
    workflow.take(in_review, "submit", by=writer)

    # Live, with changes waiting that readers must not see yet.
    pending = _write(writer, headline="Live story", section=culture.pk, bylines=[bo.pk])
    _publish(pending, editor, ago=timedelta(hours=5))
    revisions.save_edit(
        pending, {**revisions.current_content(pending), "headline": "Unpublished words"}, by=writer
    )
    syndicated = _write(
        editor, headline="Wire copy", section=culture.pk, canonical_url="https://wire.example/x"
    )
    _publish(syndicated, editor, ago=timedelta(hours=6))

    # Enough stories for a second page of the section, tag and author lists.
    for n in range(22):
        make_article(
            headline=f"Harbour note {n}", section=city, authors=[bo], tags=["Harbour"],
            published_at=now - timedelta(hours=10 + n), created_by=writer,
        )  # fmt: skip
    LogEntry.objects.log_actions(
        editor.pk, Section.objects.filter(pk=city.pk), ADDITION, single_object=True
    )
    return SimpleNamespace(
        editor=editor, writer=writer, backup_code=codes[0], lead=lead, renamed=renamed,
        old_address=old_address, withdrawn=withdrawn, draft=draft, scheduled=scheduled,
        in_review=in_review, pending=pending, preview_address=preview_address,
    )  # fmt: skip


def media_names() -> list[str]:
    """Every photo file the site serves: each master and each of its renditions."""
    names = []
    for image in Image.objects.order_by("pk"):
        names += [image.file.name, *images.rendition_names(image.renditions)]
    return names


def public_urls(client, newsroom) -> list[str]:
    """Every address a reader, a feed reader or a search engine may ask for."""
    urls = ["/", "/feed/", "/feed/atom/", "/robots.txt", "/sitemap.xml", "/news-sitemap.xml"]
    urls += [f"/search/?q={SEARCHED}", "/search/?q=harbour", "/search/?q=harbour&page=2"]
    urls += ["/search/?q=zzyzxnothing", "/search/?q="]
    for listing in [*Section.objects.all(), *Author.objects.all(), *Tag.objects.all()]:
        page = listing.get_absolute_url()
        urls += [page, f"{page}?page=2", f"{page}feed/"]
    for article in Article.objects.select_related("section"):
        urls.append(article.get_absolute_url())
        for old in ArticleSlug.objects.filter(article=article):
            urls.append(article.get_absolute_url().replace(f"/{article.slug}/", f"/{old.slug}/"))
    index = ElementTree.fromstring(client.get("/sitemap.xml").content)
    for loc in index.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"):
        parts = urlsplit(loc.text)
        urls.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    urls.append(newsroom.preview_address)
    urls += [f"{django_settings.MEDIA_URL}{name}" for name in media_names()]
    return list(dict.fromkeys(urls))


# --- A fresh install, in a process of its own ------------------------------------------------


@pytest.fixture
def fresh_install(tmp_path):
    """The environment of a new install: its own database (a new SQLite file, or a database
    created for it on the test's PostgreSQL server), an empty media folder, no shared cache."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "DATABASE_URL", "MEDIA_ROOT", "DJANGO_SETTINGS_MODULE"}
    }
    media = tmp_path / "restored-media"
    media.mkdir()
    env.update(MEDIA_ROOT=str(media), DJANGO_SETTINGS_MODULE="tests.settings")
    if connection.vendor != "postgresql":
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        yield SimpleNamespace(env=env, media=media)
        return
    import psycopg

    own = connection.settings_dict
    name = f"newsroom_restore_{secrets.token_hex(4)}"
    server = {
        "host": own["HOST"] or None, "port": own["PORT"] or None, "user": own["USER"] or None,
        "password": own["PASSWORD"] or None, "dbname": "postgres", "autocommit": True,
    }  # fmt: skip
    with psycopg.connect(**server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user, password = quote(own["USER"] or ""), quote(own["PASSWORD"] or "")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = f"{own['HOST'] or 'localhost'}:{own['PORT'] or 5432}"
    env["DATABASE_URL"] = f"postgres://{credentials}{host}/{name}"
    try:
        yield SimpleNamespace(env=env, media=media)
    finally:
        with psycopg.connect(**server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip


def files_under(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.is_dir())


# A preview page signs the addresses of its photos (photos/signing.py) with an expiry of the
# moment it is drawn plus a day, rounded up to the hour. That moment is the one thing on any page
# that is not stored data: two renders a few seconds apart straddle an hour now and then. So on
# preview pages, and only there, the expiry and its signature are blanked before comparing;
# the signed addresses drawn here are fetched after the restore too, and must still work.
_SIGNED = re.compile(r"expires=\d+&amp;signature=[^\"\s,&]+")


def _comparable(pages: dict) -> dict:
    def blank(body: str) -> str:
        text = base64.b64decode(body).decode()
        return base64.b64encode(_SIGNED.sub("expires=E&amp;signature=S", text).encode()).decode()

    return {
        url: {**page, "body": blank(page["body"])} if url.startswith("/preview/") else page
        for url, page in pages.items()
    }


def _signed_addresses(page: dict) -> list[str]:
    text = base64.b64decode(page["body"]).decode()
    found = re.findall(r"/media/[^\"\s,?]+\?" + _SIGNED.pattern, text)
    return sorted({html.unescape(address) for address in found})


def _differences(before: dict, after: dict, limit=5) -> str:
    """The first differing URLs, each with what differs; for a body, the first differing line
    of each side, cut to the neighbourhood of the first differing character."""
    report = []
    for url, old in before.items():
        new = after.get(url, dict.fromkeys(old, "(not fetched)"))
        lines = [
            f"  {key}: {old[key]!r} -> {new[key]!r}"
            for key in ("status", "location", "content_type")
            if old[key] != new[key]
        ]
        if old["body"] != new["body"]:
            a, b = (base64.b64decode(p["body"]).decode(errors="replace") for p in (old, new))
            first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
            first = min(len(a), len(b)) if first is None else first
            start = max(0, a.rfind("\n", 0, first) + 1, first - 60)
            lines += [
                f"  before:   …{a[start : first + 60]!r}",
                f"  restored: …{b[start : first + 60]!r}",
            ]
        if lines:
            report.append("\n".join([f"{url}:", *lines]))
        if len(report) == limit:
            break
    return "\n".join(report)


# --- 1. The same site again ----------------------------------------------------------------


def test_an_empty_install_restores_to_the_same_public_site(tmp_path, fresh_install):
    newsroom = build_newsroom()
    # The index is kept up to date after commit, which a test's transaction never reaches.
    search.rebuild_index()
    client = Client(raise_request_exception=False)
    urls = public_urls(client, newsroom)
    before = {url: fetch(client, url) for url in urls}
    signed = _signed_addresses(before[newsroom.preview_address])
    before.update({url: fetch(client, url) for url in signed})
    urls += signed
    had = holdings()

    # The site is what it was built to be, so the comparison below compares something.
    status = {url: page["status"] for url, page in before.items()}
    assert 500 not in status.values(), [url for url, s in status.items() if s == 500]
    for story in [newsroom.lead, newsroom.renamed, newsroom.pending]:
        assert status[story.get_absolute_url()] == 200
    assert status[newsroom.withdrawn.get_absolute_url()] == 410
    for hidden in [newsroom.draft, newsroom.scheduled, newsroom.in_review]:
        assert status[hidden.get_absolute_url()] == 404
    assert before[newsroom.old_address]["status"] == 301
    assert before[newsroom.old_address]["location"] == newsroom.renamed.get_absolute_url()
    assert status["/sport/"] == status["/authors/cy/"] == status["/tags/qqsecret-plans/"] == 404
    assert before["/city/?page=2"]["body"] != before["/city/"]["body"]
    assert status[newsroom.preview_address] == 200
    lead_page = base64.b64decode(before[newsroom.lead.get_absolute_url()]["body"]).decode()
    for shown in ["The ferry at dawn", "Photo: C. Lens", "The route is older.", "Museum opens"]:
        assert shown in lead_page
    found = base64.b64decode(before[f"/search/?q={SEARCHED}"]["body"]).decode()
    assert newsroom.lead.headline in found
    # Photo files: those on pages readers see are served to anyone; the draft's photo only
    # through the signed addresses of its preview.
    secret = newsroom.draft.hero_image
    private = {f"{django_settings.MEDIA_URL}{secret.file.name}"} | {
        f"{django_settings.MEDIA_URL}{name}" for name in images.rendition_names(secret.renditions)
    }
    photos = [url for url in urls if url.startswith(django_settings.MEDIA_URL) and "?" not in url]
    assert len(photos) > 4 * Image.objects.count()  # masters and their renditions
    assert {url for url in photos if status[url] == 404} == private
    assert {url for url in photos if status[url] == 200} == set(photos) - private
    assert len(signed) >= 2 and all(before[url]["status"] == 200 for url in signed), signed
    assert had["counts"]["draft stories"] == 1 and had["counts"]["old slugs"] == 1

    backup = tmp_path / "newsroom.tar.gz"
    call_command("backup", str(backup), stdout=io.StringIO())
    # The staff sign in here once the backup is made (signing in writes their last sign-in).
    sign_ins = [
        {"username": "editor", "password": PASSWORD, "code": newsroom.backup_code},
        {"username": "writer", "password": PASSWORD},
        {"username": "writer", "password": "not-the-password"},
    ]
    signed_in = [sign_in(Client(raise_request_exception=False), **s) for s in sign_ins]
    assert signed_in[0][-1] == signed_in[1][-1] == [200, ""], signed_in
    assert signed_in[2][0] == [200, ""], "a wrong password was taken"

    # A failed attempt first (a story in a section the file lacks): it must leave the install
    # as empty as it was, so the next attempt can succeed.
    broken = tmp_path / "broken.tar.gz"
    _rewrite(backup, broken, data=_point_at_missing_section)
    env = fresh_install.env
    migrated = run(env, "manage.py", "migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    refused = run(env, "manage.py", "restore", broken)
    assert refused.returncode != 0 and "CommandError" in refused.stderr, refused.stderr[-3000:]
    assert files_under(fresh_install.media) == []

    restored = run(env, "manage.py", "restore", backup)
    assert restored.returncode == 0, restored.stderr[-3000:]
    assert "the search index is rebuilt" in restored.stdout
    request, result = tmp_path / "request.json", tmp_path / "result.json"
    request.write_text(json.dumps({"urls": urls, "sign_ins": sign_ins}), encoding="utf-8")
    rendered = run(env, RENDER, request, result)
    assert rendered.returncode == 0, rendered.stderr[-3000:]
    after = json.loads(result.read_text(encoding="utf-8"))

    # Every page, feed, sitemap and photo is built from stored rows and files alone, so nothing
    # on them may differ after a restore (but the preview's expiry, see _comparable).
    same = _comparable(after["pages"]) == _comparable(before)
    assert same, "Addresses that answer differently after the restore (first difference):\n" + (
        _differences(_comparable(before), _comparable(after["pages"]))
    )
    assert after["holdings"]["counts"] == had["counts"]
    assert after["holdings"]["rows"] == had["rows"], "the restored rows differ from the originals"
    assert after["sign_ins"] == signed_in
    assert files_under(fresh_install.media) == sorted(media_names())
    media = Path(django_settings.MEDIA_ROOT)
    for name in media_names():
        assert (fresh_install.media / name).read_bytes() == (media / name).read_bytes(), name


# --- A small backup for the refusals ----------------------------------------------------------


@pytest.fixture(scope="module")
def a_backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """A backup of a small newsroom, made in a transaction rolled back afterwards: each test
    starts from an empty install (migrated, no content) with a real backup file to hand."""
    folder = tmp_path_factory.mktemp("a-backup")
    media, path = folder / "media", folder / "newsroom.tar.gz"
    rolled_back = transaction.atomic()
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), rolled_back:
        editor = make_staff("Editor", "editor")
        app = TOTPDevice.objects.create(user=editor, name=two_factor.APP_NAME)
        two_factor.confirm_app(editor, app)
        section = make_section(name="City", slug="city")
        author = make_author(name="Ada Reporter", slug="ada", photo=make_sized_image())
        live = make_article(
            headline="Live story", section=section, authors=[author], tags=["Harbour"],
            hero_image=make_sized_image(width=640, height=480),
            published_at=timezone.now().replace(microsecond=123456) - timedelta(hours=1),
        )  # fmt: skip
        draft = make_article(
            headline="A draft", published=False, section=section, authors=[author],
            hero_image=make_sized_image(width=400, height=300), created_by=editor,
        )  # fmt: skip
        notes.write(draft, by=editor, text="Hold until Monday")
        call_command("backup", str(path), stdout=io.StringIO())
        info = SimpleNamespace(
            path=path, media=media, names=media_names(), live=live.pk, draft=draft.pk,
            live_published_at=live.published_at, app_key=app.key,
            migrations=backups._applied_migrations(),
        )  # fmt: skip
        transaction.set_rollback(True)
    return info


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as archive:
        return {m.name: archive.extractfile(m).read() if m.isfile() else b"" for m in archive}


def _rewrite(source: Path, target: Path, *, manifest=None, data=None, drop=(), add=()) -> Path:
    """A copy of a backup with its manifest or rows changed, members dropped or added (an
    added member named like a dropped one takes its place: a backup's order is fixed)."""
    members = _members(source)
    if manifest:
        members["manifest.json"] = json.dumps(manifest(json.loads(members["manifest.json"])))
    if data:
        members["data.json"] = json.dumps(data(json.loads(members["data.json"])))
    replacing = {name: content for name, content in add if name in drop}
    kept = [
        (name, replacing.get(name, content))
        for name, content in members.items()
        if name not in drop or name in replacing
    ]
    added = [(name, content) for name, content in add if name not in replacing]
    with tarfile.open(target, "w:gz") as archive:
        for name, content in [*kept, *added]:
            content = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return target


def _point_at_missing_section(rows: list) -> list:
    for row in rows:
        if row["model"] == "articles.article":
            row["fields"]["section"] = 999_999
    return rows


def _restore(path) -> None:
    call_command("restore", str(path), stdout=io.StringIO())


def refused(path) -> str:
    """Restore `path`: it must be refused with a CommandError (a message, not a traceback) and
    change nothing, neither a row nor the (empty) media folder. Returns the message."""
    had = holdings()
    try:
        _restore(path)
    except Exception as error:  # noqa: BLE001 - which exception it is, is asserted below
        outcome = error
    else:
        outcome = None
    assert outcome is not None, "the restore was not refused"
    assert holdings() == had, "the refused restore changed the database"
    left = files_under(Path(django_settings.MEDIA_ROOT))
    assert left == [], f"the refused restore left {len(left)} files in MEDIA_ROOT: {left[:3]}"
    assert isinstance(outcome, CommandError), (
        f"restore failed with {type(outcome).__name__}, a traceback, where a CommandError "
        f"should say what is wrong: {outcome}"
    )
    return str(outcome)


# --- 2. Not an empty install ----------------------------------------------------------------


def test_restoring_into_an_install_with_stories_is_refused_and_changes_nothing(a_backup):
    make_article(headline="Already here", authors=[make_author()], tags=["Local"])

    message = refused(a_backup.path)

    assert message.startswith(
        "This install is not empty (1 articles, 1 sections, 1 authors, 1 tags)"
    )


def test_restoring_into_an_install_with_a_staff_account_is_refused_and_changes_nothing(
    a_backup,
):
    """`createsuperuser` run before `restore`: that account is not the backup's to overwrite
    (here it has the id of an account in the backup, as the first account of both has)."""
    rows = json.loads(_members(a_backup.path)["data.json"])
    first_account = next(row["pk"] for row in rows if row["model"] == "auth.user")
    admin = make_user("admin", pk=first_account, is_staff=True, is_superuser=True)

    try:
        _restore(a_backup.path)
    except CommandError as error:
        message = str(error)
    else:
        message = "(restored)"

    admin.refresh_from_db()
    assert (admin.username, admin.is_superuser) == ("admin", True), (
        f"the restore overwrote this install's account {first_account} (admin) with the "
        f"backup's {admin.username!r}"
    )
    assert "This install is not empty" in message


# --- 3. Not a backup ------------------------------------------------------------------------


def _tar_gz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


NOT_BACKUPS = {
    "random bytes": (
        lambda path, real: path.write_bytes(secrets.token_bytes(4096)),
        "is not a newsroom backup",
    ),
    "an empty file": (lambda path, real: path.write_bytes(b""), "is not a newsroom backup"),
    "a tar.gz without manifest.json": (
        lambda path, real: _tar_gz(path, {"data.json": b"[]", "notes.txt": b"hello"}),
        "has no manifest.json: it is not a newsroom backup",
    ),
    "a manifest that is not JSON": (
        lambda path, real: _rewrite(
            real, path, drop=["manifest.json"], add=[("manifest.json", b"\xff{not json")]
        ),
        "manifest.json is not JSON",
    ),  # fmt: skip
    "a manifest of another format": (
        lambda path, real: _rewrite(real, path, manifest=lambda m: {**m, "format": "wordpress"}),
        "is not a newsroom backup",
    ),
    "a manifest of another version": (
        lambda path, real: _rewrite(real, path, manifest=lambda m: {**m, "version": 2}),
        "is a version 2 backup; this install reads version 1",
    ),
}


@pytest.mark.parametrize("kind", NOT_BACKUPS)
def test_a_file_that_is_not_a_backup_is_refused_and_nothing_is_written(a_backup, tmp_path, kind):
    make, message = NOT_BACKUPS[kind]
    path = tmp_path / "upload.tar.gz"
    make(path, a_backup.path)

    assert message in refused(path)


def test_a_missing_file_is_refused(tmp_path):
    assert refused(tmp_path / "nowhere.tar.gz") == f"{tmp_path / 'nowhere.tar.gz'}: no such file."


# --- 4. A newer newsroom's backup -----------------------------------------------------------


def test_a_backup_made_by_a_newer_newsroom_asks_for_an_upgrade(a_backup, tmp_path):
    newer = _rewrite(
        a_backup.path, tmp_path / "newer.tar.gz",
        manifest=lambda m: {**m, "migrations": {**m["migrations"], "articles": "9999_future"}},
    )  # fmt: skip

    assert refused(newer) == (
        "The backup was made by a newer version of newsroom (migrations articles 9999_future); "
        "upgrade this install and run migrate first."
    )


# --- 5. All or nothing --------------------------------------------------------------------
# These run in this process, on the test database: it is an empty install (migrated, no
# content), and restore's transaction is a savepoint in the test's, rolled back on failure as
# it would be on its own. test_an_empty_install_restores_to_the_same_public_site makes one
# refused restore in a real new install too, before restoring it properly.

BROKEN = {
    "a story in a section the file lacks": (
        dict(data=_point_at_missing_section),
        "the data could not be loaded",
    ),
    "data.json cut short": (
        dict(drop=["data.json"], add=[("data.json", b'[{"model": "articles.section", "pk"')]),
        "the data could not be loaded",
    ),
    "a row of a model this install lacks": (
        dict(data=lambda rows: [*rows, {"model": "articles.gadget", "pk": 1, "fields": {}}]),
        "the data could not be loaded",
    ),
    "a photo file missing": (dict(drop="last photo"), "The backup is incomplete"),
    "a photo file named media/../escape.txt": (
        dict(add=[("media/../escape.txt", b"escaped")]),
        "outside the media folder",
    ),
    "a photo file with an absolute name": (
        dict(add=[("media/{outside}/x.png", b"escaped")]),
        "outside the media folder",
    ),
}


@pytest.mark.parametrize("kind", BROKEN)
def test_a_broken_backup_is_refused_leaving_the_database_and_media_empty(
    a_backup, settings, tmp_path, kind
):
    changes, message = BROKEN[kind]
    outside = tmp_path / "outside"
    if changes.get("drop") == "last photo":
        changes = {"drop": [f"media/{a_backup.names[-1]}"]}
    # Bad members come after every good photo, so some files are written before the refusal.
    changes = {
        **changes,
        "add": [(name.format(outside=outside), data) for name, data in changes.get("add", [])],
    }
    broken = _rewrite(a_backup.path, tmp_path / "broken.tar.gz", **changes)
    assert Path(settings.MEDIA_ROOT) == tmp_path / "media"

    assert message in refused(broken)
    assert not (tmp_path / "escape.txt").exists()
    assert not outside.exists()


def test_members_outside_the_media_part_are_never_written(a_backup, settings, tmp_path):
    """A member named like /etc/x beside the media part (here under tmp_path, so a failure
    harms nothing) is not a photo: whatever restore makes of the file, nothing lands there."""
    outside = tmp_path / "outside" / "x.png"
    odd = _rewrite(a_backup.path, tmp_path / "odd.tar.gz", add=[(str(outside), b"x")])

    with suppress(CommandError):
        _restore(odd)

    assert not outside.exists()
    assert set(files_under(Path(settings.MEDIA_ROOT))) <= set(a_backup.names)


# --- 6. Where a backup is written ---------------------------------------------------------


@pytest.fixture
def small_site():
    make_article(hero_image=make_sized_image(width=400, height=300))


@contextmanager
def _read_only(folder: Path):
    """`folder` refuses new files while this lasts, even to root (who ignores permission bits:
    then the folder is made immutable with chattr, or the test is skipped)."""
    folder.chmod(0o555)
    immutable = False
    try:
        if os.access(folder, os.W_OK):
            made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
            if made.returncode != 0:
                pytest.skip("cannot make a folder read-only for root here (no chattr +i)")
            immutable = True
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


@pytest.mark.parametrize("where", ["a folder that does not exist", "a read-only folder"])
def test_backup_to_a_folder_it_cannot_write_fails_and_leaves_no_file(small_site, tmp_path, where):
    folder = tmp_path / "backups"
    target = folder / "newsroom.tar.gz"
    if where == "a read-only folder":
        folder.mkdir()
    with _read_only(folder) if folder.exists() else nullcontext():
        with pytest.raises(CommandError, match=f"Cannot write {target}: "):
            call_command("backup", str(target), stdout=io.StringIO())

        assert files_under(folder) == []
    assert {p.name for p in tmp_path.iterdir()} == {"media", *(["backups"] * folder.exists())}


def test_an_existing_backup_is_replaced_only_by_a_complete_one(small_site, settings, tmp_path):
    target = tmp_path / "backups" / "newsroom.tar.gz"
    target.parent.mkdir()
    target.write_bytes(b"yesterday's backup")
    rendition = images.rendition_names(Image.objects.get().renditions)[-1]
    moved = tmp_path / "moved-away"
    shutil.move(Path(settings.MEDIA_ROOT) / rendition, moved)

    with pytest.raises(CommandError, match=f"The photo file {rendition} is missing"):
        call_command("backup", str(target), stdout=io.StringIO())

    assert target.read_bytes() == b"yesterday's backup"
    assert files_under(target.parent) == ["newsroom.tar.gz"]

    shutil.move(moved, Path(settings.MEDIA_ROOT) / rendition)
    out = io.StringIO()
    call_command("backup", str(target), stdout=out)
    assert f"to {target}." in out.getvalue()
    assert json.loads(_members(target)["manifest.json"])["format"] == "newsroom-backup"
    assert files_under(target.parent) == ["newsroom.tar.gz"]


def test_backup_onto_a_folder_fails_and_leaves_the_folder_alone(small_site, tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")

    with pytest.raises(CommandError, match="Cannot write"):
        call_command("backup", str(folder), stdout=io.StringIO())

    assert files_under(folder) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder", "media"]


# --- 7. What the file holds ---------------------------------------------------------------


def test_the_backup_holds_drafts_two_factor_devices_and_every_photo_file(a_backup):
    members = _members(a_backup.path)
    manifest = json.loads(members["manifest.json"])
    rows = json.loads(members["data.json"])

    assert list(members) == [
        "manifest.json", "data.json", *(f"media/{name}" for name in a_backup.names)
    ]  # fmt: skip
    for name in a_backup.names:
        assert members[f"media/{name}"] == (a_backup.media / name).read_bytes(), name
    assert manifest["format"] == "newsroom-backup" and manifest["version"] == 1
    assert manifest["counts"] == {
        "articles": 2, "sections": 1, "authors": 1, "photos": 3, "tags": 1
    }  # fmt: skip
    assert manifest["files"] == len(a_backup.names) > 3 * 4
    assert manifest["migrations"] == a_backup.migrations
    assert manifest["migrations"]["articles"] == max(
        name
        for app, name in MigrationRecorder(connection).applied_migrations()
        if app == "articles"
    )

    by_model = {}
    for row in rows:
        by_model.setdefault(row["model"], []).append(row)
    assert set(by_model) <= set(backups.MODELS)
    stories = {row["pk"]: row["fields"] for row in by_model["articles.article"]}
    assert stories[a_backup.draft]["state"] == "draft"
    assert stories[a_backup.draft]["headline"] == "A draft"
    assert stories[a_backup.live]["state"] == "published"
    [note] = by_model["planning.note"]
    assert note["fields"]["text"] == "Hold until Monday"
    assert note["fields"]["article"] == a_backup.draft and note["fields"]["author"] == ["editor"]
    [app] = by_model["otp_totp.totpdevice"]
    assert app["fields"]["user"] == ["editor"] and app["fields"]["key"] == a_backup.app_key
    assert app["fields"]["confirmed"] is True
    assert len(by_model["otp_static.statictoken"]) == two_factor.BACKUP_CODES
    [account] = by_model["auth.user"]
    assert account["fields"]["password"].startswith("md5$")  # the hash, never a plain password
    assert not any(row["model"].startswith(("sessions.", "axes.")) for row in rows)


def test_the_backup_keeps_times_to_the_microsecond(a_backup):
    """Pages, feeds and sitemaps print stored times to the microsecond (<time datetime>,
    <updated>, <lastmod>), so a backup that rounds them changes the restored site."""
    rows = json.loads(_members(a_backup.path)["data.json"])
    [live] = [r for r in rows if r["model"] == "articles.article" and r["pk"] == a_backup.live]

    kept = datetime.fromisoformat(live["fields"]["published_at"])

    assert kept == a_backup.live_published_at, (
        f"published_at {a_backup.live_published_at.isoformat()} is kept as "
        f"{live['fields']['published_at']}"
    )


def test_a_backup_from_before_the_publish_time_copy_restores_its_tag_and_author_pages(
    a_backup, tmp_path, client
):
    """Tag and author pages walk a copy of each story's publish time on its tag and byline
    rows; a backup made before that copy existed has none, and the restore fills it in."""

    def without_the_copy(rows: list) -> list:
        for row in rows:
            if row["model"] in ("articles.taggedarticle", "articles.articleauthor"):
                del row["fields"]["published_at"]
        return rows

    _restore(_rewrite(a_backup.path, tmp_path / "older.tar.gz", data=without_the_copy))

    for url in ("/tags/harbour/", "/authors/ada/"):
        assert "Live story" in client.get(url).content.decode(), url


def test_a_restored_story_shows_its_inline_photo_to_readers_again(tmp_path, settings, client):
    """Which photos story bodies show is derived, not backed up: the restore lists them again,
    or /media/ would hide a published story's inline photo from readers."""
    photo = make_sized_image(width=640, height=480)
    body = f'<p>Fire.</p><figure data-block="picture" data-photo="{photo.pk}"></figure>'
    make_article(headline="Mill fire", body=body)
    path = tmp_path / "newsroom.tar.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    assert statuses(client, photo) == {200}
    for model in (Article, Image, Section, Author, Tag):
        model.objects.all().delete()
    settings.MEDIA_ROOT = tmp_path / "new-media"

    _restore(path)

    restored = Image.objects.get(pk=photo.pk)
    assert list(Article.objects.get().body_pictures.values_list("image", flat=True)) == [photo.pk]
    assert statuses(client, restored) == {200}
