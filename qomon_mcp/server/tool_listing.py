"""Tools built for the SDK, and `tools/list` served from a stored copy of what they list.

Building a tool (importing its toolset's view models, making its argument model and its
JSON schemas with pydantic) costs more than the rest of a stdio start-up, and `tools/list`
needs none of it but the schemas. So the listing is computed once from the code
(`built_listing`), stored in the package (`qomon_mcp/tools_list.json`, written by
`python -m qomon_mcp.docs`, checked current by tests/server/test_tool_listing.py), and a
tool is built only when it is first called.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools import Tool as SdkTool
from mcp_types import Tool as MCPTool

from qomon_mcp.server.schema import slim_schema
from qomon_mcp.server.sdk_seam import advertise_output_schema, register_tool

if TYPE_CHECKING:
    from qomon_mcp.server.registry import ToolSpec

__all__ = ["ListedTool", "argument_names", "built_listing", "dump_listing", "read_listing", "sdk_tool"]


@dataclass(frozen=True, slots=True)
class ListedTool:
    """A tool as tools/list shows it, with what access needs to know of it (its toolset and writes)."""

    toolset: str
    tool: MCPTool

    @property
    def name(self) -> str:
        return self.tool.name

    @property
    def read_only(self) -> bool:
        return bool(self.tool.annotations and self.tool.annotations.read_only_hint)


@functools.cache
def sdk_tool(spec: ToolSpec) -> SdkTool:
    """The SDK's tool for `spec`, built once for the process: servers per caller share it."""
    tool = SdkTool.from_function(
        spec.handler, name=spec.name, title=spec.title, description=spec.description, annotations=spec.annotations
    )
    tool.parameters = slim_schema(tool.parameters)
    # Validation uses the output model; the advertised schema only loses what results never hold.
    advertise_output_schema(tool, slim_schema(tool.output_schema, output=True))
    return tool


@functools.cache
def argument_names(spec: ToolSpec) -> frozenset[str]:
    """The arguments a tool's input schema advertises."""
    return frozenset(sdk_tool(spec).parameters.get("properties", {}))


async def built_listing(specs: Sequence[ToolSpec]) -> list[ListedTool]:
    """What the SDK's own tools/list answers for `specs` once built: what the stored listing holds."""
    server = MCPServer("listing")
    for spec in specs:
        register_tool(server, sdk_tool(spec))
    return [ListedTool(spec.toolset, tool) for spec, tool in zip(specs, await server.list_tools(), strict=True)]


def dump_listing(listing: Sequence[ListedTool]) -> str:
    entries = [
        {"toolset": t.toolset, "tool": t.tool.model_dump(mode="json", by_alias=True, exclude_none=True)}
        for t in listing
    ]
    return json.dumps(entries, indent=1, ensure_ascii=False) + "\n"


def read_listing(text: str) -> dict[str, ListedTool]:
    """The stored listing by tool name, in the order tools/list gives it."""
    entries: list[dict[str, Any]] = json.loads(text)
    listed = [ListedTool(e["toolset"], MCPTool.model_validate(e["tool"])) for e in entries]
    return {t.name: t for t in listed}
