"""One deadline per tool call, and rate-limit refusals that say so: the client side, on virtual time."""

from __future__ import annotations

import httpx2
import pytest

from qomon_mcp.qomon import errors
from qomon_mcp.qomon.deadline import call_deadline, step
from tests.qomon.client_support import FakeTime, Recorder, make_client, ok

pytestmark = pytest.mark.anyio

CONTACT = {"contact": {"id": 1}}


class Slow:
    """A Qomon whose every answer takes `seconds` of virtual time; counts what it received."""

    def __init__(self, t: FakeTime, seconds: float) -> None:
        self.t, self.seconds, self.requests = t, seconds, 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests += 1
        self.t.now += self.seconds
        return ok(CONTACT)


async def test_calls_outside_a_tool_keep_a_deadline_each() -> None:
    t = FakeTime()
    qomon = Slow(t, 50)
    async with make_client(qomon, t, deadline=120) as client:
        for _ in range(4):
            await client.get_contact(1)
    assert qomon.requests == 4  # 200 s in all, but no call took more than 50


async def test_calls_inside_one_tool_call_share_its_deadline() -> None:
    t = FakeTime()
    qomon = Slow(t, 50)
    async with make_client(qomon, t, deadline=120) as client:
        with call_deadline(), pytest.raises(errors.RequestTimeout) as caught:
            for _ in range(4):
                await client.get_contact(1)
    # 0-50, 50-100, 100-150 (sent with 20 s left); the fourth finds the 120 s spent and sends nothing.
    assert qomon.requests == 3
    assert caught.value.slow is False
    assert caught.value.step == "GET /contacts/{id}"


async def test_a_named_step_is_the_one_the_error_names() -> None:
    t = FakeTime()
    qomon = Slow(t, 80)
    async with make_client(qomon, t, deadline=120) as client:
        with call_deadline():
            await client.get_contact(1)
            with step("reading the bundle before the update"), pytest.raises(errors.RequestTimeout) as caught:
                await client.get_contact(1)
                await client.get_contact(1)
    assert caught.value.step == "reading the bundle before the update"


async def test_a_nested_scope_joins_the_outer_one() -> None:
    t = FakeTime()
    async with make_client(Slow(t, 70), t, deadline=100) as client:
        with call_deadline() as outer:
            await client.get_contact(1)
            with call_deadline() as inner:
                assert inner is outer
                with pytest.raises(errors.RequestTimeout):
                    await client.get_contact(1)
                    await client.get_contact(1)
    assert outer.ends_at == pytest.approx(1100)


async def test_waits_for_the_rate_limit_count_against_the_tool_call() -> None:
    t = FakeTime()
    qomon = Slow(t, 0)
    async with make_client(qomon, t, deadline=30) as client:
        with call_deadline():
            await client.get_contact(1)
            t.now += 25
            client.rate_limit.on_429(10)  # 10 s of hold, 5 s of deadline left
            with pytest.raises(errors.RateLimitHeld) as caught:
                await client.get_contact(1)
    assert qomon.requests == 1
    assert caught.value.retry_after == pytest.approx(10)


async def test_after_a_429_the_next_call_is_refused_by_the_rate_limit_unsent() -> None:
    t = FakeTime()
    fake = Recorder(httpx2.Response(429, headers={"Retry-After": "60"}), ok(CONTACT))
    async with make_client(fake, t, deadline=30) as client:
        with pytest.raises(errors.RateLimited) as first:
            await client.get_contact(1)
        t.now += 5
        with pytest.raises(errors.RateLimitHeld) as second:
            await client.get_contact(1)
    assert first.value.retry_after == 60
    assert second.value.retry_after == pytest.approx(55)
    assert len(fake.requests) == 1
    assert isinstance(second.value, errors.RequestTimeout)  # still a timeout for callers that catch those
