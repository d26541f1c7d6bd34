"""The people of a space: users, roles, invitations and teams."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from .models_base import Id, ListOf, QomonModel, Text, UnionText

__all__ = [
    "Invitation",
    "InvitationResult",
    "Role",
    "RolePage",
    "Team",
    "TeamDeleted",
    "TeamUser",
    "User",
    "UserPage",
]


class Role(QomonModel):
    id: Id | None = None
    name: Text | None = None
    type: Text | None = None
    order: int | None = None


class RolePage(QomonModel):
    count: int | None = None
    roles: ListOf[Role] = Field(default_factory=list)


class User(QomonModel):
    id: Id | None = None
    firstname: Text | None = None
    surname: Text | None = None
    mail: Text | None = None
    phone: Text | None = None
    address: Any = None
    city: Text | None = None
    postal: Text | None = None
    location: Any = None
    birthdate: Text | None = None
    locale: Text | None = None
    avatar: Text | None = None
    # A role type ("admin") in most answers; read as a Role object too, the shape invitations use.
    role: Role | UnionText | None = Field(default=None, union_mode="left_to_right")
    role_data: Role | None = None
    group_id: Id | None = None
    selected_group_id: list[Id] | Id | None = None
    created_at: Text | None = None
    updated_at: Text | None = None


class UserPage(QomonModel):
    """One page of `GET /users`; `count` is the number of users in the space."""

    count: int | None = None
    users: ListOf[User] = Field(default_factory=list)


class Invitation(QomonModel):
    id: Id | None = None
    group_id: Id | None = None
    email: Text | None = None
    mobile_phone: Text | None = None
    role_id: Id | None = None
    # A Role object in Qomon's reference; older answers send the role's type as a string.
    # Left to right: a smart union's strict first pass would set aside a Role's loosely typed fields.
    role: Role | UnionText | None = Field(default=None, union_mode="left_to_right")
    created_at: Text | None = None
    last_sent: Text | None = None
    user_id: Id | None = None


class InvitationResult(QomonModel):
    """The answer to `POST /users/invitation`: 201 when all were accepted, 207 when only some.

    The 207 body is not documented, so `raw` keeps it whole next to the best reading of it.
    """

    status: int | None = None
    partial: bool = False
    invitations: ListOf[Invitation] = Field(default_factory=list)
    failed: ListOf[Any] = Field(default_factory=list)
    raw: Any = None


def _id_to_member(value: Any) -> Any:
    """Members listed as bare ids (as team writes take them) read as `{id}`."""
    if isinstance(value, list):
        return [{"id": v} if isinstance(v, int | str) and not isinstance(v, bool) else v for v in value]
    return [] if value is None else value


Members = Annotated[list["TeamUser"], BeforeValidator(_id_to_member)]


class TeamUser(QomonModel):
    id: Id | None = None
    firstname: Text | None = None
    surname: Text | None = None
    mail: Text | None = None


class Team(QomonModel):
    id: Id | None = None
    name: Text | None = None
    description: Text | None = None
    private: bool | None = None
    hide_users: bool | None = None
    leaders: Members = Field(default_factory=list)
    users: Members = Field(default_factory=list)
    # An Address object in Qomon's reference (the contact address shape); older answers send one line.
    # Kept as the object sent: the team tools merge parts into it and send it back whole.
    address: dict[str, Any] | UnionText | None = None
    group_id: Id | None = None
    created_at: Text | None = None
    updated_at: Text | None = None


class TeamDeleted(QomonModel):
    message: Text | None = None
    team_id: Id | None = None
