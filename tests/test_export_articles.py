"""export_articles: JSON and Markdown with front matter that import_articles reads back."""

import io
import json
from datetime import timedelta

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from articles.models import Article, Author, Section, Tag
from tests.factories import (
    make_article,
    make_author,
    make_correction,
    make_image,
    make_section,
)

pytestmark = pytest.mark.django_db


TRICKY_HEADLINE = "Budget: “yes” --- or no? #1 & <b>not bold</b>"


def newsroom():
    """Stories in every state, with ordered bylines, tags, Unicode and YAML-looking text."""
    city = make_section(name="City & Harbour", slug="city")
    ada, bo = make_author(name="Ada Reporter", slug="ada"), make_author(name="Bo Writer", slug="bo")
    published = timezone.now() - timedelta(days=2)
    return [
        make_article(
            headline=TRICKY_HEADLINE, slug="budget", standfirst="yes: no\n---\nnull",
            body="<h2>Vote</h2><p>Café <em>façade</em> — “quoted” &amp; <a href=\"https://x.example/\">linked</a>.</p>",
            section=city, authors=[bo, ada], tags=["Politics", "Årsbudget"],
            published_at=published, updated_at=published + timedelta(hours=1),
            seo_title="Budget vote", seo_description="How they voted.", homepage_priority=5,
            canonical_url="https://wire.example/budget",
        ),
        make_article(headline="Draft story", slug="draft-story", section=city, published=False),
        make_article(
            headline="Scheduled story", slug="scheduled-story", section=city, authors=[ada],
            published=False, state=Article.State.SCHEDULED,
            published_at=timezone.now() + timedelta(days=1),
        ),
        make_article(
            headline="Withdrawn story", slug="withdrawn-story", section=city, published=False,
            state=Article.State.WITHDRAWN, published_at=published,
        ),
    ]  # fmt: skip


def corrected(story):
    """Two corrections on a story, one of them text YAML could misread."""
    when = timezone.now() - timedelta(hours=3)
    make_correction(
        story, text="The vote was 7-2, not 6-3.", published_at=when.replace(microsecond=0)
    )
    make_correction(
        story, text="null: --- yes", published_at=(when + timedelta(hours=1)).replace(microsecond=0)
    )
    return story


def export_json(*args) -> dict:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_articles", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_json_export_to_standard_output_carries_every_field(capsys):
    story = corrected(newsroom()[0])
    first, second = story.corrections.all()

    call_command("export_articles")
    out, err = capsys.readouterr()
    data = json.loads(out)

    assert "Exported 4 articles to standard output." in err
    record = next(item for item in data["articles"] if item["slug"] == "budget")
    assert record == {
        "headline": TRICKY_HEADLINE,
        "slug": "budget",
        "standfirst": "yes: no\n---\nnull",
        "body": story.body,
        "section": "city",
        "section_name": "City & Harbour",
        "authors": [{"name": "Bo Writer", "slug": "bo"}, {"name": "Ada Reporter", "slug": "ada"}],
        "tags": ["Politics", "Årsbudget"],
        "published_at": story.published_at.isoformat(),
        "updated_at": story.updated_at.isoformat(),
        "state": "published",
        "homepage_priority": 5,
        "seo_title": "Budget vote",
        "seo_description": "How they voted.",
        "canonical_url": "https://wire.example/budget",
        "corrections": [
            {"published_at": first.published_at.isoformat(), "text": "The vote was 7-2, not 6-3."},
            {"published_at": second.published_at.isoformat(), "text": "null: --- yes"},
        ],
    }
    draft = next(item for item in data["articles"] if item["slug"] == "draft-story")
    assert draft["published_at"] is None and draft["state"] == "draft"


def test_state_filter(capsys):
    newsroom()
    call_command("export_articles", "--state", "published", "--state", "scheduled")
    slugs = {item["slug"] for item in json.loads(capsys.readouterr().out)["articles"]}
    assert slugs == {"budget", "scheduled-story"}


def test_json_export_to_a_file(tmp_path, capsys):
    newsroom()
    target = tmp_path / "export.json"
    call_command("export_articles", "--output", str(target))
    assert "Exported 4 articles" in capsys.readouterr().out
    assert len(json.loads(target.read_text(encoding="utf-8"))["articles"]) == 4


def test_markdown_export_writes_one_file_per_article_with_front_matter(tmp_path):
    story = newsroom()[0]
    folder = tmp_path / "stories"

    call_command(
        "export_articles", "--format", "markdown", "--output", str(folder), stdout=io.StringIO()
    )

    assert sorted(p.name for p in folder.iterdir()) == [
        "budget.md", "draft-story.md", "scheduled-story.md", "withdrawn-story.md",
    ]  # fmt: skip
    text = (folder / "budget.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    end = text.index("\n---\n", 3)
    meta = yaml.safe_load(text[4:end])
    assert text[end + 5 :] == story.body
    assert meta["headline"] == TRICKY_HEADLINE
    assert meta["standfirst"] == "yes: no\n---\nnull"
    assert meta["section"] == "city" and meta["section_name"] == "City & Harbour"
    assert meta["authors"] == ["Bo Writer", "Ada Reporter"]
    assert meta["tags"] == ["Politics", "Årsbudget"]
    assert meta["published_at"] == story.published_at.isoformat()
    assert meta["state"] == "published"
    assert meta["body_format"] == "html"


def test_markdown_export_needs_a_folder(tmp_path):
    newsroom()
    with pytest.raises(CommandError, match="needs --output"):
        call_command("export_articles", "--format", "markdown")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(CommandError, match="is a file"):
        call_command("export_articles", "--format", "markdown", "--output", str(a_file))


def test_a_slug_cannot_write_outside_the_folder(tmp_path):
    make_article(slug="../../escape")
    folder = tmp_path / "out"
    call_command(
        "export_articles", "--format", "markdown", "--output", str(folder), stdout=io.StringIO()
    )
    [written] = list(folder.iterdir())
    assert written.parent == folder
    assert not (tmp_path / "escape.md").exists()


def snapshot() -> dict[str, dict]:
    """Each article as readers and editors know it, keyed by slug."""
    articles = Article.objects.select_related("section").prefetch_related(
        "tags", "bylines__author", "corrections"
    )
    return {
        a.slug: {
            "headline": a.headline,
            "standfirst": a.standfirst,
            "body": a.body,
            "section": (a.section.slug, a.section.name),
            "bylines": [b.author.name for b in a.bylines.all()],
            "tags": sorted(t.name for t in a.tags.all()),
            "published_at": a.published_at,
            "updated_at": a.updated_at,
            "state": a.state,
            "seo": (a.seo_title, a.seo_description, a.canonical_url, a.homepage_priority),
            "corrections": [(c.published_at, c.text) for c in a.corrections.all()],
        }
        for a in articles
    }


def wipe():
    Article.objects.all().delete()
    Author.objects.all().delete()
    Section.objects.all().delete()
    Tag.objects.all().delete()


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_export_wipe_import_reproduces_every_article(tmp_path, fmt):
    corrected(newsroom()[0])
    before = snapshot()
    target = tmp_path / ("export.json" if fmt == "json" else "stories")
    call_command("export_articles", "--format", fmt, "--output", str(target), stdout=io.StringIO())

    wipe()
    assert not Article.objects.exists()
    call_command("import_articles", str(target), stdout=io.StringIO(), stderr=io.StringIO())

    after = snapshot()
    assert set(after) == set(before)
    for slug, fields in before.items():
        for name, value in fields.items():
            assert after[slug][name] == value, (slug, name)


def story_with_blocks():
    """A story whose body holds every kind of block, with text that escaping could change."""
    photo = make_image(alt="Mill roof", caption="Own caption", credit="Own credit")
    other = make_image(alt="Second photo")
    body = (
        "<p>Before the fire’s “end” &amp; after &lt;midnight&gt;.</p>"
        f'<figure data-block="picture" data-photo="{photo.pk}" data-size="wide" '
        'data-caption="It\'s <late> & \'dark\'" data-credit=""></figure>'
        f'<figure data-block="picture" data-photo="{other.pk}"></figure>'
        '<figure data-block="embed" data-url="https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=4">'
        "</figure>"
        '<figure data-block="embed" data-url="https://bsky.app/profile/a.bsky.social/post/3kabc">'
        "</figure>"
        '<figure data-block="pullquote" data-quote="We will &quot;rebuild&quot;" '
        'data-by="O\'Brien"></figure>'
        '<figure data-block="keyfacts" data-title="Facts: the fire" '
        'data-facts="One: two&#10;Three &amp; four&#10;---"></figure>'
        "<table><thead><tr><th>Year</th><th>Fires</th></tr></thead>"
        "<tbody><tr><td>2024</td><td>3</td></tr></tbody></table><hr>"
    )
    return make_article(headline="Mill fire", slug="mill-fire", body=body), photo, other


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_a_body_with_blocks_exports_and_reimports_byte_for_byte(tmp_path, fmt):
    story, photo, other = story_with_blocks()
    for kind in ("picture", "embed", "pullquote", "keyfacts"):
        assert f'data-block="{kind}"' in story.body, kind  # kept by the sanitiser
    target = tmp_path / ("export.json" if fmt == "json" else "stories")
    call_command("export_articles", "--format", fmt, "--output", str(target), stdout=io.StringIO())

    wipe()  # the photo library stays, as on a new install given the same photos
    call_command("import_articles", str(target), stdout=io.StringIO(), stderr=io.StringIO())

    restored = Article.objects.get(slug="mill-fire")
    assert restored.body == story.body
    assert set(restored.body_pictures.values_list("image", flat=True)) == {photo.pk, other.pk}


STATES = {
    Article.State.DRAFT: None,
    Article.State.REVIEW: None,
    Article.State.SCHEDULED: timedelta(days=1),
    Article.State.PUBLISHED: -timedelta(days=2),
    Article.State.WITHDRAWN: -timedelta(days=3),
}


@pytest.mark.parametrize("fmt", ["json", "markdown"])
@pytest.mark.parametrize("state", list(STATES))
def test_a_story_in_any_state_exports_and_imports_as_it_was(tmp_path, fmt, state):
    offset = STATES[state]
    story = make_article(
        headline=f"A {state} story", slug=f"{state}-story", standfirst="What it says.",
        body="<p>Its <em>text</em>.</p>", section=make_section(name="City", slug="city"),
        authors=[make_author(name="Bo Writer"), make_author(name="Ada Reporter")],
        tags=["Harbour", "Ferries"], published=False, state=state,
        published_at=None if offset is None else (timezone.now() + offset).replace(microsecond=0),
    )  # fmt: skip
    before = snapshot()[story.slug]
    target = tmp_path / ("export.json" if fmt == "json" else "stories")
    call_command("export_articles", "--format", fmt, "--output", str(target), stdout=io.StringIO())

    wipe()
    call_command("import_articles", str(target), stdout=io.StringIO(), stderr=io.StringIO())

    assert snapshot() == {story.slug: before}
    assert before["state"] == state


def test_an_import_names_a_correction_it_cannot_read_and_imports_nothing(tmp_path):
    story = tmp_path / "story.md"
    story.write_text("---\nheadline: Fixed\ncorrections:\n  - text: Wrong year.\n---\nBody.\n")
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_articles", str(story), stdout=io.StringIO(), stderr=err)

    assert "correction 1 has no `published_at`" in err.getvalue()
    assert not Article.objects.exists()
