"""Whether Redis answered lately, and one warning a minute while it does not.

Every Redis call of the ledger and the buckets goes through `RedisHealth.call`: a short
timeout bounds it, a failure marks Redis as away for a moment (the buckets then pace
locally without trying again on every request), and the log says so at most once a minute.
The first call that succeeds after that clears the mark: recovery needs no restart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, RedisError

__all__ = ["REDIS_TIMEOUT", "RETRY_AFTER", "WARNING_INTERVAL", "RedisAway", "RedisHealth", "connect"]

logger = logging.getLogger("qomon_mcp.shared_state")

# Seconds one Redis call may take: far above a healthy round trip, short enough that a user's
# /token or a tool call is not held up by a Redis that hangs.
REDIS_TIMEOUT = 1.0
# Seconds the buckets pace locally before they try Redis again after a failure.
RETRY_AFTER = 1.0
WARNING_INTERVAL = 60.0
POOL_SIZE = 8

T = TypeVar("T")


def connect(url: str, *, timeout: float = REDIS_TIMEOUT) -> Redis:
    """A client that gives up quickly: a call is tried again once only when its connection was
    found closed (one opened before Redis restarted), never after a timeout.

    A few connections, waited for in turn: each call holds one for a fraction of a millisecond,
    while opening one costs several round trips, so a burst of calls queues instead of opening
    one connection each (which took longer than the timeout on a busy machine).
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=POOL_SIZE,
        timeout=timeout,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1, supported_errors=(ConnectionError,)),
    )
    return Redis.from_pool(pool)


class RedisAway(Exception):
    """Redis did not answer in time, or refused the connection."""


class RedisHealth:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic, timeout: float = REDIS_TIMEOUT) -> None:
        self._clock = clock
        self.timeout = timeout
        self._away_until = float("-inf")
        self._warned_at = float("-inf")
        self._failing = False
        self.failures = 0

    @property
    def away(self) -> bool:
        """True for a moment after a failure: callers with a fallback use it without waiting on Redis."""
        return self._clock() < self._away_until

    async def call(self, operation: Callable[[], Awaitable[T]], what: str) -> T:
        """Run one Redis operation within the timeout; raise `RedisAway` (and warn) if it fails."""
        try:
            with anyio.fail_after(self.timeout):
                result = await operation()
        except (RedisError, OSError, TimeoutError) as error:
            self.failures += 1
            self._failing = True
            now = self._clock()
            self._away_until = now + RETRY_AFTER
            if now - self._warned_at >= WARNING_INTERVAL:
                self._warned_at = now
                # The error's class only: its text may carry the Redis URL, password included.
                logger.warning(
                    "Redis is unreachable (%s during %s): /token and /revoke answer 503, tool calls are paced "
                    "by this replica alone until it is back (next warning in a minute at most)",
                    type(error).__name__,
                    what,
                )
            raise RedisAway(what) from None
        if self._failing:
            self._failing = False
            self._away_until = float("-inf")
            logger.warning("Redis answers again: shared state is back")
        return result
