"""A client-side copy of Qomon's token bucket, so calls wait instead of being refused.

Qomon meters each space (each API key) with a bucket of 100 tokens refilled at
10 per second; most requests cost 1, synchronous contact writes 5. A 429 means
the request was not processed, but it costs a round trip and a `Retry-After`
wait, so the client paces itself: it reserves tokens before sending, and it
trusts the server over its own estimate when the response headers disagree.
"""

from __future__ import annotations

import hashlib
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

import anyio

__all__ = [
    "DEFAULT_BURST",
    "DEFAULT_RATE",
    "Bucket",
    "BucketSource",
    "TokenBucket",
    "bucket_for",
    "parse_float",
    "parse_shape",
]

DEFAULT_BURST = 100.0
DEFAULT_RATE = 10.0

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Bucket(Protocol):
    """What a client asks of its space's bucket: this module's, or the one shared on Redis."""

    def delay(self, cost: float) -> float: ...

    async def acquire(self, cost: float = 1, *, timeout: float | None = None) -> float: ...

    def observe(self, headers: Mapping[str, str]) -> None: ...

    def on_429(self, retry_after: float) -> None: ...


class BucketSource(Protocol):
    """`bucket_for` or its Redis twin: the bucket of the space behind an API key."""

    def __call__(self, api_key: str, *, clock: Clock = ..., sleep: Sleep = ...) -> Bucket: ...


class TokenBucket:
    """Tokens refill continuously at `rate` per second, up to `burst`.

    `acquire` reserves tokens immediately and then sleeps off any deficit, so
    concurrent callers queue in call order and a reservation is never lost to
    a later caller. The level may therefore go negative: it is a debt that the
    refill pays back.
    """

    def __init__(
        self,
        *,
        burst: float = DEFAULT_BURST,
        rate: float = DEFAULT_RATE,
        clock: Clock = time.monotonic,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        self.burst = float(burst)
        self.rate = float(rate)
        self._clock = clock
        self._sleep = sleep
        self._level = self.burst
        self._updated = clock()
        self._blocked_until = float("-inf")

    def __repr__(self) -> str:
        return f"<TokenBucket level={self.level:.1f} burst={self.burst:g} rate={self.rate:g}>"

    @property
    def level(self) -> float:
        """Tokens available now (negative while earlier reservations are still being waited for)."""
        self._refill()
        return self._level

    def _refill(self) -> None:
        now = self._clock()
        elapsed = now - self._updated
        if elapsed > 0:
            self._level = min(self.burst, self._level + elapsed * self.rate)
            self._updated = now

    def delay(self, cost: float) -> float:
        """Seconds a request of `cost` would wait if it were acquired now."""
        self._refill()
        deficit = max(0.0, cost - self._level) / self.rate
        return max(deficit, self._blocked_until - self._clock(), 0.0)

    async def acquire(self, cost: float = 1, *, timeout: float | None = None) -> float:
        """Take `cost` tokens, sleeping until the bucket can pay for them; returns the wait.

        Raises the builtin `TimeoutError`, without taking anything, when the wait
        would be longer than `timeout`: the caller's deadline would pass anyway.
        """
        wait = self.delay(cost)
        if timeout is not None and wait > timeout:
            raise TimeoutError(f"the rate limit needs a {wait:.1f} s wait, more than the {timeout:.1f} s left")
        self._level -= cost
        if wait > 0:
            await self._sleep(wait)
        return wait

    def take(self, cost: float) -> None:
        """Count `cost` tokens spent without waiting: the shared bucket already made the caller wait."""
        self._refill()
        self._level -= cost

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn from a response's `X-Ratelimit-*` headers.

        The shape (`burst:100;rate:10.0`) is adopted as is. `Remaining` only ever
        lowers the local level: the server counted this request but not the ones
        still in flight, which the local level has already reserved, so a higher
        server figure is stale while a lower one means someone else (another
        process with the same key) is spending tokens too.
        """
        headers = {name.lower(): value for name, value in headers.items()}
        shape = parse_shape(headers.get("x-ratelimit-limit", ""))
        if shape:
            self._refill()
            self.burst = shape.get("burst", self.burst)
            self.rate = shape.get("rate", self.rate) or self.rate
            self._level = min(self._level, self.burst)
        remaining = parse_float(headers.get("x-ratelimit-remaining"))
        if remaining is not None:
            self._refill()
            self._level = min(self._level, remaining)

    def on_429(self, retry_after: float) -> None:
        """The server refused a request: hold every caller back for `retry_after` seconds."""
        self._refill()
        self._level = min(self._level, 0.0)
        self._blocked_until = max(self._blocked_until, self._clock() + max(retry_after, 0.0))


def parse_float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def parse_shape(value: str) -> dict[str, float]:
    shape: dict[str, float] = {}
    for part in value.split(";"):
        name, _, number = part.partition(":")
        parsed = parse_float(number.strip())
        if name.strip() in ("burst", "rate") and parsed is not None and parsed > 0:
            shape[name.strip()] = parsed
    return shape


# One bucket per space: clients built with the same key share it while any of
# them is alive. The key itself is never stored, only a digest of it. Clock and
# sleep are part of the registry key because a bucket measures time with one clock.
_BUCKETS: weakref.WeakValueDictionary[tuple[str, Clock, Sleep], TokenBucket] = weakref.WeakValueDictionary()


def bucket_for(api_key: str, *, clock: Clock = time.monotonic, sleep: Sleep = anyio.sleep) -> TokenBucket:
    """The bucket shared by every client of the space behind `api_key`."""
    digest = hashlib.sha256(api_key.encode()).hexdigest()
    registry_key = (digest, clock, sleep)
    bucket = _BUCKETS.get(registry_key)
    if bucket is None:
        bucket = TokenBucket(clock=clock, sleep=sleep)
        _BUCKETS[registry_key] = bucket
    return bucket
