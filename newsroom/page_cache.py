"""The page cache: whole public pages kept for anonymous readers and purged exactly, by key.

Views mark their pages with `public_page`; the front door (`Middleware`, near the top of
MIDDLEWARE) keeps them and answers the next anonymous reader before the rest of the stack runs.
Every public page names what it shows in surrogate keys (newsroom/keys.py spells them,
articles/caching.py says which a page shows). A change purges the keys of what changed
(`purge`), after its transaction commits:
- here, in Django's cache (Redis, shared by every app server; without it, a file shared by
  this machine's processes), each key has a version; a stored page remembers the versions of
  its keys and is served only while they are all still current. A purge is one write per key,
  however many pages show it;
- in every front cache named by FRONT_CACHE_URLS (Varnish with xkey,
  deploy/varnish/default.vcl): a `PURGE` request carrying the keys in `Surrogate-Key` and
  FRONT_CACHE_SECRET in `Purge-Secret`, sent by a background thread, retried, and logged
  when a cache does not answer.

A cache that fails is logged and passed over: pages are then drawn fresh, and an editor's
action or a command never fails because of it. A purge it missed is kept in the database
(`PendingPurge`) and told to it by the next request of any process that may have been out of
touch with it (`replay_purges`): nothing it kept from before is served until then. No page is
kept past `max_age_cap()` (the next scheduled story's time), so a scheduled story appears on
time even when no one purges.
"""

import functools
import hashlib
import logging
import sqlite3
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import urlencode

from diskcache import Timeout as DiskCacheTimeout
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpResponse
from django.http.response import ResponseHeaders
from django.utils.cache import get_conditional_response, patch_cache_control

from . import background, memo
from .keys import SITE
from .models import PendingPurge
from .transactions import once_per_transaction

logger = logging.getLogger("newsroom.cache")

SHARED_MAX_AGE = 300  # the app's cache and front caches: purged exactly, so this can be long
BROWSER_MAX_AGE = 60  # browsers cannot be purged: a minute at most of a story's old version
# What public pages read (p: the sitemaps' pages); any other parameter is ignored.
QUERY_PARAMETERS = ("page", "q", "p")
_NOT_KEPT_HEADERS = {"cache-control"}  # set again on every hit, from the time remaining
_CONDITIONS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH",
               "HTTP_IF_UNMODIFIED_SINCE")  # fmt: skip
CLOCK = "surrogate:clock"  # changes with every purge
# A process that has not heard from the cache for QUIET seconds (idle, or the cache was away)
# looks for purges it missed before serving from it; one that has, every CHECK_EVERY seconds
# (a purge may have failed in another process only).
QUIET = 1.0
CHECK_EVERY = 5.0
REPLAY_BATCH = 500
_heard_at = _checked_at = float("-inf")  # time.monotonic(), in this process

# Functions returning the most seconds a page may be kept now (articles registers one: until
# the next scheduled story is due).
_caps: list[Callable[[], int | None]] = []


def register_cap(cap: Callable[[], int | None]) -> None:
    if cap not in _caps:
        _caps.append(cap)


def max_age_cap() -> int:
    caps = [c for c in (cap() for cap in _caps) if c is not None]
    return max(0, min([SHARED_MAX_AGE, *caps]))


def cache_failures() -> tuple[type[Exception], ...]:
    """What a cache that fails raises, for `except cache_failures():` (evaluated only when
    something was raised). Redis's errors once redis-py is loaded, which only a Redis cache
    does: importing it would cost every worker of a site without Redis about 8 MiB."""
    failures = (OSError, sqlite3.Error, DiskCacheTimeout)
    redis = sys.modules.get("redis.exceptions")
    return (*failures, redis.RedisError) if redis else failures


# --- Serving ----------------------------------------------------------------------------------


class Middleware:
    """The front door: answers anonymous readers from the page cache before the rest of the
    middleware runs (sessions, auth, CSRF, the second factor, axes: a kept page needs none of
    them), and keeps the pages `public_page` views mark, as they leave the whole stack, with
    every header the stack added (security headers, CSP). Placed after SecurityMiddleware
    (HTTPS redirect) and WhiteNoise (static files).

    A request with a session cookie may be staff's: it is never answered from the cache, and
    what it is answered is never kept.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return self._conditional(request, self.get_response(request))
        request.get_host()  # an unknown Host is refused (400) here as it would be further in
        page_key = _page_key(request)
        response, clock = _lookup(page_key)
        if response is None:
            # Read before the page is drawn: a page drawn from rows a purge has since replaced
            # must not be kept.
            request.page_cache_clock = clock
            response = self.get_response(request)
            _keep(page_key, response)
        return self._conditional(request, response)

    @staticmethod
    def _conditional(request, response):
        asks = any(header in request.META for header in _CONDITIONS)
        if asks and "public" in response.get("Cache-Control", ""):
            return get_conditional_response(request, etag=response.get("ETag"), response=response)
        return response


def public_page(view=None, *, keys: Iterable[str] = ()):
    """Mark `view`'s answers to anonymous readers cacheable (the front door, `Middleware`,
    keeps them), and every other answer private.

    The view names what its page shows by setting `response.surrogate_keys`, or the
    decorator's `keys` do; every page also carries the site-wide key.
    """
    if view is None:
        return lambda view: public_page(view, keys=keys)
    fixed_keys = set(keys)

    @wraps(view)
    def marked_view(request, *args, **kwargs):
        if not _anonymous(request):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True)
            return response
        # Read before the page is drawn: a page drawn as a scheduled story comes due must not
        # be kept as if nothing were scheduled.
        expires = time.time() + max_age_cap()
        response = view(request, *args, **kwargs)
        _mark(request, response, fixed_keys, expires)
        return response

    return marked_view


def _anonymous(request) -> bool:
    """No session cookie: the session is never read, so no `Vary: Cookie` is added."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return True
    return not request.user.is_authenticated


def _page_key(request) -> str:
    """The path and the parameters public pages read, encoded: `?page=2%26q%3Dx` is not
    `?q=x&page=2`."""
    address = request.path + "?"
    if request.META.get("QUERY_STRING"):
        wanted = [(n, request.GET.get(n, "")) for n in QUERY_PARAMETERS if n in request.GET]
        address += urlencode(wanted)
    # "page2": entries keep their headers as ResponseHeaders (kept lists of pairs before).
    return "page2:" + hashlib.sha256(address.encode()).hexdigest()


def _lookup(page_key: str) -> tuple[HttpResponse | None, str | None]:
    """The kept page if it is still current, and the purge clock as it reads now: one cache
    round trip when nothing was purged since the page was kept, and only the clock's, for a
    page this process served lately (`_recent`)."""
    if not replay_purges(unless_recent=True):
        return None, None
    try:
        recent = _recent.get(page_key)
        if recent is not None:
            clock = cache.get(CLOCK)
            _heard()
            if clock == recent["clock"]:
                return _served(recent), clock
        found = cache.get_many([page_key, CLOCK])
        _heard()
        stored, clock = found.get(page_key), found.get(CLOCK)
        if clock is None and not cache.add(CLOCK, clock := uuid.uuid4().hex, None):
            clock = cache.get(CLOCK)  # another request started the clock first
        if stored is None:
            return None, clock
        # No purge at all since the page was kept: it is current, without asking its keys.
        unpurged = clock is not None and clock == stored["clock"]
        versions = stored["keys"] if unpurged else _current(stored["keys"])
    except cache_failures() as error:
        logger.warning("The page cache did not answer a read: %s", error)
        return None, None
    if any(versions.get(k) != v for k, v in stored["keys"].items()):
        return None, clock
    # Current as the clock read: its keys were read after it, and a later purge moves it.
    _recent.put(page_key, stored | {"clock": clock})
    return _served(stored), clock


def _served(stored: dict) -> HttpResponse | None:
    remaining = stored["expires"] - time.time()
    if remaining < 1:
        return None
    response = HttpResponse(stored["content"], status=stored["status"])
    # Checked when the page was drawn; its Surrogate-Key and ETag are among them. A copy: the
    # kept headers serve every later hit.
    response.headers = ResponseHeaders(stored["headers"])
    response["Cache-Control"] = _public(int(remaining))
    return response


# The pages this process served lately, by page key, each with the purge clock it was current
# at: while the clock has not moved, nothing was purged, so a hit reads only the clock from the
# cache, not the page (for Redis, a 32-byte answer, not 20 KB unpickled).
_recent = memo.Recent(4 * 2**20, size=lambda stored: len(stored["content"]))


# What every public page draws the same (the section navigation), by name: (the purge clock it
# was computed at, when it expires, the value).
_remembered: dict[str, tuple[str, float, object]] = {}


def remembered(request, name: str, compute: Callable[[], object]):
    """`compute()`, kept in this process while nothing is purged anywhere and no scheduled story
    comes due (`max_age_cap()`): a page drawn after a purge then pays for it once per process,
    not once per page. Kept under the purge clock the front door read before the page was
    drawn, so a purge from then on (any process, any key) moves the clock and it is computed
    again. A request the front door did not read the clock for (staff, a cache that failed, a
    process out of touch with the cache) computes it every time."""
    clock = getattr(request, "page_cache_clock", None)
    if clock is None:
        return compute()
    kept = _remembered.get(name)
    if kept is not None and kept[0] == clock and kept[1] > time.time():
        return kept[2]
    expires = time.time() + max_age_cap()
    value = compute()
    _remembered[name] = (clock, expires, value)
    return value


def _mark(request, response, fixed_keys: set[str], expires: float) -> None:
    """Mark a view's answer to an anonymous reader public, with its keys, or uncacheable: a
    404 is never kept (any address can be asked for, and an unpublished story's must not be
    remembered); nor is a page drawn while a purge went out, which may show what the purge
    replaced. A page the front door may keep carries `page_cache_entry`."""
    if hasattr(response, "render") and not response.is_rendered:
        response.render()  # a TemplateResponse (the sitemaps): its bytes are what is kept
    keys = {SITE, *fixed_keys, *getattr(response, "surrogate_keys", ())}
    max_age = int(expires - time.time())
    if response.status_code not in (200, 301, 410) or response.cookies or max_age < 1:
        patch_cache_control(response, no_cache=True, max_age=0)
        return
    if getattr(response, "streaming", False):
        response.content = b"".join(response.streaming_content)
    try:
        # Versions first, then the clock: a purge before this read changed the clock (not
        # kept); one after it leaves these versions behind (kept, but never served).
        versions = _versions(keys)
        if hasattr(request, "page_cache_clock"):
            clock = request.page_cache_clock
            if cache.get(CLOCK) != clock:
                patch_cache_control(response, no_cache=True, max_age=0)
                return
            response.page_cache_entry = {"keys": versions, "clock": clock, "expires": expires}
    except cache_failures() as error:
        logger.warning("The page cache did not answer a write: %s", error)
        versions = dict.fromkeys(keys)
    _mark_public(response, versions, max_age)


def _keep(page_key: str, response) -> None:
    """Keep a marked page as it leaves the middleware, unless something on the way out made
    it someone's own (a cookie, a page varying on the session)."""
    entry = getattr(response, "page_cache_entry", None)
    if entry is None:
        return
    if response.cookies or "cookie" in response.get("Vary", "").lower():
        patch_cache_control(response, no_cache=True, max_age=0)
        return
    headers = ResponseHeaders(
        {h: v for h, v in response.items() if h.lower() not in _NOT_KEPT_HEADERS}
    )
    max_age = int(entry["expires"] - time.time())
    try:
        if max_age >= 1:
            page = {"status": response.status_code, "headers": headers, "content": response.content}
            cache.set(page_key, page | entry, max_age)
    except cache_failures() as error:
        logger.warning("The page cache did not answer a write: %s", error)


def _version_key(key: str) -> str:
    return f"surrogate:{key}"


def key_versions(keys: Iterable[str]) -> dict[str, str]:
    """The current version of each key, giving one to keys that have none yet: a value kept
    with these versions is current while they are (articles/caching.py keeps one so)."""
    return _versions(keys)


def _current(keys: Iterable[str]) -> dict[str, str]:
    """The version each key has now (a key never given one, or evicted, has none)."""
    found = cache.get_many([_version_key(k) for k in keys])
    return {k: found[_version_key(k)] for k in keys if _version_key(k) in found}


def _versions(keys: Iterable[str]) -> dict[str, str]:
    """The current version of each key, giving one to keys that have none yet."""
    versions = _current(keys)
    for key in set(keys) - set(versions):
        version = uuid.uuid4().hex
        if not cache.add(_version_key(key), version, None):  # another server was first
            version = cache.get(_version_key(key))
        versions[key] = version
    return versions


def _mark_public(response, keys, max_age: int) -> None:
    response["Cache-Control"] = _public(max_age)
    response["Surrogate-Key"] = " ".join(sorted(keys))
    if response.status_code == 200 and not response.has_header("ETag"):
        response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'


def _public(max_age: int) -> str:
    return f"public, max-age={min(BROWSER_MAX_AGE, max_age)}, s-maxage={max_age}"


# --- Purging ----------------------------------------------------------------------------------


def purge(keys: Iterable[str]) -> None:
    """Forget every page showing any of `keys`, here and in front caches. Never raises.

    Here twice: at once, so the rest of this request (and a test running in one transaction)
    sees it, and after the commit, so a page drawn from the old rows in between does not
    survive. Front caches only after the commit, which is when the change is real.
    """
    keys = sorted(set(keys))
    if not keys:
        return
    _bump(keys)
    once_per_transaction(_purge_now, keys)


def cache_answers() -> bool:
    try:
        cache.get("healthz")
    except cache_failures():
        return False
    return True


def purge_everything() -> bool:
    """Forget every cached page at once; False (and a warning) when the cache did not answer."""
    return _purge_now([SITE])


def _purge_now(keys: list[str], *, keep_if_missed: bool = True) -> bool:
    """Here, then in front caches: one refetching at once gets the new page, not the kept one."""
    bumped = _bump(keys)
    _front_caches.send(keys)
    if not bumped and keep_if_missed:
        try:
            PendingPurge.objects.create(keys=" ".join(keys))
        except DatabaseError as error:
            logger.error("Pages showing %s were not purged and could not be kept for later: %s",
                         " ".join(keys), error)  # fmt: skip
    return bumped


def replay_purges(*, unless_recent: bool = False) -> bool:
    """Tell the cache the purges it missed (and front caches again, which may have refetched
    a page it still held); False while some remain. `unless_recent`: only if this process may
    have been out of touch with the cache (see QUIET, CHECK_EVERY)."""
    global _checked_at
    now = time.monotonic()
    if unless_recent and now - _heard_at < QUIET and now - _checked_at < CHECK_EVERY:
        return True
    try:
        missed = list(PendingPurge.objects.order_by("pk")[:REPLAY_BATCH])
        if len(missed) < REPLAY_BATCH:  # else the rest at the next lookup, not in 5 s
            _checked_at = now
        if not missed:
            return True
        keys = sorted({key for purge in missed for key in purge.keys.split()})
        if not _purge_now(keys, keep_if_missed=False):
            return False
        PendingPurge.objects.filter(pk__in=[purge.pk for purge in missed]).delete()
    except DatabaseError as error:  # the database is away too: nothing can be kept or read
        logger.warning("Missed purges could not be read: %s", error)
        return True
    logger.info("Purges the cache had missed are told to it: %s", " ".join(keys))
    return len(missed) < REPLAY_BATCH


def _bump(keys: list[str]) -> bool:
    try:
        cache.set_many(
            {CLOCK: uuid.uuid4().hex} | {_version_key(k): uuid.uuid4().hex for k in keys}, None
        )
    except cache_failures() as error:
        logger.warning("The cache did not answer, so pages showing %s were not purged: %s",
                       " ".join(keys), error)  # fmt: skip
        return False
    _heard()
    return True


def _heard() -> None:
    global _heard_at
    _heard_at = time.monotonic()


class FrontCaches:
    """Sends purges to the front caches from a background thread (newsroom/background.py), in
    order, with retries: an editor's request only queues the keys."""

    ATTEMPTS = 4
    TIMEOUT = 2.0

    def __init__(self):
        self._worker = background.Worker("purge")

    def send(self, keys: list[str]) -> None:
        for url in settings.FRONT_CACHE_URLS:
            self._worker.submit(functools.partial(self._deliver, url, keys))

    def wait(self, timeout: float = 10.0) -> bool:
        """Until every queued purge is sent or given up; False if time ran out first."""
        return self._worker.wait(timeout)

    def _deliver(self, url: str, keys: list[str]) -> None:
        for attempt in range(1, self.ATTEMPTS + 1):
            request = urllib.request.Request(  # noqa: S310 - FRONT_CACHE_URLS, set by staff
                url.rstrip("/") + "/",
                method="PURGE",
                headers={"Surrogate-Key": " ".join(keys),
                         "Purge-Secret": settings.FRONT_CACHE_SECRET},
            )  # fmt: skip
            try:
                with urllib.request.urlopen(request, timeout=self.TIMEOUT) as answer:  # noqa: S310
                    if answer.status < 300:
                        return
                    problem = f"answered {answer.status}"
            except OSError as error:  # includes URLError and HTTPError
                problem = str(error)
            if attempt < self.ATTEMPTS:
                time.sleep(0.2 * 2**attempt)
        logger.warning(
            "The front cache %s did not take the purge of %s (%s, %d attempts); those pages "
            "expire within %d seconds.", url, " ".join(keys), problem, self.ATTEMPTS,
            SHARED_MAX_AGE,
        )  # fmt: skip


_front_caches = FrontCaches()


def wait_for_front_caches(timeout: float = 10.0) -> bool:
    return _front_caches.wait(timeout)
