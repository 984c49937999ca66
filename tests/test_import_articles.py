"""import_articles: the story formats, idempotence, publishing, refusing bad files whole, and
batches of many files costing a few queries a batch."""

import json
import os
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import importing, revisions, search
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleSearch,
    Author,
    BodyPicture,
    Correction,
    Revision,
    Section,
    Tag,
    TaggedArticle,
    WorkflowEvent,
    photo_shown_to_readers,
)
from newsroom import background, page_cache
from planning.models import Notification
from tests.factories import make_article, make_author, make_image, make_section, make_staff
from tests.test_public_site import count_tags

pytestmark = pytest.mark.django_db

SAMPLE = Path(settings.BASE_DIR).parent / "shared" / "samples" / "grok-open-source.txt"
# Beside a checkout the sample is optional; in CI (CI=true) its absence fails the run.
needs_sample = pytest.mark.skipif(
    not SAMPLE.exists() and not os.environ.get("CI"), reason=f"sample story not found at {SAMPLE}"
)


def run_import(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_articles", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing_import(*args) -> tuple[str, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_articles", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), str(failure.value)


def snapshot() -> list[tuple]:
    return list(
        Article.objects.order_by("pk").values_list(
            "pk", "headline", "slug", "body", "state", "version", "modified_at"
        )
    )


@needs_sample
def test_sample_story_becomes_one_article_with_its_structure_and_unicode_intact(client):
    run_import(SAMPLE, "--section", "Technology", "--publish")

    article = Article.objects.get()
    html = client.get(article.get_absolute_url()).content.decode()
    body = html[
        html.index('<div class="story__body">') : html.index("</div>", html.index("story__body"))
    ]
    assert count_tags(html)["h1"] == 1
    headline = "Elon Musk’s xAI Makes Its ChatGPT Rival AI Chatbot Grok Open-Source"
    assert f'<h1 class="story__headline">{headline}</h1>' in html
    assert count_tags(body) == {"div": 1, "h2": 5, "p": 18}
    assert "<h2>The Road Ahead: Rivalry or Revolution?</h2>" in body
    assert "Musk’s pivot to open-source" in body


@needs_sample
def test_reimporting_the_same_file_changes_nothing():
    first_out, _ = run_import(SAMPLE, "--section", "technology", "--author", "Ada Reporter")
    before = snapshot()
    out, _ = run_import(SAMPLE, "--section", "technology", "--author", "Ada Reporter")
    assert snapshot() == before
    assert "1 created" in first_out
    assert "0 created, 0 updated, 1 unchanged, 0 failed" in out
    assert Author.objects.count() == 1 and Section.objects.count() == 1


@needs_sample
def test_imported_story_is_public_only_with_publish(client):
    run_import(SAMPLE, "--section", "technology")
    draft = Article.objects.get()
    assert draft.state == Article.State.DRAFT
    for url in ["/", "/technology/", draft.get_absolute_url()]:
        assert "Grok Open-Source" not in client.get(url).content.decode(), url

    run_import(SAMPLE, "--section", "technology", "--publish")
    assert "Grok Open-Source" in client.get("/technology/").content.decode()
    assert Article.objects.get().state == Article.State.PUBLISHED


def test_publish_with_a_future_time_schedules_the_story(tmp_path):
    story = tmp_path / "later.txt"
    story.write_text("Budget to be announced\n\nThe minister will speak at noon.\n")
    when = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    run_import(story, "--section", "politics", "--publish", "--published-at", when.isoformat())
    article = Article.objects.get()
    assert article.state == Article.State.SCHEDULED
    assert article.published_at == when
    assert not Article.objects.published().exists()


def test_script_in_a_story_is_shown_as_text_not_run(tmp_path, client):
    story = tmp_path / "xss.txt"
    story.write_text(
        "Headline <script>alert(1)</script>\n\nBody <img src=x onerror=alert(2)> here.\n"
    )
    run_import(story, "--section", "news", "--publish")
    html = client.get(Article.objects.get().get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "Headline &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Body &lt;img src=x onerror=alert(2)&gt; here." in html


def test_markdown_with_front_matter_sets_every_field(tmp_path):
    story = tmp_path / "council.md"
    story.write_text(
        "---\nheadline: Council approves new library\nstandfirst: A vote of 7 to 2.\n"
        "section: City\nauthors: [Ada Reporter, Bo Writer]\ntags: [Libraries, politics]\n---\n"
        "The council voted on **Tuesday**.\n\n# A heading\n\n<script>x()</script>\n"
    )
    out, _ = run_import(story, "--tag", "Local")
    article = Article.objects.get()
    assert article.headline == "Council approves new library"
    assert article.standfirst == "A vote of 7 to 2."
    assert article.section.name == "City"
    assert article.byline_authors()[0].name == "Ada Reporter"
    assert sorted(article.tags.names()) == ["Libraries", "Local", "politics"]
    assert "<strong>Tuesday</strong>" in article.body
    assert "<h2>A heading</h2>" in article.body
    assert "&lt;script&gt;x()&lt;/script&gt;" in article.body
    assert "New sections: City." in out and "New authors: Ada Reporter, Bo Writer." in out


BLOCKS_STORY = """---
headline: Mill fire
section: City
---
The fire started at 2am.

```picture
photo: {photo}
caption: Crews worked through the night.
size: wide
```

https://youtu.be/dQw4w9WgXcQ

<https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42>

https://example.com/fire-report

A sentence naming https://youtu.be/dQw4w9WgXcQ stays text.

```pullquote
quote: We will "rebuild" it, & soon.
by: The mayor
```

```keyfacts
facts:
  - Started at 2am
  - No one was hurt
```

| Year | Fires |
|:-----|------:|
| 2024 | 3     |
"""


def test_markdown_pictures_embeds_quotes_facts_and_tables_import_as_blocks(tmp_path, client):
    photo = make_image(alt="Firefighters on the mill roof", caption="Own caption", credit="J Doe")
    path = tmp_path / "mill.md"
    path.write_text(BLOCKS_STORY.format(photo=photo.pk), "utf-8")

    run_import(path, "--publish")

    body = Article.objects.get().body
    assert (
        f'<figure data-block="picture" data-photo="{photo.pk}" data-size="wide" '
        'data-alt="Firefighters on the mill roof" data-caption="Crews worked through the '
        'night." data-credit="J Doe"></figure>'
    ) in body  # what the file leaves out is the photo's own, written out
    youtube = '<figure data-block="embed" data-provider="youtube" data-url="https://'
    assert body.count(youtube) == 2
    assert (
        '<p><a href="https://example.com/fire-report" rel="noopener noreferrer">'
        "https://example.com/fire-report</a></p>"
    ) in body
    assert "<p>A sentence naming https://youtu.be/dQw4w9WgXcQ stays text.</p>" in body
    assert (
        '<figure data-block="pullquote" data-quote="We will &quot;rebuild&quot; it, &amp; '
        'soon." data-by="The mayor"></figure>'
    ) in body
    assert 'data-block="keyfacts" data-title="Key facts"' in body
    assert "<td>2024</td>" in body and "<th>Fires</th>" in body
    assert list(BodyPicture.objects.values_list("image", flat=True)) == [photo.pk]
    assert photo_shown_to_readers(photo)
    assert client.get("/media/" + photo.file.name).status_code == 200


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        ("```picture\nphoto: 999999\n```", "line 7: picture: no photo 999999 in the library"),
        ("```picture\nphoto: {photo}\nsize: huge\n```", "line 7: picture: size 'huge'"),
        ("```picture\nalt: No photo named\n```", "line 7: picture: `photo:` is missing"),
        ("```picture\nphoto: {photo}\ncaption: a: b\n```", "line 9: picture: not valid"),
        ("```pullquote\nby: Nobody\n```", "line 7: pullquote: `quote:` is missing"),
        ("```keyfacts\nfacts: one\n```", "line 7: keyfacts: `facts:` must be a list"),
    ],
)
def test_a_block_that_cannot_be_read_fails_its_file_naming_the_line(tmp_path, block, reason):
    photo = make_image()
    path = tmp_path / "bad.md"
    front = "---\nheadline: Mill fire\nsection: City\n---\n"
    path.write_text(front + "Text.\n\n" + block.format(photo=photo.pk) + "\n", "utf-8")
    (tmp_path / "good.md").write_text(front.replace("Mill", "Barn") + "Text.\n", "utf-8")

    _, err, _ = run_failing_import(tmp_path)

    assert f"FAILED {path}: {reason}" in err
    assert list(Article.objects.values_list("headline", flat=True)) == ["Barn fire"]
    assert not BodyPicture.objects.exists()


def test_tags_differing_only_in_case_or_unicode_form_are_one_tag(tmp_path):
    story = tmp_path / "cafe.md"
    story.write_text(
        "---\nheadline: Cafés\nsection: food\n"
        "tags: [Café, 'Cafe\u0301', CAFÉ, POLITICS, politics]\n---\nText.\n"
    )
    run_import(story)
    assert len(Article.objects.get().tags.all()) == 2


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "file is empty"),
        ("blank.txt", b"\n \n\n", "file is empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("latin1.txt", "Caf\xe9 opens\n\nText.".encode("latin-1"), "not UTF-8"),
        ("front.md", b"---\nheadline: [unclosed\n---\nBody\n", "not valid YAML"),
        ("nohead.md", b"Just a paragraph with no headline.\n", "no headline"),
        ("bell.md", b"---\nheadline: A bell \x07 rings\n---\nBody\n", "not valid YAML"),
    ],
)
def test_a_bad_file_is_named_with_its_reason_and_nothing_is_saved(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    _, err, message = run_failing_import(path, "--section", "news")
    assert f"FAILED {path}:" in err
    assert reason in err
    assert "1 file(s) failed" in message
    assert not Article.objects.exists() and not Section.objects.exists()


def test_a_good_file_into_a_section_named_like_a_site_path_is_refused_and_nothing_is_saved(
    tmp_path,
):
    path = tmp_path / "story.txt"
    path.write_bytes(b"Headline\n\nBody.\n")
    _, err, message = run_failing_import(path, "--section", "search")
    assert f"FAILED {path}:" in err
    assert "cannot create section 'search'" in err and "used by the site itself" in err
    assert "1 file(s) failed" in message
    assert not Article.objects.exists() and not Section.objects.exists()


def test_a_folder_mixing_good_and_bad_files_imports_the_good_ones(tmp_path):
    (tmp_path / "good-one.txt").write_text("First good story\n\nIt has a paragraph.\n")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "good-two.md").write_text("# Second good story\n\nText.\n")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "photo.txt").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    (tmp_path / "notes.docx").write_bytes(b"ignored: not a story format")

    out, err, _ = run_failing_import(tmp_path, "--section", "news")

    assert sorted(Article.objects.values_list("headline", flat=True)) == [
        "First good story", "Second good story",
    ]  # fmt: skip
    assert "empty.txt: file is empty" in err and "photo.txt:" in err
    assert "2 created, 0 updated, 0 unchanged, 2 failed" in out


def test_a_missing_path_is_reported_and_exits_non_zero(tmp_path):
    (tmp_path / "real.txt").write_text("Real story\n\nText.\n")
    _, err, _ = run_failing_import(
        tmp_path / "real.txt", tmp_path / "missing.txt", "--section", "news"
    )
    assert f"{tmp_path / 'missing.txt'}: no such file or folder" in err
    assert Article.objects.count() == 1


def test_dry_run_checks_everything_and_saves_nothing(tmp_path):
    (tmp_path / "story.txt").write_text("A story\n\nText.\n")
    out, _ = run_import(tmp_path, "--section", "news", "--author", "New Person", "--dry-run")
    assert "Dry run, nothing saved: 1 created" in out
    assert not Article.objects.exists() and not Author.objects.exists()


def test_an_oversized_or_deeply_nested_body_is_refused(tmp_path):
    (tmp_path / "deep.md").write_text(
        "---\nheadline: Deep\nbody_format: html\n---\n" + "<blockquote>" * 5000
    )
    tables = "<table><tr><td>" * 8 + "x" + "</td></tr></table>" * 8  # nh3 adds <tbody>
    (tmp_path / "deeper.md").write_text("---\nheadline: Deeper\nbody_format: html\n---\n" + tables)
    (tmp_path / "huge.txt").write_text("Huge\n\n" + "word " * 600_000)
    _, err, _ = run_failing_import(tmp_path, "--section", "news")
    assert "deep.md: The body nests elements more than" in err
    assert "deeper.md: The body nests elements more than" in err
    assert "huge.txt: file is too large (2.9 MB; limit 2 MB)" in err
    assert not Article.objects.exists()


def test_bad_published_at_is_a_clear_command_error(tmp_path):
    (tmp_path / "s.txt").write_text("S\n\nT.\n")
    _, _, message = run_failing_import(
        tmp_path, "--section", "n", "--publish", "--published-at", "tomorrow"
    )
    assert "--published-at is not an ISO 8601 date and time" in message
    _, _, message = run_failing_import(
        tmp_path, "--section", "n", "--published-at", "2026-01-01T00:00"
    )
    assert "only applies together with --publish" in message


def test_a_slug_from_a_file_is_made_safe_and_the_site_keeps_working(tmp_path, client):
    (tmp_path / "s.md").write_text(
        "---\nheadline: Odd slug\nslug: 'hello world!/../x'\n---\nText.\n"
    )
    run_import(tmp_path / "s.md", "--section", "news", "--publish")
    article = Article.objects.get()
    assert article.slug == "hello-worldx"
    for url in ["/", "/news/", "/feed/", article.get_absolute_url()]:
        assert client.get(url).status_code == 200, url


def test_two_files_with_the_same_headline_are_two_stories(tmp_path):
    (tmp_path / "a.txt").write_text("Weather\n\nRain in the morning.\n")
    (tmp_path / "b.txt").write_text("Weather\n\nSun in the afternoon.\n")
    out, _ = run_import(tmp_path, "--section", "news")
    assert "2 created" in out
    assert sorted(Article.objects.values_list("slug", flat=True)) == ["weather", "weather-2"]


def test_fixing_a_headline_typo_updates_the_same_story(tmp_path):
    story = tmp_path / "storm.txt"
    story.write_text("Stomr warning\n\nWind tonight.\n")
    run_import(story, "--section", "news")
    story.write_text("Storm warning\n\nWind tonight.\n")
    out, _ = run_import(story, "--section", "news")
    assert "1 updated" in out
    assert list(Article.objects.values_list("headline", flat=True)) == ["Storm warning"]


def test_reimporting_without_bylines_or_tags_keeps_those_editors_added(tmp_path):
    story = tmp_path / "s.txt"
    story.write_text("A story\n\nText.\n")
    run_import(story, "--section", "news", "--author", "Ada Reporter", "--tag", "Harbour")
    out, _ = run_import(story, "--section", "news")
    article = Article.objects.get()
    assert [a.name for a in article.byline_authors()] == ["Ada Reporter"]
    assert list(article.tags.names()) == ["Harbour"]
    assert "1 unchanged" in out


def _live_import(tmp_path, text: str, *args):
    story = tmp_path / "ferry.txt"
    story.write_text(text, encoding="utf-8")
    return run_import(story, "--section", "city", *args)


def test_reimporting_over_a_live_story_waits_as_changes_unless_published(tmp_path, client):
    _live_import(tmp_path, "Ferry returns\n\nThe ferry is back.\n", "--publish")
    article = Article.objects.get()

    _live_import(tmp_path, "Ferry returns\n\nThe ferry is back, on time.\n")
    article.refresh_from_db()
    assert (article.body, article.pending_state) == ("<p>The ferry is back.</p>", "draft")
    assert "on time" not in client.get(article.get_absolute_url()).content.decode()

    _live_import(tmp_path, "Ferry returns\n\nThe ferry is back, on time.\n", "--publish")
    article.refresh_from_db()
    assert (article.body, article.pending_state) == ("<p>The ferry is back, on time.</p>", "")
    assert "on time" in client.get(article.get_absolute_url()).content.decode()


def test_a_live_story_editors_changed_since_the_import_is_not_replaced_without_overwrite(
    tmp_path,
):
    from articles import revisions

    _live_import(tmp_path, "Ferry returns\n\nThe ferry is back.\n", "--publish")
    article = Article.objects.get()
    edited = {**revisions.current_content(article), "standfirst": "An editor's standfirst."}
    revisions.save_edit(article, edited, by=None, note="Edited in the admin")

    (tmp_path / "ferry.txt").write_text("Ferry returns\n\nThe ferry is late.\n", encoding="utf-8")
    _, err, _ = run_failing_import(tmp_path / "ferry.txt", "--section", "city", "--publish")
    assert "editors changed “Ferry returns” since it was last imported" in err
    article.refresh_from_db()
    assert article.pending_revision.standfirst == "An editor's standfirst."
    assert article.body == "<p>The ferry is back.</p>"

    _live_import(tmp_path, "Ferry returns\n\nThe ferry is late.\n", "--publish", "--overwrite")
    article.refresh_from_db()
    assert (article.body, article.pending_state) == ("<p>The ferry is late.</p>", "")


def test_reimporting_tags_written_differently_from_the_stored_ones_changes_nothing(tmp_path):
    story = tmp_path / "tags.md"
    story.write_text("---\nheadline: Tags\ntags: [Harbour]\n---\nBody.\n", encoding="utf-8")
    run_import(story, "--section", "city")
    story.write_text("---\nheadline: Tags\ntags: ['  harbour ']\n---\nBody.\n", encoding="utf-8")

    out, _ = run_import(story, "--section", "city")

    assert "1 unchanged" in out
    assert Article.objects.get().version == 1


def test_new_authors_and_sections_named_like_existing_ones_do_not_stop_the_import(tmp_path):
    Author.objects.create(name="Jane Doe")
    Section.objects.create(name="Sport")
    for name, author in [("a.txt", "Jane Doe!"), ("b.txt", "Jane Doe?")]:
        (tmp_path / name).write_text(f"{author} writes\n\nText.\n", encoding="utf-8")

    out, _ = run_import(tmp_path / "a.txt", tmp_path / "b.txt", "--section", "Sport!",
                        "--author", "Jane Doe!")  # fmt: skip

    assert "2 created" in out
    assert sorted(Author.objects.values_list("slug", flat=True)) == ["jane-doe", "jane-doe-2"]
    assert Section.objects.count() == 1
    assert Article.objects.filter(section__name="Sport").count() == 2


# --- Batches of files ------------------------------------------------------------------------


def write_story(folder: Path, name: str, headline: str, *, section="City", authors=(), tags=(),
                extra="", body="The council met.") -> Path:  # fmt: skip
    front = f"headline: {headline}\nsection: {section}\n{extra}"
    front += f"authors: [{', '.join(authors)}]\n" if authors else ""
    front += f"tags: [{', '.join(tags)}]\n" if tags else ""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}---\n{body}\n\n## What next\n\nA vote in May.\n", "utf-8")
    return path


def search_index() -> dict[int, tuple]:
    """What the search index holds, by article."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, headline, tags, authors, standfirst, body "  # noqa: S608
                f"FROM {search.SqliteSearch.table}"
            )
            return {row[0]: row[1:] for row in cursor.fetchall()}
    return {pk: (str(vector),) for pk, vector in ArticleSearch.objects.values_list("pk", "vector")}


def test_a_bad_file_in_a_batch_leaves_nothing_behind_and_the_files_around_it_land(
    tmp_path, django_capture_on_commit_callbacks
):
    write_story(tmp_path, "a.md", "First good story", authors=["Ada Reporter"], tags=["Harbour"])
    # Refused while its new authors are made: the first is made, the second refused.
    write_story(tmp_path, "b.md", "Refused byline", authors=["Brand New Person", "X" * 200],
                tags=["Only in b"])  # fmt: skip
    # Refused after its rows are written: loaded as withdrawn, it cannot be published.
    withdrawn = {
        "headline": "Withdrawn story", "slug": "withdrawn-story", "state": "withdrawn",
        "published_at": "2025-01-01T09:00:00+00:00", "section": "City", "body": "<p>Gone.</p>",
        "authors": ["Withdrawn Writer"], "tags": ["Only in c"],
    }  # fmt: skip
    (tmp_path / "c.json").write_text(json.dumps({"articles": [withdrawn]}), "utf-8")
    (tmp_path / "d.txt").write_bytes(b"")
    write_story(tmp_path, "e.md", "Last good story", authors=["Bo Writer"], tags=["Ferries"])

    with django_capture_on_commit_callbacks(execute=True):
        out, err, message = run_failing_import(tmp_path, "--publish")

    good = {a.headline: a.pk for a in Article.objects.all()}
    assert set(good) == {"First good story", "Last good story"}
    assert set(Author.objects.values_list("name", flat=True)) == {"Ada Reporter", "Bo Writer"}
    assert set(Tag.objects.values_list("name", flat=True)) == {"Harbour", "Ferries"}
    for model, field in [(ArticleAuthor, "article"), (TaggedArticle, "content_object"),
                         (Revision, "article"), (WorkflowEvent, "article")]:  # fmt: skip
        assert sorted(model.objects.values_list(field, flat=True)) == sorted(good.values()), model
    assert set(search_index()) == set(good.values())
    assert "b.md: cannot create author 'XXX" in err and "at most 150 characters" in err
    assert "c.json: “Withdrawn story” is withdrawn; it cannot be given “publish now”" in err
    assert "d.txt: file is empty" in err
    assert "2 created, 0 updated, 0 unchanged, 3 failed" in out
    assert "3 file(s) failed" in message


def stored_state() -> tuple:
    return (
        snapshot(),
        list(Revision.objects.order_by("pk").values_list("pk", "version", "content")),
        list(WorkflowEvent.objects.order_by("pk").values_list("pk", "to_state")),
        sorted(ArticleAuthor.objects.values_list("article", "author", "position")),
        sorted(TaggedArticle.objects.values_list("content_object", "tag")),
    )


def test_reimporting_a_batch_changes_nothing_and_an_edited_file_is_an_update(tmp_path):
    names, tags = ["Ada Reporter", "Bo Writer"], ["Harbour", "Ferries", "Café"]
    for n in range(6):
        section = ["City", "Sport"][n % 2]
        write_story(tmp_path, f"story-{n}.md", f"Story {n} of the day", section=section,
                    authors=names[: n % 2 + 1], tags=tags[: n % 3 + 1])  # fmt: skip
    run_import(tmp_path, "--publish")
    before = stored_state()

    out, _ = run_import(tmp_path, "--publish")

    assert "0 created, 0 updated, 6 unchanged, 0 failed" in out
    assert stored_state() == before
    write_story(tmp_path, "story-3.md", "Story 3 of the day", section="Sport",
                authors=["Ada Reporter", "Bo Writer"], body="The council met again.")  # fmt: skip
    out, _ = run_import(tmp_path, "--publish")
    assert "0 created, 1 updated, 5 unchanged, 0 failed" in out
    assert Article.objects.get(headline="Story 3 of the day").body.startswith(
        "<p>The council met again.</p>"
    )


@pytest.mark.parametrize("options", [[], ["--publish"]], ids=["drafts", "published"])
def test_an_import_costs_a_few_queries_a_batch_not_a_few_a_story(tmp_path, options):
    for name in ["City", "Sport"]:
        make_section(name=name, slug=name.lower())
    authors = [make_author(name=f"Reporter {n}").name for n in range(4)]
    tags = [Tag.objects.create(name=f"Topic {n}", slug=f"topic-{n}").name for n in range(6)]

    def queries(count: int, name: str) -> tuple[int, int]:
        """(queries to import `count` new stories, queries to import them again)."""
        for n in range(count):
            write_story(tmp_path / name, f"{name}-{n}.md", f"{name} story {n}",
                        section=["City", "Sport"][n % 2], authors=authors[n % 3 : n % 3 + 2],
                        tags=tags[n % 4 : n % 4 + 3])  # fmt: skip
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                run_import(tmp_path / name, *options)
            counts.append(len(captured))
        return counts[0], counts[1]

    small, large = queries(10, "small"), queries(30, "large")

    # Published, the planning desk asks whom to tell once a batch (signals.stories_moved).
    assert large[0] <= small[0] + 3, (small, large)  # 20 more new stories
    assert large[1] <= small[1] + 3, (small, large)  # nor 20 more unchanged ones
    # Publishing goes through the workflow (events, revisions, purges): a few queries a batch.
    assert small[0] <= (35 if "--publish" in options else 30) and small[1] <= 25, small


def test_a_batch_reads_stored_stories_as_the_edit_path_does(tmp_path):
    """Re-imports compare each file with the stored story, read a batch at a time; what is read
    must be what revisions.current_content() reads, field for field, or a re-import misjudges."""
    live = make_article(
        authors=[make_author(), make_author()], tags=["Harbour", "Ferries"],
        hero_image=make_image(), hero_caption="At dawn.", seo_title="SEO",
    )  # fmt: skip
    live.related.add(make_article(), make_article())
    Correction.objects.create(article=live, text="A name was misspelled.")
    edited = {**revisions.current_content(live), "standfirst": "Changes waiting."}
    revisions.save_edit(live, edited, by=None)  # held as pending changes: the story is live
    draft = make_article(published=False, tags=["Solo"])
    stored = list(Article.objects.select_related("pending_revision").filter(import_key=None))

    read = revisions.current_contents(stored)

    assert read[live.pk]["standfirst"] == "Changes waiting."
    assert read == {article.pk: revisions.current_content(article) for article in stored}
    assert {live.pk, draft.pk} <= set(read)


def saved_world(purged: list[str], started: datetime) -> dict:
    """Every row imports write (the planning desk's notifications included), every column, and
    every key they purged, with ids given as
    names and times of the run as "during the import", so that two imports of the same files
    into an empty database compare equal when they wrote the same."""
    headlines = dict(Article.objects.values_list("pk", "headline"))
    authors = dict(Author.objects.values_list("pk", "name"))
    tags = dict(Tag.objects.values_list("pk", "name"))
    sections = dict(Section.objects.values_list("pk", "name"))
    users = dict(get_user_model().objects.values_list("pk", "username"))
    ids = {"article_id": headlines, "content_object_id": headlines, "author_id": authors,
           "tag_id": tags, "section_id": sections, "recipient_id": users,
           "user_id": users}  # fmt: skip

    def value(column: str, value):
        if column in ids:
            return None if value is None else ids[column][value]
        if column == "content":  # a revision's
            bylines = [authors[a] for a in value["bylines"]]
            return {**value, "section": sections[value["section"]], "bylines": bylines}
        if isinstance(value, datetime) and value >= started:
            return "during the import"
        return value

    def rows(model) -> list:
        described = []
        for row in model.objects.values():
            row.pop("id")
            described.append(repr(sorted((column, value(column, v)) for column, v in row.items())))
        return sorted(described)

    by_prefix = {"article": headlines, "author": authors, "author-list": authors, "tag": tags,
                 "tag-list": tags, "section-list": sections}  # fmt: skip

    def named(key: str) -> str:
        prefix, _, number = key.rpartition("-")
        return f"{prefix}-{by_prefix[prefix][int(number)]}" if prefix in by_prefix else key

    models = [Article, Section, Author, Tag, ArticleAuthor, TaggedArticle, Revision, WorkflowEvent,
              BodyPicture, Notification]  # fmt: skip
    return {
        **{model.__name__: rows(model) for model in models},
        "search": {headlines[pk]: row for pk, row in search_index().items()},
        "purged": sorted({named(key) for key in purged}),
    }


LONG_AGO = datetime(2024, 1, 1, tzinfo=UTC)
BACKDATED = ["--publish", "--published-at", "2024-05-01T09:00:00+00:00", "--tag", "Archive"]
# Bylines that are staff accounts: publishing tells them (planning/notifications.py).
STAFF_AUTHORS = {"Ada Reporter": "ada", "Cy Sports": "cy"}


@pytest.fixture
def import_together_and_one_by_one(tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    """Import tmp_path's files one story at a time, then again (into an emptied database)
    together, recording every key purged; returns what each left (saved_world())."""
    purged = []
    purge = page_cache.purge
    # A spy that calls through: the pages are purged as ever, and the keys are kept.
    monkeypatch.setattr(page_cache, "purge", lambda keys: (purged.extend(keys), purge(keys)))
    people = {
        name: make_staff("Writer", username, email=f"{username}@example.org")
        for name, username in STAFF_AUTHORS.items()
    }

    def imported(options, *, established: bool, one_by_one: bool) -> dict:
        started = timezone.now()
        with monkeypatch.context() as patch, django_capture_on_commit_callbacks(execute=True):
            # Sections made here, not by the import, whose purges would hide the navigation's.
            for name in ["City", "Sport"]:
                section = make_section(name=name, slug=name.lower())
                if established:  # the navigation lists the section already
                    make_article(
                        section=section, headline=f"Earlier {name} story", standfirst="",
                        body="<p>Earlier.</p>", published_at=LONG_AGO,
                    )  # fmt: skip
            for name, user in people.items():
                make_author(name=name, user=user)
            purged.clear()
            if one_by_one:  # every file through import_story(), as before batches
                patch.setattr(importing.batch._Batch, "_goes_together", lambda batch, file: False)
            run_import(tmp_path, *options)
        return saved_world(purged, started)

    def run(options, *, established=False) -> tuple[dict, dict]:
        expected = imported(options, established=established, one_by_one=True)
        with django_capture_on_commit_callbacks(execute=True):
            Article.objects.all().delete()
        for model in (Author, Section, Tag):
            model.objects.all().delete()
        return imported(options, established=established, one_by_one=False), expected

    return run


@pytest.mark.parametrize(
    ("options", "established"),
    [([], False), (["--publish"], False), (["--publish"], True), (BACKDATED, False)],
    ids=["drafts", "published", "published-beside-published-stories", "backdated-with-a-tag"],
)
def test_stories_saved_together_are_saved_as_they_would_be_one_by_one(
    tmp_path, import_together_and_one_by_one, options, established
):
    twice = ["Ada Reporter", "Bo Writer", "ada reporter"]  # one byline, whatever the case
    photo, other = make_image(caption="Own caption"), make_image()
    pictures = f"```picture\nphoto: {photo.pk}\n```\n\n```picture\nphoto: {other.pk}\n```"
    write_story(tmp_path, "a.md", "Harbour   reopens", authors=twice, tags=["Café", "Harbour"],
                extra="standfirst: After the storm.\n", body=pictures)  # fmt: skip
    (tmp_path / "more").mkdir()
    exported = {"headline": "From an export", "slug": "from-an-export", "section": "City",
                "body": f'<figure data-block="picture" data-photo="{other.pk}"></figure>'
                        '<figure data-block="picture" data-photo="99999"></figure>'}  # fmt: skip
    (tmp_path / "more" / "e.json").write_text(json.dumps({"articles": [exported]}), "utf-8")
    write_story(tmp_path, "b.md", "Ferry strike ends", section="city", authors=["Ada Reporter"],
                tags=["'Cafe\u0301'", "HARBOUR", "Strikes"])  # fmt: skip
    write_story(tmp_path, "c.md", "Cup final tonight", section="Sport!", authors=["Cy Sports"],
                extra="seo_title: Cup final\nupdated_at: 2024-04-01T10:00:00+00:00\n")  # fmt: skip
    write_story(tmp_path / "more", "d.md", "No byline here", section="Sport", tags=["Strikes"])

    together, expected = import_together_and_one_by_one(options, established=established)

    assert together == expected
    assert len(expected["search"]) == 5 + 2 * established
    assert len(expected["BodyPicture"]) == 3  # a photo deleted since is not listed
    assert (f"image-{photo.pk}" in expected["purged"]) == ("--publish" in options)
    assert ("sections" in expected["purged"]) == (options != [] and not established)
    assert len(expected["Notification"]) == (3 if "--publish" in options else 0)


def test_twenty_stories_published_together_leave_what_twenty_one_story_imports_leave(
    tmp_path, import_together_and_one_by_one
):
    """Events, revisions, notifications and purges, row by row and key by key."""
    bylines = [["Ada Reporter"], ["Cy Sports", "Bo Writer"], ["Bo Writer"], []]
    for n in range(20):
        write_story(tmp_path, f"story-{n:02d}.md", f"Story {n} of the day",
                    section=["City", "Sport"][n % 2], authors=bylines[n % 4],
                    tags=[["Harbour"], ["Ferries", "Strikes"], []][n % 3])  # fmt: skip

    together, expected = import_together_and_one_by_one(["--publish"])

    for name in ["WorkflowEvent", "Revision", "Notification", "purged"]:
        assert together[name] == expected[name], name
    assert together == expected
    assert len(expected["WorkflowEvent"]) == len(expected["Revision"]) == 20
    told = sorted(row for row in expected["Notification"] if "'published'" in row)
    assert len(told) == len(expected["Notification"]) == 10  # Ada's 5 stories and Cy's 5
    assert {"home", "feeds", "sections", "schedule"} <= set(expected["purged"])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_assignee_of_a_planned_story_an_import_publishes_is_told(tmp_path, mailoutbox):
    city = make_section(name="City", slug="city")
    reporter = make_staff("Writer", "rita", email="rita@example.org")
    planned = make_article(
        headline="Harbour reopens", brief="The harbour after the storm", assignee=reporter,
        section=city, published=False, import_key="file:harbour", body="",
    )  # fmt: skip
    write_story(tmp_path, "harbour.md", "Harbour reopens", body="Boats are back.")
    for n in range(3):  # new stories beside it, saved together
        write_story(tmp_path, f"other-{n}.md", f"Other story {n}")

    background.mail.wait()
    mailoutbox.clear()  # the assignment's
    out, _ = run_import(tmp_path, "--publish")
    background.mail.wait()

    assert "3 created, 1 updated" in out
    planned.refresh_from_db()
    assert planned.state == Article.State.PUBLISHED
    told = Notification.objects.get(recipient=reporter, kind="published")
    assert (told.article, told.email) == (planned, Notification.Email.SENT)
    assert [m.to for m in mailoutbox] == [["rita@example.org"]]
    assert "Your story “Harbour reopens” was published" in mailoutbox[0].subject


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_crash_in_the_middle_of_an_import_leaves_only_whole_files(tmp_path, monkeypatch):
    monkeypatch.setattr(importing.batch, "BATCH_FILES", 2)
    for n in range(5):
        write_story(tmp_path, f"s{n}.md", f"Story number {n}", authors=[f"Writer {n}"],
                    tags=[f"Topic {n}"])  # fmt: skip
    batches = []
    save_new = importing.batch._Batch._save_new

    def crash_in_the_second_batch(batch, plans):
        save_new(batch, plans)  # its rows written, not yet committed
        batches.append(plans)
        if len(batches) == 2:
            raise RuntimeError("the machine went down")

    monkeypatch.setattr(importing.batch._Batch, "_save_new", crash_in_the_second_batch)
    with pytest.raises(RuntimeError):
        run_import(tmp_path, "--publish")

    landed = list(Article.objects.order_by("headline"))
    assert [a.headline for a in landed] == ["Story number 0", "Story number 1"]
    for article in landed:
        assert [a.name for a in article.byline_authors()] == [f"Writer {article.headline[-1]}"]
        assert list(article.tags.names()) == [f"Topic {article.headline[-1]}"]
        assert article.revisions.count() == 1 and article.events.count() == 1
    assert Author.objects.count() == 2 and Tag.objects.count() == 2
    found = search.search_articles("story number")
    assert sorted(a.headline for a in found) == ["Story number 0", "Story number 1"]
