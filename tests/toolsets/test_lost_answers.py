"""Writes happen once: every write tool under the faults of a network that loses answers.

For each write tool and each fault the emulator injects on its one write request:
- "lost after": Qomon processes the request and the connection drops before the answer;
- "reset before": the connection drops before anything is sent (the client may resend it);
- "5xx after": Qomon processes the request, then a 500 replaces its answer;
- "5xx before": a 500 without processing;
- "unreadable after": Qomon processes the request and answers a 200 whose body is not JSON.
What the space holds afterwards is checked against what the tool said: never two records,
never a "done" for a write that did not happen, never "try again" when it may have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
from mcp import Client

from qomon_mcp.qomon import errors
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.space import Space
from qomon_mcp.toolsets.helpers.uncertain import answer_lost
from tests.calls import confirmed_call
from tests.toolsets.conftest import EU_KEY

pytestmark = pytest.mark.anyio

NEW_MAIL = "lost.answer@example.org"
NEW_AMOUNT = 4321  # no demo bundle has this amount: the new one is told apart by it


async def write(mcp: Client, tool: str, arguments: dict[str, Any]) -> Any:
    """One write as a model makes it, the user's confirmation included where the tool asks for one."""
    return await confirmed_call(mcp, tool, arguments)


def _contact(space: Space) -> dict[str, Any]:
    return next(c for c in space.contacts.values() if c.get("mail") and c.get("firstname") and c.get("surname"))


def _team(space: Space) -> dict[str, Any]:
    return next(t for t in space.live_teams() if t.get("users"))


def _user(space: Space) -> dict[str, Any]:
    return next(u for u in space.users.values() if u["role_data"]["type"] == "user")


def _bundle(space: Space) -> dict[str, Any]:
    """A bundle paid by one transaction, nothing refunded yet."""
    return next(
        b
        for b in space.bundles.values()
        if len(b["transactions"]) == 1 and not b["transactions"][0].get("reimbursed_amount")
    )


@dataclass(frozen=True)
class Case:
    tool: str
    route: tuple[str, str]  # the one request that changes the space
    arguments: Callable[[Space], dict[str, Any]]
    # How many times the write's effect is in the space (records made, or 1 once a change is in place).
    effect: Callable[[Space, dict[str, Any]], int]


def _teams_named(space: Space, name: str) -> int:
    return sum(t.get("name") == name for t in space.live_teams())


def _contacts_with_mail(space: Space, mail: str) -> int:
    return sum(c.get("mail") == mail for c in space.contacts.values())


def _new_bundles(space: Space, arguments: dict[str, Any]) -> int:
    return sum(any(t.get("amount") == NEW_AMOUNT for t in b["transactions"]) for b in space.bundles.values())


def _transaction(space: Space, bundle_id: int) -> dict[str, Any]:
    return space.bundles[bundle_id]["transactions"][0]


CASES = {
    "save_contact-create": Case(
        "save_contact",
        ("POST", "/contacts"),
        lambda s: {"firstname": "Lou", "surname": "Lost", "mail": NEW_MAIL},
        lambda s, a: _contacts_with_mail(s, NEW_MAIL),
    ),
    "save_contact-create-no-mail": Case(
        "save_contact",
        ("POST", "/contacts"),
        lambda s: {"firstname": "Noémie", "surname": "Sansmail"},
        lambda s, a: sum(c.get("surname") == "Sansmail" for c in s.contacts.values()),
    ),
    "save_contact-update": Case(
        "save_contact",
        ("PATCH", "/contacts/{id}"),
        lambda s: {"contact_id": _contact(s)["id"], "phone": "0102030405", "add_tags": ["lost-answer"]},
        lambda s, a: int(s.contacts[a["contact_id"]].get("phone") == "0102030405"),
    ),
    "upsert_contacts": Case(
        "upsert_contacts",
        ("POST", "/contacts/upsert"),
        lambda s: {"records": [{"firstname": "Ula", "surname": "Upsert", "mail": NEW_MAIL}]},
        lambda s, a: _contacts_with_mail(s, NEW_MAIL),
    ),
    "delete_contact": Case(
        "delete_contact",
        ("DELETE", "/contacts/{id}"),
        lambda s: {"contact_id": _contact(s)["id"]},
        lambda s, a: int(a["contact_id"] not in s.contacts),
    ),
    "save_team-create": Case(
        "save_team",
        ("POST", "/teams"),
        lambda s: {"name": "Dup"},
        lambda s, a: _teams_named(s, "Dup"),
    ),
    "save_team-update": Case(
        "save_team",
        ("PATCH", "/teams"),
        lambda s: {"team_id": _team(s)["id"], "description": "Meets after a lost answer."},
        lambda s, a: int(s.teams[a["team_id"]].get("description") == "Meets after a lost answer."),
    ),
    "delete_team": Case(
        "delete_team",
        ("DELETE", "/teams/{id}"),
        lambda s: {"team_id": _team(s)["id"]},
        lambda s, a: int(bool(s.teams[a["team_id"]].get("deleted_at"))),
    ),
    "update_user": Case(
        "update_user",
        ("PATCH", "/users/{id}"),
        lambda s: {"user_id": _user(s)["id"], "city": "Lostville"},
        lambda s, a: int(s.users[a["user_id"]].get("city") == "Lostville"),
    ),
    "change_user_role": Case(
        "change_user_role",
        ("PATCH", "/users/role"),
        lambda s: {"user_id": _user(s)["id"], "role": "manager"},
        lambda s, a: int(s.users[a["user_id"]]["role_data"]["type"] == "manager"),
    ),
    "invite_users": Case(
        "invite_users",
        ("POST", "/users/invitation"),
        lambda s: {"invitations": [{"email": NEW_MAIL}]},
        lambda s, a: sum(i.get("email") == NEW_MAIL for i in s.invitations.values()),
    ),
    "revoke_access-user": Case(
        "revoke_access",
        ("DELETE", "/users/{id}"),
        lambda s: {"user_id": _user(s)["id"]},
        lambda s, a: int(a["user_id"] not in s.users),
    ),
    "revoke_access-invitation": Case(
        "revoke_access",
        ("DELETE", "/users/invitation/{id}"),
        lambda s: {"invitation_id": next(iter(s.invitations))},
        lambda s, a: int(a["invitation_id"] not in s.invitations),
    ),
    "send_global_message": Case(
        "send_global_message",
        ("POST", "/global-message"),
        lambda s: {"title": "Lost", "body": "Sent once.", "team_ids": [_team(s)["id"]]},
        lambda s, a: sum(m.get("title") == "Lost" for m in s.messages),
    ),
    "save_bundle-create": Case(
        "save_bundle",
        ("POST", "/v1/transaction_bundles"),
        lambda s: {
            "transactions": [
                {
                    "contact_id": _contact(s)["id"],
                    "amount_cents": NEW_AMOUNT,
                    "payment_method_kind": "CB",
                    "date": "2026-01-01",
                }
            ]
        },
        _new_bundles,
    ),
    "save_bundle-update": Case(
        "save_bundle",
        ("PATCH", "/v1/transaction_bundles/{id}"),
        lambda s: {
            "bundle_id": _bundle(s)["id"],
            "transactions": [{"id": _bundle(s)["transactions"][0]["id"], "comment": "after a lost answer"}],
        },
        lambda s, a: int(_transaction(s, a["bundle_id"]).get("comment") == "after a lost answer"),
    ),
    "refund_bundle": Case(
        "refund_bundle",
        ("PATCH", "/v1/transaction_bundles/{id}"),
        lambda s: {"bundle_id": _bundle(s)["id"], "amount_cents": 100},
        lambda s, a: int(_transaction(s, a["bundle_id"]).get("reimbursed_amount") == 100),
    ),
    "delete_bundle": Case(
        "delete_bundle",
        ("DELETE", "/v1/transaction_bundles/{id}"),
        lambda s: {"bundle_id": _bundle(s)["id"]},
        lambda s, a: int(a["bundle_id"] not in s.bundles),
    ),
}


@dataclass(frozen=True)
class Fault:
    kind: str
    after: bool
    status: int | None = None

    @property
    def processed(self) -> bool:
        return self.after


FAULTS = {
    "lost-after": Fault("drop", after=True),
    "reset-before": Fault("drop", after=False),
    "5xx-after": Fault("status", after=True, status=500),
    "5xx-before": Fault("status", after=False, status=500),
    "unreadable-after": Fault("malformed", after=True),
}


# Tools whose result has a note or summary; change_user_role, delete_team and revoke_access answer
# with the final state only (their result models have no free text).
NOTED = frozenset(
    {"save_contact", "upsert_contacts", "delete_contact", "save_team", "update_user", "invite_users"}
    | {"save_bundle", "refund_bundle", "delete_bundle"}
)


def _writes(sandbox: Sandbox, route: tuple[str, str]) -> list[Any]:
    return [r for r in sandbox.request_log if (r.method, r.route) == route]


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS)
@pytest.mark.parametrize("case", CASES.values(), ids=CASES)
async def test_a_write_whose_answer_is_lost_happens_once_and_is_told_truly(
    mcp: Client, sandbox: Sandbox, space: Space, case: Case, fault: Fault
) -> None:
    arguments = case.arguments(space)
    before = case.effect(space, arguments)
    assert before == 0, "the write must not be in place yet"
    method, route = case.route
    sandbox.faults.add(fault.kind, route=route, method=method, after=fault.after, status=fault.status)
    result = await write(mcp, case.tool, arguments)
    text = result.content[0].text
    await sandbox.drain(fast_forward=True)  # an upsert is applied later: let it land
    effect = case.effect(space, arguments)
    assert sandbox.faults.pending == [], "the faulty write was sent"

    # Never two records, and the write is in the space exactly when it was processed (or resent
    # after a connection that carried nothing).
    resent = fault.kind == "drop" and not fault.after
    assert effect == (1 if fault.processed or resent else 0), text
    # Never a false "done"; never "try again" while the write may have happened.
    assert "try again" not in text.lower()
    if not result.is_error:
        assert effect == 1, text
    else:
        assert "may" in text or "was not" in text, text
    # Nor a false "not done": a re-read that found nothing means nothing is there.
    if result.is_error and " shows the " in text:
        assert " was not " in text and effect == 0, text
    # A result that carries a note says how the write was confirmed (the others show the final state).
    if fault.processed and not result.is_error and case.tool in NOTED and _writes(sandbox, case.route)[-1].fault:
        assert "it was not sent again" in text, text


@pytest.mark.parametrize("case", [c for c in CASES.values() if c.route[0] == "POST"], ids=lambda c: c.tool)
async def test_a_creation_is_never_resent_by_the_client(
    mcp: Client, sandbox: Sandbox, space: Space, case: Case
) -> None:
    method, route = case.route
    sandbox.faults.add("drop", route=route, method=method, after=True)
    await write(mcp, case.tool, case.arguments(space))
    assert len(_writes(sandbox, case.route)) == 1


async def test_the_issue_reproduction_makes_one_team_and_says_so(mcp: Client, sandbox: Sandbox, space: Space) -> None:
    sandbox.faults.add("drop", route="/teams", method="POST", after=True)
    first = await mcp.call_tool("save_team", {"name": "Dup"})
    assert not first.is_error, first.content[0].text
    text = first.content[0].text
    created = next(t for t in space.live_teams() if t.get("name") == "Dup")
    assert "answer was lost" in text and "was created" in text and str(created["id"]) in text
    assert _teams_named(space, "Dup") == 1


async def test_a_lost_creation_that_was_not_made_says_how_to_check(mcp: Client, sandbox: Sandbox) -> None:
    sandbox.faults.add("status", route="/teams", method="POST", status=500)
    result = await mcp.call_tool("save_team", {"name": "Never made"})
    assert result.is_error
    text = result.content[0].text
    assert "was not created" in text and "get_teams" in text


async def test_when_the_check_fails_too_the_write_may_have_happened(mcp: Client, sandbox: Sandbox) -> None:
    sandbox.faults.add("drop", route="/teams", method="POST", after=True)
    sandbox.faults.add("status", route="/teams", method="GET", status=500, times=None)
    result = await mcp.call_tool("save_team", {"name": "Unchecked"})
    assert result.is_error
    text = result.content[0].text
    assert "may or may not have been created" in text and "get_teams" in text and "not sent again" in text
    sandbox.faults.clear()
    assert _teams_named(sandbox.space_for(EU_KEY), "Unchecked") == 1


async def test_a_lost_global_message_is_never_said_to_be_unsent(mcp: Client, sandbox: Sandbox, space: Space) -> None:
    sandbox.faults.add("drop", route="/global-message", method="POST", after=True)
    arguments = {"title": "Lost", "body": "Once.", "team_ids": [_team(space)["id"]]}
    result = await write(mcp, "send_global_message", arguments)
    assert result.is_error
    assert "may have been sent" in result.content[0].text and "do not resend it" in result.content[0].text


async def test_a_creation_that_times_out_is_never_resent_nor_called_done(sandbox: Sandbox, space: Space) -> None:
    # The answer is held back past the call's deadline: the client gives up without knowing.
    from qomon_mcp.assemble import create_server
    from tests.toolsets.conftest import make_settings

    sandbox.faults.add("delay", route="/teams", method="POST", delay=1.0)
    server = create_server(make_settings(deadline=0.3), transport=sandbox.transport())
    async with Client(server) as mcp:
        result = await mcp.call_tool("save_team", {"name": "Slow"})
    text = result.content[0].text
    assert len(_writes(sandbox, ("POST", "/teams"))) == 1
    assert result.is_error
    assert "did not come in time" in text and "try again" not in text.lower()
    if _teams_named(space, "Slow"):
        assert "may or may not have been created" in text, text
    else:
        assert "may or may not have been created" in text or "was not created" in text, text


@pytest.mark.parametrize(
    ("error", "lost"),
    [
        pytest.param(errors.ConnectionFailed("create_team", "x"), True, id="connection-broke"),
        pytest.param(errors.RequestTimeout("create_team", "x"), True, id="no-answer-in-time"),
        pytest.param(errors.RequestTimeout("create_team", "x", slow=False), False, id="deadline-before-sending"),
        pytest.param(errors.ServerError("create_team", 502), True, id="5xx"),
        pytest.param(errors.MalformedResponse("create_team", 200, "not JSON"), True, id="unreadable"),
        pytest.param(errors.InvalidInput("create_team", 422), False, id="refused"),
        pytest.param(errors.RateLimited("create_team", 429), False, id="rate-limited"),
        pytest.param(errors.ReadOnlyError("create_team"), False, id="read-only"),
    ],
)
def test_which_failures_may_hide_a_processed_write(error: errors.QomonError, lost: bool) -> None:
    assert answer_lost(error) is lost


def test_a_connection_never_made_hides_nothing() -> None:
    try:
        raise errors.ConnectionFailed("create_team", "could not reach Qomon") from httpx2.ConnectError("refused")
    except errors.ConnectionFailed as error:
        assert answer_lost(error) is False
