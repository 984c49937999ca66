"""Write articles out as JSON or Markdown that import_articles reads back (backups, moves)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.exporting import articles_to_export, write_json, write_markdown
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Export articles as JSON (one file, or standard output) or as Markdown files with YAML "
        "front matter (one <slug>.md per article in a folder)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "markdown"], default="json")
        parser.add_argument(
            "--output", help="JSON: a file (default: standard output). Markdown: a folder."
        )
        parser.add_argument(
            "--state",
            action="append",
            choices=Article.State.values,
            default=[],
            help="Only articles in this state; repeat for several (default: every state).",
        )

    def handle(self, *args, format, output, state, **options):
        articles = articles_to_export(state).iterator(chunk_size=500)
        try:
            if format == "markdown":
                count = self._markdown(articles, output)
            else:
                count = self._json(articles, output)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}") from None
        where = output or "standard output"
        # With JSON on standard output, the summary must not land inside the JSON.
        report = self.stderr if format == "json" and not output else self.stdout
        report.write(f"Exported {count} article{'s' if count != 1 else ''} to {where}.")

    def _json(self, articles, output) -> int:
        if not output:
            return write_json(articles, sys.stdout)
        path = Path(output)
        if path.is_dir():
            raise CommandError(f"{output} is a folder; give a file name for JSON.")
        with path.open("w", encoding="utf-8") as out:
            return write_json(articles, out)

    def _markdown(self, articles, output) -> int:
        if not output:
            raise CommandError("Markdown export needs --output FOLDER (one file per article).")
        path = Path(output)
        if path.exists() and not path.is_dir():
            raise CommandError(f"{output} is a file; Markdown export writes into a folder.")
        return sum(1 for _ in write_markdown(articles, path))
