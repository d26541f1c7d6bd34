"""Users, roles and invitations.

GET /users takes `sort` as a field name, `-` in front for descending: id,
created_at, updated_at, surname, firstname or mail (default: id ascending).
A space must keep a superadmin (the mandatory role), so the last one can be
neither demoted nor deleted: a 422 names the problem.

POST /users/invitation answers, in the usual envelope,
`{"invitations": [created Invitation...], "errors": [{"index", "email", "error"}]}`:
201 when every invitation was created, 207 when only some were, 422 (with the
same two lists, status "fail") when none was.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from qomon_mcp.sandbox.space import Space, utc_now_iso
from qomon_mcp.sandbox.validation import check_date, check_int, check_str, check_unknown_keys, is_email
from qomon_mcp.sandbox.web import (
    data_object,
    fail,
    no_content,
    not_found,
    page_params,
    path_id,
    space_of,
    success,
)

__all__ = ["HANDLERS"]

Record = dict[str, Any]
_SORTS = ("id", "created_at", "updated_at", "surname", "firstname", "mail")
_USER_FIELDS = frozenset(
    {"mail", "surname", "firstname", "phone", "address", "city", "postal", "location", "avatar", "birthdate"}
)


def _user(space: Space, request: Request) -> Record:
    user = space.users.get(path_id(request))
    if user is None:
        raise not_found()
    return user


def _superadmins(space: Space) -> list[int]:
    return [uid for uid, u in space.users.items() if (u.get("role_data") or {}).get("type") == "superadmin"]


async def list_users(request: Request) -> Response:
    space = space_of(request)
    limit, offset = page_params(request)
    sort = request.query_params.get("sort") or "id"
    field = sort.removeprefix("-")
    if field not in _SORTS:
        raise fail(422, sort=f"must be one of {', '.join(_SORTS)}, with - in front for descending")

    def key(user: Record) -> tuple[bool, Any, int]:
        value = user.get(field)
        value = value.casefold() if isinstance(value, str) else value
        return (value is None, value if value is not None else 0, user["id"])

    users = sorted(space.users.values(), key=key, reverse=sort.startswith("-"))
    return success({"count": len(users), "users": users[offset : offset + limit]})


async def get_user(request: Request) -> Response:
    return success({"User": _user(space_of(request), request)})


async def update_user(request: Request) -> Response:
    space = space_of(request)
    user = _user(space, request)
    data = await data_object(request)
    check_unknown_keys("", data, _USER_FIELDS)
    mail = data.get("mail")
    if not isinstance(mail, str) or not mail.strip():
        raise fail(422, mail="required")
    if not is_email(mail):
        raise fail(422, mail="is not a valid email address")
    if any(
        u["id"] != user["id"] and (u.get("mail") or "").casefold() == mail.casefold()
        for u in space.users.values()
    ):
        raise fail(422, mail="is already used by another user")
    changes: Record = {"mail": mail}
    for field in _USER_FIELDS - {"mail", "birthdate"}:
        if field in data:
            changes[field] = check_str(field, data[field])
    if "birthdate" in data:
        changes["birthdate"] = (
            None if data["birthdate"] in (None, "") else check_date("birthdate", data["birthdate"])
        )
    user.update(changes, updated_at=utc_now_iso())
    return success("Successfully updated")


async def delete_user(request: Request) -> Response:
    space = space_of(request)
    user = _user(space, request)
    if _superadmins(space) == [user["id"]]:
        raise fail(422, id="the last superadmin cannot be removed from the space")
    del space.users[user["id"]]
    for team in space.teams.values():
        for key in ("users", "leaders"):
            team[key] = [m for m in team.get(key) or [] if m.get("id") != user["id"]]
    return no_content()


async def change_user_role(request: Request) -> Response:
    space = space_of(request)
    data = await data_object(request)
    user_id = check_int("user_id", data.get("user_id"))
    role_id = check_int("role_id", data.get("role_id"))
    user = space.users.get(user_id)
    if user is None:
        raise not_found()
    role = space.roles.get(role_id)
    if role is None:
        raise fail(422, role_id="unknown role; see GET /roles")
    if role.get("type") != "superadmin" and _superadmins(space) == [user_id]:
        raise fail(422, role_id="the space's last superadmin cannot be demoted")
    user.update(role=role.get("type"), role_data=dict(role), updated_at=utc_now_iso())
    return success("Successfully updated")


async def list_roles(request: Request) -> Response:
    roles = sorted(space_of(request).roles.values(), key=lambda r: (r.get("order") or 0, r["id"]))
    return success({"count": len(roles), "roles": roles})


async def list_invitations(request: Request) -> Response:
    return success({"invitations": list(space_of(request).invitations.values())})


def _invitation_error(space: Space, item: Any, taken: set[str]) -> str | None:
    if not isinstance(item, dict):
        return "must be an object {email, role_id}"
    email, role_id = item.get("email"), item.get("role_id")
    if not is_email(email):
        return "invalid email address"
    if isinstance(role_id, bool) or not isinstance(role_id, int) or role_id not in space.roles:
        return "unknown role_id; see GET /roles"
    if any((u.get("mail") or "").casefold() == email.casefold() for u in space.users.values()):
        return "already a user of this space"
    if email.casefold() in taken:
        return "already invited"
    return None


async def invite_users(request: Request) -> Response:
    space = space_of(request)
    data = await data_object(request)
    items = data.get("invitations")
    if not isinstance(items, list) or not items:
        raise fail(422, invitations="required: a non-empty list of {email, role_id}")
    taken = {(i.get("email") or "").casefold() for i in space.invitations.values()}
    created: list[Record] = []
    errors: list[Record] = []
    now = utc_now_iso()
    for index, item in enumerate(items):
        problem = _invitation_error(space, item, taken)
        if problem is not None:
            email = item.get("email") if isinstance(item, dict) else None
            errors.append({"index": index, "email": email, "error": problem})
            continue
        role = space.roles[item["role_id"]]
        invitation = {
            "id": space.next_id(),
            "group_id": space.group_id,
            "email": item["email"],
            "mobile_phone": "",
            "role_id": role["id"],
            "role": role.get("type"),
            "created_at": now,
            "last_sent": now,
            "user_id": None,
        }
        space.invitations[invitation["id"]] = invitation
        taken.add(item["email"].casefold())
        created.append(invitation)
    result = {"invitations": created, "errors": errors}
    if not created:
        return JSONResponse({"status": "fail", "data": result}, status_code=422)
    return success(result, status=207 if errors else 201)


async def delete_invitation(request: Request) -> Response:
    space = space_of(request)
    if space.invitations.pop(path_id(request), None) is None:
        raise not_found()
    return no_content()


HANDLERS = {
    "list_users": list_users,
    "get_user": get_user,
    "update_user": update_user,
    "delete_user": delete_user,
    "change_user_role": change_user_role,
    "list_roles": list_roles,
    "list_invitations": list_invitations,
    "invite_users": invite_users,
    "delete_invitation": delete_invitation,
}
