"""The tools, one module per toolset; each module exposes `toolset`."""

from qomon_mcp.toolsets import actions, chatgpt, contacts, forms, fundraising, search, team

__all__ = ["TOOLSET_MODULES"]

TOOLSET_MODULES = (contacts, search, forms, actions, team, fundraising, chatgpt)
