"""Demo content for a fresh install: sections, authors, photos, stories and two staff log-ins.

The stories are Markdown files in stories/ and go through the same importer staff use.
Loading twice changes nothing: everything is looked up before it is created.
"""

import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image as PillowImage
from PIL import ImageDraw

from photos.models import Image

from ..importing import ImportOptions, import_story, parse_markdown, read_text
from ..models import Article, Author, Section

STORIES = Path(__file__).parent / "stories"
CREDIT = "Newsroom demo illustration"

SECTIONS = [
    ("Politics", "City hall, elections and the decisions that shape Harbourton."),
    ("Business", "Work, money and the companies of the city and its port."),
    ("Technology", "How the tools we use are changing, and who they serve."),
    ("Science", "Research, the environment and health, explained."),
    ("Culture", "Music, museums, festivals and the arts."),
    ("Sport", "Results, reports and the clubs of Harbourton."),
]

AUTHORS = [
    ("Maya Okafor", "Political editor", "Maya has covered Harbourton's council for a decade."),
    ("Tomás Lindqvist", "Transport correspondent", "Tomás writes about how the city moves."),
    ("Daniel Mensah", "Business reporter", "Daniel covers the port, jobs and local firms."),
    ("Aisha Karim", "Technology reporter", "Aisha reports on technology in public life."),
    ("Lena Brandt", "Science and environment editor", "Lena trained as a marine biologist."),
    ("Sofia Russo", "Arts writer", "Sofia reviews music, exhibitions and theatre."),
]

# Section -> (sky colour, sea colour, description used as alt text).
PICTURES = {
    "Politics": ((70, 110, 170), (30, 60, 110), "Dawn over a bridge spanning a dark harbour"),
    "Business": ((230, 150, 80), (40, 70, 100), "Cranes silhouetted against an orange sky"),
    "Technology": ((40, 40, 70), (20, 120, 140), "A glowing teal horizon under a night sky"),
    "Science": ((120, 190, 210), (20, 110, 90), "Green shallows beneath a pale blue sky"),
    "Culture": ((200, 80, 110), (60, 30, 80), "A crimson evening sky over purple water"),
    "Sport": ((150, 200, 240), (30, 90, 160), "A bright morning over open water"),
}

_PICTURE_OF = re.compile(rf"^photo: ({'|'.join(PICTURES)})$", re.MULTILINE)

DEMO_USERS = [("editor", "Editor", "Demo Editor"), ("writer", "Writer", "Demo Writer")]


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)


def load_demo(now=None) -> DemoReport:
    now = now or timezone.now()
    report = DemoReport()
    with transaction.atomic():
        sections = {name: _section(name, blurb, position, report)
                    for position, (name, blurb) in enumerate(SECTIONS)}  # fmt: skip
        for name, title, bio in AUTHORS:
            _author(name, title, bio, report)
        pictures = {name: _picture(name, report) for name in sections}
        for hours_ago, path in enumerate(sorted(STORIES.glob("*.md"))):
            _story(path, now - timedelta(hours=3 * hours_ago + 1), pictures, report)
        for username, group, name in DEMO_USERS:
            _user(username, group, name, report)
    return report


def _section(name, blurb, position, report) -> Section:
    section, created = Section.objects.get_or_create(
        name=name, defaults={"description": blurb, "position": position}
    )
    if created:
        report.created.append(f"section {name}")
    return section


def _author(name, job_title, bio, report) -> Author:
    author, created = Author.objects.get_or_create(
        name=name, defaults={"job_title": job_title, "bio": bio}
    )
    if created:
        report.created.append(f"author {name}")
    return author


def _picture(section: str, report) -> Image:
    sky, sea, alt = PICTURES[section]
    existing = Image.objects.filter(alt=alt, credit=CREDIT).first()
    if existing:
        return existing
    image = Image(alt=alt, caption=f"{section}: {alt.lower()}.", credit=CREDIT)
    image.file = ContentFile(_paint(sky, sea), name=f"demo-{section.lower()}.jpg")
    image.store_upload()
    report.created.append(f"image {image.file.name}")
    return image


def _paint(sky, sea, size=(1600, 900)) -> bytes:
    """A simple seascape: a graded sky, a sun, and water with a lighter horizon."""
    width, height = size
    picture = PillowImage.new("RGB", size)
    draw = ImageDraw.Draw(picture)
    horizon = int(height * 0.62)
    for y in range(height):
        above = y < horizon
        top, bottom = (sky, sea) if above else (sea, tuple(c // 2 for c in sea))
        t = y / horizon if above else (y - horizon) / (height - horizon)
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    x, y, r = int(width * 0.68), int(horizon * 0.55), int(height * 0.09)
    draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 236, 190))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def _story(path: Path, published_at, pictures, report) -> None:
    # A demo story names its body's pictures by section ("photo: Science"): their numbers
    # are only known once the photos are made.
    text = _PICTURE_OF.sub(lambda m: f"photo: {pictures[m[1]].pk}", read_text(path))
    story = parse_markdown(text)
    story.state, story.published_at = Article.State.PUBLISHED, published_at
    story.extras["hero_image"] = pictures.get(story.section)
    outcome = import_story(story, ImportOptions(), file_key=f"demo:{path.stem}")
    if outcome.action == "created":
        report.created.append(f"story {outcome.article.headline}")


def _user(username: str, group_name: str, full_name: str, report) -> None:
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        return
    password = secrets.token_urlsafe(12)
    first, last = full_name.split(" ", 1)
    user = User.objects.create_user(
        username=username, password=password, is_staff=True, first_name=first, last_name=last
    )
    group = Group.objects.filter(name=group_name).first()
    if group:
        user.groups.add(group)
    Author.objects.get_or_create(name=full_name, defaults={"user": user, "job_title": group_name})
    report.passwords[username] = password
    report.created.append(f"user {username}")
