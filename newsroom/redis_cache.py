"""Django's Redis cache, keeping one redis-py client per connection pool, and not asking a
Redis that has just failed.

Django builds a new client for every cache call; with redis-py 6 and later that costs more than
the call itself (about 110 µs against 90 µs for a 16 KB read here; redis/redis-py#3624), and a
cached page is one call. A client holds no connection of its own (the pool lends them, per
call), so one per pool serves every thread.

A Redis that stops answering costs each call its socket timeout (a second): a page makes
several calls, so every page would wait seconds. After a connection error or a timeout, every
call fails at once for `RETRY_AFTER` seconds, in every thread of the process (callers treat it
as any cache failure: pages are drawn fresh, purges are logged); then one call tries again.
"""

import functools
import threading
import time

from django.core.cache.backends import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

RETRY_AFTER = 5.0


class CacheUnreachable(RedisConnectionError):
    """Raised without asking Redis, which failed less than RETRY_AFTER seconds ago."""


class _Breaker:
    def __init__(self):
        self._lock = threading.Lock()
        self._failed_at: dict[str, float] = {}  # server -> monotonic time of its last failure

    def check(self, server: str) -> None:
        failed_at = self._failed_at.get(server)
        if failed_at is not None and time.monotonic() - failed_at < RETRY_AFTER:
            raise CacheUnreachable(f"{server} failed {time.monotonic() - failed_at:.1f} s ago")

    def failed(self, server: str) -> None:
        with self._lock:
            self._failed_at[server] = time.monotonic()

    def answered(self, server: str) -> None:
        if server in self._failed_at:
            with self._lock:
                self._failed_at.pop(server, None)


_breaker = _Breaker()  # per process: Django makes a cache object per thread


def _guarded(call):
    @functools.wraps(call)
    def guarded(self, *args, **kwargs):
        _breaker.check(self.server)
        try:
            result = call(self, *args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError):
            _breaker.failed(self.server)
            raise
        _breaker.answered(self.server)
        return result

    return guarded


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self.server = " ".join(servers)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


for _name in ("add", "clear", "delete", "delete_many", "get", "get_many", "has_key", "incr",
              "set", "set_many", "touch"):  # fmt: skip
    setattr(RedisCacheClient, _name, _guarded(getattr(redis.RedisCacheClient, _name)))


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
