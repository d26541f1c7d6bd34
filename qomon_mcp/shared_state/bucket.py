"""One token bucket per API key on Redis, so that every replica together stays within Qomon's.

The bucket is a hash `qomon-mcp:bucket:<sha256 of the API key>` (level, last update, shape,
and a hold after a 429) changed only by one Lua script, which Redis runs atomically: it
refills, applies what the responses taught since the last call (the shape from
`X-Ratelimit-Limit`, a lower `X-Ratelimit-Remaining`, a `Retry-After`), then reserves the
cost and says how long to wait before sending, exactly as `qomon.ratelimit.TokenBucket`
does in one process. Time is Redis's own clock (`TIME`), the same for every replica.

`observe` and `on_429` are called from the response path and must not wait on the network:
they are noted here and travel with the next `acquire`. They also feed a local bucket,
which paces the calls alone while Redis is away (`RedisHealth` warns once a minute) and
hands back to the shared one as soon as Redis answers again.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Awaitable, Callable, Mapping

import anyio
from redis.asyncio import Redis

from qomon_mcp.qomon.ratelimit import DEFAULT_BURST, DEFAULT_RATE, TokenBucket, parse_float, parse_shape
from qomon_mcp.shared_state.health import RedisAway, RedisHealth
from qomon_mcp.shared_state.ledger import NAMESPACE, digest

__all__ = ["MARGIN", "RedisBucket", "RedisBuckets"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Tokens the shared bucket keeps in hand (one contact write). Qomon starts counting when a request
# arrives, the bucket when it is reserved: the margin absorbs that delay (0.5 s at Qomon's 10/s), once,
# so that replicas starting on a full bucket do not run ahead of Qomon's by a request or two.
MARGIN = 5.0

# KEYS[1] the bucket. ARGV: now ('' for Redis's TIME), cost, timeout (-1: none), default burst,
# default rate, learned burst (0: none), learned rate (0: none), learned remaining ('' : none),
# age of that remaining in seconds, 429 hold in seconds (0: none), age of that hold, margin.
# Returns {granted (1 or 0), wait in seconds as a string, level as a string}.
ACQUIRE = """
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
else
  now = tonumber(ARGV[1])
end
local cost = tonumber(ARGV[2])
local timeout = tonumber(ARGV[3])
local s = redis.call('HMGET', KEYS[1], 'level', 'updated', 'burst', 'rate', 'held')
local burst = tonumber(s[3]) or tonumber(ARGV[4])
local rate = tonumber(s[4]) or tonumber(ARGV[5])
local level = tonumber(s[1]) or burst
local updated = tonumber(s[2]) or now
local held = tonumber(s[5]) or 0
if now > updated then
  level = math.min(burst, level + (now - updated) * rate)
  updated = now
end
if tonumber(ARGV[6]) > 0 then burst = tonumber(ARGV[6]) end
if tonumber(ARGV[7]) > 0 then rate = tonumber(ARGV[7]) end
level = math.min(level, burst)
if ARGV[8] ~= '' then
  -- Qomon counted that many left when it answered; the bucket has refilled since.
  level = math.min(level, tonumber(ARGV[8]) + tonumber(ARGV[9]) * rate)
end
if tonumber(ARGV[10]) > 0 then
  level = math.min(level, 0)
  held = math.max(held, now - tonumber(ARGV[11]) + tonumber(ARGV[10]))
end
local wait = math.max(0, (cost + tonumber(ARGV[12]) - level) / rate, held - now)
local granted = 1
if timeout >= 0 and wait > timeout then
  granted = 0
else
  level = level - cost
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'updated', tostring(updated),
  'burst', tostring(burst), 'rate', tostring(rate), 'held', tostring(held))
-- Forgotten once it would be full again anyway: an idle key leaves nothing behind.
local full_in = math.max(held - now, 0) + (burst - level) / rate
redis.call('EXPIRE', KEYS[1], math.ceil(full_in) + 60)
return {granted, tostring(wait), tostring(level)}
"""


class RedisBucket:
    """The shared bucket of one API key, with the interface of `TokenBucket`."""

    def __init__(
        self,
        redis: Redis,
        key: str,
        *,
        health: RedisHealth,
        clock: Clock = time.monotonic,
        sleep: Sleep = anyio.sleep,
        redis_clock: Clock | None = None,
    ) -> None:
        self._redis = redis
        self._key = key
        self._health = health
        self._clock = clock
        self._sleep = sleep
        self._redis_clock = redis_clock
        self.local = TokenBucket(clock=clock, sleep=sleep)
        self._script = redis.register_script(ACQUIRE)
        self._shape: dict[str, float] = {}
        self._remaining: tuple[float, float] | None = None  # (remaining, when seen)
        self._hold: tuple[float, float] | None = None  # (seconds, when seen)
        self._last_wait = 0.0
        self.shared_acquires = 0

    def __repr__(self) -> str:
        return f"<RedisBucket burst={self.burst:g} rate={self.rate:g}>"

    @property
    def burst(self) -> float:
        return self.local.burst

    @property
    def rate(self) -> float:
        return self.local.rate

    def delay(self, cost: float) -> float:
        """The wait last computed by Redis (or by the local bucket while Redis is away)."""
        return self.local.delay(cost) if self._health.away else self._last_wait

    async def acquire(self, cost: float = 1, *, timeout: float | None = None) -> float:
        """Take `cost` tokens from the shared bucket, sleeping off any deficit; raise `TimeoutError`
        without taking anything when the wait would pass `timeout`."""
        if self._health.away:
            return await self.local.acquire(cost, timeout=timeout)
        now = self._clock()
        shape, remaining, hold = self._shape, self._remaining, self._hold
        args = [
            "" if self._redis_clock is None else repr(self._redis_clock()),
            repr(float(cost)),
            "-1" if timeout is None else repr(float(timeout)),
            repr(DEFAULT_BURST),
            repr(DEFAULT_RATE),
            repr(shape.get("burst", 0.0)),
            repr(shape.get("rate", 0.0)),
            "" if remaining is None else repr(remaining[0]),
            "0" if remaining is None else repr(max(now - remaining[1], 0.0)),
            "0" if hold is None else repr(hold[0]),
            "0" if hold is None else repr(max(now - hold[1], 0.0)),
            repr(MARGIN),
        ]
        try:
            granted, wait_text, _ = await self._health.call(
                lambda: self._script(keys=[self._key], args=args), "acquire"
            )
        except RedisAway:
            return await self.local.acquire(cost, timeout=timeout)
        # Applied by Redis; an observation made while this call was on its way goes with the next one.
        if self._shape is shape:
            self._shape = {}
        if self._remaining is remaining:
            self._remaining = None
        if self._hold is hold:
            self._hold = None
        self.shared_acquires += 1
        wait = float(wait_text)
        self._last_wait = wait
        if not int(granted):
            raise TimeoutError(f"the rate limit needs a {wait:.1f} s wait, more than the {timeout:.1f} s left")
        # The local bucket follows, so that it is warm if Redis goes away.
        self.local.take(cost)
        if wait > 0:
            await self._sleep(wait)
        return wait

    def observe(self, headers: Mapping[str, str]) -> None:
        self.local.observe(headers)
        lowered = {name.lower(): value for name, value in headers.items()}
        shape = parse_shape(lowered.get("x-ratelimit-limit", ""))
        if shape:
            self._shape = shape
        remaining = parse_float(lowered.get("x-ratelimit-remaining"))
        if remaining is not None:
            now = self._clock()
            # Of two answers not yet passed on, the one that leaves fewer tokens today counts.
            kept = self._remaining
            if kept is None or remaining <= kept[0] + (now - kept[1]) * self.rate:
                self._remaining = (remaining, now)

    def on_429(self, retry_after: float) -> None:
        self.local.on_429(retry_after)
        if self._hold is None or retry_after >= self._hold[0]:
            self._hold = (max(retry_after, 0.0), self._clock())


class RedisBuckets:
    """`bucket_for` on Redis: one `RedisBucket` per API key in this process, all on one Redis hash."""

    def __init__(self, redis: Redis, *, health: RedisHealth, redis_clock: Clock | None = None) -> None:
        self._redis = redis
        self._health = health
        self._redis_clock = redis_clock
        self._buckets: weakref.WeakValueDictionary[tuple[str, Clock, Sleep], RedisBucket] = (
            weakref.WeakValueDictionary()
        )

    def bucket_for(self, api_key: str, *, clock: Clock = time.monotonic, sleep: Sleep = anyio.sleep) -> RedisBucket:
        name = digest(api_key)
        bucket = self._buckets.get((name, clock, sleep))
        if bucket is None:
            bucket = RedisBucket(
                self._redis,
                f"{NAMESPACE}bucket:{name}",
                health=self._health,
                clock=clock,
                sleep=sleep,
                redis_clock=self._redis_clock,
            )
            self._buckets[(name, clock, sleep)] = bucket
        return bucket
