"""How long a 24-megapixel photo takes from upload to its last rendition.

Generates a 6000x4000 JPEG with Pillow, then times each step the admin upload runs:
checking (full decode), storing the cleaned master, and writing every rendition. Prints the
figures and rewrites the "Image renditions" section of docs/benchmarks.md.

    .venv/bin/python bench/renditions.py [--runs N] [--no-write]
"""

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

import PIL  # noqa: E402
from django.core.files.storage import FileSystemStorage  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from PIL import Image as Pillow  # noqa: E402
from PIL import ImageFilter  # noqa: E402
from results import write_section  # noqa: E402  (bench/ is on sys.path when run)

from photos import images  # noqa: E402

SIZE = (6000, 4000)
HEADING = "## Image renditions"


def photo() -> bytes:
    """A photo-like JPEG: smooth colour fields plus grain, so the encoders have real work."""
    base = Pillow.merge(
        "RGB",
        [
            Pillow.linear_gradient("L").resize(SIZE),
            Pillow.radial_gradient("L").resize(SIZE),
            Pillow.linear_gradient("L").rotate(90).resize(SIZE),
        ],
    )
    grain = Pillow.effect_noise((SIZE[0] // 4, SIZE[1] // 4), 40).resize(SIZE).convert("RGB")
    picture = Pillow.blend(base, grain, 0.25).filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


def one_run(data: bytes, storage: FileSystemStorage, owner: int) -> dict[str, float]:
    upload = SimpleUploadedFile("photo.jpg", data, content_type="image/jpeg")
    timings = {}
    start = time.perf_counter()
    images.check_upload(upload)
    timings["check (full decode)"] = time.perf_counter() - start
    start = time.perf_counter()
    master = images.clean_master(upload)
    name = storage.save(f"images/{master.name}", master)
    timings["clean master (re-encode, strip EXIF)"] = time.perf_counter() - start
    start = time.perf_counter()
    _, manifest = images.make_renditions(storage, name, (0.5, 0.5), owner=owner)
    timings["renditions"] = time.perf_counter() - start
    timings["files written"] = len(images.rendition_names(manifest))
    timings["renditions, full-size decode (comparison)"] = _without_draft(storage, name, owner)
    return timings


def _without_draft(storage: FileSystemStorage, name: str, owner: int) -> float:
    """The rendition step again with JPEG draft mode off, to show what it saves."""
    draft = images._draft_for
    images._draft_for = lambda *args: None
    try:
        start = time.perf_counter()
        images.make_renditions(storage, name, (0.5, 0.5), owner=owner + 10_000)
        return time.perf_counter() - start
    finally:
        images._draft_for = draft


def measure(runs: int) -> tuple[dict[str, float], int]:
    data = photo()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        storage = FileSystemStorage(location=folder)
        for owner in range(runs):
            results.append(one_run(data, storage, owner))
    steps = [key for key in results[0] if key != "files written"]
    medians = {key: statistics.median(r[key] for r in results) for key in steps}
    comparison = [key for key in steps if "comparison" in key]
    medians = {k: v for k, v in medians.items() if k not in comparison} | {
        "total": sum(v for k, v in medians.items() if k not in comparison),
        **{k: medians[k] for k in comparison},
    }
    medians["files written"] = results[0]["files written"]
    return medians, len(data)


def section(medians: dict[str, float], size: int, runs: int) -> str:
    rows = "\n".join(
        f"| {step} | {seconds:.2f} s |"
        for step, seconds in medians.items()
        if step != "files written"
    )
    return f"""{HEADING}

`bench/renditions.py` times one upload of a generated {SIZE[0]}x{SIZE[1]} (24-megapixel)
JPEG of {size / 2**20:.1f} MB through the same steps as the admin: the upload check (a full
decode), the cleaned master (EXIF orientation applied, metadata dropped, re-encoded) and
every rendition ({medians["files written"]} files: 4 widths of the full photo, 3 of the 16:9
crop and 3 of the square, each in WebP and JPEG, plus the 1200x630 social JPEG). Median of
{runs} runs, on {platform.machine()} with Python {platform.python_version()} and Pillow
{PIL.__version__}; one process, one core.

| step | time |
|---|---|
{rows}

Renditions are made once, at upload (or by `rebuild_renditions`), never when a page is
requested. The JPEG decoder's draft mode (decoding at 1/2, 1/4 or 1/8 scale when no
rendition needs more pixels) is what the comparison row turns off. Most of what remains is
WebP encoding, several times slower per file than JPEG.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args()
    medians, size = measure(options.runs)
    text = section(medians, size, options.runs)
    print(text)
    if not options.no_write:
        write_section(HEADING, text)


if __name__ == "__main__":
    main()
