"""Teams (PATCH is a full replace, DELETE a soft delete) and POST /global-message.

Part of the users API: validation failures answer 400. A team's `address` is
an Address object, the contact's address shape, or null.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from qomon_mcp.sandbox.rules.contacts import check_address
from qomon_mcp.sandbox.rules.validation import check_bool, check_int, check_str
from qomon_mcp.sandbox.space import Space, utc_now_iso
from qomon_mcp.sandbox.web import (
    data_object,
    fail,
    invalid_is_400,
    not_found,
    path_id,
    query_int,
    space_of,
    success,
)

__all__ = ["HANDLERS"]

Record = dict[str, Any]


def _shown(team: Record) -> Record:
    # Soft deletion is Qomon's business: the read shape has no deleted_at.
    return {k: v for k, v in team.items() if k != "deleted_at"}


def _live(space: Space, team_id: int) -> Record:
    team = space.teams.get(team_id)
    if team is None or team.get("deleted_at"):
        raise not_found()
    return team


def _members(space: Space, field: str, value: Any) -> list[Record]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise fail(422, **{field: "must be a list of {id}"})
    members: list[Record] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise fail(422, **{f"{field}[{index}]": "must be an object {id}"})
        user = space.users.get(check_int(f"{field}[{index}].id", item.get("id")))
        if user is None:
            raise fail(422, **{f"{field}[{index}].id": "unknown user"})
        if all(m["id"] != user["id"] for m in members):
            members.append({k: user.get(k) for k in ("id", "firstname", "surname", "mail")})
    return members


def _team_fields(space: Space, payload: Record, *, name: str | None = None) -> Record:
    """Every field of a team from a payload: what is not sent takes its zero value.

    `name` is the team's current name, kept when the payload has none.
    """
    sent_name = payload.get("name")
    # A team has a name (docs, "Create a new team"; shapes file, "Types and rules":
    # PATCH without one keeps it; "" counts as not sent, being a string's zero value).
    if name is None or sent_name not in (None, ""):
        name = check_str("name", sent_name, required=True).strip()
    return {
        "name": name,
        "description": check_str("description", payload.get("description")),
        "private": check_bool("private", payload.get("private")),
        "hide_users": check_bool("hide_users", payload.get("hide_users")),
        "leaders": _members(space, "leaders", payload.get("leaders")),
        "users": _members(space, "users", payload.get("users")),
        # shapes file, "Types and rules": the address is an Address object (the contact's shape).
        "address": check_address(payload.get("address"), None, space),
    }


async def _team_payload(request: Request) -> Record:
    data = await data_object(request)
    team = data.get("team")
    if not isinstance(team, dict):
        raise fail(422, team='required: the body must be {"data": {"team": {...}}}')
    # Other keys (the read shape's created_at, updated_at...) are ignored: no
    # source says Qomon refuses them.
    return team


async def list_teams(request: Request) -> Response:
    space = space_of(request)
    user_id = query_int(request, "user_id")
    teams = [
        _shown(t)
        for t in sorted(space.live_teams(), key=lambda t: t["id"])
        if user_id is None or any(m.get("id") == user_id for m in (t.get("users") or []) + (t.get("leaders") or []))
    ]
    return success({"teams": teams})


async def list_public_teams(request: Request) -> Response:
    # The one endpoint answering a bare array, without the envelope.
    teams = [_shown(t) for t in sorted(space_of(request).live_teams(), key=lambda t: t["id"]) if not t.get("private")]
    return JSONResponse(teams)


async def get_team(request: Request) -> Response:
    return success({"team": _shown(_live(space_of(request), path_id(request)))})


async def create_team(request: Request) -> Response:
    space = space_of(request)
    payload = await _team_payload(request)
    fields = _team_fields(space, payload)
    # shapes file, "Types and rules": POST /teams takes users and leaders, and the
    # leaders must be among the users.
    members = {m["id"] for m in fields["users"]}
    for index, leader in enumerate(fields["leaders"]):
        if leader["id"] not in members:
            raise fail(422, **{f"leaders[{index}].id": "must also be among the team's users"})
    now = utc_now_iso(space)
    team = {"id": space.next_id(), **fields, "created_at": now, "updated_at": now}
    space.teams[team["id"]] = team
    return success({"team": _shown(team)})


async def replace_team(request: Request) -> Response:
    space = space_of(request)
    payload = await _team_payload(request)
    team = _live(space, check_int("team.id", payload.get("id")))
    # docs, "Update an existing team (full replace)": what is not sent is reset;
    # shapes file, "Types and rules": except the name, kept when not sent.
    team.update(_team_fields(space, payload, name=team["name"]), updated_at=utc_now_iso(space))
    return success({"team": _shown(team)})


async def delete_team(request: Request) -> Response:
    space = space_of(request)
    team = _live(space, path_id(request))
    team["deleted_at"] = utc_now_iso(space)
    return success({"message": "Team deleted", "team_id": team["id"]})


async def send_global_message(request: Request) -> Response:
    space = space_of(request)
    data = await data_object(request)
    # shapes file, "Users, roles, teams, invitations, messages": {title, body, team_ids [int]};
    # docs, "Send a global message to provided teams": the teams are named. Other keys are ignored.
    title = check_str("title", data.get("title"), required=True)
    body = check_str("body", data.get("body"), required=True)
    team_ids = data.get("team_ids")
    if not isinstance(team_ids, list) or not team_ids:
        raise fail(422, team_ids="required: a non-empty list of team ids")
    live = {t["id"] for t in space.live_teams()}
    for index, team_id in enumerate(team_ids):
        if check_int(f"team_ids[{index}]", team_id) not in live:
            raise fail(422, **{f"team_ids[{index}]": "unknown or deleted team"})
    space.messages.append(
        {
            "id": space.next_id(),
            "title": title,
            "body": body,
            "team_ids": list(team_ids),
            "created_at": utc_now_iso(space),
        }
    )
    return success({"accepted": True})


HANDLERS = {
    name: invalid_is_400(handler)
    for name, handler in {
        "list_teams": list_teams,
        "list_public_teams": list_public_teams,
        "get_team": get_team,
        "create_team": create_team,
        "replace_team": replace_team,
        "delete_team": delete_team,
        "send_global_message": send_global_message,
    }.items()
}
