"""Every change to a story keeps a revision and a new version; editors compare and restore."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, Revision
from articles.revisions import word_diff
from tests.factories import article_form_data, make_article, make_staff

pytestmark = pytest.mark.django_db


def _save(client, article, **changes):
    article.refresh_from_db()
    url = reverse("admin:articles_article_change", args=[article.pk])
    assert client.post(url, article_form_data(article, **changes)).status_code == 302


def test_each_save_keeps_a_revision_with_who_and_when(client):
    editor = make_staff("Editor")
    client.force_login(editor)
    article = make_article(headline="First headline")
    _save(client, article, headline="Second headline")
    _save(client, article, headline="Third headline")

    kept = list(Revision.objects.filter(article=article).order_by("version"))
    assert [r.headline for r in kept] == ["First headline", "Second headline", "Third headline"]
    assert [r.created_by for r in kept[1:]] == [editor, editor]


def test_compare_shows_a_word_level_diff_of_headline_standfirst_and_body(client):
    client.force_login(make_staff("Editor"))
    article = make_article(
        headline="Mayor resigns",
        standfirst="After a vote.",
        body="<p>The mayor left on Monday.</p>",
    )
    _save(
        client, article, headline="Mayor resigns suddenly", body="<p>The mayor left on Friday.</p>"
    )
    older, newer = Revision.objects.filter(article=article).order_by("version")

    url = reverse("admin:articles_article_compare", args=[article.pk])
    html = client.get(url, {"a": newer.pk, "b": older.pk}).content.decode()

    assert "Mayor resigns<ins> suddenly</ins>" in html
    assert "<del>Monday.</del><ins>Friday.</ins>" in html
    assert "Standfirst" not in html  # unchanged fields are not listed


def test_restore_puts_old_words_back_as_a_new_revision(client):
    editor = make_staff("Editor")
    client.force_login(editor)
    article = make_article(published=False, headline="Original", body="<p>Original body.</p>")
    _save(client, article, headline="Vandalised", body="<p>Nonsense.</p>")
    original = Revision.objects.get(article=article, version=1)

    response = client.post(
        reverse("admin:articles_article_restore", args=[article.pk, original.pk])
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.headline, article.body, article.version) == (
        "Original",
        "<p>Original body.</p>",
        3,
    )
    latest = Revision.objects.filter(article=article).first()
    assert (latest.version, latest.created_by, latest.note) == (3, editor, "Restored version 1")


def test_a_writer_cannot_restore_a_story_past_draft(client):
    writer = make_staff("Writer")
    article = make_article(
        published=False, state=Article.State.REVIEW, headline="In review", created_by=writer
    )
    revision = Revision.objects.create(
        article=article, version=1, content={"headline": "Old", "body": ""}
    )
    client.force_login(writer)
    client.post(reverse("admin:articles_article_restore", args=[article.pk, revision.pk]))
    article.refresh_from_db()
    assert (article.headline, article.version) == ("In review", 1)


def test_restoring_a_revision_of_a_live_story_asks_first_then_makes_pending_changes(client):
    editor = make_staff("Editor")
    client.force_login(editor)
    article = make_article(headline="Live headline", body="<p>Live body.</p>")
    _save(client, article, headline="Second thoughts")
    client.post(reverse("admin:articles_article_transition", args=[article.pk, "publish_changes"]))
    first = Revision.objects.get(article=article, version=1)
    url = reverse("admin:articles_article_restore", args=[article.pk, first.pk])

    asked = client.post(url)
    article.refresh_from_db()
    assert asked.status_code == 200 and "Restore version 1" in asked.content.decode()
    assert (article.headline, article.version, article.pending_state) == ("Second thoughts", 2, "")

    assert client.post(url, {"confirm": "yes"}).status_code == 302
    article.refresh_from_db()
    assert article.headline == "Second thoughts"  # readers still see the live version
    assert (article.version, article.pending_state) == (3, "draft")
    assert article.pending_revision.headline == "Live headline"
    assert "Second thoughts" in client.get(article.get_absolute_url()).content.decode()


def test_word_diff_marks_changed_words_only():
    assert word_diff("a quick fox", "a slow fox") == [
        ("equal", "a "), ("delete", "quick"), ("insert", "slow"), ("equal", " fox"),
    ]  # fmt: skip


def _versions(article) -> list[tuple[int, str]]:
    return list(
        Revision.objects.filter(article=article).order_by("version").values_list("version", "note")
    )


def test_an_admin_save_an_import_and_a_restore_each_leave_a_revision_and_a_new_version(
    client, tmp_path
):
    story = tmp_path / "harbour.txt"
    story.write_text("Harbour reopens\n\nThe harbour reopened today.\n", encoding="utf-8")
    call_command("import_articles", str(story), "--section", "city", stdout=StringIO())
    article = Article.objects.get()
    assert (article.version, _versions(article)) == (1, [(1, "Imported from a file")])

    editor = make_staff("Editor")
    client.force_login(editor)
    _save(client, article, headline="Harbour reopens after storm")
    article.refresh_from_db()
    assert (article.version, _versions(article)[-1]) == (2, (2, ""))

    story.write_text("Harbour reopens\n\nThe harbour reopened at dawn.\n", encoding="utf-8")
    call_command("import_articles", str(story), "--section", "city", stdout=StringIO())
    article.refresh_from_db()
    assert (article.version, _versions(article)[-1]) == (3, (3, "Imported from a file"))

    first = Revision.objects.get(article=article, version=1)
    client.post(reverse("admin:articles_article_restore", args=[article.pk, first.pk]))
    article.refresh_from_db()
    assert (article.version, _versions(article)[-1]) == (4, (4, "Restored version 1"))
    assert article.body == first.body


def test_an_import_that_changes_only_bylines_still_makes_a_new_version(tmp_path):
    story = tmp_path / "harbour.txt"
    story.write_text("Harbour reopens\n\nThe harbour reopened today.\n", encoding="utf-8")
    call_command("import_articles", str(story), "--section", "city", stdout=StringIO())
    call_command(
        "import_articles", str(story), "--section", "city", "--author", "Ada Reporter",
        stdout=StringIO(),
    )  # fmt: skip

    article = Article.objects.get()
    assert [a.name for a in article.byline_authors()] == ["Ada Reporter"]
    assert (article.version, [v for v, _ in _versions(article)]) == (2, [1, 2])


def test_a_story_made_without_a_revision_keeps_its_stored_words_as_the_base(client):
    client.force_login(make_staff("Editor"))
    article = make_article(headline="Loaded in bulk")  # no revision yet

    _save(client, article, headline="Edited here")

    assert [r.headline for r in Revision.objects.filter(article=article).order_by("version")] == [
        "Loaded in bulk",
        "Edited here",
    ]
