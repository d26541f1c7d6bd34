"""The user's approval before a destructive or irreversible tool acts.

Such a tool takes two resolved parameters (the SDK's `Resolve`), both filled in
before its body runs: a preview, which reads what the call would change and says
it in one question for the user ("Delete the contact Ada Lovelace (id 12)?"),
and an approval, which puts that question to the user. The SDK asks in the way
the connection supports: a 2026-07-28 client gets an `InputRequiredResult` and
retries with the answer; a 2025-11-25 client gets an `elicitation/create`
request mid-call. A client without elicitation cannot ask its user, so the
model must, and it cannot skip that step: the first call answers with the
question and a confirmation token (`confirm_tokens.py`), and only the same call
repeated with that token goes ahead. The body runs only once the user has
agreed, so a declined, cancelled or unconfirmed call sends nothing that changes
the space.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import AcceptedElicitation, CancelledElicitation, Elicit, ElicitationResult, Resolve
from mcp_types.version import is_version_at_least
from pydantic import BaseModel, Field

from qomon_mcp.server.confirm_tokens import ConfirmationRefused, Confirmations, Proposal
from qomon_mcp.server.sdk_seam import present_signature

__all__ = [
    "Approval",
    "Approved",
    "Confirmation",
    "Preview",
    "approval",
    "bare_confirm",
    "can_ask_user",
    "confirmations_of",
    "require_approval",
]

# The first protocol revision that asks through `InputRequiredResult` rounds rather than mid-call.
_ROUND_TRIP_VERSION = "2026-07-28"


@dataclass(frozen=True, slots=True)
class Preview:
    """What a destructive call would do, as the user is asked about it."""

    question: str  # "Delete the contact Ada Lovelace (id 12)? This cannot be undone."
    not_done: str  # "contact 12 was not deleted", for the model when the user says no
    asks: bool = True  # False when the call would change nothing (a refund already recorded): nothing to ask


class Approval(BaseModel):
    """The form the user answers: accepting it (box left ticked) lets the call go ahead."""

    confirm: bool = Field(default=True, title="Yes, go ahead", description="Untick, or decline, to stop.")


Approved = ElicitationResult[Approval]

# Every destructive tool takes this argument, so its description is one shared short line.
Confirmation = Annotated[
    str | None,
    Field(description="From this tool's question, once the user agreed."),
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


def confirmations_of(ctx: Context) -> Confirmations:
    """The server's token book; a server nobody gave one (stdio, tests) makes its own, with a random key."""
    server = ctx.mcp_server
    book = getattr(server, "confirmations", None)
    if book is None:
        book = Confirmations()
        # QomonServer declares the attribute; a plain MCPServer (tests) takes it all the same.
        server.confirmations = book  # type: ignore[attr-defined]
    return book


def bare_confirm(tool: str) -> str:
    """The refusal of the old `confirm: true`, which let a model approve a call on the user's behalf."""
    return (
        f"{tool} no longer takes confirm: call it without confirm, show the user the question it answers with, "
        "and once they agree call again with the token it gave as confirmation."
    )


def _tool_name(ctx: Context, fallback: str) -> str:
    try:
        params = ctx.request_context.params or {}
    except (ValueError, AttributeError):  # called outside a request
        return fallback
    name = params.get("name")
    return name if isinstance(name, str) else fallback


def _arguments_of(preview: Callable[..., Any]) -> list[str]:
    """The tool arguments a preview reads: the same ones the token is bound to."""
    hints = typing.get_type_hints(preview)
    return [name for name in inspect.signature(preview).parameters if hints.get(name) is not Context]


def approval(preview: Callable[..., Awaitable[Preview]]) -> Resolve:
    """The resolver marker for a tool's approval parameter, asking about what `preview` describes.

    The resolver takes, by name, every tool argument the preview takes (a token is
    bound to their values) and `confirmation`. Its parameters are declared through
    `__signature__` and `__annotations__`, since the SDK reads them with
    `inspect.signature` and `get_type_hints` and they are only known here.
    """
    bound = _arguments_of(preview)

    async def ask(
        ctx: Context, described: Preview, confirmation: str | None, **arguments: Any
    ) -> Elicit[Approval] | Approval:
        if not described.asks:
            return Approval()
        if can_ask_user(ctx):
            # The user answers; a token the model passes is not needed and not looked at.
            return Elicit(described.question, Approval)
        tool = _tool_name(ctx, preview.__name__)
        proposal = Proposal(tool=tool, arguments=arguments, question=described.question)
        book = confirmations_of(ctx)
        if confirmation is None:
            raise ToolError(
                f'Nothing was done yet: show the user "{described.question}" and, only once they agree, '
                f'call {tool} again with the same arguments and confirmation="{book.issue(proposal)}".'
            )
        try:
            book.redeem(confirmation, proposal)
        except ConfirmationRefused as refused:
            why = str(refused)
            raise ToolError(f"Nothing was done: {why[:1].lower()}{why[1:]}") from None
        return Approval()

    parameters = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in ("ctx", "described", "confirmation", *bound)
    ]
    annotations = {
        "ctx": Context,
        "described": Annotated[Preview, Resolve(preview)],
        "confirmation": str | None,
        **dict.fromkeys(bound, Any),
        "return": Elicit[Approval] | Approval,
    }
    present_signature(ask, inspect.Signature(parameters), annotations)
    # The wire key of the question (module:qualname) names the tool's preview.
    ask.__qualname__ = f"approval[{preview.__name__}]"
    return Resolve(ask)


def require_approval(outcome: ElicitationResult[Any], preview: Preview) -> None:
    """Return when the user approved; otherwise refuse, saying nothing was changed."""
    if isinstance(outcome, AcceptedElicitation) and isinstance(outcome.data, Approval) and outcome.data.confirm:
        return
    how = "cancelled" if isinstance(outcome, CancelledElicitation) else "declined"
    raise ToolError(f"The user {how}, so {preview.not_done}; ask them what they would like to do instead.")
