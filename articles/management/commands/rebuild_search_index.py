"""Rebuild the full-text search index, after a bulk load or restore that bypassed save()."""

from django.core.management.base import BaseCommand

from articles.search import rebuild_index


class Command(BaseCommand):
    help = "Index every article again for /search/ (PostgreSQL tsvector or SQLite FTS5)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        count = rebuild_index(batch_size=max(1, batch_size))
        self.stdout.write(f"Indexed {count} article{'s' if count != 1 else ''}.")
