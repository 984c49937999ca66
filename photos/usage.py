"""Where a photo is used, as told by the apps that use photos (photos itself knows none of them).

An app that points at photos registers a function here (articles does in its admin module);
the photo's admin page lists what each returns. Each function decides what this user may see.
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
