"""The audit trail: one JSON line per write attempt, with its targets and outcome, never a value, key or token."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_types import ElicitRequestParams, ElicitResult

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.settings import Settings
from qomon_mcp.toolset_table import TOOLSETS
from tests.http.support import connected, rpc, served
from tests.spaces import demo_sandbox

pytestmark = pytest.mark.anyio

KEY = DEMO_KEYS["eu"]
ACCEPT = ElicitResult(action="accept", content={"confirm": True})
DECLINE = ElicitResult(action="decline")
# The values the calls below write: none may reach the trail.
VALUES = ("Ana", "Schema", "ana.schema@example.org", "bo.schema@example.org", "Lyon", "new.schema@example.org",
          "Schema checkers", "Checked", "Schemas hold.", "2026-03-29")  # fmt: skip


@pytest.fixture
def sandbox() -> Sandbox:
    return demo_sandbox(contacts=100, burst=1000, rate=1000.0, upsert_delay=0.01)


@pytest.fixture
def trail(tmp_path: Path) -> Path:
    return tmp_path / "audit.log"


def connect(
    sandbox: Sandbox, trail: Path | None, answer: ElicitResult | None = ACCEPT, mode: str = "legacy", **settings: Any
) -> Client:
    settings = {"toolsets": ",".join(TOOLSETS), **settings}
    server = create_server(
        Settings(api_key=KEY, audit_log=str(trail) if trail else None, **settings),  # type: ignore[arg-type]
        transport=sandbox.transport(),
    )

    async def elicit(context: Any, params: ElicitRequestParams) -> ElicitResult:
        assert answer is not None
        return answer

    return Client(server, mode=mode, elicitation_callback=elicit if answer is not None else None)


@pytest.fixture
async def mcp(sandbox: Sandbox, trail: Path) -> AsyncIterator[Client]:
    async with connect(sandbox, trail) as client:
        yield client


def lines(trail: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in trail.read_text().splitlines()] if trail.exists() else []


async def ok(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def test_every_write_tool_leaves_one_line_with_its_targets(mcp: Client, sandbox: Sandbox, trail: Path) -> None:
    space = sandbox.space_for(KEY)
    contact_id = next(iter(space.contacts))
    user_id = next(u["id"] for u in space.users.values() if u["role_data"]["type"] == "user")
    team_id = space.live_teams()[0]["id"]
    await ok(mcp, "get_contact", {"contact_id": contact_id})  # a read: no line
    expected: list[tuple[str, dict[str, Any]]] = []

    async def write(tool: str, arguments: dict[str, Any], targets: dict[str, Any]) -> dict[str, Any]:
        data = await ok(mcp, tool, arguments)
        expected.append((tool, targets))
        return data

    created = await write("save_contact", {"firstname": "Ana", "surname": "Schema", "mail": VALUES[2]}, {})
    expected[-1] = ("save_contact", {"id": created["id"]})
    await write("save_contact", {"contact_id": created["id"], "add_tags": ["Schema"]}, {"contact_id": created["id"]})
    await write("upsert_contacts", {"records": [{"mail": VALUES[3], "surname": "Schema"}]}, {})
    await write("update_user", {"user_id": user_id, "city": "Lyon"}, {"user_id": user_id})
    await write("change_user_role", {"user_id": user_id, "role": "manager"}, {"user_id": user_id})
    invited = await write("invite_users", {"invitations": [{"email": VALUES[5]}]}, {})
    invitation_id = invited["invited"][0]["id"]
    expected[-1] = ("invite_users", {"invited.id": [invitation_id]})
    await write("revoke_access", {"invitation_id": invitation_id}, {"invitation_id": invitation_id})
    team = await write("save_team", {"name": "Schema checkers"}, {})
    expected[-1] = ("save_team", {"id": team["id"]})
    await write("send_global_message", {"title": "Checked", "body": "Schemas hold.", "team_ids": [team_id]},
                {"team_ids": [team_id]})  # fmt: skip
    await write("delete_team", {"team_id": team["id"]}, {"team_id": team["id"]})
    reference = await ok(mcp, "get_fundraising_reference", {})
    price_id = reference["membership_prices"][0]["id"]
    payment = {"contact_id": contact_id, "amount_cents": 10_000, "payment_method_kind": "CB", "date": VALUES[-1]}
    membership = {"contact_id": contact_id, "membership_price_id": price_id, "start_date": "2026-01-01",
                  "end_date": "2026-12-31"}  # fmt: skip
    bundle = await write("save_bundle", {"transactions": [payment], "memberships": [membership]}, {})
    bundle_id = bundle["bundle_id"]
    expected[-1] = ("save_bundle", {"bundle_id": bundle_id})
    await write("refund_bundle", {"bundle_id": bundle_id, "amount_cents": 1000}, {"bundle_id": bundle_id})
    await write("delete_bundle", {"bundle_id": bundle_id}, {"bundle_id": bundle_id})
    await write("delete_contact", {"contact_id": created["id"]}, {"contact_id": created["id"]})

    written = lines(trail)
    assert [line["tool"] for line in written] == [tool for tool, _ in expected]
    assert {line["tool"] for line in written} == WRITE_TOOLS
    for line, (tool, targets) in zip(written, expected, strict=True):
        assert line["outcome"] == "ok" and line["caller"] == "local", line
        assert 200 <= line["qomon_status"] < 300, line
        assert line["request_id"] and line["at"].endswith("Z")
        for key, value in targets.items():
            assert line["targets"][key] == value, (tool, line)
    assert_nothing_secret(trail.read_text())


WRITE_TOOLS = {
    "save_contact", "upsert_contacts", "delete_contact", "update_user", "change_user_role", "invite_users",
    "revoke_access", "save_team", "delete_team", "send_global_message", "save_bundle", "refund_bundle",
    "delete_bundle",
}  # fmt: skip


def assert_nothing_secret(text: str, *also: str) -> None:
    for value in (*VALUES, KEY, "Bearer", *also):
        assert value not in text, f"{value!r} reached the audit trail"


async def test_the_write_tools_are_the_tools_not_marked_read_only(mcp: Client) -> None:
    tools = (await mcp.list_tools()).tools
    assert {t.name for t in tools if not (t.annotations and t.annotations.read_only_hint)} == WRITE_TOOLS


async def test_refusals_are_written_as_refused(sandbox: Sandbox, trail: Path) -> None:
    contact_id = next(iter(sandbox.space_for(KEY).contacts))
    async with connect(sandbox, trail, answer=None) as mcp:
        unknown = await mcp.call_tool("save_contact", {"contact_id": contact_id, "first_name": "Ana"})
        invalid = await mcp.call_tool("save_contact", {"contact_id": "Schema", "firstname": "Ana"})
        # Without elicitation a destructive call first answers with a question and a token.
        unconfirmed = await mcp.call_tool("delete_contact", {"contact_id": contact_id})
    async with connect(sandbox, trail, read_only=True) as mcp:
        read_only = await mcp.call_tool("save_contact", {"contact_id": contact_id, "firstname": "Ana"})
    assert all(r.is_error for r in (unknown, invalid, unconfirmed, read_only))
    written = lines(trail)
    assert [(line["tool"], line["outcome"]) for line in written] == [
        ("save_contact", "refused"), ("save_contact", "refused"), ("delete_contact", "refused"),
        ("save_contact", "refused"),
    ]  # fmt: skip
    assert written[0]["targets"] == {"contact_id": contact_id} and written[2]["targets"] == {"contact_id": contact_id}
    assert "targets" not in written[1], "a value that is not shaped like an id is not written"
    assert all("qomon_status" not in line or line["qomon_status"] == 200 for line in written)
    token = unconfirmed.content[0].text.rsplit("confirmation=", 1)[-1].strip('".')
    assert_nothing_secret(trail.read_text(), token)
    assert sandbox.space_for(KEY).contacts[contact_id]["firstname"] != "Ana"


async def test_a_declined_call_is_written_as_declined(sandbox: Sandbox, trail: Path) -> None:
    contact_id = next(iter(sandbox.space_for(KEY).contacts))
    async with connect(sandbox, trail, answer=DECLINE) as mcp:
        result = await mcp.call_tool("delete_contact", {"contact_id": contact_id})
    assert result.is_error and contact_id in sandbox.space_for(KEY).contacts
    (line,) = lines(trail)
    assert line["tool"] == "delete_contact" and line["outcome"] == "declined"
    assert line["targets"] == {"contact_id": contact_id}


async def test_a_qomon_error_is_written_with_its_status(mcp: Client, trail: Path) -> None:
    result = await mcp.call_tool("save_contact", {"contact_id": 1, "firstname": "Ana"})
    assert result.is_error
    (line,) = lines(trail)
    assert (line["tool"], line["outcome"], line["qomon_status"]) == ("save_contact", "error", 404)
    assert line["targets"] == {"contact_id": 1}
    assert_nothing_secret(trail.read_text())


async def test_a_question_round_is_not_an_attempt_until_it_is_answered(sandbox: Sandbox, trail: Path) -> None:
    contact_id = next(iter(sandbox.space_for(KEY).contacts))
    # 2026-07-28: the first call answers with a question, and the client calls again with the answer.
    async with connect(sandbox, trail, mode="2026-07-28") as mcp:
        await ok(mcp, "delete_contact", {"contact_id": contact_id})
    (line,) = lines(trail)
    assert (line["tool"], line["outcome"], line["targets"]["contact_id"]) == ("delete_contact", "ok", contact_id)


async def test_without_a_file_the_trail_goes_to_stderr(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    async with connect(sandbox, None) as mcp:
        await ok(mcp, "save_team", {"name": "Schema checkers"})
    written = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert [(line["tool"], line["outcome"]) for line in written] == [("save_team", "ok")]


async def test_over_http_the_caller_is_the_digest_of_the_token_subject(tmp_path: Path) -> None:
    trail = tmp_path / "audit.log"
    with served(audit_log=str(trail)) as s:
        tokens, _ = await connected(s, KEY, access="write")
        for name in ("Schema checkers", "Checked"):
            answer = await rpc(s, tokens.access_token, "tools/call", {"name": "save_team", "arguments": {"name": name}})
            assert answer.status_code == 200 and '"isError":true' not in answer.text, answer.text
    written = lines(trail)
    assert [(line["tool"], line["outcome"], line["request_id"]) for line in written] == [("save_team", "ok", "1")] * 2
    callers = {line["caller"] for line in written}
    assert len(callers) == 1 and re.fullmatch(r"[0-9a-f]{12}", callers.pop())
    assert_nothing_secret(trail.read_text(), tokens.access_token)
