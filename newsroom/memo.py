"""A bounded memory of this process: values kept by key, the least recently used dropped first
once their sizes pass a bound. Shared by the page cache's recent pages and the story cards."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class Recent:
    def __init__(self, max_size: int, size: Callable[[object], int] = lambda value: 1):
        self._max_size = max_size
        self._size = size
        self._values: OrderedDict[Hashable, object] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()  # gunicorn's threads share it

    def get(self, key: Hashable):
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: Hashable, value) -> None:
        with self._lock:
            old = self._values.pop(key, None)
            self._total += self._size(value) - (self._size(old) if old is not None else 0)
            self._values[key] = value
            while self._total > self._max_size and self._values:
                self._total -= self._size(self._values.popitem(last=False)[1])
