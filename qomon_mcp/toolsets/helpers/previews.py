"""What each destructive tool shows the user before acting: the record read first, said in one question.

Each preview is a resolver (see `qomon_mcp.server.confirm`): it runs before the tool
body, takes the tool's arguments by name, and only reads from Qomon. It also does
the checks the body would otherwise do after the user said yes (an unknown role
or team is refused before anyone is asked anything). refund_bundle's preview, which
also works out the write, is in `refund_plan.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import Resolve

from qomon_mcp.qomon.models import Role
from qomon_mcp.server.app import qomon_client
from qomon_mcp.server.confirm import Approved, Preview, approval
from qomon_mcp.server.explain import missing, told
from qomon_mcp.toolsets.helpers.fundraising_views import money
from qomon_mcp.toolsets.helpers.team_views import as_int, member_ids, resolve_role

__all__ = [
    "AccessApproval",
    "AccessPreview",
    "BundleApproval",
    "BundlePreview",
    "ContactApproval",
    "ContactPreview",
    "MessageApproval",
    "MessagePlan",
    "MessagePreview",
    "RoleApproval",
    "RoleChange",
    "RolePreview",
    "TeamApproval",
    "TeamPreview",
]


def _person(*parts: str | None) -> str | None:
    return " ".join(p for p in parts if p) or None


async def contact_preview(contact_id: int, ctx: Context) -> Preview:
    with told(not_found=missing("contact", contact_id)):
        contact = await qomon_client(ctx).get_contact(contact_id)
    name = _person(contact.firstname, contact.surname) or contact.mail or "without a name"
    return Preview(
        question=f"Delete the contact {name} (id {contact_id}) and everything recorded on it? This cannot be undone.",
        not_done=f"contact {contact_id} was not deleted",
    )


async def team_preview(team_id: int, ctx: Context) -> Preview:
    with told(not_found=missing("team", team_id)):
        team = await qomon_client(ctx).get_team(team_id)
    people = len(set(member_ids(team.users)) | set(member_ids(team.leaders)))
    return Preview(
        question=f"Delete the team {team.name or 'without a name'} (id {team_id}, {people} members)?",
        not_done=f"team {team_id} was not deleted",
    )


async def access_preview(user_id: int | None, invitation_id: int | None, ctx: Context) -> Preview:
    if (user_id is None) == (invitation_id is None):
        raise ToolError("Pass exactly one of user_id (remove a user) or invitation_id (cancel an invitation).")
    client = qomon_client(ctx)
    if user_id is not None:
        with told(not_found=missing("user", user_id)):
            user = await client.get_user(user_id)
        role = user.role_data.name if user.role_data and user.role_data.name else None
        who = ", ".join(p for p in (user.mail, f"role {role}" if role else None) if p)
        name = _person(user.firstname, user.surname) or f"user {user_id}"
        return Preview(
            question=f"Remove {name} ({who or f'id {user_id}'}) from the space? They lose access at once.",
            not_done=f"user {user_id} keeps their access",
        )
    with told(not_found="Qomon's invitations could not be read."):
        invitations = await client.list_invitations()
    invitation = next((i for i in invitations if str(i.id) == str(invitation_id)), None)
    if invitation is None:
        raise ToolError(missing("invitation", invitation_id))
    return Preview(
        question=f"Cancel the pending invitation of {invitation.email or invitation.mobile_phone or 'an invitee'} "
        f"(id {invitation_id})?",
        not_done=f"invitation {invitation_id} is still pending",
    )


@dataclass(frozen=True, slots=True)
class MessagePlan(Preview):
    team_ids: list[int] = field(default_factory=list)
    team_names: list[str] = field(default_factory=list)


# The teams named in an unknown-id error; the rest are one get_teams away.
_SHOWN_TEAMS = 30


async def message_preview(title: str, body: str, team_ids: list[int], ctx: Context) -> MessagePlan:
    if not title.strip() or not body.strip():
        raise ToolError("title and body must not be blank; write the message to send.")
    wanted = list(dict.fromkeys(team_ids))
    with told(not_found="Qomon's teams could not be read."):
        teams = {as_int(t.id): t for t in await qomon_client(ctx).list_teams()}
    unknown = [i for i in wanted if i not in teams]
    if unknown:
        valid = ", ".join(f"{i} {t.name}" for i, t in list(teams.items())[:_SHOWN_TEAMS])
        more = f" and {len(teams) - _SHOWN_TEAMS} more (see get_teams)" if len(teams) > _SHOWN_TEAMS else ""
        raise ToolError(f"Unknown team ids {unknown}; valid teams: {valid or 'none'}{more}.")
    names = [teams[i].name or str(i) for i in wanted]
    people = len({m for i in wanted for m in member_ids(teams[i].users) + member_ids(teams[i].leaders)})
    reach = f"{len(wanted)} team{'s' if len(wanted) > 1 else ''} ({', '.join(names)})"
    return MessagePlan(
        question=f'Send the notification "{title.strip()}": "{body.strip()}" to {reach}, reaching {people} people? '
        "It cannot be recalled once sent.",
        not_done="no message was sent",
        team_ids=wanted,
        team_names=names,
    )


@dataclass(frozen=True, slots=True)
class RoleChange(Preview):
    role: Role = field(default_factory=Role)
    role_id: int = 0


async def role_preview(user_id: int, role: str, ctx: Context) -> RoleChange:
    client = qomon_client(ctx)
    with told(not_found="Qomon's roles could not be read."):
        roles = await client.list_roles()
    target = resolve_role(roles, role)
    role_id = as_int(target.id)
    if role_id is None:
        raise ToolError(f"Qomon gave role {target.name!r} no usable id; pick another role with get_users.")
    with told(not_found=missing("user", user_id)):
        user = await client.get_user(user_id)
    current = user.role_data.name if user.role_data and user.role_data.name else "their current role"
    name = _person(user.firstname, user.surname) or f"user {user_id}"
    return RoleChange(
        question=f"Change the role of {name} (user {user_id}) from {current} to {target.name or role_id}? "
        "Their access rights change at once.",
        not_done=f"the role of user {user_id} was not changed",
        role=target,
        role_id=role_id,
    )


async def bundle_preview(bundle_id: int, ctx: Context) -> Preview:
    with told(not_found=missing("bundle", bundle_id)):
        bundle = await qomon_client(ctx).get_bundle(bundle_id)
    paid = sum(t.amount or 0 for t in bundle.transactions)
    currency = next((t.currency for t in bundle.transactions if t.currency), None)
    payers = sorted({str(t.contact_id) for t in bundle.transactions if t.contact_id is not None})
    parts = [
        f"{len(bundle.transactions)} transaction(s) totalling {money(paid, currency)}",
        f"{len(bundle.donations)} donation(s)",
        f"{len(bundle.memberships)} membership(s)",
    ]
    if payers:
        parts.append(f"paid by contact {', '.join(payers)}")
    return Preview(
        question=f"Delete bundle {bundle_id} ({'; '.join(parts)})? All of it is deleted, and this cannot be undone.",
        not_done=f"bundle {bundle_id} was not deleted",
    )


ContactPreview = Annotated[Preview, Resolve(contact_preview)]
ContactApproval = Annotated[Approved, approval(contact_preview)]
TeamPreview = Annotated[Preview, Resolve(team_preview)]
TeamApproval = Annotated[Approved, approval(team_preview)]
AccessPreview = Annotated[Preview, Resolve(access_preview)]
AccessApproval = Annotated[Approved, approval(access_preview)]
MessagePreview = Annotated[MessagePlan, Resolve(message_preview)]
MessageApproval = Annotated[Approved, approval(message_preview)]
RolePreview = Annotated[RoleChange, Resolve(role_preview)]
RoleApproval = Annotated[Approved, approval(role_preview)]
BundlePreview = Annotated[Preview, Resolve(bundle_preview)]
BundleApproval = Annotated[Approved, approval(bundle_preview)]
