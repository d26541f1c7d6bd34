"""tools/list is served from the stored listing, which stays what the tools' code builds."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from mcp import Client

from qomon_mcp.assemble import LISTING_FILE, all_tool_specs, create_server
from qomon_mcp.server.tool_listing import built_listing, dump_listing
from qomon_mcp.settings import Settings

pytestmark = pytest.mark.anyio

# A process of its own, so that no other test has imported a toolset already: it lists the tools,
# calls one, and reports which toolset modules each step loaded.
_PROBE = """
import json, sys
import anyio
from mcp import Client
from qomon_mcp.local import build_server
from qomon_mcp.toolset_table import TOOLSETS

def toolsets():
    return [name for name in TOOLSETS if f"qomon_mcp.toolsets.{name}" in sys.modules]

async def main():
    server = build_server(sandbox=True)
    async with Client(server) as client:
        before = toolsets()
        listed = len((await client.list_tools()).tools)
        after_list = toolsets()
        result = await client.call_tool("get_contact", {"contact_id": 1})
        after_call = toolsets()
    print(json.dumps([before, listed, after_list, after_call, result.content[0].text]))

anyio.run(main)
"""


async def test_the_stored_listing_is_what_the_tools_build() -> None:
    built = dump_listing(await built_listing(all_tool_specs()))
    stored = LISTING_FILE.read_text(encoding="utf-8")
    assert stored == built, "the stored tools/list is stale: run .venv/bin/python -m qomon_mcp.docs"


def test_tools_list_builds_no_tool_and_a_call_builds_only_its_toolset() -> None:
    probe = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120)
    before, listed, after_list, after_call, text = json.loads(probe.stdout)
    assert before == after_list == []
    assert listed == 22
    assert after_call == ["contacts"]
    assert "Contact 1 does not exist" in text


async def test_a_tool_outside_the_enabled_toolsets_is_refused_naming_its_toolset() -> None:
    # Refused before any request: the key is never used.
    async with Client(create_server(Settings(api_key="listing-key-not-used"))) as client:
        listed = {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool("search", {"query": "Duval"})
    assert "search" not in listed
    assert result.is_error
    assert result.content[0].text == "search belongs to the chatgpt toolset, which this connection does not enable."
