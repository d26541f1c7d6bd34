"""The team toolset's teams and messages: get_teams, save_team, delete_team, send_global_message.

Users, roles and invitations are in test_team.py, with the helpers both files use.
"""

import copy
from typing import Any

import pytest
from mcp import Client

from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.space import Space
from qomon_mcp.server.explain import missing
from tests.calls import call, confirmed
from tests.toolsets.test_team import error, ids, live_team, routes, user_of_role, written_parts
from tests.toolsets.wire import recorded_client

pytestmark = pytest.mark.anyio


# get_teams


async def test_get_teams_lists_live_teams_compactly(mcp: Client, space: Space) -> None:
    result = await call(mcp, "get_teams", {})
    assert ids(result["teams"]) == sorted(ids(space.live_teams()))
    board = next(t for t in result["teams"] if t["name"] == "Board")
    team = space.teams[board["id"]]
    assert board["private"] is True
    assert board["member_count"] == len(team["users"])
    assert ids(board["leaders"]) == ids(team["leaders"])
    assert "members" not in board


async def test_get_teams_one_team_with_members(mcp: Client, space: Space) -> None:
    team = live_team(space, name="Board")
    result = await call(mcp, "get_teams", {"team_id": team["id"]})
    assert ids(result["team"]["members"]) == ids(team["users"])
    assert result["team"]["hide_users"] is True


async def test_get_teams_shows_an_address_object_on_one_line(mcp: Client, space: Space) -> None:
    team = live_team(space, name="Paris Centre")
    team["address"] |= {"housenumber": "8", "street": "Rue Saint-Denis", "floor": "2"}
    result = await call(mcp, "get_teams", {"team_id": team["id"]})
    assert result["team"]["address"] == "8 Rue Saint-Denis, 2, 75001 Paris, France"


async def test_get_teams_public_only_and_by_user(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    public = await call(mcp, "get_teams", {"public_only": True})
    assert ids(public["teams"]) == sorted(t["id"] for t in space.live_teams() if not t["private"])
    member = live_team(space, name="Youth")["users"][0]
    mine = await call(mcp, "get_teams", {"user_id": member["id"]})
    assert live_team(space, name="Youth")["id"] in ids(mine["teams"])
    assert [r[:2] for r in routes(sandbox)] == [("GET", "/teams/public"), ("GET", "/teams")]


async def test_get_teams_deleted_team_is_not_found(mcp: Client, space: Space) -> None:
    deleted = next(t for t in space.teams.values() if t.get("deleted_at"))
    text = await error(mcp, "get_teams", {"team_id": deleted["id"]})
    assert text == missing("team", deleted["id"])


@pytest.mark.parametrize(
    "arguments",
    [{"team_id": 5, "public_only": True}, {"user_id": 5, "public_only": True}],
    ids=["team-and-public", "user-and-public"],
)
async def test_get_teams_conflicting_arguments_send_nothing(
    mcp: Client, sandbox: Sandbox, arguments: dict[str, Any]
) -> None:
    await error(mcp, "get_teams", arguments)
    assert sandbox.request_log == []


# create_team, update_team, delete_team


async def test_create_team(sandbox: Sandbox, space: Space) -> None:
    members = [u["id"] for u in space.users.values() if u["role_data"]["type"] == "user"][:3]
    leader = user_of_role(space, "manager")["id"]
    address = {"housenumber": "12", "street": "Rue Oberkampf", "postalcode": "75011", "city": "Paris"}
    async with recorded_client(sandbox) as (mcp, wire):
        result = await call(
            mcp,
            "save_team",
            {
                "name": "Canvass Nord",
                "private": True,
                "add_member_ids": members,
                "add_leader_ids": [leader],
                "address": address,
            },
        )
    [posted] = wire.to("POST", "/teams")
    # An Address object, and the leader among the users, as Qomon's reference has them.
    assert posted.body["data"]["team"]["address"] == address
    assert posted.body["data"]["team"]["users"] == [{"id": i} for i in [*members, leader]]
    team = space.teams[result["id"]]
    assert result["note"] == f"Created team 'Canvass Nord' ({result['id']})."
    assert team["name"] == "Canvass Nord"
    assert (team["private"], team["hide_users"]) == (True, False)
    assert ids(team["users"]) == [*members, leader]
    assert ids(team["leaders"]) == [leader]
    assert written_parts(team["address"]) == address


async def test_update_team_changes_only_the_description(sandbox: Sandbox, space: Space) -> None:
    team = live_team(space, name="Paris Centre")
    # Make every field non-default, so that a reset to zero values would show.
    team.update(private=True, hide_users=True)
    assert team["address"] and team["users"] and team["leaders"]
    before = copy.deepcopy(team)
    async with recorded_client(sandbox) as (mcp, wire):
        result = await call(mcp, "save_team", {"team_id": team["id"], "description": "Canvassing the 1st to 4th"})
    assert result == {"id": team["id"], "changed": ["description"]}
    assert team["description"] == "Canvassing the 1st to 4th"
    for field in ("name", "private", "hide_users", "users", "leaders", "created_at"):
        assert team[field] == before[field], field
    # PATCH /teams is a full replace: the Address object goes back whole, so it is kept.
    [patched] = wire.to("PATCH", "/teams")
    assert written_parts(patched.body["data"]["team"]["address"]) == written_parts(before["address"])
    assert written_parts(team["address"]) == written_parts(before["address"])
    assert [(s.method, s.path) for s in wire.sent] == [("GET", f"/teams/{team['id']}"), ("PATCH", "/teams")]


async def test_update_team_address_merges_the_parts_given(sandbox: Sandbox, space: Space) -> None:
    team = live_team(space, name="Paris Centre")
    before = written_parts(team["address"])
    assert before.get("city") and before.get("postalcode")
    async with recorded_client(sandbox) as (mcp, wire):
        result = await call(
            mcp,
            "save_team",
            {"team_id": team["id"], "address": {"street": "Rue de Rivoli", "housenumber": "3", "country": ""}},
        )
        shown = await call(mcp, "get_teams", {"team_id": team["id"]})
    assert result["changed"] == ["address.housenumber", "address.street", "address.country"]
    [patched] = wire.to("PATCH", "/teams")
    sent = patched.body["data"]["team"]["address"]
    expected = {k: v for k, v in before.items() if k != "country"} | {"street": "Rue de Rivoli", "housenumber": "3"}
    assert written_parts(sent) == expected
    # Geocoding described the old address; Qomon recomputes it.
    assert not {"latitude", "longitude", "score", "location", "invalid"} & set(sent)
    assert written_parts(team["address"]) == expected
    city_line = f"{before['postalcode']} {before['city']}"
    assert shown["team"]["address"] == f"3 Rue de Rivoli, {city_line}"


async def test_update_team_legacy_one_line_address_is_kept_as_an_address_object(sandbox: Sandbox, space: Space) -> None:
    team = live_team(space, name="Youth")
    team["address"] = "Maison des associations, 5 place Carnot"
    async with recorded_client(sandbox) as (mcp, wire):
        shown = await call(mcp, "get_teams", {"team_id": team["id"]})
        await call(mcp, "save_team", {"team_id": team["id"], "hide_users": not team["hide_users"]})
    assert shown["team"]["address"] == "Maison des associations, 5 place Carnot"
    [patched] = wire.to("PATCH", "/teams")
    assert patched.body["data"]["team"]["address"] == {"street": "Maison des associations, 5 place Carnot"}


async def test_update_team_leader_removed_as_member_is_refused(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    team = live_team(space, name="Youth")
    leader = team["leaders"][0]["id"]
    text = await error(mcp, "save_team", {"team_id": team["id"], "remove_member_ids": [leader]})
    assert text == f"A leader must stay a member: also pass [{leader}] in remove_leader_ids, or keep them."
    assert routes(sandbox) == [("GET", "/teams/{id}", 200)]


async def test_update_team_adds_and_removes_members_and_leaders(mcp: Client, space: Space) -> None:
    team = live_team(space, name="Youth")
    outsider = next(u for u in space.users.values() if u["id"] not in ids(team["users"] + team["leaders"]))
    gone, kept = team["users"][0]["id"], ids(team["users"][1:])
    old_leaders = ids(team["leaders"])
    result = await call(
        mcp,
        "save_team",
        {
            "team_id": team["id"],
            "add_member_ids": [outsider["id"]],
            "remove_member_ids": [gone],
            "add_leader_ids": [kept[0]],
        },
    )
    assert result["changed"] == ["members", "leaders"]
    assert ids(team["users"]) == [*kept, outsider["id"]]
    assert ids(team["leaders"]) == [*old_leaders, kept[0]]
    assert team["name"] == "Youth"


async def test_update_team_refuses_when_members_are_not_returned(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    team = live_team(space, name="Youth")
    members = team.pop("users")
    text = await error(mcp, "save_team", {"team_id": team["id"], "description": "New"})
    assert text.startswith("Qomon did not return the team's users, so an update could erase them")
    assert routes(sandbox) == [("GET", "/teams/{id}", 200)]
    assert members


async def test_update_team_no_change_sends_no_write(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    team = live_team(space, name="Youth")
    result = await call(mcp, "save_team", {"team_id": team["id"], "name": "Youth"})
    assert "Nothing changed" in result["note"]
    assert routes(sandbox) == [("GET", "/teams/{id}", 200)]


@pytest.mark.parametrize(
    "arguments",
    [{}, {"add_member_ids": [7], "remove_member_ids": [7]}, {"name": ""}, {"name": "  "}],
    ids=["nothing-to-change", "add-and-remove", "empty-name", "blank-name"],
)
async def test_update_team_invalid_arguments_send_nothing(
    mcp: Client, space: Space, sandbox: Sandbox, arguments: dict[str, Any]
) -> None:
    await error(mcp, "save_team", {"team_id": live_team(space)["id"], **arguments})
    assert sandbox.request_log == []


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({"name": "   "}, "must not be blank"),
        ({"description": "No name"}, "A new team needs a name"),
        ({"name": "X", "remove_member_ids": [7]}, "apply to an existing team; give its team_id"),
    ],
    ids=["blank-name", "no-name", "removal"],
)
async def test_create_team_invalid_arguments_send_nothing(
    mcp: Client, sandbox: Sandbox, arguments: dict[str, Any], says: str
) -> None:
    assert says in await error(mcp, "save_team", arguments)
    assert sandbox.request_log == []


async def test_update_team_unknown_team(mcp: Client) -> None:
    text = await error(mcp, "save_team", {"team_id": 1, "name": "X"})
    assert text == missing("team", 1)


async def test_delete_team_soft_deletes(mcp: Client, space: Space) -> None:
    team = live_team(space, name="Event crew")
    arguments = {"team_id": team["id"]}
    assert await confirmed(mcp, "delete_team", arguments) == {"id": team["id"], "deleted": True}
    assert team["deleted_at"]
    text = await error(mcp, "delete_team", arguments)
    assert text == missing("team", team["id"])


# send_global_message


async def test_send_global_message(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    teams = [live_team(space, name="Youth"), live_team(space, name="Phone bank")]
    arguments = {"title": "Canvass moved", "body": "Saturday starts at 10:00.", "team_ids": ids(teams)}
    result = await confirmed(mcp, "send_global_message", arguments)
    assert result["team_count"] == 2
    assert result["teams"] == ["Youth", "Phone bank"]
    assert space.messages[-1]["team_ids"] == ids(teams)
    assert routes(sandbox) == [("GET", "/teams", 200)] * 2 + [("POST", "/global-message", 200)]


async def test_send_global_message_unknown_team_sends_nothing(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    deleted = next(t for t in space.teams.values() if t.get("deleted_at"))
    arguments = {"title": "Hello", "body": "Hi all", "team_ids": [live_team(space)["id"], deleted["id"]]}
    text = await error(mcp, "send_global_message", arguments)
    assert text.startswith(f"Unknown team ids [{deleted['id']}]; valid teams: ")
    assert "Youth" in text
    assert routes(sandbox) == [("GET", "/teams", 200)]
    assert space.messages == []


@pytest.mark.parametrize(
    "arguments",
    [
        {"title": "Hi", "body": "Hello", "team_ids": []},
        {"title": " ", "body": "Hello", "team_ids": [5]},
        {"title": "Hi", "body": "Hello", "team_ids": list(range(1, 52))},
    ],
    ids=["no-teams", "blank-title", "too-many-teams"],
)
async def test_send_global_message_invalid_arguments_send_nothing(
    mcp: Client, sandbox: Sandbox, arguments: dict[str, Any]
) -> None:
    await error(mcp, "send_global_message", arguments)
    assert sandbox.request_log == []
