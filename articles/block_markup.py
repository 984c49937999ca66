"""The attributes a stored body block is written with: `<figure data-block="KIND" data-...>`.

The sanitiser keeps exactly these on a figure (articles/blocks.py then puts each block in its
one stored form), and settings hands them to the story editor's processors. This module
imports nothing, so settings can read it before Django is set up.
"""

ATTRIBUTES = (
    "data-block", "data-photo", "data-size", "data-alt", "data-caption", "data-credit",
    "data-provider", "data-url", "data-quote", "data-by", "data-title", "data-facts",
)  # fmt: skip
