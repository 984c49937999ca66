"""A backup file is its owner's alone; restore takes only what a backup holds, a bounded piece
at a time, and a refusal says which member and why, leaving no row, file or folder.

The memory bounds are measured on `manage.py restore` run as a real process on a file SQLite
database (its peak resident size, from the kernel), with archives that are small on disk and
a gibibyte inside.
"""

import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from articles import backups
from tests.factories import make_article, make_sized_image
from tests.test_backup import _members, _rewrite, a_backup, files_under, refused  # noqa: F401

pytestmark = pytest.mark.django_db

ROOT = Path(django_settings.BASE_DIR)
MiB, GiB = 2**20, 2**30
PEAK_MB = 200  # what a restore may hold, whatever the archive holds
PNG = b"\x89PNG\r\n\x1a\n"


# --- Archives crafted byte by byte ------------------------------------------------------------


def _member(name: str, pieces, *, kind=tarfile.REGTYPE, linkname="") -> tuple:
    """A member of a crafted archive: its header and its content as (bytes, times) pieces."""
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    info.size = sum(len(data) * times for data, times in pieces) if info.isreg() else 0
    info.mtime = timezone.now().timestamp()
    return info, pieces


def _file(name: str, data: bytes) -> tuple:
    return _member(name, [(data, 1)])


def _crafted(path: Path, *members) -> Path:
    """A .tar.gz of `members`, written without compressing a repeated piece twice (after a full
    flush, deflate turns the same input into the same bytes): a gibibyte takes a second."""
    deflate, crc, size = zlib.compressobj(9, zlib.DEFLATED, -15), 0, 0
    with path.open("wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")
        pieces = []
        for info, content in members:
            padding = -info.size % tarfile.BLOCKSIZE
            pieces += [(info.tobuf(), 1), *content, (b"\0" * padding, 1)]
        for data, times in [*pieces, (b"\0" * 2 * tarfile.BLOCKSIZE, 1)]:
            block = deflate.compress(data) + deflate.flush(zlib.Z_FULL_FLUSH)
            if times > 1:
                out.write(block)
                block = deflate.compress(data) + deflate.flush(zlib.Z_FULL_FLUSH)
                out.write(block * (times - 1))
            else:
                out.write(block)
            for _ in range(times):
                crc = zlib.crc32(data, crc)
            size += len(data) * times
        out.write(deflate.flush())
        out.write(struct.pack("<II", crc, size & 0xFFFFFFFF))
    return path


def _manifest(files: int) -> tuple:
    manifest = {
        "format": backups.FORMAT, "version": backups.VERSION,
        "created_at": timezone.now().isoformat(), "migrations": backups._applied_migrations(),
        "counts": {}, "files": files,
    }  # fmt: skip
    return _file("manifest.json", json.dumps(manifest).encode())


# --- A new install, and a restore in a process of its own -------------------------------------


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """An empty, migrated SQLite database file, made once and copied for each test."""
    folder = tmp_path_factory.mktemp("install")
    database = folder / "empty.sqlite3"
    made = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT,
        env=_environment(database, folder / "media"), capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-3000:]
    return database


def _environment(database: Path, media: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "DATABASE_URL", "MEDIA_ROOT", "DJANGO_SETTINGS_MODULE"}
    }
    return env | {
        "DATABASE_URL": f"sqlite:///{database}", "MEDIA_ROOT": str(media),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }  # fmt: skip


@pytest.fixture
def install(migrated, tmp_path):
    database, media = tmp_path / "restored.sqlite3", tmp_path / "restored-media"
    shutil.copy(migrated, database)
    media.mkdir()
    return SimpleNamespace(database=database, media=media, env=_environment(database, media))


# The restore reports its own high-water mark (VmHWM) as it exits: the kernel carries
# ru_maxrss across fork and exec, so a child of a large test process would report the
# parent's size, not its own.
MEASURED = """
import runpy, sys
report_to, sys.argv = sys.argv[-1], ["manage.py", *sys.argv[1:-1]]
try:
    runpy.run_path("manage.py", run_name="__main__")
finally:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(report_to, "w") as report:
        report.write(peak)
"""


def _restore_in_a_process(install, path: Path) -> SimpleNamespace:
    """`manage.py restore path`, with its exit code, output and peak resident size in MB."""
    out, err, peak = (path.with_suffix(suffix) for suffix in (".out", ".err", ".peak"))
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", MEASURED, "restore", str(path), str(peak)], cwd=ROOT,
            env=install.env, stdout=stdout, stderr=stderr,
        )  # fmt: skip
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return SimpleNamespace(
        code=process.returncode, stdout=out.read_text(), stderr=err.read_text(),
        peak_mb=int(peak.read_text()) / 1024,  # kilobytes
    )  # fmt: skip


def _rows_in(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts = {
            table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - its own names
            for table in tables
        }
    return {t: n for t, n in counts.items() if n and t != "django_migrations"}


def _left_in(folder: Path) -> list[str]:
    """Every file and folder under `folder`: a refusal leaves none."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _assert_refused_in_bounded_memory(install, path: Path, message: str) -> None:
    had = _rows_in(install.database)
    done = _restore_in_a_process(install, path)

    assert done.peak_mb < PEAK_MB, f"the restore held {done.peak_mb:.0f} MB at its peak"
    assert done.code != 0, f"the restore was not refused: {done.stdout}"
    assert "Traceback" not in done.stderr and message in done.stderr, done.stderr[-3000:]
    assert _rows_in(install.database) == had
    assert _left_in(install.media) == []


# --- 1. The file is its owner's ---------------------------------------------------------------


def test_a_backup_is_readable_by_its_owner_only_from_its_first_byte(tmp_path, monkeypatch):
    make_article(hero_image=make_sized_image(width=400, height=300))
    target = tmp_path / "newsroom.tar.gz"
    partial = tmp_path / ".newsroom.tar.gz.partial"
    modes_while_written = set()
    read_photo = default_storage.open

    def reading_a_photo(name, mode="rb"):
        modes_while_written.add(partial.stat().st_mode & 0o777)
        return read_photo(name, mode)

    monkeypatch.setattr(default_storage, "open", reading_a_photo)
    umask = os.umask(0o022)  # the usual one: files are 0644 unless made otherwise
    try:
        call_command("backup", str(target), stdout=io.StringIO())
    finally:
        os.umask(umask)

    assert modes_while_written == {0o600}
    assert target.stat().st_mode & 0o777 == 0o600


# --- 2. Bounded memory -------------------------------------------------------------------------


def test_a_photo_member_of_a_gibibyte_is_refused_in_bounded_memory(install, tmp_path):
    """1 MB on disk: a PNG signature and a gibibyte of zeros, named as a photo."""
    bomb = _crafted(
        tmp_path / "bomb.tar.gz", _manifest(files=1), _file("data.json", b"[]"),
        _member("media/images/2026/12/big.png", [(PNG, 1), (b"\0" * MiB, 1024)]),
    )  # fmt: skip
    assert bomb.stat().st_size < 2 * MiB

    _assert_refused_in_bounded_memory(
        install, bomb,
        f"'media/images/2026/12/big.png' is {GiB + len(PNG):,} bytes, over the ",
    )  # fmt: skip


def test_a_row_of_a_gibibyte_is_refused_in_bounded_memory(install, tmp_path):
    """data.json within its size, but one row of it a gibibyte long: rows are read one at a
    time, each at most MAX_ROW_CHARS, never the whole file."""
    row = b'[{"model": "articles.section", "pk": 1, "fields": {"name": "'
    bomb = _crafted(
        tmp_path / "bomb.tar.gz", _manifest(files=0),
        _member("data.json", [(row, 1), (b"a" * MiB, 1024), (b'"}}]', 1)]),
    )  # fmt: skip
    assert bomb.stat().st_size < 2 * MiB

    _assert_refused_in_bounded_memory(
        install, bomb,
        "data.json holds a row of more than ",
    )  # fmt: skip


def test_a_large_photo_is_restored_a_piece_at_a_time(a_backup, install, tmp_path):  # noqa: F811
    """A photo file within its bound (here 160 MiB) goes to the media folder in pieces: the
    restore never holds it whole."""
    name = a_backup.names[0]
    members = _members(a_backup.path)
    size = 160 * MiB
    large = _crafted(
        tmp_path / "large.tar.gz",
        *(
            _member(member, [(PNG, 1), (b"\0" * MiB, size // MiB)])
            if member == f"media/{name}"
            else _file(member, content)
            for member, content in members.items()
        ),
    )

    done = _restore_in_a_process(install, large)

    assert done.code == 0, done.stderr[-3000:]
    assert done.peak_mb < PEAK_MB, f"the restore held {done.peak_mb:.0f} MB at its peak"
    assert (install.media / name).stat().st_size == len(PNG) + size


# --- 3. Only what a backup holds ---------------------------------------------------------------


def _photo_replaced(a_backup, content: bytes) -> dict:  # noqa: F811
    member = f"media/{a_backup.names[0]}"
    return {"drop": [member], "add": [(member, content)]}


NOT_A_BACKUPS_OWN = {
    "a text file under media/": (
        lambda b: {"add": [("media/notes.txt", b"hello")]},
        "'media/notes.txt' is not a photo file of this backup",
    ),
    "a page under media/, in a photo folder": (
        lambda b: {"add": [(f"media/{b.names[0].rsplit('/', 1)[0]}/page.html", b"<html>")]},
        "/page.html' is not a photo file of this backup",
    ),
    "a page in a photo's place": (
        lambda b: _photo_replaced(b, b"<html><script>alert(1)</script></html>"),
        "is not a JPEG, PNG, WebP or GIF file (what the photo library stores)",
    ),
    "a sessions row": (
        lambda b: {
            "data": lambda rows: [
                *rows,
                {
                    "model": "sessions.session",
                    "pk": "k" * 32,
                    "fields": {"session_data": "x", "expire_date": "2030-01-01T00:00:00Z"},
                },
            ]
        },
        "data.json holds a row of sessions.session, which a backup never holds",
    ),  # fmt: skip
}


@pytest.mark.parametrize("kind", NOT_A_BACKUPS_OWN)
def test_what_a_backup_never_holds_is_refused_by_name(a_backup, tmp_path, kind):  # noqa: F811
    changes, message = NOT_A_BACKUPS_OWN[kind]
    crafted = _rewrite(a_backup.path, tmp_path / "crafted.tar.gz", **changes(a_backup))

    assert message in refused(crafted)
    assert _left_in(Path(django_settings.MEDIA_ROOT)) == []


LINKS_AND_DEVICES = {
    "a symbolic link": (tarfile.SYMTYPE, "/etc/passwd", "is a symbolic link, not a file"),
    "a hard link": (tarfile.LNKTYPE, "elsewhere.json", "is a hard link, not a file"),
    "a folder": (tarfile.DIRTYPE, "", "is a folder, not a file"),
    "a device": (tarfile.CHRTYPE, "", "is a device, not a file"),
    "a pipe": (tarfile.FIFOTYPE, "", "is a pipe, not a file"),
}


@pytest.mark.parametrize("kind", LINKS_AND_DEVICES)
def test_a_manifest_that_is_not_a_file_is_refused_clearly(tmp_path, kind):
    """Not a KeyError from following a link the archive does not hold."""
    type_, target, why = LINKS_AND_DEVICES[kind]
    crafted = _crafted(
        tmp_path / "crafted.tar.gz",
        _member("manifest.json", [], kind=type_, linkname=target), _file("data.json", b"[]"),
    )  # fmt: skip

    assert f"'manifest.json' {why}; a backup holds only files" in refused(crafted)


def test_a_photo_that_is_a_link_is_refused_clearly(a_backup, tmp_path):  # noqa: F811
    member = f"media/{a_backup.names[-1]}"
    members = _members(a_backup.path)
    crafted = _crafted(
        tmp_path / "crafted.tar.gz",
        *(
            _member(name, [], kind=tarfile.SYMTYPE, linkname="/etc/passwd")
            if name == member
            else _file(name, content)
            for name, content in members.items()
        ),
    )

    assert f"'{member}' is a symbolic link, not a file" in refused(crafted)
    assert _left_in(Path(django_settings.MEDIA_ROOT)) == []


def test_a_backup_over_the_total_bound_is_refused(a_backup, monkeypatch):  # noqa: F811
    monkeypatch.setattr(backups, "MAX_TOTAL_BYTES", 100_000, raising=False)

    assert "holds more than 100,000 bytes" in refused(a_backup.path)


# --- 4. Nothing left behind, and a report that counts right ----------------------------------


def test_a_refusal_after_photos_were_written_leaves_no_folder(a_backup, tmp_path):  # noqa: F811
    """The photos come first and are written, in folders made for them; then the stranger
    at the end is refused: the files go, and the folders too."""
    crafted = _rewrite(a_backup.path, tmp_path / "crafted.tar.gz", add=[("media/x.txt", b"x")])
    media = Path(django_settings.MEDIA_ROOT)
    media.mkdir(exist_ok=True)

    refused(crafted)

    assert _left_in(media) == []


def _without(a_backup, count: int) -> dict:  # noqa: F811
    return {"drop": [f"media/{name}" for name in a_backup.names[-count:]]}


@pytest.mark.parametrize("count", [1, 3, 4])
def test_missing_photo_files_are_counted_and_named(a_backup, tmp_path, count):  # noqa: F811
    crafted = _rewrite(a_backup.path, tmp_path / "short.tar.gz", **_without(a_backup, count))
    missing = sorted(a_backup.names[-count:])
    named = ", ".join(missing[:3]) + (", ..." if count > 3 else "")
    files = "1 photo file is" if count == 1 else f"{count} photo files are"

    assert refused(crafted) == f"The backup is incomplete: {files} missing ({named})."


def test_a_manifest_counting_other_files_says_so(a_backup, tmp_path):  # noqa: F811
    crafted = _rewrite(
        a_backup.path, tmp_path / "miscounted.tar.gz", manifest=lambda m: {**m, "files": 99}
    )

    assert refused(crafted) == (
        "The backup is inconsistent: its manifest counts 99 photo files, but it holds the "
        f"{len(a_backup.names)} its photos name."
    )


def test_a_backup_still_restores_in_full(a_backup):  # noqa: F811
    """Every check above passes a real backup: all its rows and files come back."""
    call_command("restore", str(a_backup.path), stdout=io.StringIO())

    assert files_under(Path(django_settings.MEDIA_ROOT)) == sorted(a_backup.names)
    with pytest.raises(CommandError, match="This install is not empty"):
        call_command("restore", str(a_backup.path), stdout=io.StringIO())
