"""Every use of the MCP SDK beyond its public API, in one place.

The SDK (`mcp` 2.3) gives no public way to do a few things this server needs: register an
already-built tool (one per process, shared by every per-caller server), advertise an output
schema slimmer than the one it validates with, build each tool lazily on the first request that
needs it, answer one request method it has no decorator for, and run its low-level server
on a guarded stdin. The hooks below are those places. tests/server/test_sdk_seam.py checks each
one against the installed SDK and fails naming the hook, so an SDK upgrade that moves one is a
clear test failure, not a silent change of behaviour.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server.lowlevel import Server as LowLevelServer
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools import Tool as SdkTool

__all__ = [
    "LazyTools",
    "add_request_handler",
    "advertise_output_schema",
    "lowlevel_server",
    "present_signature",
    "register_tool",
]


class LazyTools(MCPServer):
    """An MCPServer whose tools are each registered by `ensure_tool` on the first request needing it.

    The SDK looks up a tool's input schema (to validate a call) through a private method, before
    any public one runs: that lookup must register the tool too.
    """

    def ensure_tool(self, name: str) -> None:
        raise NotImplementedError

    def _tool_input_schema(self, name: str) -> dict[str, Any] | None:
        self.ensure_tool(name)
        return super()._tool_input_schema(name)


def register_tool(server: MCPServer, tool: SdkTool) -> None:
    """Add a tool built once for the process; `add_tool` would build it again from its function."""
    server._tool_manager._tools[tool.name] = tool


def advertise_output_schema(tool: SdkTool, schema: dict[str, Any] | None) -> None:
    """The output schema tools/list shows; results are still validated against the full model.

    `output_schema` is a cached property of the SDK's Tool: writing its cache sets what is shown.
    """
    tool.__dict__["output_schema"] = schema


def lowlevel_server(server: MCPServer) -> LowLevelServer[Any]:
    """The low-level server `MCPServer.run_stdio_async` runs (stdio_guard runs it on its own stdin)."""
    return server._lowlevel_server


def add_request_handler(server: MCPServer, method: str, params: type, handler: Callable[..., Awaitable[Any]]) -> None:
    """Answer a request method MCPServer has no decorator for."""
    server._lowlevel_server.add_request_handler(method, params, handler)


def present_signature(fn: Callable[..., Any], signature: inspect.Signature, annotations: dict[str, Any]) -> None:
    """Make the SDK read `signature` and `annotations` for `fn`.

    The SDK builds a tool's schemas with `inspect.signature` and `typing.get_type_hints`, which
    follow `__wrapped__` back to the original function: a wrapper must drop it to be read as itself.
    """
    # inspect reads `__signature__` from any callable; typeshed does not declare it on functions.
    fn.__signature__ = signature  # type: ignore[attr-defined]
    fn.__annotations__ = annotations
    if hasattr(fn, "__wrapped__"):
        del fn.__wrapped__
