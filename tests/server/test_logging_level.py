"""`logging/setLevel`: accepted on the initialize handshake (2025-11-25 and before), gone at 2026-07-28."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError
from mcp_types import METHOD_NOT_FOUND, EmptyResult

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.settings import Settings
from tests.spaces import demo_sandbox


def _client(mode: str) -> Client:
    sandbox = demo_sandbox(contacts=10)
    return Client(create_server(Settings(api_key=DEMO_KEYS["eu"]), transport=sandbox.transport()), mode=mode)


@pytest.mark.anyio
async def test_a_2025_client_may_set_the_log_level() -> None:
    async with _client("legacy") as client:
        assert client.server_capabilities.logging is not None
        # The client's method warns that the capability is deprecated at 2026-07-28.
        with pytest.warns(MCPDeprecationWarning):
            answer = await client.set_logging_level("info")
    assert answer == EmptyResult()


@pytest.mark.anyio
async def test_a_2026_client_finds_no_such_method() -> None:
    async with _client("2026-07-28") as client:
        with pytest.warns(MCPDeprecationWarning), pytest.raises(MCPError) as refused:
            await client.set_logging_level("info")
    assert refused.value.error.code == METHOD_NOT_FOUND
