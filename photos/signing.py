"""Addresses of photo files that work without signing in, for a while: previews use them.

A photo shown only on a story readers cannot see yet is served to signed-in staff alone
(photos/media.py). A preview link's page is read by people without accounts, so the pictures on
it carry a signature of the file name, an expiry and a grant: what lets its holder see the page
(a preview link). The grant is checked again at every fetch by whoever registered its kind, so
an address dies with its grant (a revoked link) rather than a day later. The time is rounded up
to the hour, so the same preview drawn twice in an hour asks for the same addresses.
"""

import math
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.core import signing
from django.core.files.storage import default_storage
from django.utils.crypto import constant_time_compare

LIFETIME = 24 * 60 * 60

# kind -> (value -> whether a grant "<kind>.<value>" still holds); photos knows none of them.
GrantCheck = Callable[[str], bool]
_grants: dict[str, GrantCheck] = {}


def register_grant(kind: str, check: GrantCheck) -> GrantCheck:
    _grants[kind] = check
    return check


def signed_url(name: str, *, grant: str) -> str:
    expires = math.ceil((time.time() + LIFETIME) / 3600) * 3600
    signature = f"{grant}:{_signature(name, expires, grant)}"
    return f"{default_storage.url(name)}?{urlencode({'expires': expires, 'signature': signature})}"


def signature_holds(name: str, query) -> bool:
    try:
        expires = int(query.get("expires", ""))
    except ValueError:
        return False
    grant, _, given = query.get("signature", "").rpartition(":")
    return (
        expires >= time.time()
        and constant_time_compare(given, _signature(name, expires, grant))
        and _grant_holds(grant)
    )


def _grant_holds(grant: str) -> bool:
    kind, _, value = grant.partition(".")
    check = _grants.get(kind)
    return check is not None and check(value)


def _signature(name: str, expires: int, grant: str) -> str:
    # Made per call: a Signer reads SECRET_KEY, which commands such as check may lack.
    return signing.Signer(salt="photos.media").signature(f"{name}|{expires}|{grant}")
