"""Each SDK hook of server/sdk_seam.py, checked against the installed SDK.

An SDK upgrade that moves one of them fails here, naming the hook, rather than changing what
the server does without a word.
"""

from __future__ import annotations

import inspect
from functools import cached_property
from typing import Any

import pytest
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools import Tool as SdkTool
from mcp.server.stdio import stdio_server
from mcp_types import EmptyResult, SetLevelRequestParams

from qomon_mcp.assemble import create_server
from qomon_mcp.server.sdk_seam import (
    LazyTools,
    add_request_handler,
    advertise_output_schema,
    lowlevel_server,
    present_signature,
    register_tool,
)
from qomon_mcp.settings import Settings

REVIEW = "the SDK changed under qomon_mcp/server/sdk_seam.py: review"


def _tool(value: int) -> int:
    return value


def test_a_built_tool_can_be_registered_as_it_is() -> None:
    server = MCPServer("seam")
    tool = SdkTool.from_function(_tool, name="seam_tool")
    register_tool(server, tool)
    assert server._tool_manager.get_tool("seam_tool") is tool, f"{REVIEW} register_tool (_tool_manager._tools)"


def test_the_advertised_output_schema_is_the_cached_property() -> None:
    assert isinstance(inspect.getattr_static(SdkTool, "output_schema"), cached_property), (
        f"{REVIEW} advertise_output_schema (Tool.output_schema is no longer a cached property)"
    )
    tool = SdkTool.from_function(_tool, name="seam_tool", structured_output=True)
    advertise_output_schema(tool, {"type": "object", "title": "shown"})
    assert tool.output_schema == {"type": "object", "title": "shown"}, f"{REVIEW} advertise_output_schema"


def test_the_input_schema_lookup_goes_through_the_lazy_hook() -> None:
    source = inspect.getsource(MCPServer.__init__)
    assert "get_tool_input_schema=self._tool_input_schema" in source, f"{REVIEW} LazyTools._tool_input_schema"
    seen: list[str] = []

    class Probe(LazyTools):
        def ensure_tool(self, name: str) -> None:
            seen.append(name)

    assert Probe("probe")._tool_input_schema("nothing") is None
    assert seen == ["nothing"], f"{REVIEW} LazyTools._tool_input_schema"


@pytest.mark.anyio
async def test_a_request_method_can_be_added() -> None:
    server = MCPServer("seam")

    async def accept(ctx: Any, params: SetLevelRequestParams) -> EmptyResult:
        return EmptyResult()

    add_request_handler(server, "logging/setLevel", SetLevelRequestParams, accept)
    assert lowlevel_server(server).get_request_handler("logging/setLevel") is not None, f"{REVIEW} add_request_handler"


def test_the_stdio_guard_runs_the_server_the_way_the_sdk_does() -> None:
    # stdio_guard passes its own stdin to the SDK's transport, which still claims stdout...
    assert "stdin" in inspect.signature(stdio_server).parameters, f"{REVIEW} stdio_server lost its stdin parameter"
    # ...and runs the low-level server as MCPServer.run_stdio_async does.
    lowlevel = lowlevel_server(create_server(Settings(api_key="seam-key-not-used")))
    assert callable(lowlevel.run) and callable(lowlevel.create_initialization_options), f"{REVIEW} lowlevel_server"
    run_stdio = inspect.getsource(MCPServer.run_stdio_async)
    assert "self._lowlevel_server.run(" in run_stdio, f"{REVIEW} lowlevel_server (run_stdio_async changed)"


def test_a_presented_signature_is_what_the_sdk_reads() -> None:
    def wrapper(**arguments: Any) -> int:
        return _tool(**arguments)

    wrapper.__wrapped__ = _tool  # type: ignore[attr-defined]  # as functools.wraps leaves it
    signature = inspect.Signature([inspect.Parameter("count", inspect.Parameter.KEYWORD_ONLY, annotation=int)])
    present_signature(wrapper, signature, {"count": int, "return": int})
    tool = SdkTool.from_function(wrapper, name="presented")
    assert list(tool.parameters["properties"]) == ["count"], f"{REVIEW} present_signature"
    assert tool.parameters["properties"]["count"]["type"] == "integer", f"{REVIEW} present_signature"
