"""Pacing, retries, faults and error mapping: the client against the sandbox, whose
faults stand for a flaky network or an overloaded Qomon."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest

from qomon_mcp.qomon import errors
from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import NO_FUNDRAISING_KEY, build_demo_space
from tests.qomon.sandbox_client import connect, exchanges, fresh_key, small_sandbox

Call = Callable[[QomonClient], Awaitable[Any]]


class SkipAhead:
    """Real time that jumps forward when the client sleeps, so waits are recorded, not spent."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return time.monotonic() + self.offset

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds
        await anyio.sleep(0)


# Pacing and 429


@pytest.mark.anyio
async def test_the_client_learns_the_bucket_from_the_headers() -> None:
    key = fresh_key()
    sandbox = small_sandbox(key, burst=10, rate=20)
    async with connect(sandbox, key) as client:
        assert (client.rate_limit.burst, client.rate_limit.rate) == (100, 10)
        await client.get_contact(1)
        assert (client.rate_limit.burst, client.rate_limit.rate) == (10, 20)
        assert client.rate_limit.level <= 9.5
        await client.create_contact({"surname": "Five tokens"})
        assert client.rate_limit.level <= 4.5


@pytest.mark.anyio
async def test_a_burst_of_calls_waits_instead_of_being_refused() -> None:
    key = fresh_key()
    sandbox = small_sandbox(key, burst=10, rate=20)
    async with connect(sandbox, key) as client:
        await client.get_contact(1)  # learns burst:10;rate:20.0
        started = time.monotonic()
        async with anyio.create_task_group() as tg:
            for _ in range(40):
                tg.start_soon(client.get_contact, 1)
        elapsed = time.monotonic() - started
    statuses = [status for _, _, status in exchanges(sandbox)]
    assert statuses.count(429) == 0
    assert statuses == [200] * 41
    assert elapsed >= (40 - 10) / 20 * 0.9  # the client waited for the refill


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("call", "method", "route"),
    [
        (lambda c: c.get_contact(1), "GET", "/contacts/{id}"),
        (lambda c: c.create_contact({"surname": "Once"}), "POST", "/contacts"),
    ],
    ids=["read", "unsafe-write"],
)
async def test_a_429_is_waited_out_for_retry_after_then_retried(call: Call, method: str, route: str) -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    sandbox.faults.add("status", status=429, route=route, method=method, retry_after=2)
    skip = SkipAhead()
    async with connect(sandbox, key, sleep=skip.sleep, clock=skip.clock) as client:
        await call(client)
    assert [status for _, _, status in exchanges(sandbox)] == [429, 200]
    assert max(skip.sleeps) == pytest.approx(2.0, abs=0.05)  # Retry-After, from the 429's arrival
    assert len(sandbox.space_for(key).contacts) == 3 + (method == "POST")


@pytest.mark.anyio
async def test_endless_429s_end_in_rate_limited() -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    sandbox.faults.add("status", status=429, times=None, retry_after=1)
    skip = SkipAhead()
    async with connect(sandbox, key, sleep=skip.sleep, clock=skip.clock) as client:
        with pytest.raises(errors.RateLimited) as caught:
            await client.get_contact(1)
    assert caught.value.retry_after == 1
    assert 1 < len(sandbox.request_log) <= 6


# Retries


@pytest.mark.anyio
@pytest.mark.parametrize("status", [502, 503, 504])
async def test_a_gateway_error_on_a_safe_read_is_retried(status: int) -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    sandbox.faults.add("status", status=status, route="/contacts/{id}", method="GET")
    skip = SkipAhead()
    async with connect(sandbox, key, sleep=skip.sleep, clock=skip.clock) as client:
        contact = await client.get_contact(1)
    assert contact.id == 1
    assert [s for _, _, s in exchanges(sandbox)] == [status, 200]


@pytest.mark.anyio
async def test_a_503_on_create_contact_is_not_retried() -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    sandbox.faults.add("status", status=503, route="/contacts", method="POST")
    async with connect(sandbox, key) as client:
        with pytest.raises(errors.ServerError):
            await client.create_contact({"surname": "Once"})
    assert exchanges(sandbox) == [("POST", "/contacts", 503)]
    assert len(sandbox.space_for(key).contacts) == 3


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("call", "method", "route"),
    [
        (lambda c: c.get_contact(1), "GET", "/contacts/{id}"),
        (lambda c: c.create_contact({"surname": "Once"}), "POST", "/contacts"),
        (lambda c: c.upsert_contact({"surname": "Once"}), "POST", "/contacts/upsert"),
        (lambda c: c.invite_users([{"email": "new@org.example", "role_id": 902}]), "POST", "/users/invitation"),
        (lambda c: c.send_global_message("Hi", "Body", [600]), "POST", "/global-message"),
    ],
    ids=["get-contact", "create-contact", "upsert", "invite", "global-message"],
)
async def test_a_connection_dropped_before_sending_is_retried_for_any_endpoint(
    call: Call, method: str, route: str
) -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    sandbox.faults.add("drop", route=route, method=method)
    skip = SkipAhead()
    async with connect(sandbox, key, sleep=skip.sleep, clock=skip.clock) as client:
        await call(client)
    await sandbox.drain()
    assert [(m, r) for m, r, _ in exchanges(sandbox)] == [(method, route)] * 2
    assert sandbox.request_log[0].status == 0 and sandbox.request_log[0].fault == "drop"
    space = sandbox.space_for(key)
    assert len(space.contacts) == 3 + (route.startswith("/contacts") and method == "POST")
    assert len(space.messages) == (route == "/global-message")


@pytest.mark.anyio
async def test_a_create_contact_lost_after_processing_is_not_retried() -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    sandbox.faults.add("drop", route="/contacts", method="POST", after=True)
    async with connect(sandbox, key) as client:
        with pytest.raises(errors.ConnectionFailed):
            await client.create_contact({"surname": "Once"})
    assert [(m, r) for m, r, _ in exchanges(sandbox)] == [("POST", "/contacts")]
    assert [c["surname"] for c in sandbox.space_for(key).contacts.values()].count("Once") == 1


@pytest.mark.anyio
async def test_a_safe_read_lost_after_processing_is_retried() -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    sandbox.faults.add("drop", route="/contacts/{id}", method="GET", after=True)
    skip = SkipAhead()
    async with connect(sandbox, key, sleep=skip.sleep, clock=skip.clock) as client:
        assert (await client.get_contact(2)).id == 2
    assert [s for _, _, s in exchanges(sandbox)] == [200, 200]


# Error mapping


@pytest.mark.anyio
async def test_a_body_that_is_not_json_is_a_malformed_response() -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    sandbox.faults.add("malformed", route="/contacts/{id}")
    async with connect(sandbox, key) as client:
        with pytest.raises(errors.MalformedResponse):
            await client.get_contact(1)


@pytest.mark.anyio
async def test_an_unknown_key_is_authentication_failed() -> None:
    sandbox = small_sandbox(fresh_key())
    async with connect(sandbox, fresh_key("unknown")) as client:
        with pytest.raises(errors.AuthenticationFailed) as caught:
            await client.get_contact(1)
    assert caught.value.status == 401
    assert len(sandbox.request_log) == 1


FUNDRAISING_CALLS: list[Call] = [
    lambda c: c.list_bundles(),
    lambda c: c.get_bundle(1),
    lambda c: c.create_bundle(
        [{"contact_id": 1, "amount": 100, "currency": "eur", "payment_method_kind": "CB", "date": "2026-01-01"}]
    ),
    lambda c: c.get_transaction_settings(),
    lambda c: c.list_transaction_statuses(),
    lambda c: c.list_code_campaigns(),
    lambda c: c.list_membership_prices(),
    lambda c: c.list_membership_price_groups(),
    lambda c: c.list_donation_prices(),
]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "call",
    FUNDRAISING_CALLS,
    ids=[
        "list-bundles",
        "get-bundle",
        "create-bundle",
        "settings",
        "statuses",
        "code-campaigns",
        "membership-prices",
        "price-groups",
        "donation-prices",
    ],
)
async def test_fundraising_without_the_add_on_is_permission_denied(call: Call) -> None:
    space = build_demo_space(region="eu", contacts=50, fundraising=False)
    sandbox = Sandbox({NO_FUNDRAISING_KEY: space})
    async with connect(sandbox, NO_FUNDRAISING_KEY) as client:
        with pytest.raises(errors.PermissionDenied) as caught:
            await call(client)
        assert (await client.list_roles()) != []  # the rest of the API is there
    assert caught.value.status == 403


@pytest.mark.anyio
@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_contact(999_999),
        lambda c: c.replace_contact(999_999, {"surname": "X"}),
        lambda c: c.delete_contact(999_999),
        lambda c: c.get_team(999_999),
        lambda c: c.get_user(999_999),
        lambda c: c.get_form(999_999),
    ],
    ids=["get-contact", "replace-contact", "delete-contact", "get-team", "get-user", "get-form"],
)
async def test_a_missing_record_is_not_found(call: Call) -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    async with connect(sandbox, key) as client:
        with pytest.raises(errors.NotFound) as caught:
            await call(client)
    assert caught.value.status == 404


@pytest.mark.anyio
async def test_a_delay_longer_than_the_deadline_is_a_request_timeout() -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    sandbox.faults.add("delay", delay=2.0, route="/contacts/{id}")
    started = time.monotonic()
    async with connect(sandbox, key, deadline=0.2) as client:
        with pytest.raises(errors.RequestTimeout):
            await client.get_contact(1)
    assert time.monotonic() - started < 1.0
