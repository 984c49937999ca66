"""`manage.py daily_budget`: the day's plan for the morning meeting, as text and as JSON."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.factories import make_article, make_desk, make_section, make_staff

pytestmark = pytest.mark.django_db

# 09:00 in London on Tuesday 3 June 2025 (UTC+1): the meeting.
NOW = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    """`hours` after the meeting."""
    return NOW + timedelta(hours=hours)


@pytest.fixture
def plan(settings, monkeypatch):
    settings.TIME_ZONE = "Europe/London"
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    city, sport = make_section(name="City"), make_section(name="Sport")
    make_desk(city, name="City desk")
    make_desk(sport, name="Sport desk")
    wren = make_staff("Writer", "wren", first_name="Wren", last_name="Writer")
    draft = {"published": False, "section": city, "assignee": wren}
    make_article(headline="Council vote preview", body="", planned_for=at(6), **draft)
    make_article(headline="Bridge closure", body="", deadline=at(8), **draft)
    make_article(headline="Harbour dredging", deadline=at(4), **draft)  # written, due today
    make_article(headline="Museum reopens", state="review", planned_for=at(-30), **draft)
    make_article(headline="Budget leak", deadline=at(-1), **draft)
    make_article(
        headline="Mayor interview", section=city, state="scheduled", published_at=at(10),
        deadline=at(-2),
    )  # fmt: skip
    make_article(headline="Cup final report", section=sport, published=False, deadline=at(5))
    make_article(headline="Tide tables explained", **draft)  # written, no date: in progress
    make_article(headline="Early ferry news", section=city, published_at=at(-3))  # 06:00 today
    # Not today's business: due tomorrow (London), published already, scheduled next week.
    make_article(headline="Tomorrow's feature", deadline=at(17), **draft)
    make_article(headline="Yesterday's news", section=city, published_at=at(-20), deadline=at(-30))
    make_article(
        headline="Next week", section=city, state="scheduled", published_at=at(24 * 7)
    )  # fmt: skip
    return wren


def budget(*args) -> str:
    out = StringIO()
    call_command("daily_budget", *args, stdout=out)
    return out.getvalue()


def groups(*args) -> dict[str, list[str]]:
    data = json.loads(budget("--format", "json", *args))
    return {name: [line["headline"] for line in lines] for name, lines in data["groups"].items()}


def test_each_group_holds_its_stories(plan):
    assert groups() == {
        "planned": ["Bridge closure", "Council vote preview"],
        "in_progress": ["Harbour dredging", "Cup final report", "Museum reopens",
                        "Tide tables explained"],
        "scheduled": ["Mayor interview"],
        "published": ["Early ferry news"],
        "overdue": ["Budget leak"],
    }  # fmt: skip


def test_the_text_lists_each_group_with_every_lines_details(plan):
    text = budget("--date", "2025-06-03")
    assert text.startswith("Daily budget for Tuesday 3 June 2025 (Europe/London)")
    for heading in ["Planned (2)", "In progress (4)", "Scheduled (1)", "Published (1)",
                    "Overdue (1)"]:  # fmt: skip
        assert f"\n{heading}\n" in text
    wren = "assigned to Wren Writer"  # by name, not username
    assert f"  - Council vote preview · City · {wren} · planned 2025-06-03 15:00 · draft" in text
    assert f"  - Budget leak · City · {wren} · deadline 2025-06-03 08:00 · draft" in text
    ferry = "  - Early ferry news · City · unassigned · published 2025-06-03 06:00 · published"
    assert ferry in text
    assert (
        "  - Mayor interview · City · unassigned · deadline 2025-06-03 07:00 · "
        "publishes 2025-06-03 19:00 · scheduled" in text
    )
    assert f"Museum reopens · City · {wren} · planned 2025-06-02 03:00 · in review" in text
    for elsewhere in ["Tomorrow's feature", "Yesterday's news", "Next week"]:
        assert elsewhere not in text


def test_the_json_is_a_stable_structure(plan):
    data = json.loads(budget("--format", "json"))
    assert list(data) == ["date", "time_zone", "desk", "groups"]
    assert (data["date"], data["time_zone"], data["desk"]) == ("2025-06-03", "Europe/London", None)
    assert list(data["groups"]) == ["planned", "in_progress", "scheduled", "published", "overdue"]
    assert data["groups"]["scheduled"] == [
        {
            "id": data["groups"]["scheduled"][0]["id"],
            "headline": "Mayor interview",
            "section": "City",
            "assignee": None,
            "assignee_name": None,
            "deadline": "2025-06-03T07:00:00+01:00",
            "planned_for": None,
            "publish_time": "2025-06-03T19:00:00+01:00",
            "state": "scheduled",
        }
    ]


def test_a_desk_limits_the_plan_to_its_sections(plan):
    assert groups("--desk", "Sport desk") == {
        "planned": [], "in_progress": ["Cup final report"], "scheduled": [], "published": [],
        "overdue": [],
    }  # fmt: skip
    assert "Cup final report" not in str(groups("--desk", "city DESK"))  # any case
    assert budget("--desk", "Sport desk").startswith(
        "Daily budget for Tuesday 3 June 2025 (Europe/London, Sport desk)"
    )


def test_another_day_has_its_own_plan(plan):
    tomorrow = groups("--date", "2025-06-04")
    assert "Tomorrow's feature" in tomorrow["in_progress"]
    assert tomorrow["scheduled"] == []
    # Planned for today and not started: still on tomorrow's plan.
    assert tomorrow["planned"] == ["Bridge closure", "Council vote preview"]


def test_a_past_days_overdue_stories_are_those_late_by_its_end(plan):
    day_before = groups("--date", "2025-06-02")
    # The Budget leak was due this morning: not yet late at the end of the day before.
    assert day_before["overdue"] == []
    assert day_before["in_progress"] == ["Museum reopens"]


def test_an_empty_group_says_so(plan):
    assert "Scheduled (0)\n  Nothing." in budget("--desk", "Sport desk")


def test_an_unknown_desk_is_an_error_naming_it(plan):
    with pytest.raises(CommandError, match="There is no desk called “Politics”"):
        budget("--desk", "Politics")


@pytest.mark.parametrize("bad", ["2025-13-01", "tomorrow", "03/06/2025"])
def test_a_bad_date_is_an_error(plan, bad):
    with pytest.raises(CommandError, match=f"“{bad}” is not a date as YYYY-MM-DD"):
        budget("--date", bad)


def test_a_bad_format_is_an_error(plan):
    with pytest.raises(CommandError, match="invalid choice"):
        budget("--format", "xml")
