"""Write the whole newsroom (rows and photo files) to one file that `restore` brings back."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up every story, photo (with its renditions), section, author, account and their "
        "history to one .tar.gz file; `restore` loads it into an empty install."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to write, e.g. newsroom-2026-11-29.tar.gz")

    def handle(self, *args, path, **options):
        target = Path(path)
        try:
            summary = backup(target)
        except BackupError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot write {target}: {error.strerror or error}") from None
        self.stdout.write(f"Backed up {summary} to {target}.")
