"""diskcache's Django cache: one SQLite file that every process of this machine shares.

Two changes to it. Django closes every cache after each request; reopening the SQLite file
costs more than a cached page's read, so the connection is kept (diskcache holds one per
thread, closed when the thread ends, and opens a new one after a fork). And `set_many` is one
transaction, as Redis's MSET is: a purge's new clock and key versions are written together.
"""

from diskcache import DjangoCache
from django.core.cache.backends.base import DEFAULT_TIMEOUT


class DiskCache(DjangoCache):
    def close(self, **kwargs):
        pass

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        with self._cache.transact():
            return super().set_many(data, timeout, version)
