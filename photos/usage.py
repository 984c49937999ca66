"""Where a photo is used, as told by the apps that use photos (photos itself knows none of them).

An app that points at photos registers functions here: what the photo's admin page lists as its
uses (each decides what this user may see; articles registers one in its admin module), and
whether readers may fetch its files (articles registers one in its app config).
"""

from collections.abc import Callable, Iterable

# (image, user) -> [(admin URL, label)]
UsageFinder = Callable[..., Iterable[tuple[str, str]]]
_finders: list[UsageFinder] = []


def register(finder: UsageFinder) -> UsageFinder:
    if finder not in _finders:
        _finders.append(finder)
    return finder


def used_by(image, user) -> list[tuple[str, str]]:
    return [row for finder in _finders for row in finder(image, user)]


# image -> whether a page readers can see shows it. photos/media.py serves a photo's files to
# the public only when one of these says so; the apps that show photos know where they are.
PublicCheck = Callable[..., bool]
_public_checks: list[PublicCheck] = []


def register_public(check: PublicCheck) -> PublicCheck:
    if check not in _public_checks:
        _public_checks.append(check)
    return check


def shown_to_readers(image) -> bool:
    return any(check(image) for check in _public_checks)
