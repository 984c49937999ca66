"""Load a `backup` file into an empty install: the same site, pages, feeds and photos."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a file written by `backup` into an empty install (a new database after "
        "migrate, and an empty MEDIA_ROOT). All or nothing: a failure leaves both empty."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file written by `manage.py backup`.")

    def handle(self, *args, path, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"{source}: no such file.")
        try:
            summary = restore(source)
        except BackupError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot restore {source}: {error}") from None
        self.stdout.write(
            f"Restored {summary} from {source} (made {summary.created_at}); "
            "the search index is rebuilt."
        )
