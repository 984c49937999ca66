"""Print the day's plan for the morning meeting: planned, in progress, scheduled, published
and overdue.

Editors read it at the meeting (text) or feed it to a screen or a chat bot (JSON); the work is
in planning/budget.py.
"""

import argparse
import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from planning import budget

JSON_HELP = """
With --format json the output is one object, whose keys are always present:
  {"date": "YYYY-MM-DD", "time_zone": "Europe/London", "desk": "City desk" or null,
   "groups": {"planned": [...], "in_progress": [...], "scheduled": [...], "published": [...],
              "overdue": [...]}}
Each story in a group:
  {"id": 12, "headline": "...", "section": "City", "assignee": "username" or null,
   "assignee_name": "Full Name" (the username if the account has no name) or null,
   "deadline": ISO 8601 or null, "planned_for": ISO 8601 or null,
   "publish_time": ISO 8601 or null, "state": "draft"|"review"|"scheduled"|"published"}
Times are in the newsroom's time zone, with their offset. A story is in one group only.
"""


def a_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{value}” is not a date as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Print the day's plan (the newsroom's time zone): planned, in progress, scheduled, "
        "published and overdue stories, each with headline, section, assignee, times and "
        "state." + JSON_HELP
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--date", type=a_date, help="The day, YYYY-MM-DD (default: today).")
        parser.add_argument("--desk", help="Only this desk's sections (its name).")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        try:
            desk = budget.find_desk(options["desk"]) if options["desk"] else None
        except budget.UnknownDesk as unknown:
            raise CommandError(str(unknown)) from None
        plan = budget.budget_for(options["date"] or timezone.localdate(), desk)
        if options["format"] == "json":
            self.stdout.write(json.dumps(budget.as_json(plan), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(budget.as_text(plan))
