"""An MCP client connected in memory to qomon-mcp, which talks to an in-process sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEFAULT_NOW, DEMO_KEYS, NEXT_YEAR_NOW
from qomon_mcp.sandbox.space import Space
from qomon_mcp.settings import Settings
from tests.spaces import demo_sandbox

EU_KEY = DEMO_KEYS["eu"]

# Every demo sandbox here is laid out around a pinned instant and its clock is stopped there
# (`create_demo_sandbox` without `now`, which `tests.spaces.demo_sandbox` copies). Date-dependent
# tests run at both instants, so they would still pass a year from now.
CLOCKS = [pytest.param(DEFAULT_NOW, id="pinned"), pytest.param(NEXT_YEAR_NOW, id="a-year-later")]


@pytest.fixture
def sandbox() -> Sandbox:
    # A smaller space, a fast bucket and a short upsert delay keep the suite quick; the rules stay the same.
    return demo_sandbox(contacts=600, burst=1000, rate=1000.0, upsert_delay=0.05)


@pytest.fixture
def space(sandbox: Sandbox) -> Space:
    return sandbox.space_for(EU_KEY)


def make_settings(**overrides: object) -> Settings:
    return Settings(api_key=EU_KEY, **overrides)  # type: ignore[arg-type]


@pytest.fixture
async def mcp(sandbox: Sandbox) -> AsyncIterator[Client]:
    server = create_server(make_settings(), transport=sandbox.transport())
    async with Client(server) as client:
        yield client


@pytest.fixture
async def mcp_read_only(sandbox: Sandbox) -> AsyncIterator[Client]:
    server = create_server(make_settings(read_only=True), transport=sandbox.transport())
    async with Client(server) as client:
        yield client
