"""Reading story files (.txt, .md, and the JSON that export_articles writes) into articles.

- formats.py: finding and reading files, and the three formats, into Story records;
- names.py: the sections, authors and tags stories name, found or created;
- story.py: the one-story path, import_story(), and the rules both paths share;
- batch.py: import_files(), a batch of files a transaction, new stories saved in bulk.
"""

from .batch import FileResult, import_files
from .formats import (
    Story,
    StoryFileError,
    decode,
    find_story_files,
    is_subheading,
    parse_export_json,
    parse_file,
    parse_iso_datetime,
    parse_markdown,
    parse_plain_text,
    read_text,
)
from .story import ImportOptions, Outcome, import_story

__all__ = [
    "FileResult",
    "ImportOptions",
    "Outcome",
    "Story",
    "StoryFileError",
    "decode",
    "find_story_files",
    "import_files",
    "import_story",
    "is_subheading",
    "parse_export_json",
    "parse_file",
    "parse_iso_datetime",
    "parse_markdown",
    "parse_plain_text",
    "read_text",
]
