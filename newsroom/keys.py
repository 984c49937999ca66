"""The surrogate keys: the names public pages give what they show, and purges give what changed.

A page answers with the keys of everything it draws (newsroom/page_cache.py stores it under
them, front caches read them from its Surrogate-Key header); a change purges the keys of what
changed (articles/caching.py says which). Every key is spelled here, so a page and the purge
that must reach it cannot drift apart.
"""

SITE = "site"  # on every page: purging it empties every cache
SECTIONS = "sections"  # the navigation on every page: the sections with published work
HOME = "home"
FEEDS = "feeds"
SITEMAPS = "sitemaps"
SEARCH = "search"
SCHEDULE = "schedule"  # the next scheduled time (articles/caching.py), not a page


def article(pk: int) -> str:
    """A page showing the story: its own page, a card, a related link, a feed item."""
    return f"article-{pk}"


def author(pk: int) -> str:
    return f"author-{pk}"


def tag(pk: int) -> str:
    return f"tag-{pk}"


def image(pk: int) -> str:
    """A page drawing the photo, and the photo's own files under /media/."""
    return f"image-{pk}"


# Lists: their membership changes when a story joins or leaves them.


def section_list(pk: int) -> str:
    return f"section-list-{pk}"


def author_list(pk: int) -> str:
    return f"author-list-{pk}"


def tag_list(pk: int) -> str:
    return f"tag-list-{pk}"
