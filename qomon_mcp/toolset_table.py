"""The toolsets, declared once: name, what it holds, whether it is on by default.

Everything else derives from this table: the settings' choices and default, the remote
connector's narrowing, the modules `assemble` loads (`qomon_mcp.toolsets.<name>`), and the
toolset a tool or a resource names (checked against it when declared).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_TOOLSETS", "TOOLSETS", "TOOLSET_TABLE", "ToolsetEntry"]


@dataclass(frozen=True, slots=True)
class ToolsetEntry:
    name: str
    summary: str
    on_by_default: bool = True


TOOLSET_TABLE = (
    ToolsetEntry("contacts", "read, create, update, merge and delete contacts"),
    ToolsetEntry("search", "search and count contacts with Qomon's query language"),
    ToolsetEntry("forms", "the forms (advanced fields) and their values"),
    ToolsetEntry("actions", "canvassing and calling actions"),
    ToolsetEntry("team", "users, teams, invitations and messages"),
    ToolsetEntry("fundraising", "bundles, donations, memberships, refunds"),
    # ChatGPT's connectors look for exactly `search` and `fetch`; other clients would read two tools
    # repeating search_contacts and get_contact, so the toolset is asked for by name.
    ToolsetEntry("chatgpt", "ChatGPT's search and fetch over contacts", on_by_default=False),
)

TOOLSETS = tuple(toolset.name for toolset in TOOLSET_TABLE)
DEFAULT_TOOLSETS = tuple(toolset.name for toolset in TOOLSET_TABLE if toolset.on_by_default)
