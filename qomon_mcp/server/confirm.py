"""The user's approval before a destructive or irreversible tool acts.

Such a tool takes two resolved parameters (the SDK's `Resolve`), both filled in
before its body runs: a preview, which reads what the call would change and says
it in one question for the user ("Delete the contact Ada Lovelace (id 12)?"),
and an approval, which puts that question to the user. The SDK asks in the way
the connection supports: a 2026-07-28 client gets an `InputRequiredResult` and
retries with the answer; a 2025-11-25 client gets an `elicitation/create`
request mid-call. A client without elicitation cannot ask its user, so the
model must: the call is refused until it comes back with `confirm: true`. The
body runs only once the user has agreed, so a declined, cancelled or
unconfirmed call sends nothing that changes the space.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import AcceptedElicitation, CancelledElicitation, Elicit, ElicitationResult, Resolve
from mcp_types.version import is_version_at_least
from pydantic import BaseModel, Field

__all__ = ["Approval", "Approved", "Confirm", "Preview", "approval", "can_ask_user", "require_approval"]

# The first protocol revision that asks through `InputRequiredResult` rounds rather than mid-call.
_ROUND_TRIP_VERSION = "2026-07-28"


@dataclass(frozen=True, slots=True)
class Preview:
    """What a destructive call would do, as the user is asked about it."""

    question: str  # "Delete the contact Ada Lovelace (id 12)? This cannot be undone."
    not_done: str  # "contact 12 was not deleted", for the model when the user says no


class Approval(BaseModel):
    """The form the user answers: accepting it (box left ticked) lets the call go ahead."""

    confirm: bool = Field(default=True, title="Yes, go ahead", description="Untick, or decline, to stop.")


Approved = ElicitationResult[Approval]

Confirm = Annotated[
    bool,
    Field(
        description="true once the user agreed to the question this tool asked.",
    ),
]


def can_ask_user(ctx: Context) -> bool:
    """Whether the client declared form elicitation (a bare `elicitation: {}` counts, as in the SDK)."""
    try:
        capabilities, version = ctx.client_capabilities, ctx.protocol_version
        back_channel = ctx.session.can_send_request
    except ValueError:  # no request: nobody to ask
        return False
    elicitation = capabilities.elicitation if capabilities is not None else None
    if elicitation is None or (elicitation.form is None and elicitation.url is not None):
        return False
    # Before 2026-07-28 the question is a request sent mid-call, which stateless HTTP cannot carry.
    return back_channel or (version is not None and is_version_at_least(version, _ROUND_TRIP_VERSION))


def approval(preview: Callable[..., Awaitable[Preview]]) -> Resolve:
    """The resolver marker for a tool's approval parameter, asking about what `preview` describes.

    The resolver's parameters are declared in `__annotations__` as objects, since the
    SDK reads them with `get_type_hints` and `preview` is only known here.
    """

    async def ask(ctx: Context, described: Preview, confirm: bool) -> Elicit[Approval] | Approval:
        if can_ask_user(ctx):
            return Elicit(described.question, Approval)
        if confirm:
            return Approval()
        raise ToolError(
            f'Nothing was done yet: show the user "{described.question}" and, once they agree, '
            "call again with confirm=true."
        )

    ask.__annotations__ = {
        "ctx": Context,
        "described": Annotated[Preview, Resolve(preview)],
        "confirm": bool,
        "return": Elicit[Approval] | Approval,
    }
    # The wire key of the question (module:qualname) names the tool's preview.
    ask.__qualname__ = f"approval[{preview.__name__}]"
    return Resolve(ask)


def require_approval(outcome: ElicitationResult[Any], preview: Preview) -> None:
    """Return when the user approved; otherwise refuse, saying nothing was changed."""
    if isinstance(outcome, AcceptedElicitation) and isinstance(outcome.data, Approval) and outcome.data.confirm:
        return
    how = "cancelled" if isinstance(outcome, CancelledElicitation) else "declined"
    raise ToolError(f"The user {how}, so {preview.not_done}; ask them what they would like to do instead.")
