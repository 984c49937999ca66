"""Planned stories: an editor plans a story before it is written and assigns it; the assignee
is one of the story's people; the plan is written at once, even on a live story."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article, Revision
from tests.factories import (
    article_form_data,
    make_article,
    make_section,
    make_staff,
    make_user,
)

pytestmark = pytest.mark.django_db


def plan_data(article, *, assignee=None, deadline=None, brief="", **overrides) -> dict:
    """The change form as a browser posts it, planning fields included."""
    local = timezone.localtime(deadline) if deadline else None
    data = article_form_data(article, **overrides)
    data.update(
        brief=brief,
        assignee=assignee.pk if assignee else "",
        deadline=f"{local:%Y-%m-%dT%H:%M}" if local else "",
        planned_for="",
    )
    return data


@pytest.fixture
def desk():
    return make_staff("Editor", "edna"), make_staff("Writer", "wren"), make_section(name="City")


def test_an_editor_plans_a_story_with_no_body_and_assigns_it(client, desk):
    editor, writer, city = desk
    client.force_login(editor)
    form = client.get(reverse("admin:articles_article_add")).content.decode()
    due = timezone.now() + timedelta(hours=5)
    data = plan_data(
        Article(section=city), headline="Council budget vote", slug="budget-vote", body="",
        standfirst="", brief="What the vote means for bus fares", assignee=writer, deadline=due,
    )  # fmt: skip

    response = client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    story = Article.objects.get(headline="Council budget vote")
    assert (story.state, story.body, story.assignee) == (Article.State.DRAFT, "", writer)
    assert story.brief == "What the vote means for bus fares"
    assert abs(story.deadline - due) < timedelta(minutes=1)
    # The plan comes first on the add form, after the working headline it is planned under.
    assert form.index('name="headline"') < form.index('name="brief"') < form.index('name="body"')


def test_the_assignee_choices_are_active_writers_and_editors(client, desk):
    editor, writer, _ = desk
    make_staff("Writer", "gone", is_active=False)
    make_user("reader")  # not staff
    make_user("staffer", is_staff=True)  # staff in neither role
    client.force_login(editor)

    form = client.get(reverse("admin:articles_article_add")).content.decode()
    start = form.index('name="assignee"')
    select = form[start : form.index("</select>", start)]

    assert "edna" in select and "wren" in select
    assert "gone" not in select and "reader" not in select and "staffer" not in select


def test_a_writer_sees_who_has_the_story_but_cannot_assign_it(client, desk):
    editor, writer, city = desk
    colleague = make_staff("Writer", "colin")
    story = make_article(published=False, section=city, created_by=writer, assignee=writer)
    client.force_login(writer)
    url = reverse("admin:articles_article_change", args=[story.pk])

    html = client.get(url).content.decode()
    assert re.search(r'<select name="assignee"[^>]* disabled', html)
    assert "Only editors assign stories" in html
    # A form sent with another assignee anyway saves the writer's work, not the assignment.
    response = client.post(url, plan_data(story, assignee=colleague, headline="Better headline"))
    assert response.status_code == 302
    story.refresh_from_db()
    assert (story.assignee, story.headline) == (writer, "Better headline")


def test_a_writer_cannot_assign_a_new_story_either(client, desk):
    _, writer, city = desk
    client.force_login(writer)
    data = plan_data(Article(section=city), headline="Mine", slug="mine", assignee=writer)

    assert client.post(reverse("admin:articles_article_add"), data).status_code == 302

    assert Article.objects.get(slug="mine").assignee is None


def test_the_assignee_sees_writes_and_submits_the_story_and_it_is_assigned_to_them(client, desk):
    editor, writer, city = desk
    overdue = make_article(
        published=False, section=city, created_by=editor, headline="Harbour strike",
        brief="Talks broke down at noon", body="", assignee=writer,
        deadline=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    later = make_article(
        published=False, section=city, created_by=editor, headline="Museum opening",
        assignee=writer, deadline=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    other = make_staff("Writer", "otto")

    assert workflow.is_own(writer, overdue) and workflow.may_edit(writer, overdue)
    assert set(workflow.own_articles(writer)) == {overdue, later}
    assert not workflow.is_own(other, overdue)
    client.force_login(writer)
    desk_html = client.get("/admin/").content.decode()
    assigned = desk_html[desk_html.index("<h2>Assigned to me") :]
    assigned = assigned[: assigned.index('<div class="module')]
    assert assigned.index("Harbour strike") < assigned.index("Museum opening")
    assert "Talks broke down at noon" in assigned
    assert assigned.count("Overdue") == 1
    listed = client.get(reverse("admin:articles_article_changelist"), {"mine": "assigned"})
    assert listed.status_code == 200
    assert "Harbour strike" in listed.content.decode() and "Overdue" in listed.content.decode()

    url = reverse("admin:articles_article_change", args=[overdue.pk])
    assert client.get(url).status_code == 200
    body = "<p>The unions walked out.</p>"
    response = client.post(
        url,
        plan_data(
            overdue, assignee=writer, body=body, brief=overdue.brief, deadline=overdue.deadline
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    overdue.refresh_from_db()
    assert overdue.body == body and overdue.assignee == writer
    workflow.take(overdue, "submit", by=writer)
    assert overdue.state == Article.State.REVIEW
    assert client.get(url).status_code == 200  # in review: still theirs to see
    client.force_login(other)
    assert client.get(url).status_code in (302, 404)  # another writer: not theirs


def test_a_live_storys_plan_is_saved_at_once_without_pending_changes(client, desk):
    editor, writer, city = desk
    live = make_article(section=city, created_by=writer)
    revisions_before = Revision.objects.filter(article=live).count()
    client.force_login(editor)
    due = timezone.now() + timedelta(hours=2)

    response = client.post(
        reverse("admin:articles_article_change", args=[live.pk]),
        plan_data(live, assignee=writer, deadline=due, brief="Follow up on the vote"),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    live.refresh_from_db()
    assert live.assignee == writer and live.brief == "Follow up on the vote"
    assert abs(live.deadline - due) < timedelta(minutes=1)
    assert not live.has_pending_changes() and live.pending_revision_id is None
    # The plan is no version of the story: no revision holds it, none was made for it.
    assert Revision.objects.filter(article=live).count() == revisions_before
    assert all("brief" not in r.content for r in Revision.objects.filter(article=live))


def test_a_live_storys_plan_changes_at_once_while_its_content_changes_wait(client, desk):
    editor, writer, city = desk
    live = make_article(section=city, headline="Live headline")
    client.force_login(editor)

    client.post(
        reverse("admin:articles_article_change", args=[live.pk]),
        plan_data(live, assignee=writer, headline="Changed headline"),
    )

    live.refresh_from_db()
    assert live.headline == "Live headline" and live.has_pending_changes()
    assert live.assignee == writer


def test_the_article_list_shows_who_it_is_assigned_to_and_when_it_is_due(client, desk):
    editor, writer, city = desk
    writer.first_name, writer.last_name = "Wren", "Ink"
    writer.save()
    make_article(published=False, section=city, headline="Planned", assignee=writer,
                 deadline=timezone.now() + timedelta(hours=3))  # fmt: skip
    client.force_login(editor)

    html = client.get(reverse("admin:articles_article_changelist")).content.decode()

    assert "assigned, due" in html.lower()
    assert "Wren Ink" in html and "Due " in html
