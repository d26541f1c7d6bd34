"""Reading tool results in tests: a successful call's compact JSON, checked to carry no nulls."""

from __future__ import annotations

import json
from typing import Any

from mcp import Client

__all__ = ["call", "payload"]


def payload(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content[0].text
    text = result.content[0].text
    assert "null" not in text
    return json.loads(text)


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return payload(await client.call_tool(tool, arguments))
