"""Photo uploads through the admin: what is refused (storing nothing), what is kept, and how."""

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as Pillow
from PIL import ImageChops, PngImagePlugin

from photos import images
from photos.models import Image
from tests.factories import make_article, make_author, make_image, make_user, photo_bytes

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/photos/image/add/"


@pytest.fixture
def editor_client(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def upload(client, content: bytes, name: str, **fields):
    data = {"alt": "Boats in the harbour at dawn", "caption": "", "credit": "", **fields}
    data["file"] = SimpleUploadedFile(name, content)
    return client.post(ADD_URL, data)


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def open_stored(name: str) -> Pillow.Image:
    with default_storage.open(name, "rb") as f:
        picture = Pillow.open(io.BytesIO(f.read()))
        picture.load()
        return picture


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares a huge size in a few dozen bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def noisy_jpeg() -> bytes:
    out = io.BytesIO()
    Pillow.effect_noise((800, 600), 80).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


def animated_gif(frames: int, size: tuple[int, int]) -> bytes:
    pictures = [Pillow.new("P", size, color=i % 2) for i in range(frames)]
    out = io.BytesIO()
    pictures[0].save(out, "GIF", save_all=True, append_images=pictures[1:], optimize=False)
    return out.getvalue()


def exif_gps_jpeg(size=(300, 200), orientation=1) -> bytes:
    exif = Pillow.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Snoopcam"  # camera make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)}
    out = io.BytesIO()
    picture = Pillow.linear_gradient("L").resize(size).convert("RGB")
    picture.save(out, "JPEG", exif=exif, comment=b"<script>alert(1)</script>")
    return out.getvalue()


def svg_with_script() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
    )


def gif_with_frame_outside_its_canvas() -> bytes:
    out = io.BytesIO()
    Pillow.new("P", (3000, 3000), 1).save(out, "GIF")
    data = bytearray(out.getvalue())
    data[6:10] = struct.pack("<HH", 10, 10)  # the logical screen claims 10x10
    return bytes(data)


def png_with_compressed_text_bomb() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "A" * 100 * 2**20, zip=True)  # 100 MB once inflated
    out = io.BytesIO()
    Pillow.new("RGB", (10, 10)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def other_format(fmt: str) -> bytes:
    out = io.BytesIO()
    Pillow.new("RGB", (64, 64), "red").save(out, fmt)
    return out.getvalue()


def tiff_bytes() -> bytes:
    return photo_bytes((64, 64), "TIFF")


REFUSED = {
    "decompression bomb 20000x20000 PNG header": (png_header(20_000, 20_000), "bomb.png"),
    "100000x100000 PNG header": (png_header(100_000, 100_000), "huge.png"),
    "10000x9000 PNG header (Pillow warning zone)": (png_header(10_000, 9_000), "wide.png"),
    "truncated JPEG": (noisy_jpeg()[: len(noisy_jpeg()) // 2], "cut.jpg"),
    "text file named .jpg": (b"Just some notes, not a photo.\n", "notes.jpg"),
    "HTML document named .jpg": (b"<!doctype html><script>alert(1)</script>", "photo.jpg"),
    "random bytes named .png": (bytes(range(256)) * 8, "photo.png"),
    "SVG with a script": (svg_with_script(), "logo.svg"),
    "SVG with a script named .png": (svg_with_script(), "logo.png"),
    "empty file": (b"", "photo.jpg"),
    "TIFF": (tiff_bytes(), "scan.tif"),
    "BMP named .jpg": (photo_bytes((64, 64), "BMP"), "photo.jpg"),
    "GIF of 100 frames of 1000x1000": (animated_gif(100, (1000, 1000)), "flicker.gif"),
    "GIF frame outside its canvas": (gif_with_frame_outside_its_canvas(), "frame.gif"),
    "PNG with a 100 MB compressed text chunk": (png_with_compressed_text_bomb(), "text.png"),
    "ICO named .jpg": (other_format("ICO"), "photo.jpg"),
    "PCX named .png": (other_format("PCX"), "photo.png"),
    "SGI named .gif": (other_format("SGI"), "photo.gif"),
    "JPEG 2000 named .jpg": (other_format("JPEG2000"), "photo.jpg"),
}


@pytest.mark.parametrize("content,name", REFUSED.values(), ids=REFUSED.keys())
def test_bad_upload_is_refused_with_a_message_and_nothing_is_stored(editor_client, content, name):
    response = upload(editor_client, content, name)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["file"]
    assert errors and all(len(message) > 10 for message in errors)
    assert errors[0] in response.content.decode()
    assert Image.objects.count() == 0
    assert stored_files() == []


def test_file_over_the_byte_cap_is_refused_before_decoding(editor_client):
    content = b"\xff\xd8\xff\xe0" + b"\x00" * (images.MAX_UPLOAD_BYTES + 1)

    response = upload(editor_client, content, "huge.jpg")

    assert "too big" in response.context["adminform"].form.errors["file"][0]
    assert Image.objects.count() == 0 and stored_files() == []


def test_real_png_of_200_million_one_bit_pixels_is_refused(editor_client):
    out = io.BytesIO()
    Pillow.new("1", (20_000, 10_000)).save(out, "PNG")
    content = out.getvalue()
    assert len(content) < 500_000  # small on disk, huge in memory

    response = upload(editor_client, content, "bilevel.png")

    assert "too large" in response.context["adminform"].form.errors["file"][0]
    assert stored_files() == []


def test_alt_text_is_required(editor_client):
    response = upload(editor_client, photo_bytes(), "photo.jpg", alt="")

    assert "alt" in response.context["adminform"].form.errors
    assert stored_files() == []


def test_focal_point_outside_the_picture_is_refused(editor_client):
    response = upload(editor_client, photo_bytes(), "photo.jpg", focal_x="150", focal_y="-1")

    errors = response.context["adminform"].form.errors
    assert "focal_x" in errors and "focal_y" in errors
    assert stored_files() == []


FORMATS = {
    "JPEG": ("photo.jpg", {}),
    "PNG": ("photo.png", {}),
    "WEBP": ("photo.webp", {"quality": 90}),
    "GIF": ("photo.gif", {}),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_accepted_format_gets_every_rendition_at_the_right_size(editor_client, fmt):
    name, options = FORMATS[fmt]

    response = upload(editor_client, photo_bytes((1700, 1000), fmt, **options), name)

    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.width, image.height) == (1700, 1000)
    assert image.file.name.endswith("." + images.EXTENSIONS[fmt])
    expected = {
        "full": [(480, 282), (800, 471), (1200, 706), (1600, 941)],
        "wide": [(480, 270), (800, 450), (1200, 675)],
        "square": [(120, 120), (240, 240), (480, 480)],
    }
    key = image.renditions["key"]
    for kind, sizes in expected.items():
        for width, height in sizes:
            for ext, pillow_format in (("webp", "WEBP"), ("jpg", "JPEG")):
                picture = open_stored(images.rendition_name(key, kind, width, ext))
                assert picture.format == pillow_format
                assert picture.size == (width, height), (kind, ext)
    social = open_stored(images.rendition_name(key, "social", 1200, "jpg"))
    assert (social.format, social.size) == ("JPEG", (1200, 630))


def test_transparent_png_falls_back_to_png_not_jpeg():
    picture = Pillow.new("RGBA", (900, 600), (200, 30, 30, 255))
    picture.putalpha(Pillow.linear_gradient("L").resize((900, 600)))
    out = io.BytesIO()
    picture.save(out, "PNG")
    image = make_image(out.getvalue(), name="logo.png")

    picture = image.sources("wide")
    assert picture["type"] == "image/png"
    key = image.renditions["key"]
    assert open_stored(images.rendition_name(key, "wide", 480, "png")).mode == "RGBA"
    assert open_stored(images.rendition_name(key, "wide", 480, "webp")).mode == "RGBA"


def test_small_photo_is_never_enlarged_except_for_the_social_card():
    image = make_image(photo_bytes((300, 200)))

    assert image.renditions["full"] == [[300, 200]]
    assert image.renditions["wide"] == [[300, 169]]
    assert image.renditions["square"] == [[120, 120]]
    assert image.social_rendition().width == 1200


def test_exif_gps_and_comments_are_absent_from_the_master_and_every_rendition(editor_client):
    assert b"Snoopcam" in exif_gps_jpeg()  # the test file really carries the metadata

    upload(editor_client, exif_gps_jpeg(size=(1700, 1000)), "holiday.jpg")

    image = Image.objects.get()
    names = [image.file.name, *images.rendition_names(image.renditions)]
    assert len(names) == 1 + 2 * (4 + 3 + 3) + 1
    for name in names:
        with default_storage.open(name, "rb") as f:
            raw = f.read()
        assert b"Snoopcam" not in raw and b"<script>" not in raw, name
        exif = Pillow.open(io.BytesIO(raw)).getexif()
        assert 0x8825 not in exif and not exif.get_ifd(0x8825), name


def test_exif_orientation_is_applied_before_the_metadata_goes():
    image = make_image(exif_gps_jpeg(size=(300, 200), orientation=6))

    assert (image.width, image.height) == (200, 300)
    assert image.renditions["full"] == [[200, 300]]
    assert open_stored(image.file.name).size == (200, 300)


def test_png_bytes_named_jpg_are_stored_under_their_true_extension(editor_client):
    upload(editor_client, photo_bytes((400, 300), "PNG"), "photo.jpg")

    assert Image.objects.get().file.name.endswith(".png")


@pytest.mark.parametrize(
    "name",
    ["../../../../etc/passwd.jpg", "..\\..\\windows\\win.jpg", "photo.php.jpg", "$(id).jpg",
     "photo\u202egpj.exe.jpg", "ünïcödé 名前 📷.jpg", ".htaccess.jpg", "A" * 300 + ".jpg"],
)  # fmt: skip
def test_hostile_file_names_become_harmless_names_inside_the_image_folder(editor_client, name):
    upload(editor_client, photo_bytes((200, 100)), name)

    stored = Image.objects.get().file.name
    assert stored.startswith("images/") and stored.endswith(".jpg")
    assert ".." not in stored and "\\" not in stored and "php" not in stored
    assert all(ch not in stored for ch in "$()\u202e ")
    assert Path(settings.MEDIA_ROOT, stored).resolve().is_relative_to(Path(settings.MEDIA_ROOT))


def _red_pixels(picture: Pillow.Image) -> int:
    red, green, _ = picture.convert("RGB").split()
    strong_red = red.point(lambda v: 255 if v > 180 else 0)
    little_green = green.point(lambda v: 255 if v < 90 else 0)
    return ImageChops.multiply(strong_red, little_green).histogram()[255]


def _marked_photo(size, marker_at) -> bytes:
    picture = Pillow.new("RGB", size, (120, 130, 140))
    x, y = marker_at
    picture.paste((230, 20, 20), (x - 15, y - 15, x + 15, y + 15))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "size,marker",
    [((2400, 600), (2250, 300)), ((2400, 600), (90, 500)), ((600, 2400), (300, 120)),
     ((600, 2400), (520, 2300)), ((1600, 1200), (1500, 80))],
)  # fmt: skip
def test_focal_point_crops_keep_the_focal_point_inside(size, marker):
    focal = {"focal_x": marker[0] * 100 / size[0], "focal_y": marker[1] * 100 / size[1]}
    image = make_image(_marked_photo(size, marker), name="marked.png", **focal)
    centred = make_image(_marked_photo(size, marker), name="marked.png")

    key = image.renditions["key"]
    for kind, width in (("wide", 480), ("square", 240), ("social", 1200)):
        for ext in ("webp", "jpg") if kind != "social" else ("jpg",):
            crop = open_stored(images.rendition_name(key, kind, width, ext))
            assert _red_pixels(crop) > 0, (kind, ext)
    # The same crop centred on the middle would have lost the subject.
    centred_square = open_stored(
        images.rendition_name(centred.renditions["key"], "square", 240, "jpg")
    )
    assert _red_pixels(centred_square) == 0


@pytest.mark.parametrize("ratio", [(16, 9), (1, 1), (1200, 630), (9, 16)])
def test_crop_box_contains_the_focal_point_wherever_it_is(ratio):
    for size in ((4000, 3000), (3000, 4000), (500, 500), (6000, 1000)):
        for fx in (0, 0.01, 0.3, 0.5, 0.77, 0.99, 1):
            for fy in (0, 0.2, 0.5, 0.95, 1):
                left, top, right, bottom = images.crop_box(size, ratio, (fx, fy))
                assert 0 <= left <= fx * size[0] <= right <= size[0]
                assert 0 <= top <= fy * size[1] <= bottom <= size[1]
                assert abs((right - left) / (bottom - top) - ratio[0] / ratio[1]) < 0.01


def test_new_source_or_new_focal_point_gives_new_rendition_names_and_drops_the_old(
    django_capture_on_commit_callbacks,
):
    image = make_image(photo_bytes((1200, 800)))
    first = set(images.rendition_names(image.renditions))

    with django_capture_on_commit_callbacks(execute=True):
        image.focal_x = 90
        image.save()
        image.make_renditions()
    moved = set(images.rendition_names(image.renditions))
    with django_capture_on_commit_callbacks(execute=True):
        image.file = SimpleUploadedFile("other.jpg", photo_bytes((1200, 800), quality=50))
        image.store_upload()
    replaced = set(images.rendition_names(image.renditions))

    assert first.isdisjoint(moved) and moved.isdisjoint(replaced)
    assert not any(default_storage.exists(n) for n in first | moved)
    assert all(default_storage.exists(n) for n in replaced)
    assert Image.objects.get().renditions == image.renditions


def test_a_stored_upload_gets_its_renditions():
    image = make_image(photo_bytes((1000, 700)), name="demo-city.jpg")

    image.refresh_from_db()
    assert image.content_hash and image.has_renditions()


def test_saving_a_photos_row_writes_no_files(django_capture_on_commit_callbacks):
    image = make_image(photo_bytes((1000, 700)))
    before = stored_files()

    with django_capture_on_commit_callbacks(execute=True):
        image.caption, image.focal_x = "A new caption", 80
        image.save()

    assert sorted(stored_files()) == sorted(before)
    assert Image.objects.get().renditions == image.renditions


def test_social_rendition_is_an_absolute_1200x630_jpeg():
    image = make_image()

    url, width, height = image.social_rendition()

    assert url.startswith(settings.SITE_URL + "/media/renditions/") and url.endswith(".jpg")
    assert (width, height) == (1200, 630)


def test_image_list_shows_thumbnails_and_searches_caption_credit_and_alt(editor_client):
    make_image(alt="Gulls over the pier", caption="Morning tide", credit="Ana Lens")
    make_image(alt="A council meeting", caption="Budget night", credit="Bo Shutter")

    listing = editor_client.get("/admin/photos/image/").content.decode()
    assert listing.count('src="/media/renditions/') == 2
    for query in ("Gulls", "Morning", "Ana Lens"):
        html = editor_client.get("/admin/photos/image/", {"q": query}).content.decode()
        assert "Morning tide" in html and "Budget night" not in html, query


def test_image_page_lists_the_articles_and_authors_that_use_it(editor_client):
    image = make_image(alt="Harbour at dawn")
    make_article(headline="Harbour bridge reopens", hero_image=image)
    make_author(name="Ada Reporter", photo=image)
    unused = make_image()

    html = editor_client.get(f"/admin/photos/image/{image.pk}/change/").content.decode()
    assert "Article: Harbour bridge reopens" in html and "Author: Ada Reporter" in html
    assert "data-focal-picker" in html and "photos/focal-point.js" in html
    unused_page = editor_client.get(f"/admin/photos/image/{unused.pk}/change/")
    assert "Not used yet." in unused_page.content.decode()


def test_setting_the_focal_point_in_the_admin_recrops(editor_client):
    image = make_image(photo_bytes((1600, 600)))
    before = image.renditions["key"]

    response = editor_client.post(
        f"/admin/photos/image/{image.pk}/change/",
        {"alt": image.alt, "caption": "", "credit": "", "focal_x": "85", "focal_y": "40"},
    )

    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (85, 40)
    assert image.renditions["key"] != before and image.has_renditions()


def gif_javascript_polyglot() -> bytes:
    """A real GIF that is also a script: `GIF89a/*` opens a comment, `*/=alert(1)//` closes it.

    The `/*` is the logical screen width (0x2a2f = 10799 pixels), so the file is a
    well-formed 10799x10 GIF with a 10x10 frame, and is accepted like any other GIF.
    """
    out = io.BytesIO()
    Pillow.new("P", (10, 10), 1).save(out, "GIF")
    return b"GIF89a/*" + out.getvalue()[8:] + b"*/=alert(1)//"


def test_gif_javascript_polyglot_is_kept_as_a_picture_without_its_script(editor_client):
    polyglot = gif_javascript_polyglot()
    assert Pillow.open(io.BytesIO(polyglot)).size == (10799, 10)  # really a GIF

    response = upload(editor_client, polyglot, "avatar.gif")

    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.width, image.height) == (10799, 10)
    names = [image.file.name, *images.rendition_names(image.renditions)]
    assert sorted(stored_files()) == sorted(Path(settings.MEDIA_ROOT, n) for n in names)
    formats = {"gif": "GIF", "jpg": "JPEG", "webp": "WEBP", "png": "PNG"}
    for name in names:  # re-encoded: the script after the image data is gone
        with default_storage.open(name, "rb") as f:
            raw = f.read()
        assert b"alert(1)" not in raw, name
        picture = Pillow.open(io.BytesIO(raw))
        picture.verify()
        assert picture.format == formats[name.rsplit(".", 1)[1]], name
    assert open_stored(image.file.name).size == (10799, 10)


def test_deleting_a_photo_removes_its_files(editor_client, django_capture_on_commit_callbacks):
    image = make_image()
    assert stored_files()

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(f"/admin/photos/image/{image.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert stored_files() == []


def test_a_writer_sees_only_their_own_stories_in_an_images_used_by_list(client):
    from tests.factories import make_staff

    writer, other = make_staff("Writer"), make_staff("Writer")
    image = make_image(alt="Shared photo")
    make_article(headline="My own draft", hero_image=image, published=False, created_by=writer)
    make_article(headline="Other writer's secret draft", hero_image=image, published=False,
                 created_by=other)  # fmt: skip
    client.force_login(writer)

    html = client.get(f"/admin/photos/image/{image.pk}/change/").content.decode()

    assert "Article: My own draft" in html
    assert "secret draft" not in html


def test_a_photos_page_lists_the_stories_showing_it_in_their_body(client):
    from tests.factories import make_staff

    editor = make_staff("Editor")
    image = make_image(alt="Inline photo")
    body = f'<p>Text</p><figure data-block="picture" data-photo="{image.pk}"></figure>'
    make_article(headline="Story with the photo inline", body=body)
    make_article(headline="Story with it as hero and inline", body=body, hero_image=image)
    client.force_login(editor)

    html = client.get(f"/admin/photos/image/{image.pk}/change/").content.decode()

    assert "Article: Story with the photo inline" in html
    assert html.count("Article: Story with it as hero and inline") == 1


@pytest.mark.parametrize(
    "refused,reason",
    [
        ("10000x9000 PNG header (Pillow warning zone)", "too large"),
        ("GIF of 100 frames of 1000x1000", "too large"),
        ("GIF frame outside its canvas", "outside the declared size"),
        ("TIFF", "not a readable JPEG, PNG, WebP or GIF"),
        ("SVG with a script", "not a readable JPEG, PNG, WebP or GIF"),
    ],
)
def test_a_refusal_says_the_real_reason_and_names_only_the_formats_we_take(
    editor_client, refused, reason
):
    content, name = REFUSED[refused]

    message = upload(editor_client, content, name).context["adminform"].form.errors["file"][0]

    assert reason in message
    assert "extension" not in message.lower() and "bmp" not in message.lower()


@pytest.mark.parametrize("blocked", ["images", "renditions"])
def test_a_media_folder_that_cannot_be_written_refuses_the_upload_and_keeps_nothing(
    editor_client, blocked
):
    # A file where the folder should be: the storage refuses the write (a read-only or full
    # disk does the same), for the master or, after it, for the renditions.
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True)
    (root / blocked).write_text("not a folder")

    response = upload(editor_client, photo_bytes((800, 500)), "harbour.jpg", caption="Dawn")

    assert response.status_code == 200
    html = response.content.decode()
    assert "The photo could not be stored" in html and 'value="Dawn"' in html
    assert Image.objects.count() == 0
    assert stored_files() == [root / blocked]


def test_a_stored_photo_has_an_unguessable_file_name():
    first, second = make_image(name="harbour.jpg"), make_image(name="harbour.jpg")

    assert re.fullmatch(r"images/\d{4}/\d{2}/harbour-[0-9a-f]{16}\.jpg", first.file.name)
    assert first.file.name != second.file.name


# --- Decorative photos, and captions that repeat the alt text -------------------------------


def test_a_decorative_photo_may_have_no_alt_text_and_says_so(editor_client):
    response = upload(editor_client, photo_bytes(), "texture.jpg", alt="", decorative="on")

    assert response.status_code == 302
    image = Image.objects.get()
    assert image.decorative and image.alt == "" and image.readers_alt == ""


def test_without_the_decorative_tick_alt_text_is_still_required_and_the_error_says_how(
    editor_client,
):
    response = upload(editor_client, photo_bytes(), "photo.jpg", alt="")

    [error] = response.context["adminform"].form.errors["alt"]
    assert "Decorative" in error
    assert stored_files() == []


def test_the_database_refuses_a_photo_with_no_alt_text_that_is_not_decorative():
    from django.db import IntegrityError

    image = make_image(alt="A harbour")
    with pytest.raises(IntegrityError):
        Image.objects.filter(pk=image.pk).update(alt="")


def test_a_caption_repeating_the_alt_text_is_saved_with_a_warning(editor_client):
    data = {"alt": "Boats in the harbour", "caption": "Boats in the harbour.", "credit": ""}
    data["file"] = SimpleUploadedFile("photo.jpg", photo_bytes())
    response = editor_client.post(ADD_URL, data, follow=True)

    assert Image.objects.get().caption == "Boats in the harbour."
    [message] = [m for m in response.context["messages"] if m.level_tag == "warning"]
    assert "hear it twice" in message.message


def test_readers_get_no_alt_text_for_a_decorative_photo_or_use_nor_one_the_caption_repeats():
    from articles import blocks

    texture = make_image(alt="Blue paper texture", decorative=True)
    boats = make_image(alt="Boats in the harbour", caption="Boats in the harbour")
    gulls = make_image(alt="Gulls over the pier")
    photos = {image.pk: image for image in (texture, boats, gulls)}

    def alt_of(figure: str) -> str:
        return re.search(r'<img[^>]* alt="([^"]*)"', blocks.render(figure, photos)).group(1)

    def figure(image, **attributes) -> str:
        extra = "".join(f' data-{name}="{value}"' for name, value in attributes.items())
        return f'<figure data-block="picture" data-photo="{image.pk}"{extra}></figure>'

    assert alt_of(figure(gulls)) == "Gulls over the pier"
    assert alt_of(figure(gulls, alt="")) == ""  # this use is decorative
    assert alt_of(figure(texture)) == ""  # the photo is
    assert alt_of(figure(texture, alt="Blue paper texture")) == ""  # the library's, copied in
    assert alt_of(figure(texture, alt="The wrapping of the parcel")) == "The wrapping of the parcel"
    assert alt_of(figure(boats)) == ""  # the figcaption says it
    assert alt_of(figure(boats, caption="Low tide")) == "Boats in the harbour"


def test_the_picture_tag_gives_a_decorative_photo_an_empty_alt():
    from django.template import Context, Template

    texture = make_image(alt="Blue paper texture", decorative=True)
    html = Template("{% load pictures %}{% picture image 'hero' %}").render(
        Context({"image": texture})
    )
    assert 'alt=""' in html and "Blue paper texture" not in html


def test_the_photo_list_names_each_thumbnail_link_by_its_alt_text(editor_client):
    make_image(alt="Gulls over the pier")

    listing = editor_client.get("/admin/photos/image/").content.decode()
    assert re.search(r'<a href="[^"]+/change/"><img [^>]*alt="Gulls over the pier"', listing)


def test_the_same_picture_uploaded_again_is_refused_with_a_link_to_the_library_copy(
    editor_client,
):
    content = photo_bytes((900, 600))
    assert upload(editor_client, content, "boats.jpg").status_code == 302
    kept = Image.objects.get()

    again = upload(editor_client, content, "boats-copy.jpg")

    assert again.status_code == 200
    html = again.content.decode()
    assert "This photo is already in the library" in html
    assert f'href="/admin/photos/image/{kept.pk}/change/"' in html
    assert Image.objects.count() == 1
    assert upload(editor_client, photo_bytes((900, 601)), "other.jpg").status_code == 302
