"""The views' resources (MCP Apps): registered once, listed and read only where their tool is.

A view's resource is listed and readable only when views are on (`QOMON_MCP_VIEWS`) and its
tool is visible to the caller (read-only and toolset narrowing), so a view never shows up
where its tool does not. Tools carry `_meta.ui.resourceUri` under the same condition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp_types import Tool as MCPTool

from qomon_mcp.views import MIME_TYPE, RESOURCE_META, VIEWS, View, view_for_tool, view_html

if TYPE_CHECKING:
    from qomon_mcp.server.app import QomonServer

__all__ = ["register_views", "view_of_uri", "with_view"]

_BY_URI = {view.uri: view for view in VIEWS}


def view_of_uri(uri: str) -> View | None:
    return _BY_URI.get(uri)


def with_view(tool: MCPTool) -> MCPTool:
    """The tool with its view linked in `_meta` (not read by the model: only hosts act on it)."""
    view = view_for_tool(tool.name)
    if view is None:
        return tool
    return tool.model_copy(update={"meta": {**(tool.meta or {}), **view.tool_meta}})


def register_views(server: QomonServer) -> None:
    for view in VIEWS:
        _register(server, view)


def _register(server: QomonServer, view: View) -> None:
    @server.resource(
        view.uri,
        name=view.file.removesuffix(".html") + "-view",
        title=view.title,
        description=view.description,
        mime_type=MIME_TYPE,
        meta=RESOURCE_META,
    )
    def page() -> str:
        return view_html(view.file)
