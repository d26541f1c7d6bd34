"""The token bucket shared on Redis: atomic across replicas, learning Qomon's shape, and pacing
locally (one warning a minute) while Redis is away. Redis's clock is pinned through the script's
`now` argument; `sleep` records the waits instead of sleeping."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

import anyio
import pytest
from redis.asyncio import Redis

from qomon_mcp.shared_state.bucket import MARGIN, RedisBucket, RedisBuckets
from qomon_mcp.shared_state.health import RETRY_AFTER, WARNING_INTERVAL, RedisHealth, connect
from tests.shared_state.redis_server import RedisServer

KEY = "sandbox-eu-demo-key"
T0 = 1_000_000.0


class Waits:
    """A `sleep` that records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


Replicas = Callable[[int, list[float]], list[RedisBucket]]


@pytest.fixture
async def replicas(redis_process: RedisServer, redis: Redis) -> AsyncIterator[Replicas]:
    """The same key's bucket as `count` replicas see it, each over its own connections."""
    clients: list[Redis] = []

    def make(count: int, now: list[float]) -> list[RedisBucket]:
        buckets = []
        for _ in range(count):
            clients.append(connect(redis_process.url))
            source = RedisBuckets(clients[-1], health=RedisHealth(clock=lambda: now[0]), redis_clock=lambda: now[0])
            buckets.append(source.bucket_for(KEY, clock=lambda: now[0], sleep=Waits()))
        return buckets

    try:
        yield make
    finally:
        for client in clients:
            await client.aclose()


@pytest.mark.anyio
async def test_many_acquirers_on_several_replicas_never_exceed_burst_plus_rate_times_t(replicas: Replicas) -> None:
    now = [T0]
    buckets = replicas(4, now)
    sends: list[tuple[float, float]] = []  # (when the request may go, its cost)

    async def acquirer(index: int) -> None:
        cost = 5 if index % 3 == 0 else 1  # contact writes cost 5
        wait = await buckets[index % len(buckets)].acquire(cost)
        sends.append((T0 + wait, cost))

    async with anyio.create_task_group() as group:
        for index in range(300):
            group.start_soon(acquirer, index)

    total = sum(cost for _, cost in sends)
    assert len(sends) == 300 and total == 700
    assert sum(bucket.shared_acquires for bucket in buckets) == 300  # every one decided by Redis
    spent = 0.0
    for when, cost in sorted(sends):
        spent += cost
        # Everything allowed to go by `when` fits in Qomon's bucket: 100 at once, then 10 a second.
        assert spent <= 100 + 10 * (when - T0) + 1e-6
    # And no more waiting than needed: the last request goes as soon as the bucket can pay for it
    # (and the few tokens kept in hand).
    assert max(when for when, _ in sends) - T0 == pytest.approx((total - 100 + MARGIN) / 10)


@pytest.mark.anyio
async def test_the_shape_learned_by_one_replica_paces_the_others(replicas: Replicas) -> None:
    now = [T0]
    first, second = replicas(2, now)
    assert await first.acquire(1) == 0
    # Qomon answered with a smaller bucket and fewer tokens left than this replica counted.
    first.observe({"X-Ratelimit-Limit": "burst:10;rate:20.0", "X-Ratelimit-Remaining": "2"})
    # The next call carries the lesson to Redis: 2 tokens left, at 20/s.
    assert await first.acquire(1) == pytest.approx((1 + MARGIN - 2) / 20)
    # The other replica paces at 20/s too, for what is missing (and the tokens kept in hand).
    assert await second.acquire(5) == pytest.approx((5 + MARGIN - 1) / 20)
    now[0] += 10
    assert await second.acquire(5) == 0  # refilled to the learned burst of 10, not 100
    assert await first.acquire(5) == pytest.approx(MARGIN / 20)


@pytest.mark.anyio
async def test_a_429_on_one_replica_holds_every_replica_back(replicas: Replicas) -> None:
    now = [T0]
    first, second = replicas(2, now)
    await first.acquire(1)
    first.on_429(3.0)
    await first.acquire(1)
    assert await second.acquire(1) == pytest.approx(3.0)
    with pytest.raises(TimeoutError):
        await second.acquire(1, timeout=1.0)  # too long a wait: refused, nothing taken


@pytest.mark.anyio
async def test_redis_holds_a_digest_of_the_key_and_the_bucket_expires(replicas: Replicas, redis: Redis) -> None:
    now = [T0]
    (bucket,) = replicas(1, now)
    await bucket.acquire(50)
    keys = [key.decode() for key in await redis.keys("*")]
    assert len(keys) == 1 and keys[0].startswith("qomon-mcp:bucket:")
    assert KEY not in keys[0]
    assert all(KEY.encode() not in value for value in (await redis.hgetall(keys[0])).values())
    # Full again in 5 s at 10/s: kept a minute beyond that, not forever.
    assert 60 <= await redis.ttl(keys[0]) <= 66


@pytest.mark.anyio
async def test_redis_away_paces_locally_with_one_warning_a_minute_and_recovers(
    replicas: Replicas, redis_process: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    now = [T0]
    (bucket,) = replicas(1, now)
    await bucket.acquire(1)
    assert bucket.shared_acquires == 1
    redis_process.stop()
    try:
        with caplog.at_level(logging.WARNING, logger="qomon_mcp.shared_state"):
            for _ in range(150):
                await bucket.acquire(1)
                now[0] += RETRY_AFTER  # each call finds Redis due for another try
            # 150 s of outage: a warning at the first failure, then at most one a minute.
            warnings = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
            assert len(warnings) == 1 + int(150 * RETRY_AFTER // WARNING_INTERVAL)
            assert all(KEY not in r.getMessage() and str(redis_process.port) not in r.getMessage() for r in warnings)
            assert bucket.shared_acquires == 1  # paced by the local bucket all along
    finally:
        redis_process.start()
    now[0] += RETRY_AFTER
    await bucket.acquire(1)
    assert bucket.shared_acquires == 2  # back on Redis, no restart


@pytest.mark.slow
@pytest.mark.anyio
async def test_a_slow_redis_is_given_up_on_quickly(replicas: Replicas, redis_process: RedisServer) -> None:
    now = [T0]
    (bucket,) = replicas(1, now)
    await bucket.acquire(1)
    redis_process.pause()
    try:
        with anyio.fail_after(3):  # the 1 s Redis timeout, not a hang
            assert await bucket.acquire(1) == 0
        assert bucket.shared_acquires == 1
    finally:
        redis_process.resume()
    now[0] += RETRY_AFTER
    await bucket.acquire(1)
    assert bucket.shared_acquires == 2
