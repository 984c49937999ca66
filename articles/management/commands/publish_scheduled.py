"""Record the publication of scheduled stories whose time has come.

They are public already (visibility is decided per request); this writes their state and
event, exactly once even when several copies run at once; each one purges the pages that list
it (newsroom/page_cache.py), and the command waits for the front caches to take the purges.
It first tells the cache any purge it missed while it was away.
Run it from cron every minute: it also keeps SQLite's planner statistics fresh as the archive
grows (newsroom/statistics.py).
"""

from django.core.management.base import BaseCommand

from articles import workflow
from newsroom import page_cache, statistics


class Command(BaseCommand):
    help = "Record every due scheduled article as published, print each headline, purge caches."

    def handle(self, *args, **options):
        page_cache.replay_purges()  # any the cache missed while it was away
        published = workflow.record_due_publications()
        for article in published:
            self.stdout.write(f"Published: {article.headline} ({article.pk})")
        self.stdout.write(f"{len(published)} scheduled article(s) published.")
        if published and not page_cache.cache_answers():
            self.stderr.write(
                "The cache did not answer; its purges are kept and told to it when it "
                "answers again (the next request or run of this command)."
            )
        page_cache.wait_for_front_caches()
        statistics.analyse_grown_tables()
