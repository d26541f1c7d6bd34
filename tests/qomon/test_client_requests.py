"""Requests in Qomon's types: what the client puts on the wire where the reference says how.

Each test keeps the request as it left the client (an `httpx2.MockTransport`, or the
emulator behind a recording transport) and checks it against the shapes file's
"Types and rules" section.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.sandbox.app import create_demo_sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from tests.qomon.client_support import Recorder, make_client, ok
from tests.toolsets.wire import Wire

pytestmark = pytest.mark.anyio

KEY = DEMO_KEYS["eu"]
QUERY = {"$all": [{"$all": [{"$condition": {"attr": "address.city", "ope": "eql", "value": "Paris"}}]}]}


@pytest.mark.parametrize(
    ("ascending", "sort"),
    [(None, None), (True, "true"), (False, "false")],
    ids=["qomon-default", "ascending", "descending"],
)
async def test_list_users_sends_sort_as_the_boolean_qomon_takes(ascending: bool | None, sort: str | None) -> None:
    recorder = Recorder(ok({"count": 0, "users": []}))
    async with make_client(recorder) as client:
        await client.list_users(limit=5, offset=10, ascending=ascending)
    [request] = recorder.requests
    expected = {"limit": "5", "offset": "10"} | ({"sort": sort} if sort else {})
    assert dict(request.url.params) == expected


async def test_count_contacts_sends_per_page_in_the_kpi_body() -> None:
    recorder = Recorder(ok({"total": 7}))
    async with make_client(recorder) as client:
        assert await client.count_contacts(QUERY) == 7
    [request] = recorder.requests
    assert json.loads(request.content) == {"data": {"advanced_search": {"query": QUERY, "per_page": 1}}}


def _by_name(user: Any) -> tuple[str, str]:
    return ((user.surname or "").casefold(), (user.firstname or "").casefold())


async def test_users_come_back_by_name_in_the_order_asked_from_the_emulator() -> None:
    sandbox = create_demo_sandbox(contacts=50, burst=1000, rate=1000.0)
    wire = Wire(sandbox.transport())
    async with QomonClient(KEY, base_url="https://incoming.qomon.app", transport=wire) as client:
        up = await client.list_users(limit=200, ascending=True)
        down = await client.list_users(limit=200, ascending=False)
        paris = await client.count_contacts(QUERY)
    assert [s.params["sort"] for s in wire.to("GET", "/users")] == ["true", "false"]
    names = [_by_name(u) for u in up.users]
    assert names == sorted(names) and len(names) == len(sandbox.space_for(KEY).users)
    assert [_by_name(u) for u in down.users] == sorted(names, reverse=True)
    [kpi] = wire.to("POST", "/kpi")
    assert kpi.body["data"]["advanced_search"]["per_page"] == 1
    space = sandbox.space_for(KEY)
    assert paris == sum((c.get("address") or {}).get("city") == "Paris" for c in space.contacts.values())
