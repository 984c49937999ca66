"""Load demo content so a fresh install shows a real-looking site at once (make run)."""

import logging

from django.core.management.base import BaseCommand

from articles.demo import DEMO_USERS, load_demo


class Command(BaseCommand):
    help = "Load demo sections, authors, photos, stories and staff log-ins. Safe to run twice."

    def handle(self, *args, **options):
        # The demo's stories are put in their states one by one: the workflow trail of each
        # (newsroom.workflow, INFO) would bury the lines below.
        trail = logging.getLogger("newsroom.workflow")
        level = trail.level
        trail.setLevel(logging.WARNING)
        try:
            report = load_demo()
        finally:
            trail.setLevel(level)
        if not report.created:
            self.stdout.write("Demo content is already loaded; nothing changed.")
        else:
            self.stdout.write(f"Demo content loaded: {len(report.created)} new objects.")
        for username, password in report.passwords.items():
            self.stdout.write(
                self.style.SUCCESS(f"  log-in  {username:<8} password  {password}")
                + "  (shown once; change it with: manage.py changepassword "
                + username
                + ")"
            )
        names = " or ".join(username for username, _, _ in DEMO_USERS)
        self.stdout.write(f"Sign in at /admin/ as {names}.")
        shown_before = [u for u, _, _ in DEMO_USERS if u not in report.passwords]
        if shown_before:
            self.stdout.write(
                f"The password of {', '.join(shown_before)} was shown when the demo was first "
                "loaded; to set a new one: manage.py changepassword <username>"
            )
