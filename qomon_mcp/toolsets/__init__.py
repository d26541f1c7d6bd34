"""The tools, one module per toolset; each module exposes `toolset`.

The modules are imported on demand: helpers such as `forms_directory` are imported on
their own without paying for every toolset.
"""

from __future__ import annotations

from types import ModuleType

__all__ = ["toolset_modules"]


def toolset_modules() -> tuple[ModuleType, ...]:
    from qomon_mcp.toolsets import actions, chatgpt, contacts, forms, fundraising, search, team

    return (contacts, search, forms, actions, team, fundraising, chatgpt)
