"""The page cache as editors' actions and commands meet it: a cache that fails is logged and
passed over, never a reason for an action or a command to fail (pages expire by themselves)."""

import logging

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger("newsroom.cache")


def clear_pages() -> bool:
    """Forget every cached page; False (and a warning) when the cache did not answer."""
    try:
        cache.clear()
    except (RedisError, OSError) as error:
        logger.warning("The cache did not answer, so cached pages were not cleared: %s", error)
        return False
    return True
