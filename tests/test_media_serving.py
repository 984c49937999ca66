"""/media/ served by the app itself: headers, ranges, conditional requests, and no escape."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.http import http_date

from photos import images
from tests.factories import make_public_image, photo_bytes

pytestmark = pytest.mark.django_db

CORPUS = Path(settings.BASE_DIR).parent / "shared" / "corpus" / "path_filenames.txt"
TRAVERSALS = [
    "../../../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fsecret.jpg",
    "....//....//etc/passwd",
    "/etc/passwd",
    "..\\..\\secret.jpg",
    "story.txt%00.jpg",
]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def photo():
    return make_public_image(photo_bytes((1000, 600)))


def rendition_url(image, kind="full", width=480, ext="jpg") -> str:
    return "/media/" + images.rendition_name(image.renditions["key"], kind, width, ext)


@pytest.mark.parametrize("debug", [False, True])
def test_renditions_are_served_forever_cacheable_with_their_true_type(
    client, settings, photo, debug
):
    settings.DEBUG = debug
    for ext, content_type in (("jpg", "image/jpeg"), ("webp", "image/webp")):
        response = client.get(rendition_url(photo, ext=ext))

        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response["Accept-Ranges"] == "bytes"
        assert int(response["Content-Length"]) == len(body(response)) > 0


@pytest.mark.parametrize(
    "fmt,ext,content_type", [("PNG", "png", "image/png"), ("GIF", "gif", "image/gif")]
)
def test_masters_are_served_with_their_type_but_not_cached_forever(client, fmt, ext, content_type):
    image = make_public_image(photo_bytes((300, 200), fmt), name=f"x.{ext}")

    response = client.get(image.file.url)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "immutable" not in response["Cache-Control"]


def test_a_byte_range_is_answered_with_206_and_exactly_those_bytes(client, photo):
    url = rendition_url(photo)
    whole = body(client.get(url))

    first = client.get(url, headers={"Range": "bytes=0-99"})
    tail = client.get(url, headers={"Range": "bytes=-10"})
    rest = client.get(url, headers={"Range": "bytes=100-"})

    assert first.status_code == 206 and body(first) == whole[:100]
    assert first["Content-Range"] == f"bytes 0-99/{len(whole)}"
    assert first["Content-Length"] == "100"
    assert tail.status_code == 206 and body(tail) == whole[-10:]
    assert rest.status_code == 206 and body(rest) == whole[100:]


def test_a_range_past_the_end_answers_416(client, photo):
    url = rendition_url(photo)
    size = len(body(client.get(url)))

    response = client.get(url, headers={"Range": f"bytes={size}-"})

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


def test_if_range_with_a_stale_etag_sends_the_whole_file(client, photo):
    url = rendition_url(photo)

    response = client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})

    assert response.status_code == 200 and len(body(response)) > 10


def test_conditional_requests_answer_304_without_a_body(client, photo):
    url = rendition_url(photo)
    first = client.get(url)

    by_etag = client.get(url, headers={"If-None-Match": first["ETag"]})
    by_date = client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})
    changed = client.get(url, headers={"If-None-Match": '"something-else"'})

    assert by_etag.status_code == 304 and body(by_etag) == b""
    assert by_date.status_code == 304
    assert changed.status_code == 200


def test_head_gives_the_headers_and_no_body(client, photo):
    response = client.head(rendition_url(photo))

    assert response.status_code == 200
    assert int(response["Content-Length"]) > 0 and body(response) == b""


def test_only_get_and_head_are_allowed(client, photo):
    assert client.post(rendition_url(photo)).status_code == 405


def test_missing_files_and_non_image_files_answer_404(client, photo):
    Path(settings.MEDIA_ROOT, "notes.html").write_text("<script>alert(1)</script>")
    Path(settings.MEDIA_ROOT, ".htaccess").write_text("Options +ExecCGI")

    for path in ("renditions/nope.jpg", "notes.html", ".htaccess", "images/", ""):
        assert client.get(f"/media/{path}").status_code == 404, path


def _traversal_names() -> list[str]:
    names = list(TRAVERSALS)
    if CORPUS.exists():
        names += [line for line in CORPUS.read_text().splitlines() if line.strip()]
    return names


def test_nothing_outside_media_root_is_reachable(client, settings, tmp_path, photo):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"TOP SECRET " + photo_bytes((10, 10)))
    os.symlink(secret, Path(settings.MEDIA_ROOT, "link.jpg"))
    os.symlink(tmp_path, Path(settings.MEDIA_ROOT, "linked-dir"))

    for debug in (False, True):
        settings.DEBUG = debug
        for name in [*_traversal_names(), "link.jpg", "linked-dir/secret.jpg"]:
            response = client.get("/media/" + name)
            assert response.status_code in {400, 404}, name
            assert b"TOP SECRET" not in body(response) and b"root:" not in body(response), name


def test_last_modified_is_an_http_date(client, photo):
    response = client.get(photo.file.url)

    modified = Path(settings.MEDIA_ROOT, photo.file.name).stat().st_mtime
    assert response["Last-Modified"] == http_date(modified)


@pytest.mark.parametrize(
    "header", ["bytes=0-" + "9" * 4301, "bytes=" + "9" * 4301 + "-", "bytes=-" + "9" * 30]
)
def test_absurdly_long_range_numbers_get_the_whole_file(client, photo, header):
    url = rendition_url(photo)
    response = client.get(url, headers={"Range": header})
    assert response.status_code == 200
    assert body(response) == body(client.get(url))
