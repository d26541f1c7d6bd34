"""POST /users/invitation, item by item: who is invited, who is added, what fails.

shapes file, "Types and rules": `role_id` is optional (the plain user role by
default), and an email that already has an account is added to the space
rather than refused. In the sandbox an account is a user of any of its
spaces; one of another space joins this one as a new user record (its own id,
as ids are per space here), with the role asked for. An email already invited
is invited again (its `last_sent` moves): the reference names no refusal for it.
"""

from __future__ import annotations

from typing import Any

from qomon_mcp.sandbox.rules.validation import is_email
from qomon_mcp.sandbox.space import Space, utc_now_iso

__all__ = ["invite"]

Record = dict[str, Any]
# What a user record carries of the person, shared by every space they belong to.
_PERSON_FIELDS = (
    "firstname",
    "surname",
    "mail",
    "phone",
    "address",
    "city",
    "postal",
    "location",
    "birthdate",
    "locale",
)


def _default_role(space: Space) -> Record | None:
    # shapes file, "Types and rules": without role_id, the plain user role (type "user").
    plain = [r for r in space.roles.values() if r.get("type") == "user"]
    return min(plain, key=lambda r: (r.get("order") or 0, r["id"])) if plain else None


def _role(space: Space, item: Record) -> Record | str:
    role_id = item.get("role_id")
    if role_id is None:
        return _default_role(space) or "this space has no plain user role; pass role_id"
    if isinstance(role_id, bool) or not isinstance(role_id, int) or role_id not in space.roles:
        return "unknown role_id; see GET /roles"
    return space.roles[role_id]


def _by_mail(records: Any, mail: str, key: str = "mail") -> Record | None:
    return next((r for r in records if (r.get(key) or "").casefold() == mail.casefold()), None)


def _add_user(space: Space, account: Record, role: Record, now: str) -> Record:
    user: Record = {
        "id": space.next_id(),
        **{field: account.get(field) for field in _PERSON_FIELDS},
        "role": role.get("type"),
        "role_data": dict(role),
        "group_id": space.group_id,
        "selected_group_id": [space.group_id],
        "created_at": now,
        "updated_at": now,
    }
    space.users[user["id"]] = user
    return user


def _send(space: Space, email: str, role: Record, now: str) -> Record:
    invitation = _by_mail(space.invitations.values(), email, "email")
    if invitation is None:
        invitation = {
            "id": space.next_id(),
            "group_id": space.group_id,
            "email": email,
            "mobile_phone": None,
            "created_at": now,
            "user_id": None,
        }
        space.invitations[invitation["id"]] = invitation
    # shapes file, "Types and rules": an Invitation's role is a Role object.
    invitation.update(role_id=role["id"], role=dict(role), last_sent=now)
    return invitation


def _checked(space: Space, item: Any) -> tuple[str, Record] | str:
    """The item's email and role, or why it cannot go through."""
    if not isinstance(item, dict):
        return "must be an object {email, role_id}"
    email = item.get("email")
    if not is_email(email):
        return "invalid email address"
    role = _role(space, item)
    return role if isinstance(role, str) else (email, role)


def invite(space: Space, others: list[Space], items: list[Any]) -> Record:
    """Apply each item; `others` are the spaces whose users count as existing accounts.

    The reference says a partial success carries per-item results but not their shape:
    `results` [{index, email, status}] and its status words are this emulator's own
    reading, which the tools read only as a bonus (invited and failed come from the rest).
    """
    now = utc_now_iso(space)
    sent: list[Record] = []
    errors: list[Record] = []
    results: list[Record] = []
    for index, item in enumerate(items):
        checked = _checked(space, item)
        if isinstance(checked, str):
            email = item.get("email") if isinstance(item, dict) else None
            errors.append({"index": index, "email": email, "error": checked})
            results.append({"index": index, "email": email, "status": "failed", "error": checked})
            continue
        email, role = checked
        result: Record = {"index": index, "email": email}
        member = _by_mail(space.users.values(), email)
        account = next((a for s in others if (a := _by_mail(s.users.values(), email))), None)
        if member is not None:
            result.update(status="member", user_id=member["id"])
        elif account is not None:
            result.update(status="added", user_id=_add_user(space, account, role, now)["id"])
        else:
            invitation = _send(space, email, role, now)
            if all(i is not invitation for i in sent):
                sent.append(invitation)
            result.update(status="invited", invitation_id=invitation["id"])
        results.append(result)
    return {"invitations": sent, "errors": errors, "results": results}
