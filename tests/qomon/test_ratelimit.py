import gc
import weakref

import pytest

from qomon_mcp.qomon import ratelimit
from qomon_mcp.qomon.ratelimit import TokenBucket, bucket_for


class FakeTime:
    """A clock that only moves when someone sleeps: waits are measured, never spent."""

    def __init__(self, advance: bool = True) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.advance = advance

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.advance:
            self.now += seconds


def make_bucket(t: FakeTime, **kwargs: float) -> TokenBucket:
    return TokenBucket(clock=t.clock, sleep=t.sleep, **kwargs)


@pytest.mark.anyio
async def test_150_calls_at_cost_1_wait_five_virtual_seconds() -> None:
    t = FakeTime()
    bucket = make_bucket(t)
    for _ in range(150):
        await bucket.acquire(1)
    assert len(t.sleeps) == 50  # the first 100 ride on the burst
    assert sum(t.sleeps) == pytest.approx(5.0)
    assert t.now - 1000.0 == pytest.approx(5.0)


@pytest.mark.anyio
async def test_expensive_calls_drain_the_bucket_five_times_faster() -> None:
    t = FakeTime()
    bucket = make_bucket(t)
    for _ in range(20):
        await bucket.acquire(5)
    assert t.sleeps == []
    assert await bucket.acquire(5) == pytest.approx(0.5)


@pytest.mark.anyio
async def test_reservations_queue_in_call_order() -> None:
    t = FakeTime(advance=False)
    bucket = make_bucket(t, burst=1, rate=10)
    waits = [await bucket.acquire(1) for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3])


@pytest.mark.anyio
async def test_the_bucket_refills_over_time_up_to_the_burst() -> None:
    t = FakeTime()
    bucket = make_bucket(t)
    for _ in range(100):
        await bucket.acquire(1)
    t.now += 3
    assert bucket.level == pytest.approx(30)
    t.now += 3600
    assert bucket.level == pytest.approx(100)


@pytest.mark.anyio
async def test_the_shape_is_learned_from_the_limit_header() -> None:
    t = FakeTime()
    bucket = make_bucket(t)
    bucket.observe({"X-Ratelimit-Limit": "burst:20;rate:2.0"})
    assert (bucket.burst, bucket.rate) == (20, 2)
    assert bucket.level == pytest.approx(20)
    for _ in range(25):
        await bucket.acquire(1)
    assert sum(t.sleeps) == pytest.approx(2.5)


def test_the_remaining_header_lowers_the_local_level() -> None:
    t = FakeTime()
    bucket = make_bucket(t)
    bucket.observe({"x-ratelimit-remaining": "3"})
    assert bucket.level == pytest.approx(3)


@pytest.mark.anyio
async def test_a_higher_remaining_does_not_forget_requests_in_flight() -> None:
    t = FakeTime()
    bucket = make_bucket(t)
    for _ in range(50):
        await bucket.acquire(1)
    bucket.observe({"X-Ratelimit-Remaining": "90"})
    assert bucket.level == pytest.approx(50)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Ratelimit-Limit": "nonsense"},
        {"X-Ratelimit-Limit": "burst:abc;rate:0"},
        {"X-Ratelimit-Remaining": "n/a"},
    ],
    ids=["none", "garbage-shape", "bad-numbers", "bad-remaining"],
)
def test_unreadable_headers_change_nothing(headers: dict[str, str]) -> None:
    bucket = make_bucket(FakeTime())
    bucket.observe(headers)
    assert (bucket.burst, bucket.rate, bucket.level) == (100, 10, 100)


@pytest.mark.anyio
async def test_a_429_holds_the_next_caller_for_retry_after() -> None:
    t = FakeTime()
    bucket = make_bucket(t)
    bucket.on_429(2)
    assert bucket.delay(1) == pytest.approx(2)
    await bucket.acquire(1)
    assert t.sleeps == pytest.approx([2.0])


@pytest.mark.anyio
async def test_a_wait_longer_than_the_timeout_takes_nothing() -> None:
    t = FakeTime()
    bucket = make_bucket(t)
    bucket.on_429(30)
    with pytest.raises(TimeoutError):
        await bucket.acquire(1, timeout=5)
    assert t.sleeps == []
    assert bucket.level == pytest.approx(0)


def test_clients_of_one_key_share_one_bucket() -> None:
    t = FakeTime()
    first = bucket_for("key-a", clock=t.clock, sleep=t.sleep)
    assert bucket_for("key-a", clock=t.clock, sleep=t.sleep) is first
    assert bucket_for("key-b", clock=t.clock, sleep=t.sleep) is not first


def test_the_registry_holds_a_digest_not_the_key() -> None:
    t = FakeTime()
    bucket = bucket_for("qk-very-secret-key", clock=t.clock, sleep=t.sleep)
    assert bucket is not None
    assert "qk-very-secret-key" not in repr(list(ratelimit._BUCKETS.keys()))
    assert "qk-very-secret-key" not in repr(bucket)


def test_an_unused_bucket_is_forgotten() -> None:
    t = FakeTime()
    ref = weakref.ref(bucket_for("key-gone", clock=t.clock, sleep=t.sleep))
    gc.collect()
    assert ref() is None
