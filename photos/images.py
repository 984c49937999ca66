"""Photos: upload checks, a clean stored master, and the renditions readers get.

Every file is decoded by Pillow with a format allowlist, so the content decides what a file
is, never its name. What is stored is re-encoded (EXIF orientation applied, metadata such as
GPS dropped), and renditions carry a key made from the master's bytes and the focal point in
their names: a new source or a new crop gets new addresses, so every rendition can be cached
forever.
"""

import hashlib
import io
import math
import secrets
import struct
import warnings
import zlib
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import NamedTuple

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from PIL import Image as Pillow
from PIL import ImageOps, ImageSequence

from newsroom.text import make_slug

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
# Width x height x frames. Covers 60-megapixel cameras; far below Pillow's own bomb limits.
MAX_PIXELS = 60_000_000
# Bump when the specs or encoder settings change: every rendition then gets a new name.
RENDITION_VERSION = 1
RENDITIONS_DIR = "renditions"
KEPT_INFO = ("transparency", "duration", "loop", "background", "icc_profile")

# What Pillow raises on broken, hostile or unsupported input (it has no common base class).
PILLOW_FAILURES = (
    OSError,  # includes UnidentifiedImageError and "image file is truncated"
    ValueError,  # e.g. text chunks over PngImagePlugin.MAX_TEXT_CHUNK
    SyntaxError,  # some plugins report malformed headers this way
    EOFError,
    IndexError,
    struct.error,
    zlib.error,
)


class InvalidImage(ValueError):
    """An upload or stored source that is not a photo we can use; the message is for editors."""


class StorageFailed(Exception):
    """The media storage refused a write (full, read-only...); nothing of the photo was kept."""

    def __init__(self, error: OSError):
        reason = error.strerror or str(error)
        super().__init__(
            f"The photo could not be stored: the media storage refused to write ({reason}). "
            "Nothing was saved. Try again; if it happens again, tell the site's administrator."
        )


@dataclass(frozen=True)
class Spec:
    ratio: tuple[int, int] | None  # None keeps the photo's own shape
    widths: tuple[int, ...]


SPECS = {
    "full": Spec(None, (480, 800, 1200, 1600)),  # article hero
    "wide": Spec((16, 9), (480, 800, 1200)),  # story cards
    "square": Spec((1, 1), (120, 240, 480)),  # author photos, admin thumbnails
}
SOCIAL_SIZE = (1200, 630)  # OpenGraph / Twitter / JSON-LD
WEBP = {"format": "WEBP", "quality": 80, "method": 4}
FALLBACKS = {
    "jpg": {"format": "JPEG", "quality": 82, "optimize": True, "progressive": True},
    "png": {"format": "PNG", "compress_level": 6},
}


class Rendition(NamedTuple):
    url: str
    width: int
    height: int


# --- Checking uploads ---------------------------------------------------------------------


@contextmanager
def _decoding():
    """Turn whatever Pillow raises on bad input, bomb warnings included, into InvalidImage."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Pillow.DecompressionBombWarning)
        try:
            yield
        except InvalidImage:
            raise  # already says what is wrong (it is a ValueError, caught just below)
        except (Pillow.DecompressionBombError, Pillow.DecompressionBombWarning) as exc:
            raise InvalidImage(_too_many_pixels()) from exc
        except PILLOW_FAILURES as exc:
            raise InvalidImage(
                "This file is not a readable JPEG, PNG, WebP or GIF image "
                "(it may be another format, corrupt or cut short)."
            ) from exc


# Pillow grows the canvas to fit such a frame; refuse instead (CVE-2022-45198 class).
_FRAME_OUTSIDE = "A GIF frame lies outside the declared size of the picture; the file is damaged."


def _too_many_pixels() -> str:
    return f"The image is too large: at most {MAX_PIXELS // 1_000_000} million pixels (all frames)."


def check_upload(upload) -> None:
    """Refuse anything but a complete, decodable JPEG, PNG, WebP or GIF within the caps."""
    if upload.size == 0:
        raise InvalidImage("The file is empty.")
    if upload.size > MAX_UPLOAD_BYTES:
        raise InvalidImage(f"The file is too big: at most {MAX_UPLOAD_BYTES // 2**20} MB.")
    upload.seek(0)
    header = upload.read(10)
    upload.seek(0)
    with _decoding(), Pillow.open(upload, formats=ALLOWED_FORMATS) as picture:
        _check_pixels(picture)
        if picture.format == "GIF" and picture.size != struct.unpack("<HH", header[6:10]):
            raise InvalidImage(_FRAME_OUTSIDE)
        _decode_every_frame(picture)
    upload.seek(0)


def _check_pixels(picture: Pillow.Image) -> None:
    width, height = picture.size
    if width < 1 or height < 1 or width * height * _frame_count(picture) > MAX_PIXELS:
        raise InvalidImage(_too_many_pixels())


def _frame_count(picture: Pillow.Image) -> int:
    return getattr(picture, "n_frames", 1)


def _decode_every_frame(picture: Pillow.Image) -> None:
    canvas = picture.size
    for frame in ImageSequence.Iterator(picture):
        frame.load()
        if frame.size != canvas:
            raise InvalidImage(_FRAME_OUTSIDE)


# --- The stored master --------------------------------------------------------------------


def clean_master(upload) -> ContentFile:
    """The upload re-encoded: orientation applied, EXIF/GPS and comments gone, true extension."""
    upload.seek(0)
    with _decoding(), Pillow.open(upload, formats=ALLOWED_FORMATS) as picture:
        _check_pixels(picture)
        kind = picture.format
        data = _encode_master(picture, kind)
    # A random part no one can guess: the file of a photo not yet public cannot be found.
    stem = _safe_stem(getattr(upload, "name", "") or "")
    return ContentFile(data, name=f"{stem}-{secrets.token_hex(8)}.{EXTENSIONS[kind]}")


def _encode_master(picture: Pillow.Image, kind: str) -> bytes:
    out = io.BytesIO()
    icc = picture.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc else {}
    if _frame_count(picture) > 1:
        frames = [_without_metadata(frame.copy()) for frame in ImageSequence.Iterator(picture)]
        durations = [frame.info.get("duration", 100) for frame in frames]
        frames[0].save(
            out, kind, save_all=True, append_images=frames[1:], duration=durations,
            loop=picture.info.get("loop", 0), **extra,
        )  # fmt: skip
        return out.getvalue()
    upright = _without_metadata(ImageOps.exif_transpose(picture))
    if kind == "JPEG":
        upright = upright if upright.mode in {"RGB", "L", "CMYK"} else upright.convert("RGB")
        upright.save(out, "JPEG", quality=92, optimize=True, **extra)
    elif kind == "WEBP":
        upright.save(out, "WEBP", quality=92, method=4, **extra)
    else:
        upright.save(out, kind, **extra)
    return out.getvalue()


def _without_metadata(picture: Pillow.Image) -> Pillow.Image:
    """Keep only what drawing needs: encoders copy comments, EXIF and XMP from `info`."""
    picture.info = {key: picture.info[key] for key in KEPT_INFO if key in picture.info}
    return picture


def _safe_stem(name: str) -> str:
    """A readable, harmless file stem from whatever name the browser sent."""
    stem = PurePosixPath(PureWindowsPath(name).name).stem.split(".")[0]
    return make_slug(stem, fallback="photo", max_length=50).lower()


# --- Renditions ---------------------------------------------------------------------------


def rendition_key(owner: int, content_hash: str, focal: tuple[float, float]) -> str:
    """Changes with the source bytes, the focal point and the rendition settings.

    The owning image is part of it, so two uploads of one photo never share (and never
    delete) each other's files.
    """
    seed = f"{owner}:{content_hash}:{focal[0]:.4f}:{focal[1]:.4f}:{RENDITION_VERSION}"
    return hashlib.sha256(seed.encode()).hexdigest()[:20]


def rendition_name(key: str, kind: str, width: int, ext: str) -> str:
    return f"{RENDITIONS_DIR}/{key[:2]}/{key}/{kind}-{width}.{ext}"


def crop_box(size, ratio, focal) -> tuple[float, float, float, float]:
    """The largest box of `ratio` inside `size`, centred on the focal point where it fits."""
    width, height = size
    if ratio is None:
        return (0.0, 0.0, float(width), float(height))
    aspect = ratio[0] / ratio[1]
    if width / height > aspect:
        crop_w = height * aspect
        left = min(max(focal[0] * width - crop_w / 2, 0.0), width - crop_w)
        return (left, 0.0, left + crop_w, float(height))
    crop_h = width / aspect
    top = min(max(focal[1] * height - crop_h / 2, 0.0), height - crop_h)
    return (0.0, top, float(width), top + crop_h)


def plan(size, focal) -> dict:
    """Which renditions a photo of this size gets: {kind: [(width, height), ...], "social": ...}.

    Photos are never enlarged, except to fill the fixed social size.
    """
    result = {}
    for kind, spec in SPECS.items():
        left, top, right, bottom = crop_box(size, spec.ratio, focal)
        crop_w, crop_h = right - left, bottom - top
        widths = [w for w in spec.widths if w <= crop_w] or [max(1, math.floor(crop_w))]
        result[kind] = [(w, max(1, round(w * crop_h / crop_w))) for w in widths]
    result["social"] = [SOCIAL_SIZE]
    return result


def make_renditions(
    storage: Storage, name: str, focal, *, owner: int, missing_only=False
) -> tuple[str, dict]:
    """Write every rendition of the stored master `name`; returns (content hash, manifest).

    The manifest, kept on the Image row, is all templates need: no storage or database
    look-ups when a page is drawn.
    """
    with storage.open(name, "rb") as source:
        data = source.read()
    content_hash = hashlib.sha256(data).hexdigest()
    key = rendition_key(owner, content_hash, focal)
    with _decoding(), Pillow.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as picture:
        _check_pixels(picture)
        sizes = plan(_upright_size(picture), focal)
        _draft_for(picture, sizes, focal)
        working = _working_copy(picture)
    fallback = "png" if "A" in working.getbands() else "jpg"
    manifest = {
        "key": key,
        "fallback": fallback,
        **{k: [list(s) for s in v] for k, v in sizes.items()},
    }
    written = []
    try:
        for job in _jobs(manifest):
            if _write(storage, job, working, focal, missing_only):
                written.append(job.name)
    except OSError as error:
        # All or nothing: a half-written set (a full disk) must not linger.
        delete_quietly(storage, [*written, job.name])
        raise StorageFailed(error) from error
    return content_hash, manifest


def _upright_size(picture: Pillow.Image) -> tuple[int, int]:
    orientation = picture.getexif().get(0x0112, 1)
    width, height = picture.size
    return (height, width) if orientation in {5, 6, 7, 8} else (width, height)


def _draft_for(picture: Pillow.Image, sizes: dict, focal) -> None:
    """Let the JPEG decoder shrink by 2, 4 or 8 when no rendition needs the full resolution."""
    upright = _upright_size(picture)
    scale = 0.0
    for kind, targets in sizes.items():
        ratio = SPECS[kind].ratio if kind in SPECS else SOCIAL_SIZE
        left, _, right, _ = crop_box(upright, ratio, focal)
        scale = max(scale, max(w for w, _ in targets) / (right - left))
    if scale < 1:
        width, height = picture.size
        picture.draft(None, (math.ceil(width * scale), math.ceil(height * scale)))


def _working_copy(picture: Pillow.Image) -> Pillow.Image:
    picture.seek(0)
    upright = ImageOps.exif_transpose(picture)
    has_alpha = "A" in upright.getbands() or "transparency" in upright.info
    working = upright.convert("RGBA" if has_alpha else "RGB")
    icc = picture.info.get("icc_profile")
    working.info = {"icc_profile": icc} if icc else {}  # colour, not metadata: keep it
    return working


@dataclass(frozen=True)
class _Job:
    kind: str
    width: int
    height: int
    ext: str
    key: str

    @property
    def name(self) -> str:
        return rendition_name(self.key, self.kind, self.width, self.ext)


def _jobs(manifest: dict):
    for kind in SPECS:
        for width, height in manifest[kind]:
            yield _Job(kind, width, height, "webp", manifest["key"])
            yield _Job(kind, width, height, manifest["fallback"], manifest["key"])
    width, height = SOCIAL_SIZE
    yield _Job("social", width, height, "jpg", manifest["key"])


def _write(storage: Storage, job: _Job, working: Pillow.Image, focal, missing_only: bool) -> bool:
    """Write one rendition; False when `missing_only` keeps the one already there."""
    if storage.exists(job.name):
        if missing_only and storage.size(job.name) > 0:
            return False
        storage.delete(job.name)  # names are fixed: overwrite, never get a suffixed copy
    ratio = SPECS[job.kind].ratio if job.kind in SPECS else SOCIAL_SIZE
    box = crop_box(working.size, ratio, focal)
    resized = working.resize((job.width, job.height), Pillow.Resampling.LANCZOS, box=box,
                             reducing_gap=3.0)  # fmt: skip
    out = io.BytesIO()
    options = dict(WEBP if job.ext == "webp" else FALLBACKS[job.ext], **working.info)
    if options["format"] == "JPEG" and resized.mode != "RGB":
        resized = resized.convert("RGB")
    resized.save(out, **options)
    storage.save(job.name, ContentFile(out.getvalue()))
    return True


def rendition_names(manifest: dict) -> list[str]:
    return [job.name for job in _jobs(manifest)] if manifest.get("key") else []


# --- What templates and metadata read -----------------------------------------------------


def sources(manifest: dict, kind: str, url: Callable[[str], str]) -> dict | None:
    """`<picture>` data for one kind, from the manifest alone; None when there is none.

    `url` turns a storage name into its address (the storage's own, or a signed one)."""
    sizes = manifest.get(kind) if manifest.get("key") else None
    if not sizes:
        return None
    key, fallback = manifest["key"], manifest["fallback"]

    def srcset(ext):
        return ", ".join(f"{url(rendition_name(key, kind, w, ext))} {w}w" for w, _ in sizes)

    width, height = sizes[-1]
    middle = sizes[min(1, len(sizes) - 1)][0]
    return {
        "webp_srcset": srcset("webp"),
        "srcset": srcset(fallback),
        "type": "image/png" if fallback == "png" else "image/jpeg",
        "src": url(rendition_name(key, kind, middle, fallback)),
        "width": width,
        "height": height,
    }


def social(storage: Storage, manifest: dict) -> Rendition | None:
    if not manifest.get("key"):
        return None
    width, height = SOCIAL_SIZE
    url = storage.url(rendition_name(manifest["key"], "social", width, "jpg"))
    if url.startswith("/"):
        url = settings.SITE_URL + url
    return Rendition(url, width, height)


def manifest_is_complete(storage: Storage, manifest: dict) -> bool:
    names = rendition_names(manifest)
    return bool(names) and all(storage.exists(name) for name in names)


def delete_files(storage: Storage, names) -> None:
    for name in names:
        storage.delete(name)


def delete_quietly(storage: Storage, names) -> None:
    """Clean up after a failed write; a storage that refuses this too has kept nothing new."""
    for name in names:
        with suppress(OSError):
            storage.delete(name)
