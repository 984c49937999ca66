"""`reverse()`, remembered by this process: a page draws the same few dozen links (sections,
stories, authors) on every miss, and Django matches each against the URL patterns again, about
50 µs a link here. A link depends only on the view's name, its arguments, the URLconf and the
script prefix, all part of the key, so a remembered one is never wrong."""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def path_to(viewname: str, *args: str) -> str:
    return _path(viewname, args, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@functools.lru_cache(maxsize=20_000)
def _path(viewname: str, args: tuple, urlconf: str, prefix: str) -> str:
    return reverse(viewname, args=args, urlconf=urlconf)
