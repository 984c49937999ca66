"""Retry the notification emails that failed or were never sent, and tell people whose
deadlines have passed.

Emails normally go out from the web process right after the action that caused them; a mail
server that was down is caught up here (up to five attempts each). Run it from cron every
minute, beside publish_scheduled: several copies at once send each email and announce each
deadline exactly once.
"""

from django.core.management.base import BaseCommand

from planning import notifications


class Command(BaseCommand):
    help = "Send pending and failed notification emails; notify deadlines that have passed."

    def handle(self, *args, **options):
        deadlines = notifications.notify_passed_deadlines()
        told = {row.article_id for row in deadlines}
        self.stdout.write(f"{len(told)} passed deadline(s) notified.")
        sent, failed = notifications.retry_emails()
        self.stdout.write(f"{sent} email(s) sent, {failed} failed (retried next run).")
        if failed:
            self.stderr.write("Some emails failed; see the newsroom.notifications log.")
