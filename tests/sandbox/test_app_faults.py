"""Injected faults: forced statuses, delays, dropped connections, malformed bodies, drifted fields."""

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


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "altered"),
    [
        pytest.param("data.roles[].name", [7, 7], id="every-item"),
        pytest.param("data.roles[1].name", ["first", 7], id="one-item"),
    ],
)
async def test_drift_alters_one_field_of_a_processed_answer(path: str, altered: list) -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        names = [r["name"] for r in (await http.get("/roles")).json()["data"]["roles"][:2]]
        sandbox.faults.add("drift", route="/roles", path=path, value=7)
        drifted = await http.get("/roles")
        again = await http.get("/roles")
    roles = drifted.json()["data"]["roles"]
    expected = [names[0] if a == "first" else a for a in altered]
    assert [r["name"] for r in roles[:2]] == expected
    assert int(drifted.headers["content-length"]) == len(drifted.content)
    assert "x-ratelimit-remaining" in drifted.headers
    assert [r["name"] for r in again.json()["data"]["roles"][:2]] == names
    assert sandbox.request_log[-2].fault == "drift"


@pytest.mark.anyio
async def test_drift_on_a_path_that_finds_nothing_leaves_the_answer_alone() -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        before = (await http.get("/roles")).json()
        sandbox.faults.add("drift", route="/roles", path="data.nothing[].here", value={})
        after = (await http.get("/roles")).json()
    assert after == before


@pytest.mark.anyio
async def test_drift_leaves_an_error_answer_alone() -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("drift", route="/roles", path="data.authorization", value=1)
    async with client(sandbox, key="not-a-key") as http:
        refused = await http.get("/roles")
    assert refused.status_code == 401
    assert refused.json()["data"] == {"authorization": "missing or unknown API key"}


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("boom", {}),
        ("status", {}),
        ("status", {"status": 200}),
        ("drop", {"times": 0}),
        ("drift", {}),
        ("drift", {"path": "data..roles"}),
    ],
    ids=["unknown-kind", "status-without-status", "status-not-an-error", "zero-times", "drift-without-path",
         "drift-bad-path"],
)
def test_invalid_faults_are_refused(kind: str, options: dict) -> None:
    with pytest.raises(ValueError):
        build_sandbox().faults.add(kind, **options)  # type: ignore[arg-type]
