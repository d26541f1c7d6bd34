"""Reading tool results in tests: a successful call's compact JSON, checked to carry no nulls.

The one null a result may hold is an empty cell of a table (`columns`, then `rows`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from mcp import Client

__all__ = ["call", "confirmed", "confirmed_call", "contacts_in", "hints", "payload", "token_in"]


def payload(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content[0].text
    data = json.loads(result.content[0].text)
    filled_cells = [cell for row in data.get("rows", []) for cell in row if cell is not None]
    assert "null" not in json.dumps([{k: v for k, v in data.items() if k != "rows"}, filled_cells])
    return data


def contacts_in(data: dict[str, Any]) -> list[dict[str, Any]]:
    """A search result's table as one object per contact, the way get_contact shows one."""
    columns = data.get("columns", [])
    return [{k: v for k, v in zip(columns, row, strict=True) if v is not None} for row in data.get("rows", [])]


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return payload(await client.call_tool(tool, arguments))


def token_in(text: str) -> str:
    """The confirmation token a destructive tool's question carries."""
    found = re.search(r'confirmation="([^"]+)"', text)
    assert found, text
    return found.group(1)


async def confirmed_call(client: Client, tool: str, arguments: dict[str, Any]) -> Any:
    """A destructive call as a model makes it once the user agreed: the question and its token, then the call
    with the token. A call that would change nothing (a refund already recorded) is not asked about."""
    asked = await client.call_tool(tool, arguments)
    if not asked.is_error or not asked.content[0].text.startswith("Nothing was done yet: show the user"):
        return asked
    return await client.call_tool(tool, {**arguments, "confirmation": token_in(asked.content[0].text)})


async def confirmed(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return payload(await confirmed_call(client, tool, arguments))


async def hints(client: Client, tool: str) -> tuple[bool | None, ...]:
    """A listed tool's four annotations: (read-only, destructive, idempotent, open-world)."""
    listed = next(t for t in (await client.list_tools()).tools if t.name == tool)
    a = listed.annotations
    assert a is not None, tool
    return (a.read_only_hint, a.destructive_hint, a.idempotent_hint, a.open_world_hint)
