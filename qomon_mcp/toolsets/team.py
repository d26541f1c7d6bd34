"""The team toolset: users, roles, invitations, teams and the global message."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, StrictInt

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.errors import InvalidInput, NotFound, QomonError
from qomon_mcp.server.app import qomon_client
from qomon_mcp.server.confirm import Confirmation, require_approval
from qomon_mcp.server.explain import Missing, missing
from qomon_mcp.server.quoting import shortened
from qomon_mcp.server.registry import Toolset
from qomon_mcp.toolsets.helpers.arguments import Id, Offset
from qomon_mcp.toolsets.helpers.contact_writes import AddressInput
from qomon_mcp.toolsets.helpers.previews import (
    AccessApproval,
    AccessPreview,
    MessageApproval,
    MessagePreview,
    RoleApproval,
    RolePreview,
    TeamApproval,
    TeamPreview,
)
from qomon_mcp.toolsets.helpers.team_address import merged_address
from qomon_mcp.toolsets.helpers.team_views import (
    EMAIL_PATTERN,
    Changed,
    Deleted,
    Invited,
    Invitee,
    InviteResult,
    MessageSent,
    Revoked,
    RoleChanged,
    RoleRef,
    TeamsResult,
    UsersResult,
    failures,
    invitation_payload,
    invitation_view,
    member_ids,
    more_note,
    outcomes,
    parsed_list,
    replaceable,
    resolves,
    role_type,
    role_view,
    roles_listing,
    team_view,
    user_view,
)
from qomon_mcp.toolsets.helpers.uncertain import (
    RECORDS,
    answer_lost,
    find_invitations,
    find_team,
    gone,
    settle,
    unverifiable,
)

__all__ = ["toolset"]

toolset = Toolset("team")

# A page of people or teams the model can read at once; the rest is one `offset` away.
PAGE_CAP = 100

UserId = Annotated[Id, Field(description="From get_users.")]
TeamId = Annotated[Id, Field(description="From get_teams.")]
# Tuples with an empty default keep these optional lists free of anyOf-null in the schema.
UserIds = Annotated[tuple[Id, ...], Field(max_length=500)]
RoleType = Literal["superadmin", "admin", "manager", "user", "custom"]


# get_users


@toolset.tool(
    title="Get users, roles or invitations",
    read_only=True,
    destructive=False,
    idempotent=True,
    open_world=False,
    not_found=Missing("user", "user_id"),
)
async def get_users(
    ctx: Context,
    view: Literal["users", "roles", "invitations"] = "users",
    user_id: Annotated[Id | None, Field(description="One user.")] = None,
    role: RoleType | None = None,
    limit: Annotated[StrictInt, Field(ge=1, le=200)] = 50,
    offset: Offset = 0,  # the result's note names the next offset
    order: Literal["a-z", "z-a"] = "a-z",  # by surname, then first name
) -> UsersResult:
    if view != "users" and (user_id is not None or role is not None or order != "a-z"):
        raise ToolError(f'user_id, role and order apply to view="users" only; leave them out for view="{view}".')
    client = qomon_client(ctx)
    if view == "roles":
        roles = await client.list_roles()
        return UsersResult(roles=[role_view(r) for r in roles], total=len(roles))
    if view == "invitations":
        invitations = await client.list_invitations()
        shown = invitations[offset : offset + limit]
        return UsersResult(
            invitations=[invitation_view(i) for i in shown],
            total=len(invitations),
            note=more_note("invitations", offset + len(shown), len(invitations)),
        )
    if user_id is not None:
        return UsersResult(user=user_view(await client.get_user(user_id), detailed=True))
    # Qomon sorts users only by name, ascending or descending.
    page = await client.list_users(limit=limit, offset=offset, ascending=order == "a-z")
    shown_to = offset + len(page.users)
    # Qomon has no role filter, so it applies to this page only; the note keeps the paging handle.
    users = [u for u in page.users if role is None or user_view(u).role_type == role]
    total = page.count
    if total is None and len(page.users) == limit:
        note: str | None = f"There may be more users; use offset={shown_to}."
    else:
        note = more_note("users", shown_to, total)
    if role is not None and note:
        note = f"Role filter applied to this page only. {note}"
    return UsersResult(users=[user_view(u) for u in users], total=total, note=note)


# update_user


@toolset.tool(
    title="Update a user",
    read_only=False,
    destructive=False,
    idempotent=True,
    open_world=False,
    not_found=Missing("user", "user_id"),
)
async def update_user(
    user_id: UserId,
    ctx: Context,
    firstname: str | None = None,
    surname: str | None = None,
    mail: Annotated[str | None, Field(pattern=EMAIL_PATTERN, max_length=254)] = None,
    phone: str | None = None,
    address: Annotated[str | None, Field(description="Street, one line.")] = None,
    city: str | None = None,
    postal: str | None = None,
    birthdate: Annotated[str | None, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
) -> Changed:
    given = dict(firstname=firstname, surname=surname, mail=mail, phone=phone, address=address)
    given |= dict(city=city, postal=postal, birthdate=birthdate)
    wanted = {k: v for k, v in given.items() if v is not None}
    if not wanted:
        raise ToolError("Nothing to update; pass at least one field to change, e.g. phone or city.")
    client = qomon_client(ctx)
    user = await client.get_user(user_id)
    current = user.model_dump()
    changed = [k for k, v in wanted.items() if v != current.get(k)]
    if not changed:
        return Changed(id=user_id, note="Nothing changed: the user already has these values.")
    # Qomon requires `mail` on every update, so the current one goes along when it is not changing.
    try:
        await client.update_user(user_id, {"mail": user.mail, **{k: wanted[k] for k in changed}})
    except QomonError as error:

        async def in_place() -> bool | None:
            now = (await client.get_user(user_id)).model_dump()
            return all(now.get(k) == wanted[k] for k in changed) or None

        await settle(error, RECORDS["user"], "change", in_place, how="a re-read", look=f"user {user_id}")
        return Changed(id=user_id, changed=changed, note=RECORDS["user"].done("change", "a re-read", error))
    return Changed(id=user_id, changed=changed)


# change_user_role


@toolset.tool(
    title="Change a user's role",
    read_only=False,
    # Demoting someone takes their access rights away at once.
    destructive=True,
    idempotent=True,
    open_world=False,
    not_found=Missing("user", "user_id"),
)
async def change_user_role(
    user_id: UserId,
    role: RoleRef,
    ctx: Context,
    change: RolePreview,
    approved: RoleApproval,
    confirmation: Confirmation = None,
) -> RoleChanged:
    require_approval(approved, change)
    client = qomon_client(ctx)
    try:
        await client.change_user_role(user_id, change.role_id)
    except QomonError as error:

        async def in_place() -> bool | None:
            user = await client.get_user(user_id)
            roles = [user.role_data, user.role]
            return any(str(getattr(r, "id", None)) == str(change.role_id) for r in roles) or None

        # Confirmed by the re-read, the result below is what the user now has.
        await settle(error, RECORDS["user"], "change", in_place, how="a re-read", look=f"the role of user {user_id}")
    return RoleChanged(user_id=user_id, role=change.role.name, role_id=change.role.id, role_type=change.role.type)


# invite_users


@toolset.tool(
    title="Invite users by email",
    read_only=False,
    destructive=False,
    idempotent=False,
    # Qomon emails each invitee: people outside the space are reached.
    open_world=True,
)
async def invite_users(
    invitations: Annotated[list[Invitee], Field(min_length=1, max_length=50)],
    ctx: Context,
) -> InviteResult:
    emails = [i.email.strip().casefold() for i in invitations]
    twice = next((e for n, e in enumerate(emails) if e in emails[:n]), None)
    if twice is not None:
        raise ToolError(f"{shortened(twice)} is listed twice; invite each address once.")
    client = qomon_client(ctx)
    roles = await client.list_roles()
    unknown = [i.role for i in invitations if i.role is not None and not resolves(roles, i.role)]
    if unknown:
        names = ", ".join(repr(r) for r in dict.fromkeys(unknown))
        raise ToolError(f"Unknown or ambiguous role {names}; valid roles: {roles_listing(roles)}.")
    payload = [invitation_payload(i, roles) for i in invitations]
    sent = [p["email"] for p in payload]
    try:
        answer = await client.invite_users(payload)
    except QomonError as error:
        if not isinstance(error, InvalidInput):
            return await _invitations_after(client, error, sent)
        failed = failures(parsed_list(error.problems.get("errors")), sent)
        reasons = "; ".join(f"{f.email}: {f.reason}" for f in failed[:5]) or "no reason given"
        raise ToolError(
            f"Qomon accepted none of the invitations ({reasons}); check get_users for existing users and invitations."
        ) from None
    return InviteResult(
        invited=[Invited(id=i.id, email=i.email, role=role_type(i.role)) for i in answer.invitations],
        added=outcomes(answer.raw, sent, "added"),
        already_members=outcomes(answer.raw, sent, "member"),
        failed=failures(answer.failed, sent),
        note='Invitations are sent asynchronously; check them with get_users view="invitations".',
    )


# revoke_access


@toolset.tool(
    title="Remove a user or cancel an invitation",
    read_only=False,
    destructive=True,
    idempotent=True,
    open_world=False,
)
async def revoke_access(
    ctx: Context,
    target: AccessPreview,
    approved: AccessApproval,
    user_id: Id | None = None,
    invitation_id: Id | None = None,
    confirmation: Confirmation = None,
) -> Revoked:
    require_approval(approved, target)
    client = qomon_client(ctx)
    try:
        if user_id is not None:
            try:
                await client.delete_user(user_id)
            except QomonError as error:
                await settle(
                    error, RECORDS["user"], "delete", lambda: gone(lambda: client.get_user(user_id)),
                    how="a re-read", look=f"user {user_id}",
                )  # fmt: skip
            return Revoked(removed="user", id=user_id)
        assert invitation_id is not None
        try:
            await client.delete_invitation(invitation_id)
        except QomonError as error:

            async def cancelled() -> bool | None:
                return all(str(i.id) != str(invitation_id) for i in await client.list_invitations()) or None

            await settle(
                error, RECORDS["invitation"], "delete", cancelled, how="the list of invitations",
                look=f"invitation {invitation_id}",
            )  # fmt: skip
        return Revoked(removed="invitation", id=invitation_id)
    except NotFound:
        absent = missing("user", user_id) if user_id is not None else missing("invitation", invitation_id)
        raise ToolError(absent) from None


# get_teams


@toolset.tool(
    title="Get teams",
    read_only=True,
    destructive=False,
    idempotent=True,
    open_world=False,
    not_found=Missing("team", "team_id"),
)
async def get_teams(
    ctx: Context,
    team_id: Annotated[Id | None, Field(description="One team, with its members.")] = None,
    user_id: Annotated[Id | None, Field(description="This user's teams.")] = None,
    public_only: bool = False,
    offset: Annotated[Offset, Field(description="Teams to skip (members, with team_id).")] = 0,
) -> TeamsResult:
    if team_id is not None and (user_id is not None or public_only):
        raise ToolError("team_id reads one team; leave user_id and public_only out, or leave team_id out to list.")
    if user_id is not None and public_only:
        raise ToolError("Qomon cannot filter public teams by user; pass either user_id or public_only.")
    client = qomon_client(ctx)
    if team_id is not None:
        team = await client.get_team(team_id)
        shown = slice(offset, offset + PAGE_CAP)
        note = more_note("members", min(offset + PAGE_CAP, len(team.users)), len(team.users))
        return TeamsResult(team=team_view(team, members=shown), note=note)
    teams = await client.list_public_teams() if public_only else await client.list_teams(user_id)
    page = teams[offset : offset + PAGE_CAP]
    return TeamsResult(
        teams=[team_view(t) for t in page],
        total=len(teams),
        note=more_note("teams", offset + len(page), len(teams)),
    )


# save_team, delete_team


Description = Annotated[str | None, Field(max_length=2000)]
# The same parts as a contact's address: Qomon stores a team's address as an Address object.
TeamAddress = Annotated[AddressInput | None, Field(description="Where it meets; only the parts given change.")]


@toolset.tool(
    title="Create or update a team",
    read_only=False,
    # An update is undone by another one, and what it does not name is kept.
    destructive=False,
    # Without team_id every call creates a new team.
    idempotent=False,
    open_world=False,
    not_found=Missing("team", "team_id"),
)
async def save_team(
    ctx: Context,
    team_id: Annotated[Id | None, Field(description="The team to change; omit to create one.")] = None,
    name: Annotated[str | None, Field(min_length=1, max_length=120)] = None,
    description: Description = None,
    private: Annotated[bool | None, Field(description="Visible to members and superadmins only.")] = None,
    hide_users: bool | None = None,
    add_member_ids: UserIds = (),
    remove_member_ids: UserIds = (),
    add_leader_ids: UserIds = (),
    remove_leader_ids: UserIds = (),
    address: TeamAddress = None,
) -> Changed:
    given = dict(name=name, description=description, private=private, hide_users=hide_users)
    fields = {k: v for k, v in given.items() if v is not None}
    parts: dict[str, str] = address.model_dump(exclude_none=True) if address is not None else {}
    adds = {"users": list(add_member_ids), "leaders": list(add_leader_ids)}
    removes = {"users": set(remove_member_ids), "leaders": set(remove_leader_ids)}
    if name is not None and not name.strip():
        raise ToolError("The team name must not be blank; give a name, or leave it out to keep the current one.")
    if name is not None:
        fields["name"] = name.strip()
    client = qomon_client(ctx)
    if team_id is None:
        if any(removes.values()):
            raise ToolError("remove_member_ids and remove_leader_ids apply to an existing team; give its team_id.")
        if name is None:
            raise ToolError("A new team needs a name; give name, or team_id to change an existing team.")
        new_address = {k: v.strip() for k, v in parts.items() if v.strip()}
        return await _create_team(client, fields | ({"address": new_address} if new_address else {}), adds)
    if not fields and not parts and not any(adds.values()) and not any(removes.values()):
        raise ToolError("Nothing to update; pass at least one field to change, e.g. description or add_member_ids.")
    for key, label in (("users", "member"), ("leaders", "leader")):
        both = set(adds[key]) & removes[key]
        if both:
            raise ToolError(f"Ids {sorted(both)} are both added and removed as {label}s; pass each id once.")
    current = await client.get_team(team_id)
    missing = {"users", "leaders"} - current.model_fields_set
    if missing:
        # Sending the team back without them would empty them: a full replace resets what is left out.
        raise ToolError(
            f"Qomon did not return the team's {' and '.join(sorted(missing))}, so an update could erase them; "
            "change this team in the Qomon app instead."
        )
    # PATCH /teams is a full replace: start from the whole current team so nothing unnamed is reset.
    team = replaceable(current)
    changed = [k for k, v in fields.items() if team.get(k) != v]
    team.update(fields)
    # The address is merged part by part into the Address object the team has.
    team["address"], address_changed = merged_address(team.get("address"), parts)
    changed += address_changed
    if team["address"] is None:
        del team["address"]
    # Qomon's reference: a team's leaders are among its users, so a new leader joins as a member too.
    adds["users"] += adds["leaders"]
    for key, label in (("users", "members"), ("leaders", "leaders")):
        before = member_ids(getattr(current, key))
        after = [i for i in dict.fromkeys(before + adds[key]) if i not in removes[key]]
        if after != before:
            changed.append(label)
        team[key] = [{"id": i} for i in after]
    leading = [i["id"] for i in team["leaders"] if i["id"] in removes["users"]]
    if leading:
        raise ToolError(f"A leader must stay a member: also pass {leading} in remove_leader_ids, or keep them.")
    if not changed:
        return Changed(id=team_id, note="Nothing changed: the team already is as asked.")
    try:
        await client.replace_team(team)
    except QomonError as error:

        async def in_place() -> bool | None:
            now = await client.get_team(team_id)
            same = all(getattr(now, k, None) == v for k, v in fields.items())
            members = all(member_ids(getattr(now, k)) == [i["id"] for i in team[k]] for k in ("users", "leaders"))
            return (same and members) or None

        await settle(error, RECORDS["team"], "change", in_place, how="a re-read", look=f"team {team_id}")
        return Changed(id=team_id, changed=changed, note=RECORDS["team"].done("change", "a re-read", error))
    return Changed(id=team_id, changed=changed)


async def _create_team(client: QomonClient, fields: dict[str, Any], adds: dict[str, list[int]]) -> Changed:
    team: dict[str, Any] = {"private": False, "hide_users": False, **fields}
    # Qomon's reference: the leaders must be among the users.
    team["users"] = [{"id": i} for i in dict.fromkeys(adds["users"] + adds["leaders"])]
    team["leaders"] = [{"id": i} for i in dict.fromkeys(adds["leaders"])]
    try:
        created = await client.create_team(team)
    except QomonError as error:
        how = "a look-up of the teams by name"
        created = await settle(
            error, RECORDS["team"], "create", lambda: find_team(client, team["name"]), how=how, look="look for its name"
        )
        found = f"Team {created.name!r} ({created.id})."
        return Changed(id=created.id, note=f"{RECORDS['team'].done('create', how, error)} {found}")
    return Changed(id=created.id, note=f"Created team {created.name!r} ({created.id}).")


@toolset.tool(
    title="Delete a team",
    read_only=False,
    destructive=True,
    idempotent=True,
    open_world=False,
    not_found=Missing("team", "team_id"),
)
async def delete_team(
    team_id: TeamId, ctx: Context, target: TeamPreview, approved: TeamApproval, confirmation: Confirmation = None
) -> Deleted:
    require_approval(approved, target)
    client = qomon_client(ctx)
    try:
        await client.delete_team(team_id)
    except QomonError as error:
        # Confirmed by a 404 on re-read, the team is gone: the result below says so.
        check = lambda: gone(lambda: client.get_team(team_id))  # noqa: E731
        await settle(error, RECORDS["team"], "delete", check, how="a re-read", look=f"team {team_id}")
    return Deleted(id=team_id, deleted=True)


# send_global_message


@toolset.tool(
    title="Send a message to teams",
    read_only=False,
    # A push notification cannot be recalled once members have it: irreversible, hence destructive.
    destructive=True,
    idempotent=False,
    open_world=True,
)
async def send_global_message(
    title: Annotated[str, Field(min_length=1, max_length=120)],
    body: Annotated[str, Field(min_length=1, max_length=2000)],
    team_ids: Annotated[list[Id], Field(min_length=1, max_length=50)],
    ctx: Context,
    plan: MessagePreview,
    approved: MessageApproval,
    confirmation: Confirmation = None,
) -> MessageSent:
    require_approval(approved, plan)
    try:
        accepted = await qomon_client(ctx).send_global_message(title.strip(), body.strip(), plan.team_ids)
    except QomonError as error:
        if not answer_lost(error):
            raise
        # Qomon keeps no trace of a sent message that the API could read: nothing to check.
        raise unverifiable(
            error,
            "the message may have been sent to the members of these teams",
            "do not resend it, ask a member of one of the teams whether it arrived.",
        ) from None
    if not accepted:
        raise ToolError("Qomon did not accept the message; try again in a moment.")
    return MessageSent(
        team_count=len(plan.team_ids),
        teams=plan.team_names,
        note="Sent as a notification to the members of these teams.",
    )


async def _invitations_after(client: QomonClient, error: QomonError, sent: list[str]) -> InviteResult:
    """After an invitation call whose answer was lost: the invitations the space now has."""
    how = "the list of invitations"
    found = await settle(
        error, RECORDS["invitation"], "create", lambda: find_invitations(client, sent), how=how,
        look="the addresses sent",
    )  # fmt: skip
    invited = {(i.email or "").casefold() for i in found}
    missing = [e for e in sent if e.casefold() not in invited]
    note = RECORDS["invitation"].done("create", how, error)
    if missing:
        note += (
            f" No invitation is pending for {len(missing)} of the addresses (already users, or not invited): "
            "check them with get_users before inviting them again."
        )
    return InviteResult(invited=[Invited(id=i.id, email=i.email, role=role_type(i.role)) for i in found], note=note)
