import json
from typing import Any

import pytest
from mcp import Client

from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.space import Space
from tests.calls import hints, payload

pytestmark = pytest.mark.anyio


async def test_get_actions_is_a_read_only_tool_of_the_space(mcp: Client) -> None:
    assert await hints(mcp, "get_actions") == (True, False, True, False)


async def test_get_actions_caps_the_list_and_says_how_many_more(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    result = payload(await mcp.call_tool("get_actions", {"limit": 5}))
    assert len(result["actions"]) == 5
    assert result["total"] == len(space.actions)
    assert result["note"].startswith(f"{len(space.actions) - 5} more actions")
    starts = [a["start"] for a in result["actions"]]
    assert starts == sorted(starts, reverse=True)
    assert [f"{r.method} {r.route}" for r in sandbox.request_log] == ["GET /actions"]


async def test_get_actions_compact_view_carries_participation_and_teams(mcp: Client, space: Space) -> None:
    action = next(a for a in space.actions.values() if a["Teams"])
    stats = space.action_stats.get(action["id"], {})
    result = payload(await mcp.call_tool("get_actions", {"action_id": action["id"]}))
    (view,) = result["actions"]
    assert view["id"] == action["id"]
    assert (view["name"], view["type"], view["status"]) == (action["name"], action["type_data"], action["status"])
    assert view["participation"]["visits"] == stats.get("NbVisites", 0)
    assert view["participation"]["contacts_reached"] == stats.get("NbContacts", 0)
    assert view["teams"] == [{"id": t["id"], "name": t["name"]} for t in action["Teams"]]
    assert view["user_count"] == len(action["Users"])
    detail = action["created_by_detail"]
    assert view["created_by"] == f"{detail['first_name']} {detail['last_name']}"
    assert "null" not in json.dumps(result)


@pytest.mark.parametrize(
    "filters",
    [{"type": "canvassing"}, {"status": "finished"}, {"type": "event", "status": "todo"}],
    ids=["type", "status", "type-and-status"],
)
async def test_get_actions_filters_by_type_and_status(mcp: Client, space: Space, filters: dict[str, str]) -> None:
    result = payload(await mcp.call_tool("get_actions", {**filters, "limit": 100}))
    expected = {
        a["id"]
        for a in space.actions.values()
        if a["type_data"] == filters.get("type", a["type_data"]) and a["status"] == filters.get("status", a["status"])
    }
    assert {a["id"] for a in result["actions"]} == expected
    assert "note" not in result or expected == set()


async def test_get_actions_name_contains_ignores_case(mcp: Client, space: Space) -> None:
    name = next(iter(space.actions.values()))["name"]
    word = name.split()[0]
    result = payload(await mcp.call_tool("get_actions", {"name_contains": word.upper(), "limit": 100}))
    assert result["actions"]
    assert all(word.casefold() in a["name"].casefold() for a in result["actions"])


async def test_get_actions_unknown_id_is_an_actionable_tool_error(mcp: Client) -> None:
    result = await mcp.call_tool("get_actions", {"action_id": 1})
    assert result.is_error
    assert "Action 1 does not exist" in result.content[0].text


@pytest.mark.parametrize(
    "arguments",
    [{"limit": 0}, {"limit": 101}, {"type": "picnic"}, {"status": "done"}],
    ids=["limit-zero", "limit-too-high", "unknown-type", "unknown-status"],
)
async def test_get_actions_bad_arguments_send_nothing(mcp: Client, sandbox: Sandbox, arguments: dict[str, Any]) -> None:
    result = await mcp.call_tool("get_actions", arguments)
    assert result.is_error
    assert sandbox.request_log == []
