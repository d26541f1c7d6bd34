"""Client errors told to the model: one actionable sentence, never a key and never a raw upstream body.

This is the one path from a Qomon error to the model: tool calls, previews and resources all
go through `told` (or `explain`), and a missing record is said by `missing`, one sentence per kind.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from mcp.server.mcpserver.exceptions import ToolError

from qomon_mcp.qomon import errors

__all__ = ["Missing", "RecordKind", "explain", "missing", "told"]

RecordKind = Literal["contact", "team", "user", "invitation", "bundle", "form", "action"]

# What each kind of record is called, and where the model finds the ids that do exist.
_KINDS: dict[str, tuple[str, str]] = {
    "contact": ("Contact", "find contact ids with search_contacts"),
    "team": ("Team", "list teams with get_teams"),
    "user": ("User", 'list ids with get_users view="users"'),
    "invitation": ("Invitation", 'list ids with get_users view="invitations"'),
    "bundle": ("Bundle", "list bundle ids with get_bundles"),
    "form": ("Form", "list the forms with get_forms and a form_type"),
    "action": ("Action", "list the actions with get_actions and no action_id"),
}


def missing(kind: RecordKind, record_id: object, *, finder: str | None = None) -> str:
    """The sentence for a record Qomon does not have (never created, or deleted since)."""
    what, look = _KINDS[kind]
    return f"{what} {record_id} does not exist in this space (or was deleted); {finder or look}."


@dataclass(frozen=True, slots=True)
class Missing:
    """How a tool says a 404: the kind of record, the argument holding its id, and where to look
    for ids when that is not the kind's usual tool (ChatGPT's toolset has only `search`)."""

    kind: RecordKind
    argument: str
    finder: str | None = None

    def sentence(self, arguments: dict[str, Any]) -> str | None:
        # None when the id was not given: save_contact without contact_id creates, and a 404 there
        # is not about a missing contact.
        record_id = arguments.get(self.argument)
        return None if record_id is None else missing(self.kind, record_id, finder=self.finder)


@contextmanager
def told(*, not_found: str | None = None, paged: bool = False) -> Iterator[None]:
    """Run a block, turning any Qomon error into the one sentence the model reads (a ToolError)."""
    try:
        yield
    except errors.QomonError as error:
        raise ToolError(explain(error, not_found=not_found, paged=paged)) from None


# Qomon's field problems are short machine words ("required", "invalid date"); anything
# else in them is dropped so that no upstream prose is relayed to the model.
_SAFE_PROBLEM = re.compile(r"[\w .,:;'()/<>=+-]{1,80}")


def explain(error: errors.QomonError, *, not_found: str | None = None, paged: bool = False) -> str:
    """What went wrong and what to do next, in one sentence.

    `paged`: the tool takes a page size, so a slow answer may be helped by a smaller page;
    a rate limit never is, and its sentence never says so.
    """
    match error:
        case errors.ReadOnlyError():
            return "This server is read-only, so it cannot change the Qomon space; ask the user to enable writes."
        case errors.RateLimitHeld() | errors.RateLimited():
            return (
                f"Qomon's rate limit is exhausted; wait {_seconds(error.retry_after)} before trying again, "
                "and prefer upsert_contacts for bulk changes."
            )
        case errors.RequestTimeout(slow=False):
            return (
                f"This tool call ran out of time before {error.step} could start (the server's deadline covers "
                "every request of one call); try again, or ask for less in one call."
            )
        case errors.RequestTimeout():
            smaller = ", or ask for a smaller page or fewer records" if paged else ""
            return f"Qomon did not answer in time ({error.step} did not finish); try again in a moment{smaller}."
        case errors.ConnectionFailed():
            return "Qomon could not be reached; check the network and the region setting, then try again."
        case errors.InvalidInput():
            return f"Qomon rejected the request ({_problems(error)}); correct those values and try again."
        case errors.AuthenticationFailed():
            return (
                "Qomon refused the API key; check that the key is valid and belongs to the configured region "
                "(eu or us)."
            )
        case errors.PermissionDenied():
            return (
                "This Qomon space does not allow that call (for fundraising tools, the space needs the "
                "fundraising add-on); ask a space administrator."
            )
        case errors.NotFound():
            return not_found or "Qomon has no record with that id; look the id up with the matching list tool."
        case errors.ServerError():
            return f"Qomon failed with a server error (HTTP {error.status}); try again in a moment."
        case errors.MalformedResponse():
            return "Qomon sent an answer that could not be read; try again in a moment."
        case _:
            return "The call to Qomon failed; try again in a moment."


def _seconds(wait: float) -> str:
    whole = max(math.ceil(wait), 1)
    return f"{whole} second" if whole == 1 else f"{whole} seconds"


def _problems(error: errors.InvalidInput) -> str:
    shown = [
        f"{field}: {problem}"
        for field, problem in error.problems.items()
        if _SAFE_PROBLEM.fullmatch(field) and _SAFE_PROBLEM.fullmatch(problem)
    ]
    return "; ".join(shown[:5]) if shown else f"HTTP {error.status}"
