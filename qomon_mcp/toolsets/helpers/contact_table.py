"""Contacts as a table: each key once in `columns`, then one row of values per contact.

Per-contact objects repeat every key in every contact: on pages of 100 demo contacts
the keys were 31 % of the result's bytes (bench/README.md, issue 4).
"""

from __future__ import annotations

from typing import Any

from qomon_mcp.server.shaping import compact
from qomon_mcp.toolsets.helpers.contact_view import ContactView

__all__ = ["contact_table"]

# ContactView's order, id first: columns come in the same order on every page.
_ORDER = tuple(ContactView.model_fields)


def contact_table(views: list[ContactView] | list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """(columns, rows): the keys some contact has a value for, and each contact's values in that order.

    `views` are ContactViews or their facts (`contact_facts`: the same values, not validated).
    A cell is None where its contact has no value, so every row lines up with `columns`."""
    shaped = [compact(view) for view in views]
    present = {key for view in shaped for key in view}
    columns = [key for key in _ORDER if key in present]
    return columns, [[view.get(key) for key in columns] for view in shaped]
