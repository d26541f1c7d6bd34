"""The one place where the server is put together: the framework, the toolsets, the prompts.

The layers only look down: entry points (cli, local, http) → assemble → toolsets → server
(the MCP framework) → qomon (the client) → spec; `make lint` checks it (.importlinter).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver.exceptions import ToolError

from qomon_mcp.server.app import Access, LogLevel, QomonServer
from qomon_mcp.server.completions import register_completions
from qomon_mcp.server.prompts import register_prompts
from qomon_mcp.server.tool_listing import ListedTool, read_listing
from qomon_mcp.server.views import register_views
from qomon_mcp.settings import Settings
from qomon_mcp.toolset_table import TOOLSETS

if TYPE_CHECKING:
    from qomon_mcp.qomon.client import QomonClient
    from qomon_mcp.server.registry import ToolSpec

__all__ = ["LISTING_FILE", "all_tool_specs", "build_server", "create_server", "stored_listing", "toolset_specs"]

# tools/list as computed from every tool's code (server/tool_listing.py); `python -m qomon_mcp.docs` rewrites it.
LISTING_FILE = Path(__file__).resolve().parent / "tools_list.json"


def toolset_specs(name: str) -> list[ToolSpec]:
    """The tools of toolset `name`, declared in the module `toolsets.<name>` (imported here)."""
    toolset = importlib.import_module(f"qomon_mcp.toolsets.{name}").toolset
    if toolset.name != name:
        raise RuntimeError(f"qomon_mcp.toolsets.{name} declares the toolset {toolset.name!r}")
    return toolset.tools


def all_tool_specs() -> list[ToolSpec]:
    """Every tool of every toolset, in the toolset table's order."""
    return [spec for name in TOOLSETS for spec in toolset_specs(name)]


@functools.cache
def stored_listing() -> dict[str, ListedTool]:
    """The stored tools/list, read once per process (the remote connector makes a server per caller)."""
    return read_listing(LISTING_FILE.read_text(encoding="utf-8"))


def build_server(
    *,
    client: Callable[[], QomonClient],
    access: Callable[[], Access],
    log_level: LogLevel,
    audit_log: str | None,
    views: bool = True,
) -> QomonServer:
    """A server with every tool, prompt and resource; `access` decides per caller what is seen."""
    # Loaded here rather than at the top: the resource handlers import their tools on first read.
    from qomon_mcp.toolsets.resources import register_resources

    # tools/list is read from the stored listing; a tool is built on its first call (QomonServer.spec).
    server = QomonServer(
        toolset_specs,
        stored_listing,
        client=client,
        access=access,
        log_level=log_level,
        audit_log=audit_log,
        views=views,
    )
    server.prompt_specs = register_prompts(server)
    register_completions(server, server.prompt_specs)
    register_resources(server)
    register_views(server)
    return server


def create_server(settings: Settings, *, transport: Any = None) -> QomonServer:
    """The server for one Qomon space, as configured by `settings` (stdio and the CLI)."""
    client: QomonClient | None = None

    def shared_client() -> QomonClient:
        nonlocal client
        if client is None:
            if settings.api_key is None:
                raise ToolError("No Qomon API key is configured; set QOMON_API_KEY (or run with --sandbox).")
            from qomon_mcp.qomon.client import QomonClient

            client = QomonClient.from_settings(settings, transport=transport)
        return client

    access = Access(
        read_only=settings.read_only, toolsets=frozenset(settings.toolsets), masked=settings.privacy == "masked"
    )
    return build_server(
        client=shared_client,
        access=lambda: access,
        log_level=settings.log_level,
        audit_log=settings.audit_log,
        views=settings.mcp_views,
    )
