"""A full backup of the newsroom in one file, and its restore onto an empty install.

The file is a gzipped tar holding:
- `manifest.json`: what it is, when it was made, the migrations it was made under, counts;
- `data.json`: every row an install needs to be the same site again, in Django's own fixture
  format (`dumpdata --natural-foreign`: rows keep their ids; times to the microsecond, see
  newsroom/serializers.py): stories in every state with their
  bylines, tags, hero images, corrections, related stories, old slugs, revisions and workflow
  trail; sections, authors, desks, photos; staff accounts with their groups and two-factor
  devices; preview links; the admin's history. Sessions, sign-in logs, who-has-what-open,
  the search index and the list of photos story bodies show are left out: they are rebuilt
  or not worth keeping;
- `media/...`: every photo's master and renditions, byte for byte, with their times.

Restoring loads the rows in one transaction and writes the files; if anything fails, the
database is rolled back and the files written so far are removed.
"""

import io
import json
import os
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from newsroom import page_cache
from photos import images
from photos.models import Image

from . import search
from .models import Article, Author, BodyPicture, Section, Tag, copy_every_publish_time

FORMAT = "newsroom-backup"
VERSION = 1
MEDIA = "media/"
DATA = "data.json"
# What a backup holds, in the order a reader of the file would expect; loaddata sorts out the
# references between them.
MODELS = [
    "auth.group",
    "auth.user",
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
    "otp_static.statictoken",
    "photos.image",
    "articles.section",
    "articles.author",
    "articles.desk",
    "articles.tag",
    "articles.article",
    "articles.articleauthor",
    "articles.taggedarticle",
    "articles.articleslug",
    "articles.correction",
    "articles.revision",
    "articles.workflowevent",
    "articles.previewlink",
    "planning.note",  # the newsroom's own record of its stories, though never public
    "admin.logentry",
]
# An install holding any of these is not empty: a restore there would mix two newsrooms.
CONTENT = {
    "articles": Article, "sections": Section, "authors": Author, "photos": Image, "tags": Tag,
}  # fmt: skip


class BackupError(Exception):
    """Why a backup or a restore could not be made; nothing was changed."""


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]
    files: int
    created_at: str = ""

    def __str__(self) -> str:
        parts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        return f"{parts}; {self.files} photo file{'s' if self.files != 1 else ''}"


# --- Backing up -------------------------------------------------------------------------------


def backup(path: Path) -> Summary:
    """Write the whole newsroom to `path` (a new file; an existing one is replaced only once
    the new backup is complete)."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / DATA
        with _snapshot():
            call_command(
                "dumpdata", *MODELS, natural_foreign=True, output=data,
                verbosity=0,
            )  # fmt: skip
            counts = _counts()
            names = _media_names()
        return _write_archive(path, data, counts, names)


def _write_archive(path: Path, data: Path, counts: dict, names: list[str]) -> Summary:
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "migrations": _applied_migrations(),
        "counts": counts,
        "files": len(names),
    }
    partial = path.with_name(f".{path.name}.partial")
    try:
        with tarfile.open(partial, "w:gz") as archive:
            _add(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
            archive.add(data, DATA)
            for name in names:
                try:
                    with default_storage.open(name, "rb") as source:
                        modified = default_storage.get_modified_time(name).timestamp()
                        _add(archive, MEDIA + name, source.read(), modified)
                except FileNotFoundError:
                    raise BackupError(
                        f"The photo file {name} is missing from the media storage "
                        "(run rebuild_renditions --missing-only, then back up again)."
                    ) from None
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Summary(counts, len(names), manifest["created_at"])


class _snapshot:
    """One consistent view of the database for the length of the dump.

    PostgreSQL: a repeatable-read transaction. SQLite: the transaction holds the write lock
    (this project's connections begin IMMEDIATE), so saves wait the few seconds a dump takes.
    """

    def __enter__(self):
        self.atomic = transaction.atomic()
        outermost = not connection.in_atomic_block
        self.atomic.__enter__()
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def __exit__(self, *exc):
        return self.atomic.__exit__(*exc)


def _counts() -> dict[str, int]:
    return {name: model.objects.count() for name, model in CONTENT.items()}


def _media_names() -> list[str]:
    names = []
    for file, renditions in Image.objects.order_by("pk").values_list("file", "renditions"):
        names += [file, *images.rendition_names(renditions)]
    return names


def _applied_migrations() -> dict[str, str]:
    """The newest migration applied for each app, as the backup was made."""
    latest = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, name), name)
    return dict(sorted(latest.items()))


def _add(archive: tarfile.TarFile, name: str, data: bytes, modified: float | None = None) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = modified if modified is not None else timezone.now().timestamp()
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


# --- Restoring --------------------------------------------------------------------------------


def restore(path: Path) -> Summary:
    """Bring an empty install back to what the backup at `path` holds; all or nothing."""
    try:
        archive = tarfile.open(path, "r:*")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path} is not a newsroom backup ({error}).") from None
    with archive:
        manifest = _read_manifest(archive, path)
        _check_migrations(manifest)
        _check_empty()
        written: list[str] = []  # filled as files are written: removed if anything fails
        try:
            with transaction.atomic():
                _load_rows(archive, path)
                _write_media(archive, written)
                _check_files(manifest, written)
        except BaseException:
            images.delete_quietly(default_storage, written)
            raise
    search.rebuild_index()
    page_cache.purge_everything()
    return Summary(_counts(), len(written), manifest["created_at"])


def _member(archive: tarfile.TarFile, name: str, path: Path) -> bytes:
    try:
        member = archive.getmember(name)
    except KeyError:
        raise BackupError(f"{path} has no {name}: it is not a newsroom backup.") from None
    return archive.extractfile(member).read()


def _read_manifest(archive, path) -> dict:
    try:
        manifest = json.loads(_member(archive, "manifest.json", path))
    except ValueError:
        raise BackupError(f"{path}: manifest.json is not JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a newsroom backup.")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"{path} is a version {manifest.get('version')} backup; this install reads "
            f"version {VERSION}."
        )
    return manifest


def _check_migrations(manifest: dict) -> None:
    """A backup made by a newer newsroom cannot be loaded into an older one."""
    here = _applied_migrations()
    newer = [
        f"{app} {name}"
        for app, name in manifest.get("migrations", {}).items()
        if app in here and name > here[app]
    ]
    if newer:
        raise BackupError(
            "The backup was made by a newer version of newsroom (migrations "
            f"{', '.join(newer)}); upgrade this install and run migrate first."
        )


def _check_empty() -> None:
    held = {name: n for name, n in _counts().items() if n}
    accounts = get_user_model().objects.count()
    if accounts:
        held["staff accounts"] = accounts  # restoring would overwrite or mix them
    if held:
        what = ", ".join(f"{n} {name}" for name, n in held.items())
        raise BackupError(
            f"This install is not empty ({what}). Restore into a new database: set "
            "DATABASE_URL and MEDIA_ROOT to empty ones, run migrate, then restore."
        )


def _load_rows(archive, path) -> None:
    data = _member(archive, DATA, path)
    with tempfile.TemporaryDirectory() as folder:
        fixture = Path(folder) / "newsroom-backup.json"
        fixture.write_bytes(data)
        try:
            call_command("loaddata", str(fixture), verbosity=0)
        except (DatabaseError, DeserializationError, ValueError, LookupError) as error:
            raise BackupError(f"{path}: the data could not be loaded ({error}).") from None
    copy_every_publish_time()
    BodyPicture.list_every_story()  # derived from the bodies, so not in the backup


def _write_media(archive, written: list[str]) -> None:
    for member in archive:
        if not member.name.startswith(MEDIA) or not member.isfile():
            continue
        name = _safe_name(member.name[len(MEDIA) :])
        if default_storage.exists(name):
            raise BackupError(
                f"MEDIA_ROOT already holds {name}: restore into an empty one (nothing there "
                "was changed)."
            )
        stored = default_storage.save(name, ContentFile(archive.extractfile(member).read()))
        written.append(stored)
        if stored != name:
            raise BackupError(f"The media storage renamed {name} to {stored}.")
        _set_modified_time(stored, member.mtime)


def _set_modified_time(name: str, modified: float) -> None:
    """On disk, the file keeps the time it had: /media/ answers with the same ETag and
    Last-Modified as before, so browsers and caches keep what they have."""
    try:
        local = default_storage.path(name)
    except NotImplementedError:
        return  # object storage sets its own times
    os.utime(local, (modified, modified))


def _safe_name(name: str) -> str:
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or any(p in ("..", ".", "") for p in parts):
        raise BackupError(f"The backup holds a file named {name!r}, outside the media folder.")
    return name


def _check_files(manifest: dict, written: list[str]) -> None:
    missing = set(_media_names()) - set(written)
    if missing or len(written) != manifest.get("files"):
        raise BackupError(
            f"The backup is incomplete: {len(missing)} photo files are missing "
            f"(e.g. {sorted(missing)[:3]})."
        )
