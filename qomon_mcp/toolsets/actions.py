"""Actions: the space's field campaigns (canvassing, calling, events...) and their participation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field, StrictInt

from qomon_mcp.qomon.models import ActionAggregate
from qomon_mcp.server.app import qomon_client
from qomon_mcp.server.explain import missing
from qomon_mcp.server.registry import Toolset
from qomon_mcp.spec.vocabulary import ActionType
from qomon_mcp.toolsets.helpers.arguments import Id

__all__ = ["toolset"]

toolset = Toolset("actions")


class Participation(BaseModel):
    visits: int | None = Field(default=None, description="Doors knocked or calls made.")
    contacts_reached: int | None = None
    visits_declared: int | None = Field(default=None, description="Declared by hand, without a contact.")


class TeamRef(BaseModel):
    id: int | str | None = None
    name: str | None = None


class ActionView(BaseModel):
    id: int | str | None = None
    name: str | None = None
    type: str | None = None
    status: str | None = None
    start: str | None = None
    end: str | None = None
    goal: int | float | None = None
    goal_forms: int | list[int | str] | None = Field(default=None, description="Form answers aimed for.")
    participation: Participation | None = None
    teams: list[TeamRef] = Field(default_factory=list)
    user_count: int | None = None
    created_by: str | None = None
    pitch: str | None = None
    link: str | None = None
    registration_link: str | None = None
    public: bool | None = None


class ActionsResult(BaseModel):
    actions: list[ActionView] = Field(default_factory=list)
    total: int | None = Field(default=None, description="Matching actions.")
    note: str | None = None


def _team(team: Any) -> TeamRef | None:
    if isinstance(team, dict):
        return TeamRef(id=team.get("id"), name=team.get("name"))
    if isinstance(team, int | str) and not isinstance(team, bool):
        return TeamRef(id=team)
    return None


def _number(value: Any) -> int | float | None:
    """The goal as a number; anything else the tolerant model let through is left out."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _goal_forms(value: int | list[Any] | None) -> int | list[int | str] | None:
    """An integer in Qomon's reference; older answers list form ids (see models_contacts.Action)."""
    if isinstance(value, list):
        ids = [v for v in value if isinstance(v, int | str) and not isinstance(v, bool)]
        return ids or None
    return value or None


def _creator(detail: dict[str, Any] | None) -> str | None:
    if not detail:
        return None
    first = detail.get("first_name") or detail.get("firstname")
    last = detail.get("last_name") or detail.get("surname")
    return " ".join(str(p) for p in (first, last) if p) or None


def _view(aggregate: ActionAggregate, detail: bool) -> ActionView | None:
    action = aggregate.action
    if action is None:
        return None
    view = ActionView(
        id=action.id,
        name=action.name,
        type=action.type_data,
        status=action.status,
        start=action.start,
        end=action.end,
        goal=_number(action.goal),
        goal_forms=_goal_forms(action.goal_forms),
        participation=Participation(
            visits=aggregate.nb_visites,
            contacts_reached=aggregate.nb_contacts,
            visits_declared=aggregate.nb_visites_declared,
        ),
        teams=[t for t in map(_team, action.teams) if t is not None],
        user_count=len(action.users),
        created_by=_creator(action.created_by_detail),
    )
    if detail:  # one action asked for by id: what a volunteer would be told
        view.pitch, view.link = action.pitch, action.link
        view.registration_link, view.public = action.registration_link, action.public
    return view


@toolset.tool(title="Get actions", read_only=True, destructive=False, idempotent=True, open_world=False)
async def get_actions(
    ctx: Context,
    type: ActionType | None = None,
    status: Literal["todo", "finished"] | None = None,
    action_id: Annotated[Id | None, Field(description="One action, with pitch and links.")] = None,
    name_contains: Annotated[str | None, Field(min_length=1, max_length=100)] = None,
    limit: Annotated[StrictInt, Field(ge=1, le=100, description="Latest start first.")] = 20,
) -> ActionsResult:
    # GET /actions takes no parameters: Qomon sends every action and they are filtered here.
    aggregates = await qomon_client(ctx).list_actions()
    needle = name_contains.casefold() if name_contains else None
    matched = [
        a
        for a in aggregates
        if a.action is not None
        and (action_id is None or str(a.action.id) == str(action_id))
        and (type is None or a.action.type_data == type)
        and (status is None or a.action.status == status)
        and (needle is None or needle in (a.action.name or "").casefold())
    ]
    if action_id is not None and not any(a.action and str(a.action.id) == str(action_id) for a in aggregates):
        raise ToolError(missing("action", action_id))
    matched.sort(key=lambda a: a.action.start or "" if a.action else "", reverse=True)
    views = [v for v in (_view(a, action_id is not None) for a in matched[:limit]) if v is not None]
    more = len(matched) - len(views)
    note = (
        f"{more} more actions; narrow with type, status or name_contains, or raise limit (up to 100)."
        if more > 0
        else None
        if matched
        else "No action matches these filters."
    )
    return ActionsResult(actions=views, total=len(matched), note=note)
