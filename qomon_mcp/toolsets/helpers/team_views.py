"""What the team tools read and return: compact views, result models, role references resolved to ids."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, BeforeValidator, Field

from qomon_mcp.qomon.models import Invitation, Role, Team, TeamUser, User
from qomon_mcp.server.quoting import quoted
from qomon_mcp.toolsets.helpers.team_address import address_line, team_address

__all__ = [
    "EMAIL_PATTERN",
    "Changed",
    "Deleted",
    "Failed",
    "InvitationView",
    "InviteResult",
    "Invited",
    "Invitee",
    "MemberView",
    "MessageSent",
    "Revoked",
    "RoleChanged",
    "RoleRef",
    "RoleView",
    "TeamView",
    "TeamsResult",
    "UserView",
    "UsersResult",
    "as_int",
    "failures",
    "invitation_payload",
    "invitation_view",
    "member_ids",
    "more_note",
    "outcomes",
    "parsed_list",
    "replaceable",
    "resolve_role",
    "resolves",
    "role_type",
    "role_view",
    "roles_listing",
    "safe_reason",
    "team_view",
    "user_view",
]

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

# What each role type lets a user do, from Qomon's roles table: the model needs it to pick a role.
ROLE_SCOPES = {
    "superadmin": "full access incl. platform settings and subscription; mandatory role",
    "admin": "full access except platform settings, subscription and contact exports",
    "manager": "actions, petitions, teams; no contact database",
    "user": "mobile-app field actions; the default for new users",
    "custom": "permissions set by the space's admin in the Qomon UI",
}

# Qomon's per-item reasons are short machine phrases; anything else is upstream prose and is not relayed.
_SAFE_REASON = re.compile(r"[\w .,:;'()/<>=+-]{1,80}")


def _number_to_str(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


RoleRef = Annotated[
    str,
    BeforeValidator(_number_to_str),
    Field(
        min_length=1,
        max_length=80,
        description='Id, type or name: "manager", "103".',
    ),
]


class RoleView(BaseModel):
    id: int | str | None = None
    name: str | None = None
    type: str | None = None
    scope: str | None = Field(default=None, description="What the role may do.")


class UserView(BaseModel):
    id: int | str | None = None
    name: str | None = None
    mail: str | None = None
    phone: str | None = None
    address: str | None = None
    city: str | None = None
    postal: str | None = None
    birthdate: str | None = None
    locale: str | None = None
    role: str | None = None
    role_type: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class InvitationView(BaseModel):
    id: int | str | None = None
    email: str | None = None
    mobile_phone: str | None = None
    role: str | None = Field(default=None, description="Role type granted on acceptance.")
    role_id: int | str | None = None
    created_at: str | None = None
    last_sent: str | None = None
    user_id: int | str | None = Field(default=None, description="Set once the invitation is acted on.")


class MemberView(BaseModel):
    id: int | str | None = None
    name: str | None = None


class TeamView(BaseModel):
    id: int | str | None = None
    name: str | None = None
    description: str | None = None
    private: bool | None = None
    hide_users: bool | None = None
    address: str | None = None
    member_count: int | None = None
    leaders: list[MemberView] = Field(default_factory=list)
    members: list[MemberView] = Field(default_factory=list)
    created_at: str | None = None
    updated_at: str | None = None


def as_int(value: Any) -> int | None:
    """An id as an integer (Qomon sometimes sends ids as strings), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _name(person: User | TeamUser) -> str | None:
    return " ".join(p for p in (person.firstname, person.surname) if p) or None


def _text(value: Any) -> str | None:
    """An address or location on one line, whether Qomon sends a string or an object."""
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values() if v not in (None, "")) or None
    return value if isinstance(value, str) else None


def user_view(user: User, *, detailed: bool = False) -> UserView:
    role = user.role_data
    role_type = (role.type if role else None) or (user.role if isinstance(user.role, str) else None)
    view = UserView(
        id=user.id,
        name=_name(user),
        mail=user.mail,
        phone=user.phone,
        city=user.city,
        role=role.name if role else None,
        role_type=role_type,
        created_at=user.created_at,
    )
    if detailed:
        view.address, view.postal, view.birthdate = _text(user.address), user.postal, user.birthdate
        view.locale, view.updated_at = user.locale, user.updated_at
    return view


def role_view(role: Role) -> RoleView:
    return RoleView(id=role.id, name=role.name, type=role.type, scope=ROLE_SCOPES.get(role.type or ""))


def role_type(role: Any) -> str | None:
    """An invitation's role as its type: Qomon's reference sends a Role object, older answers a string."""
    if isinstance(role, Role):
        return role.type or role.name
    if isinstance(role, dict):
        kind = role.get("type") or role.get("name")
        return kind if isinstance(kind, str) else None
    return role if isinstance(role, str) else None


def invitation_payload(invitee: Invitee, roles: list[Role]) -> dict[str, Any]:
    """`{email, role_id}`; without a role, the space's plain user role, named so nobody has to guess."""
    if invitee.role is not None:
        return {"email": invitee.email.strip(), "role_id": as_int(resolve_role(roles, invitee.role).id)}
    plain = [r for r in roles if (r.type or "").casefold() == "user" and as_int(r.id) is not None]
    if len(plain) == 1:
        return {"email": invitee.email.strip(), "role_id": as_int(plain[0].id)}
    # None or several: Qomon's reference makes role_id optional, defaulting to its plain user role.
    return {"email": invitee.email.strip()}


def invitation_view(invitation: Invitation) -> InvitationView:
    return InvitationView(
        id=invitation.id,
        email=invitation.email,
        mobile_phone=invitation.mobile_phone,
        role=role_type(invitation.role),
        role_id=invitation.role_id,
        created_at=invitation.created_at,
        last_sent=invitation.last_sent,
        user_id=invitation.user_id,
    )


def team_view(team: Team, *, members: slice | None = None) -> TeamView:
    """The team; with `members`, its details and that slice of its members (a single team's view)."""
    view = TeamView(
        id=team.id,
        name=team.name,
        description=team.description,
        private=team.private,
        member_count=len(team.users),
        leaders=[MemberView(id=u.id, name=_name(u)) for u in team.leaders],
    )
    if members is not None:
        view.hide_users, view.address = team.hide_users, address_line(team.address)
        view.created_at, view.updated_at = team.created_at, team.updated_at
        view.members = [MemberView(id=u.id, name=_name(u)) for u in team.users[members]]
    return view


def member_ids(people: list[TeamUser]) -> list[int]:
    """The ids of a team's members or leaders, in order and without duplicates."""
    ids = (as_int(p.id) for p in people)
    return list(dict.fromkeys(i for i in ids if i is not None))


def more_note(what: str, shown_to: int, total: int | None) -> str | None:
    """'N more <what>; use offset=X' when the list goes on past the item at `shown_to`."""
    if total is None or shown_to >= total:
        return None
    return f"{total - shown_to} more {what}; use offset={shown_to}."


def roles_listing(roles: list[Role]) -> str:
    return ", ".join(f"{r.id} {r.name} ({r.type})" for r in roles)


def resolve_role(roles: list[Role], ref: str) -> Role:
    """The role `ref` names (an id, a name, or a type held by one role); ToolError otherwise."""
    wanted = ref.strip().casefold()
    by_id = [r for r in roles if str(r.id) == wanted]
    by_name = [r for r in roles if (r.name or "").casefold() == wanted]
    by_type = [r for r in roles if (r.type or "").casefold() == wanted]
    for matches in (by_id, by_name, by_type):
        if len(matches) == 1:
            return matches[0]
    if by_type:
        raise ToolError(f"Several roles have type {quoted(ref)} ({roles_listing(by_type)}); give the role id instead.")
    raise ToolError(f"Unknown role {quoted(ref)}; valid roles: {roles_listing(roles)}.")


def safe_reason(reason: Any) -> str:
    """An upstream per-item reason, relayed only when it is a short machine phrase."""
    if isinstance(reason, str) and _SAFE_REASON.fullmatch(reason):
        return reason
    return "refused by Qomon"


class UsersResult(BaseModel):
    user: UserView | None = None
    users: list[UserView] = Field(default_factory=list)
    roles: list[RoleView] = Field(default_factory=list)
    invitations: list[InvitationView] = Field(default_factory=list)
    total: int | None = Field(default=None, description="How many the space has.")
    note: str | None = None


class Changed(BaseModel):
    id: int | str | None = None
    changed: list[str] = Field(default_factory=list)
    note: str | None = None


class RoleChanged(BaseModel):
    user_id: int | str | None = None
    role: str | None = None
    role_id: int | str | None = None
    role_type: str | None = None


class Invitee(BaseModel):
    email: Annotated[str, Field(pattern=EMAIL_PATTERN, max_length=254)]
    role: Annotated[RoleRef | None, Field(description='Id, type or name: "manager", "103"; default: user.')] = None


class Invited(BaseModel):
    id: int | str | None = None
    email: str | None = None
    role: str | None = None


class Failed(BaseModel):
    email: str | None = None
    reason: str | None = None


class InviteResult(BaseModel):
    invited: list[Invited] = Field(default_factory=list)
    added: list[str] = Field(default_factory=list, description="Had a Qomon account: now users of this space.")
    already_members: list[str] = Field(default_factory=list)
    failed: list[Failed] = Field(default_factory=list)
    note: str | None = None


def outcomes(raw: Any, sent: list[str], status: str) -> list[str]:
    """The addresses whose per-item result has `status` ("added": an account joined the space,
    "member": already a user here); Qomon's reference gives per-item results, not their shape."""
    items = raw.get("results") if isinstance(raw, dict) else None
    found = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("status") == status:
            index = item.get("index")
            email: str | None
            if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(sent):
                email = sent[index]
            else:
                email = item.get("email")
            if email in sent:
                found.append(email)
    return found


def resolves(roles: list[Role], ref: str) -> bool:
    try:
        resolve_role(roles, ref)
    except ToolError:
        return False
    return True


def parsed_list(text: str | None) -> list[Any]:
    try:
        value = json.loads(text or "")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def failures(items: list[Any], sent: list[str]) -> list[Failed]:
    """Which addresses Qomon refused and why; the address comes from the request when the index allows."""
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        index = item.get("index")
        email: str | None
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(sent):
            email = sent[index]
        else:
            email = item.get("email")
        reason = item.get("error") or item.get("reason") or item.get("message")
        found.append(Failed(email=email if email in sent else None, reason=safe_reason(reason)))
    return found


class Revoked(BaseModel):
    removed: Literal["user", "invitation"] | None = None
    id: int | None = None


class TeamsResult(BaseModel):
    team: TeamView | None = None
    teams: list[TeamView] = Field(default_factory=list)
    total: int | None = None
    note: str | None = None


def replaceable(team: Team) -> dict[str, Any]:
    """Every writable field of `team`, as PATCH /teams wants them."""
    fields = {
        "id": as_int(team.id) or team.id,
        "name": team.name,
        "description": team.description,
        "private": team.private,
        "hide_users": team.hide_users,
        "address": team_address(team.address),
    }
    return {k: v for k, v in fields.items() if v is not None}


class Deleted(BaseModel):
    id: int | str | None = None
    deleted: bool | None = None


class MessageSent(BaseModel):
    team_count: int | None = None
    teams: list[str] = Field(default_factory=list)
    note: str | None = None
