"""qomon-mcp as a real subprocess over stdio: stdout carries only the protocol, logs go to stderr."""

from __future__ import annotations

import json
import sys
import tempfile

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_the_sandbox_server_answers_over_stdio_with_a_clean_stdout() -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "qomon_mcp.cli", "--sandbox", "--log-level", "DEBUG"]
    )
    with tempfile.TemporaryFile("w+") as errlog:
        # Any stray print on stdout would break the JSON-RPC stream and fail these calls.
        async with Client(stdio_client(params, errlog=errlog)) as client:
            tools = (await client.list_tools()).tools
            counted = await client.call_tool("count_contacts", {})
            missing = await client.call_tool("get_contact", {"contact_id": 1})
        errlog.seek(0)
        stderr = errlog.read()
    assert len(tools) == 22
    assert json.loads(counted.content[0].text)["total"] > 1000
    assert missing.is_error and "does not exist" in missing.content[0].text
    assert "embedded demo space" in stderr
