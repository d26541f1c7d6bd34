"""The default tools/list stays within issue 11's budget (bench/tools_list_size.py measures it)."""

from __future__ import annotations

import pytest

from bench.tools_list_size import listed, visible
from qomon_mcp.toolset_table import DEFAULT_TOOLSETS

pytestmark = pytest.mark.anyio

WIRE_BUDGET = 40 * 1024
VISIBLE_BUDGET = 24 * 1024


async def test_the_default_tool_list_fits_its_budget() -> None:
    wire, tools = await listed(DEFAULT_TOOLSETS)
    assert len(tools) >= 20
    assert wire <= WIRE_BUDGET, f"tools/list is {wire} bytes on the wire"
    assert visible(tools) <= VISIBLE_BUDGET, f"the model reads {visible(tools)} bytes of tools/list"


async def test_count_contacts_does_not_repeat_the_query_schema() -> None:
    _, tools = await listed(DEFAULT_TOOLSETS)
    schemas = {t["name"]: t["inputSchema"] for t in tools}
    query = schemas["count_contacts"]["properties"]["query"]
    assert query["type"] == "object" and "search_contacts" in query["description"]
    assert "$defs" not in schemas["count_contacts"] and "$defs" in schemas["search_contacts"]
