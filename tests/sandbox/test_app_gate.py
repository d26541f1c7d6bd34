"""Auth, the fundraising add-on, rate limiting, unknown routes and the request log."""

from __future__ import annotations

import pytest

from qomon_mcp.sandbox.requestlog import key_hash
from tests.sandbox.app_support import KEY, NO_FUNDRAISING_KEY, US_KEY, FakeClock, build_sandbox, client


@pytest.mark.anyio
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": f"Basic {KEY}"},
        {"Authorization": "Bearer "},
    ],
    ids=["missing", "unknown", "not-bearer", "empty"],
)
async def test_unknown_or_missing_key_is_401_without_rate_limit_headers(headers: dict[str, str]) -> None:
    sandbox = build_sandbox()
    async with client(sandbox, key=None) as http:
        response = await http.get("/roles", headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == "fail"
    assert "X-Ratelimit-Remaining" not in response.headers


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path",
    [
        "/v1/transaction_bundles",
        "/v1/transaction_settings",
        "/v1/transaction_statuses",
        "/v1/code_campaigns",
        "/v1/membership_prices",
        "/v1/membership_price_groups",
        "/v1/donation_prices",
    ],
    ids=lambda p: p.rsplit("/", 1)[1],
)
async def test_space_without_fundraising_answers_403(path: str) -> None:
    async with client(build_sandbox(), NO_FUNDRAISING_KEY) as http:
        response = await http.get(path)
    assert response.status_code == 403
    assert response.headers["X-Ratelimit-Cost"] == "1"


@pytest.mark.anyio
async def test_space_without_fundraising_still_serves_forms() -> None:
    async with client(build_sandbox(), NO_FUNDRAISING_KEY) as http:
        response = await http.get("/v1/forms/type/consent")
    assert response.status_code == 200


@pytest.mark.anyio
async def test_each_key_sees_its_own_space() -> None:
    sandbox = build_sandbox()
    async with client(sandbox, KEY) as eu, client(sandbox, US_KEY) as us:
        created = await eu.post("/contacts", json={"data": {"contact": {"surname": "Only-EU"}}})
        contact_id = created.json()["data"]["contact"]["id"]
        assert (await us.get(f"/contacts/{contact_id}")).status_code == 404
        assert (await eu.get(f"/contacts/{contact_id}")).json()["data"]["contact"]["group_id"] == 42


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/roles", None, 200),
        ("GET", "/contacts/999999", None, 404),
        ("GET", "/nowhere", None, 404),
        ("PATCH", "/users/500", {"data": {}}, 400),
        ("POST", "/contacts/upsert", {"kind": "contact", "data": {}}, 202),
        ("DELETE", "/contacts/3", None, 204),
    ],
    ids=["ok", "record-not-found", "unknown-route", "invalid", "accepted", "no-content"],
)
async def test_every_authenticated_response_carries_rate_limit_headers(
    method: str, path: str, body: dict | None, status: int
) -> None:
    sandbox = build_sandbox(clock=FakeClock())
    async with client(sandbox) as http:
        response = await http.request(method, path, json=body)
    assert response.status_code == status
    assert response.headers["X-Ratelimit-Limit"] == "burst:100;rate:10.0"
    assert response.headers["X-Ratelimit-Remaining"] == "99"
    assert response.headers["X-Ratelimit-Cost"] == "1"
    assert response.headers["X-Ratelimit-Reset"] == "0.1"


@pytest.mark.anyio
async def test_rate_limit_shape_follows_the_configuration() -> None:
    sandbox = build_sandbox(burst=20, rate=2.5, clock=FakeClock())
    async with client(sandbox) as http:
        response = await http.get("/roles")
    assert response.headers["X-Ratelimit-Limit"] == "burst:20;rate:2.5"
    assert response.headers["X-Ratelimit-Reset"] == "0.4"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/contacts", {"data": {"contact": {"surname": "Five"}}}),
        ("PATCH", "/contacts/1", {"data": {"contact": {"surname": "Five"}}}),
    ],
    ids=["create", "replace"],
)
async def test_synchronous_contact_writes_cost_five(method: str, path: str, body: dict) -> None:
    sandbox = build_sandbox(clock=FakeClock())
    async with client(sandbox) as http:
        response = await http.request(method, path, json=body)
    assert response.status_code == 200
    assert response.headers["X-Ratelimit-Cost"] == "5"
    assert response.headers["X-Ratelimit-Remaining"] == "95"


@pytest.mark.anyio
async def test_empty_bucket_answers_429_with_retry_after_and_processes_nothing() -> None:
    clock = FakeClock()
    sandbox = build_sandbox(burst=6, rate=2.0, clock=clock)
    async with client(sandbox) as http:
        first = await http.post("/contacts", json={"data": {"contact": {"surname": "First"}}})
        refused = await http.post("/contacts", json={"data": {"contact": {"surname": "Second"}}})
        assert first.status_code == 200
        assert refused.status_code == 429
        # 1 token left, 5 needed, 2 per second: 2 seconds, whole.
        assert refused.headers["Retry-After"] == "2"
        assert refused.headers["X-Ratelimit-Remaining"] == "1"
        assert [c["surname"] for c in sandbox.space_for(KEY).contacts.values()].count("Second") == 0
        clock.advance(2.0)
        again = await http.post("/contacts", json={"data": {"contact": {"surname": "Second"}}})
    assert again.status_code == 200


@pytest.mark.anyio
async def test_retry_after_is_at_least_one_second() -> None:
    clock = FakeClock()
    sandbox = build_sandbox(burst=1, rate=100.0, clock=clock)
    async with client(sandbox) as http:
        await http.get("/roles")
        refused = await http.get("/roles")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"


@pytest.mark.anyio
async def test_buckets_are_per_api_key() -> None:
    sandbox = build_sandbox(burst=1, rate=1.0, clock=FakeClock())
    async with client(sandbox, KEY) as eu, client(sandbox, US_KEY) as us:
        assert (await eu.get("/roles")).status_code == 200
        assert (await eu.get("/roles")).status_code == 429
        assert (await us.get("/roles")).status_code == 200


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/contacts", b"{not json"), ("POST", "/teams", b""), ("PATCH", "/teams", b"\xff")],
    ids=["broken", "empty", "not-utf8"],
)
async def test_a_body_that_is_not_json_is_400(method: str, path: str, body: bytes) -> None:
    async with client(build_sandbox()) as http:
        response = await http.request(method, path, content=body)
    assert response.status_code == 400
    assert response.json()["status"] == "fail"


@pytest.mark.anyio
async def test_request_log_uses_endpoint_templates_and_never_the_key() -> None:
    sandbox = build_sandbox(clock=FakeClock())
    async with client(sandbox) as http:
        await http.get("/contacts/1")
        await http.get("/users/role/oops")
        await http.get("/teams/public")
        await http.get("/forms/consent")
    async with client(sandbox, "bad-key") as http:
        await http.get("/roles")
    log = sandbox.request_log
    assert [(e.method, e.route, e.status) for e in log] == [
        ("GET", "/contacts/{id}", 200),
        ("GET", "/users/role/oops", 404),
        ("GET", "/teams/public", 200),
        ("GET", "/forms/{id}", 200),
        ("GET", "/roles", 401),
    ]
    assert log[0].key_hash == key_hash(KEY) != ""
    assert log[-1].key_hash == key_hash("bad-key")
    assert all(KEY not in repr(entry) for entry in log)
    assert log[0].at == 1000.0
