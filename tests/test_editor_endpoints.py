"""The photo library as the story editor's picture dialog asks it: search, and uploads."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from photos import admin as photos_admin
from photos.models import Image
from tests.factories import make_image, make_staff, make_user, photo_bytes

pytestmark = pytest.mark.django_db

PICKER = reverse("admin:photos_image_picker")
UPLOAD = reverse("admin:photos_image_upload")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(content=None, name="quay.jpg", **fields) -> dict:
    fields.setdefault("alt", "Cranes on the quay")
    content = photo_bytes((800, 500)) if content is None else content
    return {"file": SimpleUploadedFile(name, content, "image/jpeg"), **fields}


def _stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.parametrize("role", ["Writer", "Editor"])
def test_writers_and_editors_may_search_and_upload_photos(role):
    group = Group.objects.get(name=role)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"view_image", "add_image"} <= codenames
    client = _client(make_staff(role))

    assert client.get(PICKER).status_code == 200
    assert client.post(UPLOAD, _upload()).status_code == 201


def test_the_newest_photos_come_first_and_at_most_a_screenful(monkeypatch):
    monkeypatch.setattr(photos_admin, "PICKER_LIMIT", 2)
    old, middle, new = (make_image(alt=f"Photo {n}") for n in range(3))
    client = _client(make_staff("Writer"))

    photos = client.get(PICKER).json()["photos"]

    assert [photo["id"] for photo in photos] == [new.pk, middle.pk]


def test_a_search_looks_in_alt_text_caption_and_credit():
    by_alt = make_image(alt="Harbour cranes at dawn")
    by_caption = make_image(alt="A quay", caption="The new cranes arrive")
    by_credit = make_image(alt="A ship", credit="Crane & Sons")
    make_image(alt="A council meeting", caption="Budget night")
    client = _client(make_staff("Writer"))

    photos = client.get(PICKER, {"q": "crane"}).json()["photos"]

    assert {photo["id"] for photo in photos} == {by_alt.pk, by_caption.pk, by_credit.pk}


def test_each_photo_comes_with_what_the_dialog_shows():
    image = make_image(alt="Harbour cranes", caption="At dawn", credit="Ann Lee")
    client = _client(make_staff("Writer"))

    (photo,) = client.get(PICKER).json()["photos"]

    assert photo == {
        "id": image.pk,
        "alt": "Harbour cranes",
        "caption": "At dawn",
        "credit": "Ann Lee",
        "thumbnail": image.sources("square")["src"],
        "width": image.width,
        "height": image.height,
    }
    assert "/renditions/" in photo["thumbnail"] and "square-240" in photo["thumbnail"]


def test_the_editor_asks_for_the_photos_a_story_already_shows_by_id():
    shown, _other, also_shown = make_image(), make_image(), make_image()
    client = _client(make_staff("Writer"))

    found = client.get(PICKER, {"ids": f"{shown.pk},{also_shown.pk},999999,x,-1"}).json()

    assert {photo["id"] for photo in found["photos"]} == {shown.pk, also_shown.pk}


def test_an_upload_is_stored_like_the_photo_forms_with_renditions_and_uploader(settings):
    writer = make_staff("Writer")
    client = _client(writer)

    response = client.post(
        UPLOAD, _upload(alt="Cranes on the quay", caption="Monday", credit="Port authority")
    )

    assert response.status_code == 201
    image = Image.objects.get()
    assert response.json()["id"] == image.pk
    assert (image.alt, image.caption, image.credit) == ("Cranes on the quay", "Monday",
                                                        "Port authority")  # fmt: skip
    assert image.uploaded_by == writer
    assert image.has_renditions()
    assert image.file.name.startswith("images/") and image.file.name.endswith(".jpg")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (_upload(alt=""), "Alt text: This field is required."),
        (_upload(alt="   "), "Alt text: This field is required."),
        ({"alt": "No file at all"}, "Photo: This field is required."),
        (_upload(content=b"not a picture at all", name="notes.jpg"), "not a readable JPEG"),
        (_upload(content=b""), "The submitted file is empty."),
    ],
    ids=["no-alt", "blank-alt", "no-file", "not-an-image", "empty-file"],
)
def test_a_bad_upload_is_refused_with_a_message_and_leaves_nothing(upload, message, settings):
    client = _client(make_staff("Writer"))

    response = client.post(UPLOAD, upload)

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Image.objects.exists()
    assert _stored_files(settings) == []


def test_an_upload_the_storage_refuses_says_so_and_leaves_nothing(monkeypatch, settings):
    from photos import images

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(images, "_write", full_disk)
    client = _client(make_staff("Writer"))

    response = client.post(UPLOAD, _upload())

    assert response.status_code == 503
    assert "No space left on device" in response.json()["error"]
    assert not Image.objects.exists()
    assert _stored_files(settings) == []


def test_an_upload_needs_the_pages_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff("Writer"))

    assert client.post(UPLOAD, _upload()).status_code == 403
    assert not Image.objects.exists()


def test_search_is_a_get_and_upload_a_post():
    client = _client(make_staff("Writer"))

    assert client.post(PICKER).status_code == 405
    assert client.get(UPLOAD).status_code == 405


@pytest.mark.parametrize("who", ["anonymous", "reader"])
def test_people_outside_the_newsroom_are_sent_to_sign_in(who):
    make_image()
    client = Client() if who == "anonymous" else _client(make_user())

    for response in (client.get(PICKER), client.post(UPLOAD, _upload())):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert Image.objects.count() == 1


def test_staff_without_photo_rights_may_neither_search_nor_upload():
    make_image()
    client = _client(make_user(is_staff=True))

    assert client.get(PICKER).status_code == 403
    assert client.post(UPLOAD, _upload()).status_code == 403
    assert Image.objects.count() == 1


def test_a_picture_already_in_the_library_is_offered_not_copied():
    client = _client(make_staff("Writer"))
    content = photo_bytes((800, 500))
    first = client.post(UPLOAD, _upload(content, name="quay.jpg"))

    again = client.post(UPLOAD, _upload(content, name="quay-again.jpg", alt="Another alt"))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert "already in the library" in again.json()["notice"]
    assert Image.objects.count() == 1
