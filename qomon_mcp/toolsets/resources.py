"""Resources: reference data and records of the caller's own space, read as compact JSON.

Each resource reads through the same code as the matching tool (get_forms,
get_fundraising_reference, get_contact, get_actions), with the caller's client,
so a resource and a tool never disagree. A resource belongs to a toolset, and a
connection that does not enable it cannot read it. Failures are one sentence,
as for tools.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ToolError

from qomon_mcp.server.explain import missing, told
from qomon_mcp.server.shaping import dumps, shaped
from qomon_mcp.spec.search_attributes import ATTRIBUTES, FORM_ATTRIBUTES, OPERATORS, VALUE_KINDS
from qomon_mcp.spec.vocabulary import FORM_TYPES

if TYPE_CHECKING:
    from qomon_mcp.server.app import QomonServer

__all__ = ["register_resources", "search_reference"]

_JSON = "application/json"


def search_reference() -> dict[str, Any]:
    """The search language's attributes, what each means, the value and the operators each takes."""
    return {
        "operators": OPERATORS,
        "values": VALUE_KINDS,
        "attributes": [
            {"attr": a.name, "meaning": a.meaning, "family": a.family, "value": a.kind, "operators": list(a.operators)}
            for a in ATTRIBUTES.values()
        ],
        "note": (
            f"{' and '.join(sorted(FORM_ATTRIBUTES))} conditions also take form_id and form_ref_ids "
            "(see qomon://forms/{type}); amounts are euro strings, dates ISO-8601 or date math (now-30d/d). "
            "In an all group, conditions on one family (donations, memberships...) hold on the same record; "
            "sum_amount and count_amount are a contact's totals."
        ),
    }


def _record_id(value: str, what: str, example: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ResourceError(f"{what} ids are positive whole numbers, as in {example}.")
    return int(value)


def register_resources(server: QomonServer) -> None:
    # The tool functions are imported inside each handler: loading the toolsets waits for a first use.
    async def read(toolset: str, produce: Callable[[], Awaitable[Any]], not_found: str | None = None) -> str:
        if toolset not in server.access().toolsets:
            raise ResourceError(f"This connection does not enable the {toolset} toolset, so it cannot read this.")
        try:
            with told(not_found=not_found):
                value = await produce()
        except ToolError as error:
            # The tool's own sentence, or told's: a resource read fails with the words a tool call would.
            raise ResourceError(str(error)) from None
        return dumps(shaped(value))

    @server.toolset_resource(
        "qomon://forms/{type}",
        "forms",
        name="forms",
        title="Forms of one type",
        description=f"The space's forms of one type ({', '.join(FORM_TYPES)}) with their ids and values.",
        mime_type=_JSON,
    )
    async def forms(type: str, ctx: Context) -> str:
        if type not in FORM_TYPES:
            raise ResourceError(f"Unknown form type {type!r}; use one of: {', '.join(FORM_TYPES)}.")
        from qomon_mcp.toolsets.forms import get_forms

        return await read("forms", lambda: get_forms(ctx, form_type=type))

    @server.toolset_resource(
        "qomon://search/attributes",
        "search",
        name="search-attributes",
        title="Search attribute reference",
        description="Every search attribute, its meaning, the value it takes and its operators.",
        mime_type=_JSON,
    )
    async def attributes() -> str:
        return await read("search", lambda: _ready(search_reference()))

    @server.toolset_resource(
        "qomon://fundraising/reference",
        "fundraising",
        name="fundraising-reference",
        title="Fundraising reference data",
        description="Payment methods, statuses, campaign codes, membership and donation prices of the space.",
        mime_type=_JSON,
    )
    async def fundraising() -> str:
        # A static resource gets no Context from the SDK; the server alone finds the caller's client.
        from qomon_mcp.toolsets.fundraising import get_fundraising_reference

        return await read("fundraising", lambda: get_fundraising_reference(Context(mcp_server=server)))

    @server.toolset_resource(
        "qomon://contacts/{id}",
        "contacts",
        name="contact",
        title="A contact",
        description="One contact by id, with its advanced fields decoded.",
        mime_type=_JSON,
    )
    async def contact(id: str, ctx: Context) -> str:
        contact_id = _record_id(id, "Contact", "qomon://contacts/48213")
        gone = missing("contact", contact_id)
        from qomon_mcp.toolsets.contacts import get_contact

        return await read("contacts", lambda: get_contact(contact_id, ctx), not_found=gone)

    @server.toolset_resource(
        "qomon://actions/{id}",
        "actions",
        name="action",
        title="An action",
        description="One action by id: status, dates, goal, teams, participation, pitch and links.",
        mime_type=_JSON,
    )
    async def action(id: str, ctx: Context) -> str:
        action_id = _record_id(id, "Action", "qomon://actions/3107")

        async def one() -> Any:
            from qomon_mcp.toolsets.actions import get_actions

            return (await get_actions(ctx, action_id=action_id)).actions[0]

        return await read("actions", one)


async def _ready(value: Any) -> Any:
    return value
