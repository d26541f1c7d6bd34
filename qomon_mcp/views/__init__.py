"""Views (MCP Apps, extension `io.modelcontextprotocol/ui`): HTML pages a host shows in place of a tool's JSON.

Each view is a `ui://` resource of type `text/html;profile=mcp-app`, linked from its tool by
`_meta.ui.resourceUri` on the tool's definition. The page receives the tool's result from the
host over postMessage (JSON-RPC: `ui/initialize`, `ui/notifications/tool-result`) and draws it
with inline script and style only; its declared content-security policy names no outside
domain, so it can fetch nothing. The sources are one HTML file per view plus the bridge and
the base style they share (`_bridge.js`, `_base.css`), inlined when the resource is read, so
that what a host receives is one self-contained document.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["MIME_TYPE", "RESOURCE_META", "VIEWS", "View", "view_for_tool", "view_html"]

MIME_TYPE = "text/html;profile=mcp-app"
# No outside origin for requests, scripts, styles, fonts, images or frames: the strictest policy.
RESOURCE_META: dict[str, Any] = {
    "ui": {"csp": {"connectDomains": [], "resourceDomains": [], "frameDomains": []}, "prefersBorder": True}
}


@dataclass(frozen=True, slots=True)
class View:
    tool: str
    file: str
    title: str
    description: str

    @property
    def uri(self) -> str:
        return f"ui://qomon/{self.file}"

    @property
    def tool_meta(self) -> dict[str, Any]:
        return {"ui": {"resourceUri": self.uri}}


VIEWS = (
    View("count_contacts", "breakdown.html", "Count and breakdown", "A count, and its parts as bars with shares."),
    View("search_contacts", "table.html", "Contacts table", "Search results as a table sortable by column."),
    View("get_contact", "card.html", "Contact card", "One contact with its decoded answers."),
    View("get_bundles", "receipt.html", "Bundle receipt", "Transactions, memberships, donations and statuses."),
)

_BY_TOOL = {view.tool: view for view in VIEWS}


def view_for_tool(tool: str) -> View | None:
    return _BY_TOOL.get(tool)


def _source(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@cache
def view_html(file: str) -> str:
    """The view's page as a host receives it: the shared bridge and style written into it."""
    page = _source(file)
    for marker, part in (("/*@base.css*/", "_base.css"), ("/*@bridge.js*/", "_bridge.js")):
        if marker not in page:
            raise ValueError(f"{file} lacks the {marker} marker")
        page = page.replace(marker, _source(part))
    return page
