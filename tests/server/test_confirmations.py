"""Destructive tools ask the user first, in both protocol eras, and send nothing upstream unless approved.

The confirmation tokens of clients without elicitation are tested in test_confirmation_tokens.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import ElicitRequestParams, ElicitResult

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.sandbox.space import Space
from qomon_mcp.settings import Settings
from tests.calls import token_in
from tests.spaces import demo_sandbox

pytestmark = pytest.mark.anyio

ERAS = {"2025-11-25": "legacy", "2026-07-28": "2026-07-28"}


@dataclass(frozen=True)
class Case:
    tool: str
    arguments: Callable[[Space], dict[str, Any]]
    write: tuple[str, str]  # the one request that changes the space
    shown: Callable[[Space, dict[str, Any]], list[str]]  # what the question must tell the user


def _contact(space: Space) -> dict[str, Any]:
    return next(c for c in space.contacts.values() if c.get("firstname") and c.get("surname"))


def _team(space: Space) -> dict[str, Any]:
    return next(t for t in space.live_teams() if t.get("users"))


def _user(space: Space) -> dict[str, Any]:
    return next(u for u in space.users.values() if u["role_data"]["type"] == "user")


def _paid(space: Space) -> dict[str, Any]:
    """A bundle paid by one transaction, nothing refunded yet, its money on a membership or a donation."""
    return next(
        b
        for b in space.bundles.values()
        if len(b["transactions"]) == 1
        and not b["transactions"][0].get("reimbursed_amount")
        and (b["memberships"] or b["donations"])
    )


def _members(*teams: dict[str, Any]) -> int:
    return len({p["id"] for t in teams for p in (t.get("users") or []) + (t.get("leaders") or [])})


CASES = {
    "delete_contact": Case(
        "delete_contact",
        lambda s: {"contact_id": _contact(s)["id"]},
        ("DELETE", "/contacts/{id}"),
        lambda s, a: [f"{_contact(s)['firstname']} {_contact(s)['surname']} (id {a['contact_id']})"],
    ),
    "delete_team": Case(
        "delete_team",
        lambda s: {"team_id": _team(s)["id"]},
        ("DELETE", "/teams/{id}"),
        lambda s, a: [f"{_team(s)['name']} (id {a['team_id']}, {_members(_team(s))} members)"],
    ),
    "revoke_access-user": Case(
        "revoke_access",
        lambda s: {"user_id": _user(s)["id"]},
        ("DELETE", "/users/{id}"),
        lambda s, a: [f"Remove {_user(s)['firstname']} {_user(s)['surname']}", _user(s)["mail"]],
    ),
    "revoke_access-invitation": Case(
        "revoke_access",
        lambda s: {"invitation_id": next(iter(s.invitations))},
        ("DELETE", "/users/invitation/{id}"),
        lambda s, a: [f"invitation of {s.invitations[a['invitation_id']]['email']}"],
    ),
    "send_global_message": Case(
        "send_global_message",
        lambda s: {
            "title": "Canvass moved",
            "body": "Saturday at 10.",
            "team_ids": [t["id"] for t in s.live_teams()[:2]],
        },
        ("POST", "/global-message"),
        lambda s, a: [
            '"Canvass moved": "Saturday at 10."',
            f"2 teams ({s.live_teams()[0]['name']}, {s.live_teams()[1]['name']})",
            f"reaching {_members(*s.live_teams()[:2])} people",
        ],
    ),
    "change_user_role": Case(
        "change_user_role",
        lambda s: {"user_id": _user(s)["id"], "role": "manager"},
        ("PATCH", "/users/role"),
        lambda s, a: [f"from {_user(s)['role_data']['name']} to Organizer"],
    ),
    "delete_bundle": Case(
        "delete_bundle",
        lambda s: {"bundle_id": next(b["id"] for b in s.bundles.values() if b["transactions"])},
        ("DELETE", "/v1/transaction_bundles/{id}"),
        lambda s, a: [f"Delete bundle {a['bundle_id']} (1 transaction(s)"],
    ),
    "refund_bundle": Case(
        "refund_bundle",
        lambda s: {"bundle_id": _paid(s)["id"], "amount_cents": 1000},
        ("PATCH", "/v1/transaction_bundles/{id}"),
        lambda s, a: [
            f"Refund 10.00 EUR on transaction {_paid(s)['transactions'][0]['id']} of bundle {a['bundle_id']}",
            "marking it Reimbursed; lowering ",
        ],
    ),
}


@pytest.fixture
def sandbox() -> Sandbox:
    return demo_sandbox(contacts=100, burst=1000, rate=1000.0, upsert_delay=0.01)


def writes(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [(r.method, r.route) for r in sandbox.request_log if r.method != "GET"]


def client(sandbox: Sandbox, era: str, answer: ElicitResult | None, asked: list[str], **settings: Any) -> Client:
    server = create_server(Settings(api_key=DEMO_KEYS["eu"], **settings), transport=sandbox.transport())
    if answer is None:
        return Client(server, mode=ERAS[era])

    async def elicit(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return answer

    return Client(server, mode=ERAS[era], elicitation_callback=elicit)


OUTCOMES = {
    "accepted": (ElicitResult(action="accept", content={"confirm": True}), None),
    "declined": (ElicitResult(action="decline"), "The user declined, so "),
    "cancelled": (ElicitResult(action="cancel"), "The user cancelled, so "),
    "unticked": (ElicitResult(action="accept", content={"confirm": False}), "The user declined, so "),
}


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("case", CASES.values(), ids=CASES)
async def test_the_user_is_asked_and_only_an_approval_acts(
    sandbox: Sandbox, case: Case, outcome: str, era: str
) -> None:
    space = sandbox.space_for(DEMO_KEYS["eu"])
    arguments = case.arguments(space)
    shown = case.shown(space, arguments)
    answer, refusal = OUTCOMES[outcome]
    asked: list[str] = []
    async with client(sandbox, era, answer, asked) as mcp:
        # A token is not looked at when the client can ask: the user decides, not the model.
        result = await mcp.call_tool(case.tool, {**arguments, "confirmation": "not-a-token"})
    assert len(set(asked)) == 1
    for text in shown:
        assert text in asked[0]
    if refusal is None:
        assert not result.is_error, result.content[0].text
        assert writes(sandbox) == [case.write]
    else:
        assert result.is_error
        assert result.content[0].text.startswith(refusal)
        assert writes(sandbox) == []


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("case", CASES.values(), ids=CASES)
async def test_without_elicitation_the_question_comes_with_a_token(sandbox: Sandbox, case: Case, era: str) -> None:
    space = sandbox.space_for(DEMO_KEYS["eu"])
    arguments = case.arguments(space)
    shown = case.shown(space, arguments)
    async with client(sandbox, era, None, []) as mcp:
        refused = await mcp.call_tool(case.tool, arguments)
        assert refused.is_error
        text = refused.content[0].text
        assert text.startswith("Nothing was done yet: show the user")
        assert f"call {case.tool} again with the same arguments and confirmation=" in text
        for part in shown:
            assert part in text
        assert writes(sandbox) == []
        done = await mcp.call_tool(case.tool, {**arguments, "confirmation": token_in(text)})
    assert not done.is_error, done.content[0].text
    assert writes(sandbox) == [case.write]


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        ("delete_contact", {"contact_id": 1}, "Contact 1 does not exist in this space (or was deleted)"),
        ("delete_team", {"team_id": 1}, "Team 1 does not exist in this space (or was deleted)"),
        ("revoke_access", {"user_id": 1}, "User 1 does not exist in this space"),
        ("revoke_access", {}, "Pass exactly one of user_id"),
        ("send_global_message", {"title": "Hi", "body": "Yo", "team_ids": [1]}, "Unknown team ids [1]"),
        ("change_user_role", {"user_id": 1, "role": "manager"}, "User 1 does not exist in this space"),
        ("change_user_role", {"user_id": 1, "role": "captain"}, "Unknown role 'captain'"),
        ("delete_bundle", {"bundle_id": 1}, "Bundle 1 does not exist"),
        ("refund_bundle", {"bundle_id": 1}, "Bundle 1 does not exist"),
    ],
    ids=["contact", "team", "user", "neither-id", "teams", "role-user", "role-name", "bundle", "refund"],
)
async def test_a_call_that_cannot_succeed_is_refused_before_asking(
    sandbox: Sandbox, tool: str, arguments: dict[str, Any], message: str, era: str
) -> None:
    asked: list[str] = []
    async with client(sandbox, era, ElicitResult(action="accept", content={"confirm": True}), asked) as mcp:
        result = await mcp.call_tool(tool, arguments)
    assert result.is_error
    assert message in result.content[0].text
    assert asked == []
    assert writes(sandbox) == []


@pytest.mark.parametrize("era", ERAS)
async def test_read_only_hides_and_refuses_without_asking(sandbox: Sandbox, era: str) -> None:
    space = sandbox.space_for(DEMO_KEYS["eu"])
    asked: list[str] = []
    answer = ElicitResult(action="accept", content={"confirm": True})
    async with client(sandbox, era, answer, asked, read_only=True) as mcp:
        listed = {t.name for t in (await mcp.list_tools()).tools}
        for case in CASES.values():
            assert case.tool not in listed
            result = await mcp.call_tool(case.tool, {**case.arguments(space), "confirmation": "x"})
            assert result.is_error
            assert "read-only" in result.content[0].text
    assert asked == []
    assert sandbox.request_log == []


async def test_the_schema_shows_confirmation_and_hides_the_resolved_parameters(sandbox: Sandbox) -> None:
    async with client(sandbox, "2026-07-28", None, []) as mcp:
        tools = {t.name: t for t in (await mcp.list_tools()).tools}
    described = set()
    for tool in {c.tool for c in CASES.values()}:
        properties = tools[tool].input_schema["properties"]
        assert "string" in json.dumps(properties["confirmation"]), tool
        described.add(properties["confirmation"]["description"])
        assert "confirmation" not in tools[tool].input_schema.get("required", []), tool
        assert not {"confirm", "target", "approved", "plan", "change", "ctx"} & set(properties), tool
    assert len(described) == 1  # one short line, shared


async def test_an_approved_message_reports_the_teams(sandbox: Sandbox) -> None:
    space = sandbox.space_for(DEMO_KEYS["eu"])
    teams = space.live_teams()[:2]
    arguments = {"title": "Hi", "body": "Welcome", "team_ids": [t["id"] for t in teams]}
    async with client(sandbox, "2026-07-28", ElicitResult(action="accept", content={"confirm": True}), []) as mcp:
        result = await mcp.call_tool("send_global_message", arguments)
    assert json.loads(result.content[0].text)["teams"] == [t["name"] for t in teams]
    assert space.messages[-1]["team_ids"] == arguments["team_ids"]


async def test_over_stateless_http_each_era_is_asked_in_the_way_it_can_be() -> None:
    """A 2025-11-25 client cannot be sent a request mid-call over stateless HTTP: it falls back to `confirm`."""
    from tests.http.support import connected, served

    asked: list[str] = []

    async def decline(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="decline")

    with served() as http:
        tokens, _ = await connected(http, DEMO_KEYS["eu"], access="write")
        contact_id = next(iter(http.sandboxes[0].space_for(DEMO_KEYS["eu"]).contacts))
        texts = {}
        for era, mode in ERAS.items():
            headers = {"Authorization": f"Bearer {tokens.access_token}"}
            async with (
                httpx2.AsyncClient(headers=headers, timeout=30) as transport,
                Client(
                    streamable_http_client(http.mcp_url, http_client=transport),  # type: ignore[arg-type]
                    mode=mode,
                    elicitation_callback=decline,
                ) as mcp,
            ):
                result = await mcp.call_tool("delete_contact", {"contact_id": contact_id})
            assert result.is_error
            texts[era] = result.content[0].text
        written = [(r.method, r.route) for s in http.sandboxes for r in s.request_log if r.method != "GET"]
    assert texts["2025-11-25"].startswith("Nothing was done yet: show the user")
    assert texts["2026-07-28"].startswith("The user declined, so ")
    assert len(asked) == 1 and f"(id {contact_id})" in asked[0]
    assert written == []
