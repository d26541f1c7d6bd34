"""Injected faults: forced statuses, delays, dropped connections, malformed bodies."""

from __future__ import annotations

import json
import time

import httpx2
import pytest

from tests.sandbox.app_support import KEY, build_sandbox, client

NEW_CONTACT = {"data": {"contact": {"surname": "Faulty"}}}


def _created(sandbox) -> int:
    return sum(c["surname"] == "Faulty" for c in sandbox.space_for(KEY).contacts.values())


@pytest.mark.anyio
@pytest.mark.parametrize("status", [500, 502, 503, 504], ids=str)
async def test_status_fault_answers_without_processing(status: int) -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("status", status=status, route="/contacts", method="POST")
    async with client(sandbox) as http:
        faulted = await http.post("/contacts", json=NEW_CONTACT)
        normal = await http.post("/contacts", json=NEW_CONTACT)
    assert faulted.status_code == status
    assert normal.status_code == 200
    assert _created(sandbox) == 1


@pytest.mark.anyio
async def test_forced_429_carries_retry_after() -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("status", status=429)
    async with client(sandbox) as http:
        response = await http.get("/roles")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"


@pytest.mark.anyio
async def test_fault_matches_route_template_and_method_only() -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("status", status=503, route="/contacts/{id}", method="GET", times=2)
    async with client(sandbox) as http:
        other = await http.get("/roles")
        statuses = [(await http.get("/contacts/1")).status_code for _ in range(3)]
    assert other.status_code == 200
    assert statuses == [503, 503, 200]
    assert sandbox.faults.pending == []


@pytest.mark.anyio
async def test_dropped_connection_before_processing_is_a_connect_error() -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("drop", route="/contacts")
    async with client(sandbox) as http:
        with pytest.raises(httpx2.ConnectError):
            await http.post("/contacts", json=NEW_CONTACT)
    assert _created(sandbox) == 0
    assert (sandbox.request_log[-1].status, sandbox.request_log[-1].fault) == (0, "drop")


@pytest.mark.anyio
async def test_dropped_response_after_processing_is_a_remote_protocol_error() -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("drop", route="/contacts", after=True)
    async with client(sandbox) as http:
        with pytest.raises(httpx2.RemoteProtocolError):
            await http.post("/contacts", json=NEW_CONTACT)
    assert _created(sandbox) == 1
    assert (sandbox.request_log[-1].status, sandbox.request_log[-1].fault) == (200, "drop")


@pytest.mark.anyio
@pytest.mark.parametrize(("after", "created"), [(False, 0), (True, 1)], ids=["unprocessed", "processed"])
async def test_malformed_body_is_a_200_that_is_not_json(after: bool, created: int) -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("malformed", route="/contacts", after=after)
    async with client(sandbox) as http:
        response = await http.post("/contacts", json=NEW_CONTACT)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert _created(sandbox) == created


@pytest.mark.anyio
async def test_delay_fault_slows_the_answer_then_processes() -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("delay", delay=0.2)
    async with client(sandbox) as http:
        started = time.monotonic()
        response = await http.get("/roles")
    assert time.monotonic() - started >= 0.2
    assert response.status_code == 200
    assert sandbox.request_log[-1].fault == "delay"


@pytest.mark.parametrize(
    ("kind", "options"),
    [("boom", {}), ("status", {}), ("status", {"status": 200}), ("drop", {"times": 0})],
    ids=["unknown-kind", "status-without-status", "status-not-an-error", "zero-times"],
)
def test_invalid_faults_are_refused(kind: str, options: dict) -> None:
    with pytest.raises(ValueError):
        build_sandbox().faults.add(kind, **options)  # type: ignore[arg-type]
