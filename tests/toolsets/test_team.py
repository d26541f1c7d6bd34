import copy
from typing import Any

import pytest
from mcp import Client

from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.space import Space
from qomon_mcp.server.explain import missing
from tests.calls import call, confirmed, hints
from tests.toolsets.wire import recorded_client

pytestmark = pytest.mark.anyio

TEAM_TOOLS = {
    # name: (read_only, destructive, idempotent, open_world)
    "get_users": (True, False, True, False),
    "update_user": (False, False, True, False),
    "change_user_role": (False, True, True, False),
    "invite_users": (False, False, False, True),
    "revoke_access": (False, True, True, False),
    "get_teams": (True, False, True, False),
    "save_team": (False, False, False, False),
    "delete_team": (False, True, True, False),
    "send_global_message": (False, True, False, True),
}


async def error(mcp: Client, tool: str, arguments: dict[str, Any]) -> str:
    result = await mcp.call_tool(tool, arguments)
    assert result.is_error
    return result.content[0].text


def routes(sandbox: Sandbox) -> list[tuple[str, str, int]]:
    return [(r.method, r.route, r.status) for r in sandbox.request_log]


def user_of_role(space: Space, role_type: str) -> dict[str, Any]:
    return next(u for u in space.users.values() if u["role_data"]["type"] == role_type)


def live_team(space: Space, **wanted: Any) -> dict[str, Any]:
    return next(t for t in space.live_teams() if all(t.get(k) == v for k, v in wanted.items()))


def ids(people: list[dict[str, Any]]) -> list[int]:
    return [p["id"] for p in people]


def by_name(user: dict[str, Any]) -> tuple[str, str, int]:
    return ((user.get("surname") or "").casefold(), (user.get("firstname") or "").casefold(), user["id"])


# The parts of an address a person wrote; ids and geocoding are the emulator's bookkeeping.
PARTS = ("housenumber", "street", "addition", "building", "floor", "door", "postalcode", "citycode", "city")
PARTS += ("state", "country")


def written_parts(address: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (address or {}).items() if k in PARTS and v not in (None, "")}


# Metadata


@pytest.mark.parametrize(("name", "expected"), TEAM_TOOLS.items(), ids=TEAM_TOOLS)
async def test_annotations_and_schema(mcp: Client, name: str, expected: tuple[bool, ...]) -> None:
    assert await hints(mcp, name) == expected
    tool = next(t for t in (await mcp.list_tools()).tools if t.name == name)
    assert not {"anyOf", "oneOf", "allOf"} & set(tool.input_schema)
    assert tool.output_schema is not None
    assert len(tool.description.encode()) <= 500


async def test_read_only_connection_lists_only_the_read_tools(mcp_read_only: Client) -> None:
    listed = {t.name for t in (await mcp_read_only.list_tools()).tools} & set(TEAM_TOOLS)
    assert listed == {"get_users", "get_teams"}


# get_users


async def test_get_users_pages_with_a_note_and_the_offset_handle(mcp: Client, space: Space) -> None:
    result = await call(mcp, "get_users", {"limit": 5})
    assert len(result["users"]) == 5
    assert result["total"] == len(space.users)
    assert result["note"] == f"{len(space.users) - 5} more users; use offset=5."
    first = space.users[result["users"][0]["id"]]
    assert result["users"][0] == {
        "id": first["id"],
        "name": f"{first['firstname']} {first['surname']}",
        "mail": first["mail"],
        "phone": first["phone"],
        "city": first["city"],
        "role": first["role_data"]["name"],
        "role_type": first["role_data"]["type"],
        "created_at": first["created_at"],
    }


async def test_get_users_last_page_has_no_note(mcp: Client, space: Space) -> None:
    result = await call(mcp, "get_users", {"limit": 200, "order": "z-a"})
    assert len(result["users"]) == len(space.users)
    assert "note" not in result


async def test_get_users_role_filter(mcp: Client, space: Space) -> None:
    result = await call(mcp, "get_users", {"role": "manager", "limit": 200})
    managers = [u for u in space.users.values() if u["role_data"]["type"] == "manager"]
    assert sorted(ids(result["users"])) == sorted(ids(managers))
    assert {u["role"] for u in result["users"]} == {"Organizer"}


async def test_get_users_one_user_with_details(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    user = next(u for u in space.users.values() if u.get("birthdate"))
    result = await call(mcp, "get_users", {"user_id": user["id"]})
    assert result["user"]["postal"] == user["postal"]
    assert result["user"]["birthdate"] == user["birthdate"]
    assert routes(sandbox) == [("GET", "/users/{id}", 200)]


async def test_get_users_roles_explain_each_role(mcp: Client, space: Space) -> None:
    result = await call(mcp, "get_users", {"view": "roles"})
    assert len(result["roles"]) == len(space.roles)
    organizer = next(r for r in result["roles"] if r["type"] == "manager")
    assert organizer["name"] == "Organizer"
    assert organizer["scope"] == "actions, petitions, teams; no contact database"


async def test_get_users_invitations(mcp: Client, space: Space) -> None:
    result = await call(mcp, "get_users", {"view": "invitations", "limit": 2})
    assert result["total"] == len(space.invitations)
    assert [i["email"] for i in result["invitations"]] == [i["email"] for i in space.invitations.values()][:2]
    assert result["note"] == f"{len(space.invitations) - 2} more invitations; use offset=2."


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"view": "roles", "user_id": 5}, 'apply to view="users" only'),
        ({"view": "invitations", "order": "z-a"}, 'apply to view="users" only'),
        ({"order": "surname"}, "order"),
        ({"limit": 500}, "limit"),
    ],
    ids=["user-id-with-roles", "order-with-invitations", "unknown-order", "limit-too-large"],
)
async def test_get_users_invalid_arguments_send_nothing(
    mcp: Client, sandbox: Sandbox, arguments: dict[str, Any], message: str
) -> None:
    assert message in await error(mcp, "get_users", arguments)
    assert sandbox.request_log == []


@pytest.mark.parametrize(
    ("order", "sent", "descending"),
    [({}, "true", False), ({"order": "a-z"}, "true", False), ({"order": "z-a"}, "false", True)],
    ids=["default", "a-z", "z-a"],
)
async def test_get_users_order_is_qomons_boolean_sort_and_pages_by_name(
    sandbox: Sandbox, space: Space, order: dict[str, str], sent: str, descending: bool
) -> None:
    async with recorded_client(sandbox) as (mcp, wire):
        first = await call(mcp, "get_users", {"limit": 10, **order})
        rest = await call(mcp, "get_users", {"limit": 200, "offset": 10, **order})
    assert [s.params for s in wire.to("GET", "/users")] == [
        {"limit": "10", "offset": "0", "sort": sent},
        {"limit": "200", "offset": "10", "sort": sent},
    ]
    expected = sorted(space.users.values(), key=by_name, reverse=descending)
    assert ids(first["users"]) + ids(rest["users"]) == ids(expected)
    assert first["note"] == f"{len(space.users) - 10} more users; use offset=10."


async def test_get_users_unknown_user(mcp: Client) -> None:
    text = await error(mcp, "get_users", {"user_id": 1})
    assert text == missing("user", 1)


# update_user


async def test_update_user_changes_one_field_and_keeps_the_mail(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    user = user_of_role(space, "user")
    before = copy.deepcopy(user)
    result = await call(mcp, "update_user", {"user_id": user["id"], "city": "Saint-Malo"})
    assert result == {"id": user["id"], "changed": ["city"]}
    assert user["city"] == "Saint-Malo"
    unchanged = {k: v for k, v in user.items() if k not in ("city", "updated_at")}
    assert unchanged == {k: v for k, v in before.items() if k not in ("city", "updated_at")}
    assert routes(sandbox) == [("GET", "/users/{id}", 200), ("PATCH", "/users/{id}", 200)]


async def test_update_user_with_current_values_sends_no_write(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    user = user_of_role(space, "admin")
    result = await call(mcp, "update_user", {"user_id": user["id"], "mail": user["mail"]})
    assert "Nothing changed" in result["note"]
    assert routes(sandbox) == [("GET", "/users/{id}", 200)]


async def test_update_user_mail_taken_is_explained(mcp: Client, space: Space) -> None:
    first, second = list(space.users.values())[:2]
    text = await error(mcp, "update_user", {"user_id": first["id"], "mail": second["mail"]})
    assert "mail: is already used by another user" in text


@pytest.mark.parametrize(
    "arguments",
    [{}, {"mail": "not-an-email"}, {"birthdate": "12/05/1990"}],
    ids=["nothing-to-change", "bad-mail", "bad-birthdate"],
)
async def test_update_user_invalid_arguments_send_nothing(
    mcp: Client, space: Space, sandbox: Sandbox, arguments: dict[str, Any]
) -> None:
    await error(mcp, "update_user", {"user_id": next(iter(space.users)), **arguments})
    assert sandbox.request_log == []


# change_user_role


@pytest.mark.parametrize("role", ["manager", "Organizer", "103", 103], ids=["type", "name", "id-text", "id-number"])
async def test_change_user_role_resolves_the_role(mcp: Client, space: Space, sandbox: Sandbox, role: Any) -> None:
    user = user_of_role(space, "user")
    result = await confirmed(mcp, "change_user_role", {"user_id": user["id"], "role": role})
    assert result == {"user_id": user["id"], "role": "Organizer", "role_id": 103, "role_type": "manager"}
    assert user["role_data"]["type"] == "manager"
    preview = [("GET", "/roles", 200), ("GET", "/users/{id}", 200)]  # once to ask, once to act
    assert routes(sandbox) == preview * 2 + [("PATCH", "/users/role", 200)]


async def test_change_user_role_unknown_role_lists_the_roles(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    user = user_of_role(space, "user")
    text = await error(mcp, "change_user_role", {"user_id": user["id"], "role": "captain"})
    assert text.startswith("Unknown role 'captain'; valid roles: 101 Administrator (superadmin), 102 Staff (admin)")
    assert user["role_data"]["type"] == "user"
    assert routes(sandbox) == [("GET", "/roles", 200)]


async def test_change_user_role_unknown_user(mcp: Client) -> None:
    text = await error(mcp, "change_user_role", {"user_id": 1, "role": "user"})
    assert text == missing("user", 1)


# invite_users


async def test_invite_users_creates_the_invitations(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    before = len(space.invitations)
    result = await call(
        mcp,
        "invite_users",
        {"invitations": [{"email": "ana@example.org", "role": "Champ"}, {"email": "bo@example.org", "role": 103}]},
    )
    assert [(i["email"], i["role"]) for i in result["invited"]] == [
        ("ana@example.org", "user"),
        ("bo@example.org", "manager"),
    ]
    assert "asynchronously" in result["note"]
    assert len(space.invitations) == before + 2
    assert routes(sandbox) == [("GET", "/roles", 200), ("POST", "/users/invitation", 201)]


async def test_invite_users_without_a_role_sends_the_plain_user_role(sandbox: Sandbox, space: Space) -> None:
    (plain,) = [r for r in space.roles.values() if r["type"] == "user"]
    async with recorded_client(sandbox) as (mcp, wire):
        result = await call(mcp, "invite_users", {"invitations": [{"email": "ana@example.org"}]})
    [posted] = wire.to("POST", "/users/invitation")
    assert posted.body == {"data": {"invitations": [{"email": "ana@example.org", "role_id": plain["id"]}]}}
    assert [(i["email"], i["role"]) for i in result["invited"]] == [("ana@example.org", "user")]
    invitation = next(i for i in space.invitations.values() if i["email"] == "ana@example.org")
    assert invitation["role_id"] == plain["id"]


async def test_invite_users_reports_members_and_failures(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    member = next(iter(space.users.values()))
    del space.roles[next(r["id"] for r in space.roles.values() if r["type"] == "user")]
    result = await call(
        mcp,
        "invite_users",
        {"invitations": [{"email": member["mail"], "role": "manager"}, {"email": "new@example.org"}]},
    )
    assert result["already_members"] == [member["mail"]]
    reason = "this space has no plain user role; pass role_id"
    assert result["failed"] == [{"email": "new@example.org", "reason": reason}]
    assert "invited" not in result
    assert sandbox.request_log[-1].status == 207


async def test_invite_users_none_accepted_is_a_tool_error(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    # Without a plain user role to name, the tool leaves role_id out and Qomon applies its own default;
    # a space that has none refuses.
    del space.roles[next(r["id"] for r in space.roles.values() if r["type"] == "user")]
    text = await error(mcp, "invite_users", {"invitations": [{"email": "ana@example.org"}]})
    assert "ana@example.org: this space has no plain user role" in text
    assert routes(sandbox)[-1] == ("POST", "/users/invitation", 400)


async def test_invite_users_unknown_role_sends_nothing(mcp: Client, sandbox: Sandbox, space: Space) -> None:
    before = len(space.invitations)
    text = await error(mcp, "invite_users", {"invitations": [{"email": "ana@example.org", "role": "boss"}]})
    assert "valid roles: 101 Administrator (superadmin)" in text
    assert routes(sandbox) == [("GET", "/roles", 200)]
    assert len(space.invitations) == before


@pytest.mark.parametrize(
    "invitations",
    [
        [],
        [{"email": "not-an-email", "role": "user"}],
        [{"email": "ana@example.org", "role": "user"}, {"email": "ANA@example.org", "role": "admin"}],
    ],
    ids=["empty", "bad-email", "duplicate"],
)
async def test_invite_users_invalid_arguments_send_nothing(
    mcp: Client, sandbox: Sandbox, invitations: list[dict[str, str]]
) -> None:
    await error(mcp, "invite_users", {"invitations": invitations})
    assert sandbox.request_log == []


# revoke_access


async def test_revoke_access_removes_a_user(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    user = user_of_role(space, "user")
    arguments = {"user_id": user["id"]}
    assert await confirmed(mcp, "revoke_access", arguments) == {"removed": "user", "id": user["id"]}
    assert user["id"] not in space.users
    assert routes(sandbox) == [("GET", "/users/{id}", 200)] * 2 + [("DELETE", "/users/{id}", 200)]


async def test_revoke_access_cancels_an_invitation(mcp: Client, space: Space) -> None:
    invitation_id = next(iter(space.invitations))
    result = await confirmed(mcp, "revoke_access", {"invitation_id": invitation_id})
    assert result == {"removed": "invitation", "id": invitation_id}
    assert invitation_id not in space.invitations


@pytest.mark.parametrize("arguments", [{}, {"user_id": 5, "invitation_id": 6}], ids=["neither", "both"])
async def test_revoke_access_needs_exactly_one_id(mcp: Client, sandbox: Sandbox, arguments: dict[str, int]) -> None:
    assert "exactly one of user_id" in await error(mcp, "revoke_access", arguments)
    assert sandbox.request_log == []


async def test_revoke_access_unknown_invitation(mcp: Client) -> None:
    text = await error(mcp, "revoke_access", {"invitation_id": 1})
    assert text == missing("invitation", 1)
