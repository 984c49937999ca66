"""Addresses of photo files that work without signing in, for a while: previews use them.

A photo shown only on a story readers cannot see yet is served to signed-in staff alone
(photos/media.py). A preview link's page is read by people without accounts, so the pictures on
it carry a signature of the file name and an expiry instead. The time is rounded up to the
hour, so the same preview drawn twice in an hour asks for the same addresses.
"""

import math
import time
from urllib.parse import urlencode

from django.core import signing
from django.core.files.storage import default_storage
from django.utils.crypto import constant_time_compare

LIFETIME = 24 * 60 * 60


def signed_url(name: str) -> str:
    expires = math.ceil((time.time() + LIFETIME) / 3600) * 3600
    query = urlencode({"expires": expires, "signature": _signature(name, expires)})
    return f"{default_storage.url(name)}?{query}"


def signature_holds(name: str, query) -> bool:
    try:
        expires = int(query.get("expires", ""))
    except ValueError:
        return False
    given = query.get("signature", "")
    return expires >= time.time() and constant_time_compare(given, _signature(name, expires))


def _signature(name: str, expires: int) -> str:
    # Made per call: a Signer reads SECRET_KEY, which commands such as check may lack.
    return signing.Signer(salt="photos.media").signature(f"{name}|{expires}")
