"""Two callers with different keys, interleaving calls on one server, never see each other's data."""

from __future__ import annotations

import random

import anyio
import pytest

from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from tests.http.support import Browser, mcp_client, oauth, served

pytestmark = pytest.mark.anyio

CALLS = 1000
CONCURRENCY = 16
# What only one space has: its first team and its currency.
OWN = {"eu": ("Paris Centre", '"eur"'), "us": ("Downtown", '"usd"')}


@pytest.mark.slow
async def test_two_callers_interleaving_1000_calls_never_see_each_others_data() -> None:
    order = ["eu", "us"] * (CALLS // 2)
    random.Random(5).shuffle(order)
    seen: dict[str, list[str]] = {"eu": [], "us": []}
    with served() as s:
        browsers = {region: Browser(api_key=DEMO_KEYS[region], region=region) for region in OWN}
        async with (
            mcp_client(s.mcp_url, oauth(s, browsers["eu"])) as eu,
            mcp_client(s.mcp_url, oauth(s, browsers["us"]), mode="legacy") as us,
        ):
            clients = {"eu": eu, "us": us}
            limiter = anyio.Semaphore(CONCURRENCY)

            async def call(index: int, region: str) -> None:
                async with limiter:
                    tool = "get_teams" if index % 4 else "get_fundraising_reference"
                    result = await clients[region].call_tool(tool, {})
                    assert not result.is_error, result.content
                    seen[region].append(result.content[0].text)

            async with anyio.create_task_group() as group:
                for index, region in enumerate(order):
                    group.start_soon(call, index, region)
        assert len(s.http.cache) == 2
    assert len(seen["eu"]) + len(seen["us"]) == CALLS
    for region, texts in seen.items():
        other = "us" if region == "eu" else "eu"
        assert all(any(mark in text for mark in OWN[region]) for text in texts)
        assert not any(mark in text for text in texts for mark in OWN[other])
