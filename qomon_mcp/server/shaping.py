"""Results shaped for a model: no nulls or empty values (but a table's empty cells), compact JSON, a size cap.

Field values from the space were written by third parties (a contact's note, an answer to a
form, a team's description, an action's pitch): they reach the model only as JSON string
values, inside the one text item, and `untrusted` names the fields of a result that hold them,
first, so that text shaped like an instruction is read as what it is: data.
"""

from __future__ import annotations

import json
from typing import Any

from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel

from qomon_mcp.server import privacy

__all__ = ["MAX_RESULT_BYTES", "THIRD_PARTY_FIELDS", "compact", "dumps", "shaped", "third_party_fields", "tool_result"]

# Larger results crowd out the conversation; clients also cap what they show.
MAX_RESULT_BYTES = 48_000

# Keys (and search-table columns) whose values people in the space wrote or can write. A
# server's own sentence (`note`, `notice`, `summary`) is not among them and never quotes them.
THIRD_PARTY_FIELDS = frozenset(
    {
        "firstname", "surname", "married_name", "name", "title", "label", "description", "pitch", "comment",
        "notes", "answers", "custom_fields", "tags", "interactions", "address", "city", "birthcity", "body",
        "content", "mail", "email", "created_by", "fields", "added", "already_members", "teams", "members",
    }
)  # fmt: skip
# Of those, the ones that hold records of the space's own shape: named whole. The others, when
# they hold objects (`teams` of an action, `members` of a team), name the fields inside instead.
_WHOLE = frozenset({"notes", "answers", "custom_fields", "interactions", "fields"})


def compact(value: Any) -> Any:
    """Drop nulls, empty strings, empty lists and empty objects, recursively (0 and false stay).

    A list directly inside a list is a table row: there a cell's position names its column,
    so an empty cell becomes null and keeps its place instead of shifting the cells after it.
    The cells themselves are compacted as usual."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True, exclude_none=True)
    return _compacted(value)


def _compacted(value: Any) -> Any:
    # One pass, each value looked at once: this runs over every cell of every result (a search
    # of 50 contacts is thousands of values), so exact types are tested before isinstance, and
    # scalars, most of the values, are kept or dropped here without a call of their own.
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict or (kind is not list and kind is not tuple and isinstance(value, dict)):
        kept = {}
        for key, item in value.items():
            if type(item) in _SCALARS:
                if item is not None and item != "":
                    kept[key] = item
            else:
                item = _compacted(item)
                if not _is_empty(item):
                    kept[key] = item
        return kept
    if kind is list or kind is tuple or isinstance(value, list | tuple):
        items = []
        for item in value:
            if type(item) in _SCALARS:
                if item is not None and item != "":
                    items.append(item)
                continue
            item = _row(item) if isinstance(item, list | tuple) else _compacted(item)
            if not _is_empty(item):
                items.append(item)
        return items
    if isinstance(value, BaseModel):
        return compact(value)
    return value


def _row(cells: list[Any] | tuple[Any, ...]) -> list[Any]:
    row = []
    for cell in cells:
        if type(cell) not in _SCALARS:
            cell = _compacted(cell)
            row.append(None if _is_empty(cell) else cell)
        else:
            row.append(None if cell == "" else cell)
    return row


_SCALARS = frozenset({str, int, float, bool, type(None)})
_EMPTY_TYPES = frozenset({str, list, dict})


def _is_empty(value: Any) -> bool:
    # None, or exactly a str, list or dict that is empty: a subclass (a str enum) or a tuple is kept.
    return value is None or (type(value) in _EMPTY_TYPES and not value)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def tool_result(value: BaseModel | dict[str, Any], *, max_bytes: int = MAX_RESULT_BYTES) -> CallToolResult:
    """A tool result whose text and structured content are the same compact JSON, capped in size."""
    data = shaped(value)
    text = dumps(data)
    if len(text.encode()) > max_bytes:
        data, text = _truncate(data, max_bytes)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def shaped(value: BaseModel | dict[str, Any]) -> dict[str, Any]:
    """`value` compacted, opening with `untrusted` (the fields holding third-party text) when it has any.

    In privacy mode (server/privacy.py) contact details are masked here, where every result passes."""
    data = compact(value)
    if privacy.active():
        data = privacy.mask(data)
    marked = third_party_fields(data)
    return {"untrusted": marked, **data} if marked else data


def third_party_fields(data: Any) -> list[str]:
    """The names, in the order met, of the fields and table columns of `data` holding third-party text."""
    found: dict[str, None] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in THIRD_PARTY_FIELDS and (key in _WHOLE or not _holds_objects(item)):
                    found[key] = None
                elif key == "rows" and isinstance(value.get("columns"), list):
                    table(value["columns"], item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    def table(columns: list[Any], rows: Any) -> None:
        # A cell's column names it; the cells of a marked column are not searched further.
        found.update(dict.fromkeys(c for c in columns if c in THIRD_PARTY_FIELDS))
        for row in rows if isinstance(rows, list) else ():
            for column, cell in zip(columns, row if isinstance(row, list) else (), strict=False):
                # Only objects and lists can hold a marked field: most cells are plain values.
                if column not in THIRD_PARTY_FIELDS and isinstance(cell, dict | list):
                    walk(cell)

    walk(data)
    return list(found)


def _holds_objects(value: Any) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value))


def _truncate(data: dict[str, Any], max_bytes: int) -> tuple[dict[str, Any], str]:
    """Keep as many items of the heaviest list as fit, and say so in `notice`.

    The heaviest, not the longest: a table of a few wide rows has more `columns` than
    rows, and cutting columns would misalign every row."""
    key = max((k for k, v in data.items() if isinstance(v, list)), key=lambda k: len(dumps(data[k])), default=None)
    if key is None:
        raise ValueError("a result over the size cap has no list to shorten")
    items, total = data[key], len(data[key])

    def shortened(keep: int) -> tuple[dict[str, Any], str]:
        notice = (
            f"Result cut to {keep} of {total} {key} to stay under {max_bytes // 1000} KB; "
            "ask for fewer fields or a smaller page to see the rest."
        )
        cut = {**data, key: items[:keep], "notice": notice}
        return cut, dumps(cut)

    low, high = 0, total - 1  # the largest count that fits lies in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        if len(shortened(middle)[1].encode()) <= max_bytes:
            low = middle
        else:
            high = middle - 1
    result = shortened(low)
    if len(result[1].encode()) > max_bytes:
        raise ValueError("a result over the size cap cannot be shortened enough")
    return result
