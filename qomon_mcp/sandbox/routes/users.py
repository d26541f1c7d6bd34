"""Users, roles and invitations (the users API: its validation failures answer 400).

GET /users takes `sort` as a boolean: true (the default) lists users by
surname then first name, A to Z; false, Z to A. A space must keep a superadmin
(the mandatory role), so the last one can be neither demoted nor deleted.

POST /users/invitation takes `[{email, role_id?}]` and answers, in the usual
envelope, `{"invitations": [Invitation sent...], "errors": [{index, email,
error}], "results": [one per item, in order]}`. Each result has `index`,
`email` and `status`: "invited" (with `invitation_id`), "added" (the email has
an account in another space: the user joins this one, with `user_id`),
"member" (already a user of this space, with `user_id`) or "failed" (with
`error`). 201 when every item went through, 207 with status "fail" when only
some did, 400 when none did.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from qomon_mcp.sandbox.rules.invitations import invite
from qomon_mcp.sandbox.rules.validation import check_date, check_int, check_str, is_email
from qomon_mcp.sandbox.space import Space, utc_now_iso
from qomon_mcp.sandbox.web import (
    SANDBOX_SCOPE_KEY,
    data_object,
    fail,
    invalid_is_400,
    not_found,
    page_params,
    path_id,
    space_of,
    success,
)

__all__ = ["HANDLERS"]

Record = dict[str, Any]
_USER_FIELDS = frozenset(
    {"mail", "surname", "firstname", "phone", "address", "city", "postal", "location", "avatar", "birthdate"}
)
# The usual spellings of a boolean query parameter.
_TRUE, _FALSE = frozenset({"true", "1", "t"}), frozenset({"false", "0", "f"})


def _user(space: Space, request: Request) -> Record:
    user = space.users.get(path_id(request))
    if user is None:
        raise not_found()
    return user


def _superadmins(space: Space) -> list[int]:
    return [uid for uid, u in space.users.items() if (u.get("role_data") or {}).get("type") == "superadmin"]


def _ascending(request: Request) -> bool:
    # shapes file, "Types and rules": `sort` is a boolean, true (the default) =
    # ascending by surname then first name, false = descending; it is not a field
    # name. Qomon's reference types it boolean, so a typed parameter that does not
    # parse (sort=id) is refused with a 400, as any malformed query value is.
    raw = (request.query_params.get("sort") or "true").lower()
    if raw not in _TRUE | _FALSE:
        raise fail(400, sort="must be true (A to Z by surname, then first name) or false (Z to A)")
    return raw in _TRUE


async def list_users(request: Request) -> Response:
    space = space_of(request)
    limit, offset = page_params(request)
    ascending = _ascending(request)

    def key(user: Record) -> tuple[str, str, int]:
        return ((user.get("surname") or "").casefold(), (user.get("firstname") or "").casefold(), user["id"])

    users = sorted(space.users.values(), key=key, reverse=not ascending)
    return success({"count": len(users), "users": users[offset : offset + limit]})


async def get_user(request: Request) -> Response:
    return success({"User": _user(space_of(request), request)})


async def update_user(request: Request) -> Response:
    space = space_of(request)
    user = _user(space, request)
    data = await data_object(request)
    # docs, "Update a user": a partial update; shapes file, "Users, roles, teams,
    # invitations, messages": `mail` is required. Keys outside the body's list are ignored.
    mail = data.get("mail")
    if not isinstance(mail, str) or not mail.strip():
        raise fail(422, mail="required")
    if not is_email(mail):
        raise fail(422, mail="is not a valid email address")
    # A mail names one account (invitations find accounts by it), so users cannot share one.
    if any(u["id"] != user["id"] and (u.get("mail") or "").casefold() == mail.casefold() for u in space.users.values()):
        raise fail(422, mail="is already used by another user")
    changes: Record = {"mail": mail}
    for field in _USER_FIELDS - {"mail", "birthdate"}:
        if field in data:
            changes[field] = check_str(field, data[field])
    if "birthdate" in data:
        changes["birthdate"] = None if data["birthdate"] in (None, "") else check_date("birthdate", data["birthdate"])
    user.update(changes, updated_at=utc_now_iso(space))
    return success("Successfully updated")


async def delete_user(request: Request) -> Response:
    space = space_of(request)
    user = _user(space, request)
    # docs, "Roles": superadmin is the mandatory role, so the last one stays.
    if _superadmins(space) == [user["id"]]:
        raise fail(422, id="the last superadmin cannot be removed from the space")
    del space.users[user["id"]]
    for team in space.teams.values():
        for key in ("users", "leaders"):
            team[key] = [m for m in team.get(key) or [] if m.get("id") != user["id"]]
    # shapes file, "Types and rules": this delete answers 200 with a JSON body, not 204.
    return success("Successfully deleted")


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
    # docs, "Roles": superadmin is the mandatory role, so the last one stays.
    if role.get("type") != "superadmin" and _superadmins(space) == [user_id]:
        raise fail(422, role_id="the space's last superadmin cannot be demoted")
    user.update(role=role.get("type"), role_data=dict(role), updated_at=utc_now_iso(space))
    return success("Successfully updated")


async def list_roles(request: Request) -> Response:
    roles = sorted(space_of(request).roles.values(), key=lambda r: (r.get("order") or 0, r["id"]))
    return success({"count": len(roles), "roles": roles})


async def list_invitations(request: Request) -> Response:
    return success({"invitations": list(space_of(request).invitations.values())})


async def invite_users(request: Request) -> Response:
    space = space_of(request)
    data = await data_object(request)
    items = data.get("invitations")
    if not isinstance(items, list) or not items:
        raise fail(422, invitations="required: a non-empty list of {email, role_id}")
    others = [s for s in request.scope[SANDBOX_SCOPE_KEY].spaces.values() if s is not space]
    result = invite(space, others, items)
    failed = sum(r["status"] == "failed" for r in result["results"])
    # shapes file, "Types and rules": 207 with status "fail" and per-item results
    # when only some went through; 400 when none did.
    if failed == len(items):
        return JSONResponse({"status": "fail", "data": result}, status_code=400)
    if failed:
        return JSONResponse({"status": "fail", "data": result}, status_code=207)
    return success(result, status=201)


async def delete_invitation(request: Request) -> Response:
    space = space_of(request)
    if space.invitations.pop(path_id(request), None) is None:
        raise not_found()
    # shapes file, "Types and rules": this delete answers 200 with a JSON body, not 204.
    return success("Successfully deleted")


HANDLERS = {
    name: invalid_is_400(handler)
    for name, handler in {
        "list_users": list_users,
        "get_user": get_user,
        "update_user": update_user,
        "delete_user": delete_user,
        "change_user_role": change_user_role,
        "list_roles": list_roles,
        "list_invitations": list_invitations,
        "invite_users": invite_users,
        "delete_invitation": delete_invitation,
    }.items()
}
