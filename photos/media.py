"""Serves uploaded photos and their renditions from MEDIA_ROOT, with debug on or off.

One machine needs no other web server. Files are read through the storage API, only image
types are served, and every name is checked so nothing outside MEDIA_ROOT can be reached.

A file is served to anyone only while a page readers can see shows its photo
(usage.shown_to_readers); otherwise only to signed-in staff, or to whoever holds a signed
address (photos/signing.py: previews), never to be kept by a shared cache. Anyone else gets
the same 404 as for a file that does not exist.
"""

import re
from datetime import UTC
from pathlib import Path, PurePosixPath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import require_safe

from accounts.two_factor import signed_in_staff
from newsroom import keys

from . import signing, usage
from .images import RENDITIONS_DIR
from .models import Image

PUBLIC, PRIVATE = "public", "private"

CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
FOREVER = "public, max-age=31536000, immutable"  # rendition names change with their content
A_DAY = "public, max-age=86400"
CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")  # past 18 digits no file is that big


@require_safe
def serve(request, path: str):
    name = _checked_name(path)
    image = _image_for(name)
    access = _access(request, name, image)
    if access is None:
        raise Http404("No such file.")
    try:
        size = default_storage.size(name)
        modified = default_storage.get_modified_time(name)
    except OSError as exc:
        raise Http404("No such file.") from exc
    etag = f'"{size:x}-{int(modified.timestamp() * 1_000_000):x}"'
    last_modified = int(modified.astimezone(UTC).timestamp())  # HTTP dates have no fractions
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = _body(request, name, size, _wanted_range(request, size, etag, last_modified))
    response = _with_headers(response, name, size, etag, last_modified)
    if access == PRIVATE:
        response["Cache-Control"] = "private, no-store"
    else:
        # A front cache drops the file when the photo changes or its story is withdrawn.
        response["Surrogate-Key"] = f"{keys.image(image.pk)} {keys.SITE}"
    return response


def _access(request, name: str, image: Image | None) -> str | None:
    """PUBLIC, PRIVATE (this requester only), or None: not for this requester."""
    if image is None:
        return None  # a file no photo owns (left over, or being deleted): nobody's business
    if usage.shown_to_readers(image):
        return PUBLIC
    if signed_in_staff(request.user) or signing.signature_holds(name, request.GET):
        return PRIVATE
    return None


def _image_for(name: str) -> Image | None:
    parts = name.split("/")
    if parts[0] == RENDITIONS_DIR and len(parts) == 4:
        return Image.objects.filter(rendition_key=parts[2]).first()
    return Image.objects.filter(file=name).first()


def _checked_name(path: str) -> str:
    """The storage name for a URL path, or 404 for anything but a plain image file name."""
    parts = PurePosixPath(path).parts
    if (
        not parts
        or "\\" in path
        or "\x00" in path
        or any(part.startswith(".") or part == "/" for part in parts)
        or PurePosixPath(path).suffix.lower() not in CONTENT_TYPES
    ):
        raise Http404("No such file.")
    name = "/".join(parts)
    if not _inside_media_root(name):
        raise Http404("No such file.")
    return name


def _inside_media_root(name: str) -> bool:
    """On disk, also refuse symbolic links that lead out of MEDIA_ROOT."""
    try:
        local = default_storage.path(name)
    except NotImplementedError:
        return True  # object stores have no paths to escape through
    except SuspiciousFileOperation:
        return False
    root = Path(default_storage.location).resolve()
    try:
        resolved = Path(local).resolve()
        return resolved.is_relative_to(root) and resolved.is_file()
    except OSError:  # a name too long for the file system, a loop of links...
        return False


def _wanted_range(request, size: int, etag: str, last_modified: int):
    """(start, end) of a single satisfiable byte range, "bad" if unsatisfiable, else None."""
    header = request.headers.get("Range", "")
    match = _RANGE.match(header.strip())
    if not match or not _if_range_holds(request, etag, last_modified):
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # "bytes=-500": the last 500 bytes
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end or (not first and int(last) == 0):
        return "bad"
    return (start, end)


def _if_range_holds(request, etag: str, last_modified: int) -> bool:
    condition = request.headers.get("If-Range")
    if not condition:
        return True
    if condition.startswith('"'):
        return condition == etag
    since = parse_http_date_safe(condition)
    return since is not None and int(last_modified) <= since


def _body(request, name: str, size: int, wanted):
    if wanted == "bad":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if request.method == "HEAD":
        return HttpResponse()
    if wanted is None:
        return FileResponse(default_storage.open(name, "rb"))
    start, end = wanted
    response = StreamingHttpResponse(_slice(name, start, end - start + 1), status=206)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    return response


def _slice(name: str, start: int, length: int):
    with default_storage.open(name, "rb") as source:
        source.seek(start)
        while length > 0:
            chunk = source.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


def _with_headers(response, name: str, size: int, etag: str, last_modified: int):
    response["Content-Type"] = CONTENT_TYPES[PurePosixPath(name).suffix.lower()]
    if response.status_code == 200:
        response["Content-Length"] = str(size)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = FOREVER if name.startswith(f"{RENDITIONS_DIR}/") else A_DAY
    response["X-Content-Type-Options"] = "nosniff"
    # Even a hostile file that slipped through could run nothing here.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-site"
    return response
