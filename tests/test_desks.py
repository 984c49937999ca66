"""Desks: every editor reads every story in the admin, but only the editors whose desks cover
its section (or who are on no desk) act on it: its notes, presence, live preview and preview
links, as for editing it. Each path is refused on the server, and refusing changes nothing.
Who covers a section is one rule, asked of one person or as a query, and both agree."""

import pytest
from django.urls import reverse

from articles import preview, workflow
from articles.models import EditSession, PreviewLink
from planning import notes, notifications
from planning.models import Note
from tests.factories import make_article, make_desk, make_section, make_staff, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def desks():
    city, sport = make_section(name="City"), make_section(name="Sport")
    on_desk, elsewhere, everywhere = (make_staff("Editor") for _ in range(3))
    make_desk(city, editors=[on_desk])
    make_desk(sport, editors=[elsewhere])
    story = make_article(published=False, section=city, headline="Ferry strike")
    return story, {"on_desk": on_desk, "elsewhere": elsewhere, "everywhere": everywhere}


WORKERS = ["on_desk", "everywhere"]


def admin_url(name, story, *args) -> str:
    return reverse(f"admin:articles_article_{name}", args=[story.pk, *args])


def test_an_editor_on_another_desk_reads_the_story_but_is_offered_nothing_to_do(client, desks):
    story, editors = desks
    notes.write(story, by=editors["on_desk"], text="Check the ferry times.")
    client.force_login(editors["elsewhere"])

    response = client.get(admin_url("change", story))

    html = response.content.decode()
    assert response.status_code == 200 and "Ferry strike" in html
    assert "Check the ferry times." in html  # reading is every editor's
    assert 'href="/preview/' not in html and "Add note" not in html
    assert 'id="live-preview"' not in html and "data-heartbeat-url" not in html
    assert not PreviewLink.objects.exists()


@pytest.mark.parametrize("who", WORKERS)
def test_the_desk_and_an_editor_on_no_desk_get_a_preview_link(client, desks, who):
    story, editors = desks
    client.force_login(editors[who])

    html = client.get(admin_url("change", story)).content.decode()

    assert 'href="/preview/' in html
    assert PreviewLink.objects.filter(article=story, created_by=editors[who]).exists()


def test_an_editor_on_another_desk_may_not_write_a_note(client, desks):
    story, editors = desks
    client.force_login(editors["elsewhere"])

    response = client.post(admin_url("note", story), {"text": "Hold it."}, follow=True)

    assert "for the editors on its desk" in response.content.decode()
    assert not Note.objects.exists()


def test_an_editor_on_another_desk_may_not_reply_to_a_note(client, desks):
    story, editors = desks
    first = notes.write(story, by=editors["on_desk"], text="Who has the photos?")
    client.force_login(editors["elsewhere"])

    client.post(admin_url("note_reply", story, first.pk), {"text": "Me."})

    assert list(Note.objects.all()) == [first]


def test_an_editor_moved_off_the_desk_may_not_correct_their_note(client, desks):
    story, editors = desks
    note = notes.write(story, by=editors["elsewhere"], text="Written while on the desk.")
    client.force_login(editors["elsewhere"])

    client.post(admin_url("note_edit", story, note.pk), {"text": "Changed."})

    note.refresh_from_db()
    assert (note.text, note.edited_at) == ("Written while on the desk.", None)


@pytest.mark.parametrize("who", WORKERS)
def test_the_desk_and_an_editor_on_no_desk_write_notes(client, desks, who):
    story, editors = desks
    client.force_login(editors[who])

    client.post(admin_url("note", story), {"text": "On it."})

    assert Note.objects.get().author == editors[who]


def test_an_editor_on_another_desk_sends_no_heartbeat_and_never_shows_as_editing(client, desks):
    story, editors = desks
    client.force_login(editors["elsewhere"])

    assert client.post(admin_url("heartbeat", story)).status_code == 403
    assert not EditSession.objects.exists()


@pytest.mark.parametrize("who", WORKERS)
def test_the_desk_and_an_editor_on_no_desk_show_as_editing(client, desks, who):
    story, editors = desks
    client.force_login(editors[who])

    assert client.post(admin_url("heartbeat", story)).status_code == 200
    assert EditSession.objects.get().user == editors[who]


def test_an_editor_on_another_desk_gets_no_live_preview(client, desks):
    story, editors = desks
    client.force_login(editors["elsewhere"])

    assert client.post(admin_url("live", story), {"headline": "Typed"}).status_code == 403
    assert client.get(admin_url("live", story)).status_code == 403


@pytest.mark.parametrize("who", WORKERS)
def test_the_desk_and_an_editor_on_no_desk_get_the_live_preview(client, desks, who):
    story, editors = desks
    client.force_login(editors[who])

    response = client.post(admin_url("live", story), {"headline": "Typed"})

    assert response.status_code == 200 and "Typed" in response.content.decode()


def test_an_editor_on_another_desk_may_not_revoke_a_preview_link(client, desks):
    story, editors = desks
    address = preview.preview_url(story, by=editors["on_desk"])
    link = story.preview_links.get()
    client.force_login(editors["elsewhere"])

    client.post(admin_url("revoke_preview", story, link.pk))

    link.refresh_from_db()
    assert link.revoked_at is None
    client.logout()
    assert client.get(address).status_code == 200


@pytest.mark.parametrize("who", WORKERS)
def test_the_desk_and_an_editor_on_no_desk_revoke_a_preview_link(client, desks, who):
    story, editors = desks
    address = preview.preview_url(story, by=make_staff("Writer"))
    client.force_login(editors[who])

    client.post(admin_url("revoke_preview", story, story.preview_links.get().pk))

    client.logout()
    assert client.get(address).status_code == 404


def test_who_covers_a_section_is_the_same_asked_of_one_person_or_as_a_query():
    city, sport, arts = (make_section(name=name) for name in ("City", "Sport", "Arts"))
    people = {
        "superuser": make_user(is_staff=True, is_superuser=True),
        "editor on no desk": make_staff("Editor"),
        "city editor": make_staff("Editor"),
        "sport editor": make_staff("Editor"),
        "writer": make_staff("Writer"),
        "inactive city editor": make_staff("Editor", is_active=False),
    }
    make_desk(city, editors=[people["city editor"], people["inactive city editor"]])
    make_desk(sport, editors=[people["sport editor"]])
    everything = {city, sport, arts}  # arts is on no desk
    # Covering is about desks alone; whether one is an editor is the caller's question.
    covered = {
        "superuser": everything,
        "editor on no desk": everything,
        "city editor": {city},
        "sport editor": {sport},
        "writer": everything,
        "inactive city editor": {city},
    }
    # Told of submissions: active staff holding the publish permission (a superuser does
    # not, unless given it), who cover the section.
    told = {"editor on no desk": everything, "city editor": {city}, "sport editor": {sport}}
    for section in everything:
        story = make_article(published=False, section=section)
        desk_editors = set(notifications.desk_editors(story))
        for name, user in people.items():
            asked = workflow.covers_section(user, section)
            assert asked == (section in covered[name]), (name, section.name)
            assert workflow.covers(user, story) == asked
            assert workflow.covered_articles(user).filter(pk=story.pk).exists() == asked
            assert (user in desk_editors) == (section in told.get(name, set())), (name, section)
