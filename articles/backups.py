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

The file holds password hashes, two-factor keys and backup codes, so it is created readable by
its owner only (0600).

Restoring reads the archive once, in that order, and takes only what a backup holds: each
member must be a plain file in its place, within its size, and each file under `media/` a
photo or rendition of a photo the rows name, in a format the photo library stores. Nothing is
read whole: members are streamed, the rows parsed one at a time. The rows load in one
transaction and the files are written after them; if anything fails or is refused, the
database is rolled back and the files and folders written so far are removed.
"""

import codecs
import io
import json
import os
import re
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.contrib.auth import get_user_model
from django.core.files.base import File
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
from .sanitise import MAX_BODY_CHARS

FORMAT = "newsroom-backup"
VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media/"
DATA = "data.json"
MiB, GiB, TiB = 2**20, 2**30, 2**40
# What restore takes, member by member, before a byte of it is read (tar headers give sizes).
# The manifest is a few KB: the newest migration of each app and five counts.
MAX_MANIFEST_BYTES = 1 * MiB
# The rows: twenty years of a busy newsroom's stories, every revision kept, is a few GB.
MAX_DATA_BYTES = 16 * GiB
# The largest row is a story's revision: a body of at most MAX_BODY_CHARS, JSON-escaped (six
# characters for some), with its other fields. Only one row is held in memory at a time.
MAX_ROW_CHARS = max(16 * MiB, 8 * MAX_BODY_CHARS)
# A master holds at most images.MAX_PIXELS (60 million), about 240 MB as a worst-case PNG;
# uploads are at most 25 MB and renditions far smaller.
MAX_PHOTO_BYTES = 256 * MiB
# Everything: a library of 100,000 photos at a few MB each with their renditions is under
# 1 TB. A bound on what a crafted file can make restore write to the disk.
MAX_TOTAL_BYTES = 2 * TiB
READ_CHUNK = 1 * MiB  # how much of a member is read at a time
# How a file of each format the photo library stores begins, by its names' ending.
SIGNATURES = {
    images.EXTENSIONS[kind]: pattern
    for kind, pattern in {
        "JPEG": rb"\xff\xd8\xff", "PNG": rb"\x89PNG\r\n\x1a\n", "GIF": rb"GIF8[79]a",
        "WEBP": rb"RIFF....WEBP",
    }.items()
}  # fmt: skip
SIGNATURE_BYTES = 12
# What tarfile and the decompressors raise on a file cut short or corrupted.
_DAMAGED = (tarfile.TarError, EOFError, zlib.error)
_KINDS = {
    tarfile.SYMTYPE: "a symbolic link",
    tarfile.LNKTYPE: "a hard link",
    tarfile.DIRTYPE: "a folder",
    tarfile.CHRTYPE: "a device",
    tarfile.BLKTYPE: "a device",
    tarfile.FIFOTYPE: "a pipe",
    tarfile.GNUTYPE_SPARSE: "a sparse file",
}
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
    partial.unlink(missing_ok=True)  # left by a backup that was killed: never reuse its mode
    try:
        with _private(partial) as file, tarfile.open(fileobj=file, mode="w:gz") as archive:
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


def _private(path: Path) -> io.BufferedWriter:
    """A new file only its owner can read, from its first byte (the umask may only narrow it)."""
    return open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


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
    written = _Written()  # filled as files are written: removed if anything fails
    try:
        with _Reader(path) as reader:
            manifest = _read_manifest(reader, path)
            _check_migrations(manifest)
            _check_empty()
            with transaction.atomic():
                _load_rows(reader, path)
                _write_media(reader, path, written)
                _check_files(manifest, written.files)
    except BaseException as error:
        written.remove()
        if isinstance(error, _DAMAGED):
            raise BackupError(f"{path} is damaged ({error}).") from None
        raise
    search.rebuild_index()
    page_cache.purge_everything()
    return Summary(_counts(), len(written.files), manifest["created_at"])


class _Reader:
    """The members of a backup, read once and in order (a backup of a large photo library is
    too big to read twice, or to hold), each checked from its header before it is read."""

    def __init__(self, path: Path):
        self.path = path
        self.total = 0
        try:
            self.archive = tarfile.open(path, "r|*")  # noqa: SIM115 - closed by __exit__
        except (OSError, *_DAMAGED) as error:
            raise BackupError(f"{path} is not a newsroom backup ({error}).") from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.archive.close()

    def next(self, limit: int) -> tarfile.TarInfo | None:
        """The next member's header, refused unless it is a plain file of at most `limit`."""
        member = self.archive.next()
        self.archive.members.clear()  # one pass: the headers read so far are never needed
        if member is None:
            return None
        if member.type not in (tarfile.REGTYPE, tarfile.AREGTYPE):
            kind = _KINDS.get(member.type, f"of tar type {member.type!r}")
            raise BackupError(
                f"{self.path}: {member.name!r} is {kind}, not a file; a backup holds only files, "
                "so it was refused."
            )
        if member.size > limit:
            raise BackupError(
                f"{self.path}: {member.name!r} is {member.size:,} bytes, over the {limit:,} it "
                "may be in a backup, so it was refused."
            )
        self.total += member.size
        if self.total > MAX_TOTAL_BYTES:
            raise BackupError(
                f"{self.path} holds more than {MAX_TOTAL_BYTES:,} bytes (at {member.name!r}), "
                "more than a backup may, so it was refused."
            )
        return member

    def expect(self, name: str, limit: int) -> io.BufferedReader:
        """The member `name`, which must come next."""
        member = self.next(limit)
        if member is None or member.name != name:
            found = f"{member.name!r}" if member else "nothing"
            raise BackupError(
                f"{self.path} has no {name}: it is not a newsroom backup (where {name} "
                f"comes, it holds {found})."
            )
        return self.open(member)

    def open(self, member: tarfile.TarInfo) -> io.BufferedReader:
        return self.archive.extractfile(member)


def _read_manifest(reader: _Reader, path: Path) -> dict:
    try:
        manifest = json.loads(reader.expect(MANIFEST, MAX_MANIFEST_BYTES).read())
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


def _load_rows(reader: _Reader, path: Path) -> None:
    """Check each row of data.json as it is read, then load them all with loaddata, from a
    copy with one row a line (which loaddata reads a line at a time)."""
    stream = reader.expect(DATA, MAX_DATA_BYTES)
    with tempfile.TemporaryDirectory() as folder:
        fixture = Path(folder) / "newsroom-backup.jsonl"
        try:
            with fixture.open("w", encoding="utf-8") as lines:
                for row in _rows(stream):
                    lines.write(json.dumps(_backed_up(row)) + "\n")
            call_command("loaddata", str(fixture), verbosity=0)
        except (DatabaseError, DeserializationError, ValueError, LookupError) as error:
            raise BackupError(f"{path}: the data could not be loaded ({error}).") from None
    copy_every_publish_time()
    BodyPicture.list_every_story()  # derived from the bodies, so not in the backup


def _backed_up(row: dict) -> dict:
    """`row`, if it is a row of a model a backup holds (sessions, say, are never restored)."""
    model = row.get("model")
    if not isinstance(model, str):
        raise ValueError(f"data.json holds {str(row)[:80]!r}, which is not a row")
    if model.lower() not in MODELS:
        raise ValueError(f"data.json holds a row of {model}, which a backup never holds")
    return row


_SPACE = re.compile(r"[ \t\n\r]*")


def _rows(stream: io.BufferedIOBase) -> Iterator[dict]:
    """Each row of the JSON list of rows in `stream` (as dumpdata writes it, all on one
    line), holding one row (at most MAX_ROW_CHARS) and what was read ahead, never the whole."""
    decoder, text = json.JSONDecoder(), codecs.getincrementaldecoder("utf-8")()
    buffer, at = "", 0

    def more(size: int) -> bool:
        nonlocal buffer, at
        data = stream.read(size)
        buffer, at = buffer[at:] + text.decode(data, final=not data), 0
        return bool(data)

    def next_char() -> str:
        """The next character that is not a space ("" at the end); not taken."""
        nonlocal at
        while True:
            at = _SPACE.match(buffer, at).end()
            if at < len(buffer) or not more(READ_CHUNK):
                return buffer[at : at + 1]

    def take(expected: str) -> None:
        nonlocal at
        if next_char() != expected:
            raise ValueError(f"data.json: expected {expected!r} at {buffer[at : at + 20]!r}")
        at += 1

    take("[")
    if next_char() == "]":
        at += 1
    else:
        while True:
            if next_char() != "{":  # a row; and an object, unlike a number, cannot end early
                raise ValueError(f"data.json holds {buffer[at : at + 20]!r} where a row goes")
            while True:
                try:
                    value, at = decoder.raw_decode(buffer, at)
                    break
                except json.JSONDecodeError as error:
                    if not _cut_short(error, buffer):
                        raise
                    held = len(buffer) - at
                    if held > MAX_ROW_CHARS:
                        raise ValueError(
                            f"data.json holds a row of more than {MAX_ROW_CHARS:,} characters"
                        ) from None
                    # Twice as much each time (a long row is parsed a few times, not
                    # thousands), never past the bound.
                    if not more(min(max(READ_CHUNK, held), MAX_ROW_CHARS + 1 - held)):
                        raise
            yield value
            if next_char() == "]":
                at += 1
                break
            take(",")
    if next_char():
        raise ValueError("data.json goes on after its list of rows")


def _cut_short(error: json.JSONDecodeError, buffer: str) -> bool:
    """Whether the value may only be cut short by the end of what was read (a string still
    open, or an error in the last few characters, as in `tru` or `\\u12`), not broken."""
    return error.msg.startswith("Unterminated string") or error.pos >= len(buffer) - 6


def _write_media(reader: _Reader, path: Path, written: "_Written") -> None:
    expected = set(_media_names())  # the photo files the rows just loaded name
    while member := reader.next(MAX_PHOTO_BYTES):
        if not member.name.startswith(MEDIA):
            raise BackupError(
                f"{path}: {member.name!r} is not part of a newsroom backup (manifest.json, "
                "data.json, then photo files under media/), so it was refused."
            )
        name = _safe_name(member.name[len(MEDIA) :])
        if name not in expected:
            raise BackupError(
                f"{path}: {member.name!r} is not a photo file of this backup (no photo in it "
                "has that file or rendition), so it was refused."
            )
        expected.discard(name)  # a second copy is refused like any stranger
        stream = reader.open(member)
        _check_photo(path, member.name, stream.peek(SIGNATURE_BYTES)[:SIGNATURE_BYTES])
        if default_storage.exists(name):
            raise BackupError(
                f"MEDIA_ROOT already holds {name}: restore into an empty one (nothing there "
                "was changed)."
            )
        written.note_folders(name)
        stored = default_storage.save(name, File(stream))
        written.files.append(stored)
        if stored != name:
            raise BackupError(f"The media storage renamed {name} to {stored}.")
        _set_modified_time(stored, member.mtime)


def _check_photo(path: Path, member: str, head: bytes) -> None:
    """A file the photo library writes: named as one, and beginning as that format does."""
    ending = PurePosixPath(member).suffix.lstrip(".").lower()
    pattern = SIGNATURES.get(ending)
    if pattern is None or not re.match(pattern, head, re.DOTALL):
        raise BackupError(
            f"{path}: {member!r} is not a JPEG, PNG, WebP or GIF file (what the photo library "
            "stores), so it was refused."
        )


@dataclass
class _Written:
    """The files a restore wrote, and the folders it made for them: what a failure removes."""

    files: list[str] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)

    def note_folders(self, name: str) -> None:
        try:
            local = Path(default_storage.path(name))
        except NotImplementedError:
            return  # object storage has no folders
        root = Path(default_storage.path(""))
        for folder in local.parents:
            if folder == root or folder.exists() or root not in folder.parents:
                break
            self.folders.append(folder)

    def remove(self) -> None:
        images.delete_quietly(default_storage, self.files)
        for folder in sorted(self.folders, key=lambda f: len(f.parts), reverse=True):
            with suppress(OSError):
                folder.rmdir()


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
    missing = sorted(set(_media_names()) - set(written))
    if missing:
        examples = ", ".join(missing[:3]) + (", ..." if len(missing) > 3 else "")
        raise BackupError(
            f"The backup is incomplete: {len(missing)} photo "
            f"{'file is' if len(missing) == 1 else 'files are'} missing ({examples})."
        )
    if len(written) != manifest.get("files"):
        raise BackupError(
            f"The backup is inconsistent: its manifest counts {manifest.get('files')} photo "
            f"files, but it holds the {len(written)} its photos name."
        )
