"""Record the publication of scheduled stories whose time has come.

They are public already (visibility is decided per request); this writes their state and
event, exactly once even when several copies run at once, and clears the page cache.
Run it from cron every minute.
"""

from django.core.management.base import BaseCommand

from articles import page_cache, workflow


class Command(BaseCommand):
    help = "Record every due scheduled article as published, print each headline, clear caches."

    def handle(self, *args, **options):
        published = workflow.record_due_publications()
        for article in published:
            self.stdout.write(f"Published: {article.headline} ({article.pk})")
        self.stdout.write(f"{len(published)} scheduled article(s) published.")
        if published and not page_cache.clear_pages():
            self.stderr.write("The cache did not answer; cached pages expire by themselves.")
