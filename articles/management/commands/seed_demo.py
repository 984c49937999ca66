"""Load demo content so a fresh install shows a real-looking site at once (make run)."""

from django.core.management.base import BaseCommand

from articles.demo import load_demo


class Command(BaseCommand):
    help = "Load demo sections, authors, photos, stories and staff log-ins. Safe to run twice."

    def handle(self, *args, **options):
        report = load_demo()
        if not report.created:
            self.stdout.write("Demo content is already loaded; nothing changed.")
            return
        self.stdout.write(f"Demo content loaded: {len(report.created)} new objects.")
        for username, password in report.passwords.items():
            self.stdout.write(
                self.style.SUCCESS(f"  log-in  {username:<8} password  {password}")
                + "  (shown once; change it with: manage.py changepassword "
                + username
                + ")"
            )
        if report.passwords:
            self.stdout.write("Sign in at /admin/.")
