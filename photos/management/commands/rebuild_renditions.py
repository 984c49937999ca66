"""Regenerate photo renditions: after a change of sizes or settings, a restore, or a crash.

Each photo is finished (files written, row updated) before the next begins, so a run that
is interrupted can simply be started again; `--missing-only` then skips what is done.
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from photos.images import InvalidImage, StorageFailed
from photos.models import Image


class Command(BaseCommand):
    help = "Regenerate image renditions (all, some with --image, or only missing ones)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--image", type=int, action="append", dest="image_ids", metavar="ID",
            help="Only this image (repeatable).",
        )  # fmt: skip
        parser.add_argument(
            "--missing-only", action="store_true",
            help="Only images with a rendition missing; keep files that exist.",
        )  # fmt: skip

    def handle(self, *args, image_ids=None, missing_only=False, **options):
        photos = Image.objects.order_by("pk")
        if image_ids:
            photos = photos.filter(pk__in=image_ids)
            unknown = set(image_ids) - set(photos.values_list("pk", flat=True))
            if unknown:
                raise CommandError(f"No image with id {', '.join(map(str, sorted(unknown)))}.")
        done, skipped, broken = 0, 0, []
        for photo in tqdm(
            photos.iterator(), total=photos.count(), unit="image", file=self.stderr._out
        ):
            if missing_only and photo.has_renditions():
                skipped += 1
                continue
            try:
                photo.make_renditions(missing_only=missing_only)
            except (InvalidImage, StorageFailed, OSError) as exc:
                broken.append(f"image {photo.pk} ({photo.file.name or 'no file'}): {exc}")
                continue
            done += 1
        self._report(done, skipped, broken)

    def _report(self, done: int, skipped: int, broken: list[str]) -> None:
        self.stdout.write(f"Rebuilt {done} image(s); {skipped} already complete.")
        for line in broken:
            self.stderr.write(f"Skipped broken source: {line}")
        if broken:
            raise CommandError(f"{len(broken)} image(s) have broken sources; see above.")
