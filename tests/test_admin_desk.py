"""The admin's home page is a desk: what needs the signed-in writer or editor now."""

import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import workflow
from articles.models import Section
from tests.factories import make_article, make_desk, make_section, make_staff

pytestmark = pytest.mark.django_db


def desk_of(client, user) -> str:
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def under(html: str, title: str) -> str:
    """The part of the desk from the list titled `title` to the next list."""
    start = html.index(f"<h2>{title}")
    end = html.find('<div class="module', start)
    return html[start : end if end != -1 else len(html)]


@pytest.fixture
def newsroom():
    city, sport = make_section(name="City"), make_section(name="Sport")
    editor, writer = make_staff("Editor", "edna"), make_staff("Writer", "wren")
    make_desk(city, editors=[editor])
    mine = {"created_by": writer, "published": False}
    draft = make_article(headline="Wren's draft", section=city, **mine)
    back = make_article(headline="Sent back story", section=city, **mine)
    workflow.take(back, "submit", by=writer)
    workflow.take(back, "send_back", by=editor, comment="Needs a second source.")
    city_review = make_article(headline="City story in review", section=city, **mine)
    workflow.take(city_review, "submit", by=writer)
    sporty = make_staff("Writer")
    sport_review = make_article(headline="Sport story in review", section=sport,
                                created_by=sporty, published=False)  # fmt: skip
    workflow.take(sport_review, "submit", by=sporty)
    soon = make_article(headline="Out in two hours", section=city, published=False)
    workflow.take(soon, "schedule", by=editor, at=timezone.now() + timedelta(hours=2))
    later = make_article(headline="Out in three days", section=city, published=False)
    workflow.take(later, "schedule", by=editor, at=timezone.now() + timedelta(days=3))
    make_article(headline="Published this morning", section=city)
    return editor, writer, draft


def test_the_admin_carries_the_sites_name(client, settings, newsroom):
    editor, _, _ = newsroom
    html = desk_of(client, editor)
    assert "Django administration" not in html
    assert f"<title>Desk | {settings.SITE_NAME}</title>" in html


def test_an_editor_sees_the_review_queue_of_their_desks_and_the_next_days_schedule(
    client, newsroom
):
    editor, _, _ = newsroom
    html = desk_of(client, editor)
    review = under(html, "Needs my review")
    assert "City story in review" in review and "Sport story in review" not in review
    assert "?mine=review" in review
    scheduled = under(html, "Scheduled, next 24 hours")
    assert "Out in two hours" in scheduled and "Out in three days" not in scheduled
    assert "Published this morning" in under(html, "Recently published")
    assert "Overdue" not in html  # a warning, shown only when something is overdue


def test_a_writer_sees_their_own_work_with_the_editors_reason(client, newsroom):
    _, writer, draft = newsroom
    html = desk_of(client, writer)
    assert "Needs my review" not in html
    back = under(html, "Sent back to me")
    assert "Sent back story" in back and "edna: Needs a second source." in back
    assert f"/admin/articles/article/{draft.pk}/change/" in under(html, "My drafts")
    assert "City story in review" in under(html, "Mine in review")
    assert "Sport story in review" not in html


def test_scheduled_stories_whose_time_passed_unrecorded_are_a_warning(client, newsroom):
    editor, _, _ = newsroom
    city = Section.objects.get(name="City")
    late = make_article(headline="Due an hour ago", section=city, published=False)
    workflow.take(late, "schedule", by=editor, at=timezone.now() + timedelta(minutes=1))
    late.published_at = timezone.now() - timedelta(hours=1)
    late.save()
    assert "Due an hour ago" in under(desk_of(client, editor), "Overdue")


def test_desk_times_are_in_the_newsrooms_time_zone(client, settings, newsroom):
    editor, _, _ = newsroom
    settings.TIME_ZONE = "Asia/Kathmandu"  # UTC+5:45: no other zone's clock shows :45 here
    city = Section.objects.get(name="City")
    at = (timezone.now() + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    soon = make_article(headline="Out at the hour", section=city, published=False)
    workflow.take(soon, "schedule", by=editor, at=at)
    local = timezone.localtime(at, zoneinfo.ZoneInfo("Asia/Kathmandu"))
    assert local.minute == 45
    assert f"{local:%H}:45" in under(desk_of(client, editor), "Scheduled, next 24 hours")
