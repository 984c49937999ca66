"""Import stories from files, so archives and wire copy reach the newsroom without retyping.

Each file lands whole or not at all; a failed file is named with the reason and the command
exits non-zero, while the good files still land.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.importing import (
    ImportOptions,
    StoryFileError,
    find_story_files,
    import_files,
    parse_iso_datetime,
)
from newsroom import statistics


class Command(BaseCommand):
    help = "Import stories from .txt, .md (with front matter) and exported .json files or folders."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
        parser.add_argument(
            "--section", default="", help="section slug or name (created if missing)"
        )
        parser.add_argument(
            "--author", action="append", default=[], dest="authors",
            help="byline author, slug or name; repeat for several, in byline order",
        )  # fmt: skip
        parser.add_argument("--tag", action="append", default=[], dest="tags", help="repeatable")
        parser.add_argument(
            "--publish", action="store_true", help="publish (or schedule) the stories"
        )
        parser.add_argument(
            "--published-at", default=None,
            help="ISO 8601 publish time, with --publish; a future time schedules the stories",
        )  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="check everything, save nothing")
        parser.add_argument(
            "--overwrite", action="store_true",
            help="replace live stories even where editors changed them since the last import",
        )  # fmt: skip

    def handle(self, *args, **options):
        import_options = self._options(options)
        files, failures = find_story_files(options["paths"])
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        created_sections, created_authors = [], []
        results = tqdm(
            import_files(files, import_options), total=len(files), desc="Importing", unit="file",
            file=sys.stderr, disable=len(files) < 20 or None, leave=False,
        )  # fmt: skip
        for result in results:
            if result.error:
                failures.append((str(result.path), result.error))
            for outcome in result.outcomes:
                counts[outcome.action] += 1
                created_sections += outcome.created_sections
                created_authors += outcome.created_authors
                if options["verbosity"] > 1:
                    headline = outcome.article.headline
                    self.stdout.write(f"{outcome.action}: {headline} ({result.path})")

        if not options["dry_run"]:
            statistics.analyse()  # the archive may have grown many times over
        for name, reason in failures:
            self.stderr.write(f"FAILED {name}: {reason}")
        self.stdout.write(self._summary(counts, failures, created_sections, created_authors,
                                        options["dry_run"]))  # fmt: skip
        if failures:
            raise CommandError(f"{len(failures)} file(s) failed; nothing from them was imported.")

    def _options(self, options) -> ImportOptions:
        published_at = None
        if options["published_at"]:
            if not options["publish"]:
                raise CommandError("--published-at only applies together with --publish.")
            try:
                published_at = parse_iso_datetime(options["published_at"], "--published-at")
            except StoryFileError as error:
                raise CommandError(str(error)) from None
        return ImportOptions(
            section=options["section"].strip(),
            authors=[a.strip() for a in options["authors"] if a.strip()],
            tags=options["tags"],
            publish=options["publish"],
            published_at=published_at,
            dry_run=options["dry_run"],
            overwrite=options["overwrite"],
        )

    @staticmethod
    def _summary(counts, failures, sections, authors, dry_run) -> str:
        parts = [f"{counts['created']} created", f"{counts['updated']} updated",
                 f"{counts['unchanged']} unchanged", f"{len(failures)} failed"]  # fmt: skip
        summary = ("Dry run, nothing saved: " if dry_run else "Imported: ") + ", ".join(parts) + "."
        if sections:
            summary += " New sections: " + ", ".join(dict.fromkeys(sections)) + "."
        if authors:
            summary += " New authors: " + ", ".join(dict.fromkeys(authors)) + "."
        return summary
