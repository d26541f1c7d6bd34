"""Qomon's token bucket: one bucket per API key, `burst` tokens, refilled at `rate` per second."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Decision", "RateLimiter"]


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    cost: int
    remaining: float
    reset: float
    retry_after: int
    limit: str

    def headers(self) -> dict[str, str]:
        """The headers every authenticated response carries (plus Retry-After on a refusal)."""
        headers = {
            "X-Ratelimit-Limit": self.limit,
            "X-Ratelimit-Remaining": str(math.floor(self.remaining)),
            "X-Ratelimit-Cost": str(self.cost),
            # Rounded up, so that waiting this long really finds the bucket full.
            "X-Ratelimit-Reset": f"{math.ceil(round(self.reset * 10, 6)) / 10:.1f}",
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class RateLimiter:
    def __init__(self, *, burst: int, rate: float, clock: Callable[[], float]) -> None:
        if burst < 1 or rate <= 0:
            raise ValueError("the bucket needs burst >= 1 and rate > 0")
        self.burst = burst
        self.rate = float(rate)
        self._clock = clock
        # key hash -> (tokens, time of the last refill)
        self._buckets: dict[str, tuple[float, float]] = {}

    @property
    def limit(self) -> str:
        return f"burst:{self.burst};rate:{self.rate}"

    def _level(self, key: str) -> tuple[float, float]:
        now = self._clock()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + max(0.0, now - last) * self.rate), now

    def take(self, key: str, cost: int) -> Decision:
        """Charge `cost` tokens if the bucket holds them; a refused request is charged nothing."""
        tokens, now = self._level(key)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        self._buckets[key] = (tokens, now)
        retry_after = 0 if allowed else max(1, math.ceil((cost - tokens) / self.rate))
        return Decision(
            allowed=allowed,
            cost=cost,
            remaining=tokens,
            reset=(self.burst - tokens) / self.rate,
            retry_after=retry_after,
            limit=self.limit,
        )
