"""Writes whose answer never arrived: what may have happened, checked where Qomon's data allows.

A write can reach Qomon and be processed while its answer is lost (a dropped
connection, a timeout, a 5xx sent after the work was done). Sending it again
could do it twice, so no write tool ever does, and no error then says "try
again". Instead the tool calls `settle` with a check that reads the space:

- a creation looks for the record it made (a team by name, a contact by mail or
  name, a bundle by its transactions): found, the call reports it as done, with a
  note saying how it was found; not found, it says the check found no such record
  and to look again before creating it;
- an update re-reads the record and compares it with what was sent;
- a delete re-reads the record: gone (404) means done, and so does a 404 answered
  to the delete itself (the preview had just read the record);
- what cannot be checked (a global message, an upsert queued for later) says it
  may have happened and must not be sent again blindly.

When the check itself fails, the answer says the write may have happened and
names the tool that shows it. Every sentence for a kind of record is in `RECORDS`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx2
from mcp.server.mcpserver.exceptions import ToolError

from qomon_mcp.qomon import errors
from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.models import Bundle, Contact, Invitation, Team
from qomon_mcp.toolsets.helpers.fundraising_items import complete_item

__all__ = [
    "RECORDS",
    "Record",
    "answer_lost",
    "bundle_holds",
    "cause",
    "contact_matches",
    "find_bundle",
    "find_contact",
    "find_invitations",
    "find_team",
    "gone",
    "settle",
    "unverifiable",
]

T = TypeVar("T")
Action = Literal["create", "change", "delete"]

# These never carried the request to Qomon: nothing can have been processed.
_NEVER_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)
# The newest bundles looked at when searching for one whose answer was lost.
_RECENT_BUNDLES = 50

_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T")
_PAST: dict[str, str] = {"create": "created", "change": "changed", "delete": "deleted"}


def answer_lost(error: errors.QomonError) -> bool:
    """Whether a write that failed with `error` may nevertheless have been processed by Qomon.

    A refusal (4xx, a 429, the read-only guard) changed nothing; a connection that was
    never made carried nothing. A timeout, a broken connection, a 5xx or an unreadable
    success may all come after the work was done.
    """
    if isinstance(error, errors.TransportError):
        # A timeout that is not `slow` ran out before anything was sent (the deadline, the pacing).
        return getattr(error, "slow", True) and not isinstance(error.__cause__, _NEVER_SENT)
    return isinstance(error, errors.ServerError | errors.MalformedResponse)


def cause(error: errors.QomonError) -> str:
    """What kept the outcome of a write unknown, as the start of a sentence."""
    if isinstance(error, errors.ServerError):
        return f"Qomon failed (HTTP {error.status}) without saying whether the write was done"
    if isinstance(error, errors.MalformedResponse):
        return "Qomon's answer to the write could not be read"
    if isinstance(error, errors.RequestTimeout):
        return "Qomon's answer did not come in time"
    return "Qomon's answer was lost"


@dataclass(frozen=True, slots=True)
class Record:
    """One kind of record, and the sentences about a write to it whose answer was lost."""

    name: str  # "team"
    tool: str  # the read tool that shows it: "get_teams"

    def done(self, action: Action, how: str, error: errors.QomonError) -> str:
        """The note of a result whose write was confirmed by reading the space."""
        verb = _PAST[action]
        return f"{cause(error)}, but {how} shows the {self.name} was {verb}; it was not sent again."

    def not_done(self, action: Action, how: str, error: errors.QomonError) -> str:
        verb = _PAST[action]
        again = {
            "create": "create it only if it is still missing",
            "change": "send the change only if it is still missing",
            "delete": "delete it only if it is still there",
        }[action]
        return f"{cause(error)}; {how} shows the {self.name} was not {verb}; check with {self.tool}, then {again}."

    def unknown(self, action: Action, look: str, error: errors.QomonError) -> str:
        verb = _PAST[action]
        return (
            f"{cause(error)}, so the {self.name} may or may not have been {verb}; it was not sent again: "
            f"check with {self.tool} ({look}) before doing it again."
        )


RECORDS = {
    "contact": Record("contact", "search_contacts"),
    "contact by id": Record("contact", "get_contact"),
    "team": Record("team", "get_teams"),
    "user": Record("user", "get_users"),
    "invitation": Record("invitation", 'get_users view="invitations"'),
    "bundle": Record("payment", "get_bundles"),
}


async def settle(
    error: errors.QomonError,
    record: Record,
    action: Action,
    check: Callable[[], Awaitable[T | None]],
    *,
    how: str,
    look: str,
) -> T:
    """After `error` on a write: re-raise a plain refusal, else read the space with `check`.

    `check` returns what shows the write happened (the created record, True for a change
    in place, the invitations found), or None (or empty) when the space shows it did not.
    Found, it is returned and the caller reports the write as done with `record.done`; otherwise a
    ToolError says what may have happened. `how` names the check ("a search by mail"),
    `look` what to look for when the model checks itself ("the team named 'Dup'").
    """
    if action == "delete" and isinstance(error, errors.NotFound):
        # The record was read just before (the confirmation's preview): a 404 now means it is gone,
        # typically because a first attempt whose answer was lost did delete it.
        # A delete's check answers True or None, so T is bool here; a TypeVar cannot say so.
        return True  # type: ignore[return-value]
    if not answer_lost(error):
        raise error
    try:
        found = await check()
    except errors.QomonError:
        raise ToolError(record.unknown(action, look, error)) from None
    if not found:  # None, False or an empty list: the space shows no trace of the write
        raise ToolError(record.not_done(action, how, error))
    return found


def unverifiable(error: errors.QomonError, what: str, advice: str) -> ToolError:
    """The error of a write that cannot be checked (a message, a queued upsert)."""
    return ToolError(f"{cause(error)}, so {what}; it was not sent again: {advice}")


async def gone(read: Callable[[], Awaitable[Any]]) -> bool | None:
    """For a delete: True when `read` answers 404 (the record is gone), None while it still exists."""
    try:
        await read()
    except errors.NotFound:
        return True
    return None


# Lookups of a record created by a write whose answer was lost. Each picks the newest
# match (ids grow), since a record with the same values may have existed before.


async def find_team(client: QomonClient, name: str) -> Team | None:
    teams = [t for t in await client.list_teams() if (t.name or "").strip() == name.strip()]
    return max(teams, key=lambda t: int(t.id or 0), default=None)


async def find_contact(client: QomonClient, fields: dict[str, Any]) -> Contact | None:
    """The newest contact with the mail in `fields`, else with its first name and surname."""
    if fields.get("mail"):
        wanted = {"mail": fields["mail"]}
    else:
        wanted = {k: fields[k] for k in ("firstname", "surname", "phone", "mobile") if fields.get(k)}
    if not wanted:
        return None
    # Mail is compared with the case-sensitive operator (its only equality), the others with `eql`.
    conditions = [
        {"$condition": {"attr": attr, "ope": "eql:strictdata" if attr == "mail" else "eql", "value": value}}
        for attr, value in wanted.items()
    ]
    found = await client.search_contacts({"$all": [{"$all": conditions}]}, per_page=100)
    # Every identifying field given must match, so that an older contact sharing the mail is not taken for it.
    given = {k: fields[k] for k in ("mail", "firstname", "surname", "phone", "mobile") if fields.get(k)}
    matching = [c for c in found if all(str(getattr(c, k, "") or "") == str(v) for k, v in given.items())]
    return max(matching, key=lambda c: int(c.id or 0), default=None)


def _day(value: Any) -> str:
    return str(value or "")[:10]


def _value(value: Any) -> str:
    """An answer's value as compared: a date-time by its day (Qomon may re-spell the time)."""
    text = str(value if value is not None else "")
    return text[:10] if _DATE_TIME.match(text) else text


async def find_bundle(client: QomonClient, transactions: list[dict[str, Any]]) -> Bundle | None:
    """The newest recent bundle whose transactions have the same payers, amounts and days."""

    def key(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
        return sorted((str(t.get("contact_id")), str(t.get("amount")), _day(t.get("date"))) for t in items)

    wanted = key(transactions)
    page = await client.list_bundles(limit=_RECENT_BUNDLES)
    for bundle in page.bundles:  # newest first
        if key([t.model_dump() for t in bundle.transactions]) == wanted:
            return bundle
    return None


async def find_invitations(client: QomonClient, emails: list[str]) -> list[Invitation]:
    """The pending invitations to `emails` (compared without case)."""
    wanted = {e.casefold() for e in emails}
    return [i for i in await client.list_invitations() if (i.email or "").casefold() in wanted]


_NOT_SCALAR = frozenset({"address", "tags", "formdatas", "custom_fields", "notes", "actions_ids"})
# Recomputed by Qomon from the address (a full replace gives it a new id), so never compared.
_GEOCODED = frozenset({"id", "latitude", "longitude", "score", "location", "invalid"})


def contact_matches(now: dict[str, Any], sent: dict[str, Any]) -> bool:
    """Whether a contact re-read in the write shape (`now`) holds what a full replace `sent`.

    Fields, tag names, address parts and answers are compared; a date-time by its day only."""
    scalars = (set(now) | set(sent)) - _NOT_SCALAR
    if any(_value(now.get(k)) != _value(sent.get(k)) for k in scalars):
        return False

    def tags(record: dict[str, Any]) -> set[str]:
        return {str(t.get("name", "")).casefold() for t in record.get("tags") or []}

    def address(record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in (record.get("address") or {}).items() if k not in _GEOCODED and v not in (None, "")}

    def answers(record: dict[str, Any]) -> list[tuple[str, str, str]]:
        given = [*(record.get("formdatas") or []), *(record.get("custom_fields") or [])]
        return sorted((str(a.get("form_id")), str(a.get("form_ref_id")), _value(a.get("data"))) for a in given)

    return tags(now) == tags(sent) and address(now) == address(sent) and answers(now) == answers(sent)


def bundle_holds(now: Bundle, sent: dict[str, list[dict[str, Any]]], before: Bundle | None) -> bool:
    """Whether a bundle re-read (`now`) holds what a PATCH `sent`: each item sent with an id has
    the values sent (dates aside: Qomon may re-spell them), and each array grew by the items
    sent without one (counted against `before`, the bundle read before the PATCH)."""
    for array, items in sent.items():
        current = [complete_item(array, item) for item in getattr(now, array)]
        by_id = {str(item.get("id")): item for item in current}
        for item in items:
            if item.get("id") is None:
                continue
            there = by_id.get(str(item["id"]))
            if there is None:
                return False
            compared = {k: v for k, v in item.items() if "date" not in k and not isinstance(v, dict | list)}
            if any(str(there.get(k)) != str(v) for k, v in compared.items()):
                return False
        added = sum(1 for item in items if item.get("id") is None)
        if added and (before is None or len(current) < len(getattr(before, array)) + added):
            return False
    return True
