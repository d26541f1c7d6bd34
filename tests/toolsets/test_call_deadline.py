"""One deadline per tool call, and refusals by the rate limit that say so, seen by the model.

The emulator's "delay" fault slows Qomon down for real (a short real sleep), so the deadlines
here are fractions of a second. Each test uses a key of its own: clients of one key share a
token bucket, and a bucket held back by a 429 must not slow other tests down.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.settings import Settings
from tests.spaces import demo_spaces

pytestmark = pytest.mark.anyio

_serial = itertools.count(1)


def fresh_sandbox() -> tuple[Sandbox, str]:
    key = f"qk_test_deadline_{next(_serial):04d}_c0ffee"
    space = demo_spaces(contacts=600)[DEMO_KEYS["eu"]]
    return Sandbox({key: space}, burst=1000, rate=1000.0, upsert_delay=0.01), key


@asynccontextmanager
async def connected(sandbox: Sandbox, key: str, **settings: object) -> AsyncIterator[Client]:
    server = create_server(Settings(api_key=key, **settings), transport=sandbox.transport())  # type: ignore[arg-type]
    async with Client(server) as client:
        yield client


def sent(sandbox: Sandbox, method: str, route: str) -> int:
    return sum(1 for e in sandbox.request_log if (e.method, e.route) == (method, route))


async def test_a_search_over_many_pages_stops_at_the_tool_calls_deadline() -> None:
    sandbox, key = fresh_sandbox()
    # Every page takes 0.6 s: well within the 0.9 s deadline of one request, but four of them are not.
    sandbox.faults.add("delay", delay=0.6, method="POST", route="/search", times=None)
    async with connected(sandbox, key, deadline=0.9) as mcp:
        started = time.monotonic()
        result = await mcp.call_tool("search_contacts", {"limit": 400, "per_page": 100})
        elapsed = time.monotonic() - started
    assert result.is_error
    text = result.content[0].text
    assert "POST /search" in text
    assert "rate limit" not in text
    assert elapsed < 2.4  # four pages one after the other take at least 2.4 s
    assert sent(sandbox, "POST", "/search") <= 2


async def test_a_read_then_the_forms_directory_stop_at_the_tool_calls_deadline_and_name_the_step() -> None:
    sandbox, key = fresh_sandbox()
    contact_id = min(sandbox.space_for(key).contacts)
    # get_contact reads the contact, then the forms directory to name its answers: 0.8 s each.
    for route in ("/contacts/{id}", "/v1/forms/type/{type}"):
        sandbox.faults.add("delay", delay=0.8, method="GET", route=route, times=None)
    async with connected(sandbox, key, deadline=0.9) as mcp:
        started = time.monotonic()
        result = await mcp.call_tool("get_contact", {"contact_id": contact_id})
        elapsed = time.monotonic() - started
    assert result.is_error, result
    text = result.content[0].text
    assert "GET /v1/forms/type/{type}" in text
    assert "smaller page" not in text  # get_contact has no page to make smaller
    assert elapsed < 1.6  # 1.6 s at least with a deadline per request


async def test_a_slow_answer_to_a_search_may_suggest_a_smaller_page() -> None:
    sandbox, key = fresh_sandbox()
    sandbox.faults.add("delay", delay=1.0, method="POST", route="/search", times=None)
    async with connected(sandbox, key, deadline=0.2) as mcp:
        result = await mcp.call_tool("search_contacts", {"per_page": 50})
    assert result.is_error
    text = result.content[0].text
    assert text.startswith("Qomon did not answer in time")
    assert "smaller page" in text


async def test_a_429_then_the_next_call_both_say_the_rate_limit_and_the_wait() -> None:
    sandbox, key = fresh_sandbox()
    sandbox.faults.add("status", status=429, retry_after=60, method="POST", route="/search")
    async with connected(sandbox, key, deadline=5) as mcp:
        refused = await mcp.call_tool("search_contacts", {"per_page": 50})
        before = len(sandbox.request_log)
        held = await mcp.call_tool("search_contacts", {"per_page": 10})
        after = len(sandbox.request_log)
    for result in (refused, held):
        assert result.is_error
        text = result.content[0].text
        assert text.startswith("Qomon's rate limit is exhausted; wait ")
        assert " 60 seconds" in text or " 59 seconds" in text
        assert "page" not in text and "in time" not in text
    assert after == before  # the second call was held back by the client: nothing was sent


async def test_a_step_the_tool_names_is_the_one_the_error_names() -> None:
    sandbox, key = fresh_sandbox()
    bundle_id = min(sandbox.space_for(key).bundles)
    change = {"id": sandbox.space_for(key).bundles[bundle_id]["transactions"][0]["id"], "comment": "late"}
    sandbox.faults.add("delay", delay=1.0, method="GET", route="/v1/transaction_bundles/{id}", times=None)
    async with connected(sandbox, key, deadline=0.3) as mcp:
        result = await mcp.call_tool("save_bundle", {"bundle_id": bundle_id, "transactions": [change]})
    assert result.is_error
    assert "(reading the bundle before the update did not finish)" in result.content[0].text
    assert not any(e.method == "PATCH" for e in sandbox.request_log)
