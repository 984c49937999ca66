"""Staff notes on a story: threads, @mentions of people who may see it, a short window to
correct one's own note, kept in the story's history; the send-back reason is a note too."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from planning import notes
from planning.models import Note
from tests.factories import make_article, make_desk, make_section, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom():
    city = make_section(name="City")
    editor = make_staff("Editor", "edna", first_name="Edna", last_name="Editor")
    writer = make_staff("Writer", "wren")
    make_desk(city, editors=[editor])
    story = make_article(published=False, section=city, created_by=writer, headline="Ferry")
    return editor, writer, story


def change_page(client, user, story) -> str:
    client.force_login(user)
    response = client.get(reverse("admin:articles_article_change", args=[story.pk]))
    assert response.status_code == 200
    return response.content.decode()


def post_note(client, user, story, text, *, reply_to=None):
    client.force_login(user)
    if reply_to is None:
        url = reverse("admin:articles_article_note", args=[story.pk])
    else:
        url = reverse("admin:articles_article_note_reply", args=[story.pk, reply_to.pk])
    return client.post(url, {"text": text})


def test_a_note_is_written_and_shown_on_the_story_as_escaped_text_with_its_lines(client, newsroom):
    editor, writer, story = newsroom

    response = post_note(client, writer, story, "Source confirmed.\n<b>Call</b> the port")

    assert response.status_code == 302
    assert response["Location"].endswith(f"/articles/article/{story.pk}/change/#note-"
                                          f"{Note.objects.get().pk}")  # fmt: skip
    note = Note.objects.get()
    assert (note.author, note.article, note.parent) == (writer, story, None)
    html = change_page(client, editor, story)
    assert "Source confirmed.<br>&lt;b&gt;Call&lt;/b&gt; the port" in html
    assert "<b>Call</b>" not in html


def test_a_reply_joins_the_thread_of_the_note_it_answers(client, newsroom):
    editor, writer, story = newsroom
    post_note(client, writer, story, "Is the timetable final?")
    first = Note.objects.get()

    post_note(client, editor, story, "Yes, from Monday.", reply_to=first)
    reply = Note.objects.exclude(pk=first.pk).get()
    post_note(client, writer, story, "Thanks!", reply_to=reply)

    assert reply.parent == first
    [thread] = notes.threads(story, editor)
    assert thread == first
    assert [n.text for n in thread.replies_shown] == ["Yes, from Monday.", "Thanks!"]
    html = change_page(client, writer, story)
    shown = html[html.index('id="notes-title"') :]
    assert shown.index("Is the timetable final?") < shown.index("Yes, from Monday.")


def test_a_reply_to_another_storys_note_is_refused(client, newsroom):
    editor, writer, story = newsroom
    elsewhere = make_article(published=False, section=story.section, created_by=writer)
    foreign = notes.write(elsewhere, by=editor, text="Elsewhere")

    response = post_note(client, writer, story, "Hijack", reply_to=foreign)

    assert response.status_code == 404
    assert not Note.objects.filter(text="Hijack").exists()


def test_mentions_name_only_active_staff_who_may_see_the_story(client, newsroom):
    editor, writer, story = newsroom
    make_staff("Writer", "otto")  # another writer: may not see this story
    make_staff("Editor", "sam")  # an editor on no desk: sees every story
    make_staff("Editor", "gone", is_active=False)

    post_note(
        client, writer, story,
        "@edna and @sam.edited? No: @sam. Also @otto, @gone, @nobody and mail@edna.example",
    )  # fmt: skip

    note = Note.objects.get()
    assert sorted(u.username for u in note.mentions.all()) == ["edna", "sam"]
    html = change_page(client, editor, story)
    assert "@otto" in html and "@nobody" in html  # left as plain text
    assert "Mentions: Edna Editor, sam" in html


def test_an_editor_on_another_desk_may_see_and_be_mentioned(newsroom):
    _, writer, story = newsroom
    sporty = make_staff("Editor", "sporty")
    make_desk(make_section(name="Far"), editors=[sporty])

    note = notes.write(story, by=writer, text="@sporty can you look?")

    assert list(note.mentions.all()) == [sporty]


def test_its_author_corrects_a_note_within_the_window_and_it_is_stamped(client, newsroom):
    editor, writer, story = newsroom
    post_note(client, writer, story, "Meet at 10")
    note = Note.objects.get()
    url = reverse("admin:articles_article_note_edit", args=[story.pk, note.pk])

    response = client.post(url, {"text": "Meet at 11, @edna"})

    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == "Meet at 11, @edna" and note.edited_at is not None
    assert list(note.mentions.all()) == [editor]
    assert "Correct this note" in change_page(client, writer, story)
    assert "Correct this note" not in change_page(client, editor, story)


def test_a_correction_after_the_window_is_refused_with_a_message(client, newsroom):
    editor, writer, story = newsroom
    note = notes.write(story, by=writer, text="Meet at 10")
    Note.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - Note.EDITABLE_FOR - timedelta(seconds=1)
    )
    client.force_login(writer)
    url = reverse("admin:articles_article_note_edit", args=[story.pk, note.pk])

    response = client.post(url, {"text": "Meet at 11"}, follow=True)

    assert "that time has passed; nothing changed" in response.content.decode()
    note.refresh_from_db()
    assert note.text == "Meet at 10" and note.edited_at is None
    assert "Correct this note" not in response.content.decode()


def test_only_its_author_corrects_a_note(client, newsroom):
    editor, writer, story = newsroom
    note = notes.write(story, by=writer, text="Meet at 10")
    client.force_login(editor)

    response = client.post(
        reverse("admin:articles_article_note_edit", args=[story.pk, note.pk]),
        {"text": "Meet never"}, follow=True,
    )  # fmt: skip

    assert "Only its author may correct a note" in response.content.decode()
    note.refresh_from_db()
    assert note.text == "Meet at 10"


def test_an_empty_or_overlong_note_is_refused(client, newsroom):
    _, writer, story = newsroom
    for text in ["   ", "x" * (Note.MAX_CHARS + 1)]:
        response = post_note(client, writer, story, text)
        assert response.status_code == 302
    assert not Note.objects.exists()


def test_another_desks_writer_can_neither_read_nor_write_the_storys_notes(client, newsroom):
    editor, _, story = newsroom
    notes.write(story, by=editor, text="Hush: the source is the mayor")
    outsider = make_staff("Writer", "otto")
    client.force_login(outsider)

    assert post_note(client, outsider, story, "Let me in").status_code == 404
    first = Note.objects.get()
    assert post_note(client, outsider, story, "Me too", reply_to=first).status_code == 404
    edit = reverse("admin:articles_article_note_edit", args=[story.pk, first.pk])
    assert client.post(edit, {"text": "Mine now"}).status_code == 404
    page = client.get(reverse("admin:articles_article_change", args=[story.pk]))
    assert "the mayor" not in page.content.decode()
    assert Note.objects.count() == 1


def test_the_note_views_take_only_post(client, newsroom):
    editor, _, story = newsroom
    client.force_login(editor)
    assert client.get(reverse("admin:articles_article_note", args=[story.pk])).status_code == 405


def test_a_writer_may_write_notes_on_their_story_in_review(client, newsroom):
    editor, writer, story = newsroom
    workflow.take(story, "submit", by=writer)

    assert post_note(client, writer, story, "Added the quote").status_code == 302
    assert Note.objects.filter(text="Added the quote").exists()


def test_sending_back_makes_a_note_by_the_editor_with_the_reason(client, newsroom):
    editor, writer, story = newsroom
    workflow.take(story, "submit", by=writer)

    workflow.take(story, "send_back", by=editor, comment="Needs a second source, @wren")

    note = Note.objects.get()
    assert note.author == editor
    assert note.text.endswith("Needs a second source, @wren")
    assert list(note.mentions.all()) == [writer]


def test_sending_back_live_changes_makes_a_note_too(newsroom):
    from articles import revisions

    editor, writer, story = newsroom
    live = make_article(section=story.section, created_by=writer)
    revisions.save_edit(live, {**revisions.current_content(live), "headline": "New"}, by=writer)
    workflow.take(live, "submit_changes", by=writer)

    workflow.take(live, "send_back_changes", by=editor, comment="Keep the old headline")

    assert Note.objects.get(article=live).text.endswith("Keep the old headline")


def test_other_moves_make_no_note(newsroom):
    editor, writer, story = newsroom
    workflow.take(story, "submit", by=writer)
    workflow.take(story, "publish", by=editor)
    assert not Note.objects.exists()


def test_notes_are_in_the_storys_history_in_time_order_with_its_events(client, newsroom):
    editor, writer, story = newsroom
    notes.write(story, by=writer, text="Before submitting")
    workflow.take(story, "submit", by=writer)
    notes.write(story, by=editor, text="Reading it now")

    html = change_page(client, editor, story)
    history = html[html.index('id="history-title"') : html.index("<h3>Preview links")]

    # Newest first, as the events are.
    assert (
        history.index("Reading it now")
        < history.index("In review")
        < history.index("Before submitting")
    )
