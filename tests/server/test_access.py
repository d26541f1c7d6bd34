"""Read-only mode and toolsets: what a caller can see and call, and what reaches Qomon."""

from __future__ import annotations

import pytest
from mcp import Client

from qomon_mcp.assemble import all_tool_specs, create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.settings import Settings
from qomon_mcp.spec.endpoints import ENDPOINTS
from qomon_mcp.toolset_table import DEFAULT_TOOLSETS
from tests.spaces import demo_sandbox

pytestmark = pytest.mark.anyio

SPECS = all_tool_specs()
WRITE_ROUTES = {(e.method, e.route) for e in ENDPOINTS if e.is_write}


@pytest.fixture
def sandbox() -> Sandbox:
    return demo_sandbox(burst=1000, rate=1000.0, upsert_delay=0.01)


def server_for(sandbox: Sandbox, **settings: object):
    return create_server(Settings(api_key=DEMO_KEYS["eu"], **settings), transport=sandbox.transport())  # type: ignore[arg-type]


async def test_read_only_lists_only_read_tools(sandbox: Sandbox) -> None:
    async with Client(server_for(sandbox, read_only=True)) as client:
        listed = {t.name for t in (await client.list_tools()).tools}
    assert listed == {s.name for s in SPECS if s.read_only and s.toolset in DEFAULT_TOOLSETS}


@pytest.mark.parametrize("spec", [s for s in SPECS if not s.read_only], ids=lambda s: s.name)
async def test_read_only_refuses_write_tools_called_by_name(sandbox: Sandbox, spec) -> None:
    async with Client(server_for(sandbox, read_only=True)) as client:
        result = await client.call_tool(spec.name, {})
    assert result.is_error
    assert "read-only" in result.content[0].text
    assert sandbox.request_log == []


async def test_read_only_sends_no_write_request_whatever_is_called(sandbox: Sandbox) -> None:
    async with Client(server_for(sandbox, read_only=True)) as client:
        for spec in SPECS:
            await client.call_tool(spec.name, {})
    assert not [r for r in sandbox.request_log if (r.method, r.route) in WRITE_ROUTES]


async def test_toolsets_narrow_the_list_and_the_calls(sandbox: Sandbox) -> None:
    async with Client(server_for(sandbox, toolsets="search")) as client:
        listed = {t.name for t in (await client.list_tools()).tools}
        outside = next(s for s in SPECS if s.toolset != "search")
        result = await client.call_tool(outside.name, {})
    assert listed == {s.name for s in SPECS if s.toolset == "search"}
    assert result.is_error
    assert "toolset" in result.content[0].text
    assert sandbox.request_log == []
