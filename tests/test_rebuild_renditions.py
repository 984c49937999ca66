"""`rebuild_renditions`: all, some or only missing; broken sources skipped and reported."""

from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from photos import images
from photos.models import Image
from tests.factories import make_image, photo_bytes

pytestmark = pytest.mark.django_db


def rebuild(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("rebuild_renditions", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def names(image: Image) -> list[str]:
    image.refresh_from_db()
    return images.rendition_names(image.renditions)


def delete_some(image: Image) -> list[str]:
    gone = names(image)[::3]
    for name in gone:
        default_storage.delete(name)
    return gone


def test_missing_only_restores_deleted_renditions_and_keeps_the_rest():
    damaged, intact = make_image(), make_image()
    gone = delete_some(damaged)
    kept = {n: default_storage.get_modified_time(n) for n in names(intact)}

    out, err = rebuild("--missing-only")

    assert all(default_storage.exists(n) for n in gone)
    assert damaged.has_renditions() and intact.has_renditions()
    assert {n: default_storage.get_modified_time(n) for n in names(intact)} == kept
    assert "Rebuilt 1 image(s); 1 already complete." in out
    assert "100%" in err  # the progress bar ran to the end


def test_image_option_rebuilds_only_that_image():
    chosen, other = make_image(), make_image()
    chosen_gone, other_gone = delete_some(chosen), delete_some(other)

    rebuild("--image", str(chosen.pk))

    assert all(default_storage.exists(n) for n in chosen_gone)
    assert not any(default_storage.exists(n) for n in other_gone)


def test_unknown_image_id_is_an_error():
    with pytest.raises(CommandError, match="No image with id 999"):
        rebuild("--image", "999")


def test_broken_sources_are_skipped_reported_and_fail_the_run():
    good, corrupt, vanished = make_image(), make_image(), make_image()
    with default_storage.open(corrupt.file.name, "wb") as f:
        f.write(b"not a photo any more")
    default_storage.delete(vanished.file.name)
    gone = delete_some(good)

    with pytest.raises(CommandError, match="2 image\\(s\\) have broken sources"):
        rebuild()

    assert all(default_storage.exists(n) for n in gone)
    assert good.has_renditions()


def test_broken_source_report_names_each_image():
    corrupt = make_image()
    with default_storage.open(corrupt.file.name, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n garbage")
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("rebuild_renditions", stdout=StringIO(), stderr=err)

    assert f"Skipped broken source: image {corrupt.pk} ({corrupt.file.name})" in err.getvalue()


def test_a_rerun_after_an_interruption_completes_the_work_and_is_stable():
    first = make_image(photo_bytes((1300, 900)))
    second = make_image(photo_bytes((900, 1300)))
    # As if a run stopped half-way through the second photo: some files, no record.
    delete_some(second)
    Image.objects.filter(pk=second.pk).update(renditions={}, content_hash="")

    rebuild("--missing-only")
    after_first_run = {img.pk: names(img) for img in (first, second)}
    rebuild()

    assert {img.pk: names(img) for img in (first, second)} == after_first_run
    assert first.has_renditions() and second.has_renditions()


def test_full_rebuild_overwrites_in_place_without_suffixed_copies():
    image = make_image()
    before = sorted(default_storage.listdir(names(image)[0].rsplit("/", 1)[0])[1])

    rebuild()
    rebuild()

    after = sorted(default_storage.listdir(names(image)[0].rsplit("/", 1)[0])[1])
    assert after == before
