"""Without elicitation, a destructive call acts only with the token its own question gave.

The token is sealed with the server's keys and bound to the caller, the tool, the exact
arguments and the question; it lasts five minutes and is spent by its first use.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any

import pytest
from mcp import Client
from mcp.server.mcpserver.resolve import Resolve

from qomon_mcp.assemble import all_tool_specs, create_server
from qomon_mcp.auth.keys import Keyring
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS, NO_FUNDRAISING_KEY
from qomon_mcp.server.app import QomonServer
from qomon_mcp.server.confirm import Approved
from qomon_mcp.server.confirm_tokens import LIFETIME, ConfirmationRefused, Confirmations, Proposal
from qomon_mcp.settings import Settings
from qomon_mcp.toolset_table import TOOLSETS
from tests.calls import token_in
from tests.server.test_confirmations import CASES, Case, writes
from tests.spaces import demo_sandbox

pytestmark = pytest.mark.anyio


@pytest.fixture
def sandbox() -> Sandbox:
    return demo_sandbox(contacts=100, burst=1000, rate=1000.0, upsert_delay=0.01)


def server_for(sandbox: Sandbox, api_key: str = DEMO_KEYS["eu"]) -> QomonServer:
    return create_server(Settings(api_key=api_key, toolsets=list(TOOLSETS)), transport=sandbox.transport())


async def question(mcp: Client, tool: str, arguments: dict[str, Any]) -> str:
    """The token the first call of a destructive tool answers with."""
    asked = await mcp.call_tool(tool, arguments)
    assert asked.is_error and asked.content[0].text.startswith("Nothing was done yet"), asked.content[0].text
    return token_in(asked.content[0].text)


async def refusal(mcp: Client, tool: str, arguments: dict[str, Any]) -> str:
    result = await mcp.call_tool(tool, arguments)
    assert result.is_error
    return result.content[0].text


async def test_every_destructive_tool_has_a_case_here(sandbox: Sandbox) -> None:
    async with Client(server_for(sandbox)) as mcp:
        listed = (await mcp.list_tools()).tools
    destructive = {t.name for t in listed if t.annotations and t.annotations.destructive_hint}
    assert destructive == {case.tool for case in CASES.values()}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES)
async def test_a_destructive_tool_writes_only_with_its_token(sandbox: Sandbox, case: Case) -> None:
    arguments = case.arguments(sandbox.space_for(DEMO_KEYS["eu"]))
    async with Client(server_for(sandbox)) as mcp:
        said = await refusal(mcp, case.tool, {**arguments, "confirm": True})
        assert said.startswith(f"{case.tool} no longer takes confirm: call it without confirm")
        said = await refusal(mcp, case.tool, {**arguments, "confirmation": "made-up"})
        assert said.startswith("Nothing was done: this confirmation is not a token this server gave")
        token = await question(mcp, case.tool, arguments)
        assert writes(sandbox) == []
        done = await mcp.call_tool(case.tool, {**arguments, "confirmation": token})
    assert not done.is_error, done.content[0].text
    assert writes(sandbox) == [case.write]


async def test_every_argument_of_a_destructive_tool_is_bound_to_the_token(sandbox: Sandbox) -> None:
    """The approval resolver takes each argument a model can send, so a token names all of their values."""
    async with Client(server_for(sandbox)) as mcp:
        schemas = {t.name: t.input_schema for t in (await mcp.list_tools()).tools}
    for spec in (s for s in all_tool_specs() if s.destructive):
        hints = typing.get_type_hints(spec.handler, include_extras=True)
        approvals = [
            marker
            for hint in hints.values()
            if typing.get_origin(hint) is typing.Annotated and typing.get_args(hint)[0] == Approved
            for marker in typing.get_args(hint)[1:]
            if isinstance(marker, Resolve)
        ]
        assert len(approvals) == 1, spec.name
        bound = set(inspect.signature(approvals[0].fn).parameters) - {"ctx", "described"}
        assert bound == set(schemas[spec.name]["properties"]), spec.name


async def test_a_token_for_other_arguments_is_refused(sandbox: Sandbox) -> None:
    bundle_id = CASES["refund_bundle"].arguments(sandbox.space_for(DEMO_KEYS["eu"]))["bundle_id"]
    async with Client(server_for(sandbox)) as mcp:
        token = await question(mcp, "refund_bundle", {"bundle_id": bundle_id, "amount_cents": 1000})
        said = await refusal(mcp, "refund_bundle", {"bundle_id": bundle_id, "amount_cents": 900, "confirmation": token})
    assert said.startswith("Nothing was done: this confirmation token was given for other arguments")
    assert writes(sandbox) == []


async def test_a_token_for_another_tool_is_refused(sandbox: Sandbox) -> None:
    arguments = CASES["delete_bundle"].arguments(sandbox.space_for(DEMO_KEYS["eu"]))
    async with Client(server_for(sandbox)) as mcp:
        token = await question(mcp, "delete_bundle", arguments)
        said = await refusal(mcp, "refund_bundle", {**arguments, "confirmation": token})
    assert said.startswith("Nothing was done: this confirmation token was given for delete_bundle, not refund_bundle")
    assert writes(sandbox) == []


async def test_a_used_token_is_refused(sandbox: Sandbox) -> None:
    arguments = CASES["change_user_role"].arguments(sandbox.space_for(DEMO_KEYS["eu"]))
    async with Client(server_for(sandbox)) as mcp:
        token = await question(mcp, "change_user_role", arguments)
        assert not (await mcp.call_tool("change_user_role", {**arguments, "confirmation": token})).is_error
        # The role is now the one asked for, yet the question would read the same: the token alone says no.
        token_again = await question(mcp, "change_user_role", arguments)
        said = await refusal(mcp, "change_user_role", {**arguments, "confirmation": token})
    assert token_again != token
    assert said.startswith("Nothing was done: this confirmation token was already used")
    assert writes(sandbox) == [CASES["change_user_role"].write]


async def test_an_expired_token_is_refused(sandbox: Sandbox) -> None:
    now = [1_000_000.0]
    server = server_for(sandbox)
    server.confirmations = Confirmations(clock=lambda: now[0])
    arguments = CASES["delete_team"].arguments(sandbox.space_for(DEMO_KEYS["eu"]))
    async with Client(server) as mcp:
        token = await question(mcp, "delete_team", arguments)
        now[0] += LIFETIME
        said = await refusal(mcp, "delete_team", {**arguments, "confirmation": token})
        assert said.startswith("Nothing was done: this confirmation token has expired (tokens last 5 minutes)")
        fresh = await question(mcp, "delete_team", arguments)
        now[0] += LIFETIME - 1
        assert not (await mcp.call_tool("delete_team", {**arguments, "confirmation": fresh})).is_error
    assert writes(sandbox) == [CASES["delete_team"].write]


async def test_a_token_is_void_once_the_record_it_describes_changed(sandbox: Sandbox) -> None:
    space = sandbox.space_for(DEMO_KEYS["eu"])
    arguments = CASES["delete_contact"].arguments(space)
    async with Client(server_for(sandbox)) as mcp:
        token = await question(mcp, "delete_contact", arguments)
        space.contacts[arguments["contact_id"]]["firstname"] = "Someone-else"
        said = await refusal(mcp, "delete_contact", {**arguments, "confirmation": token})
    assert "what they name has changed since the question was asked" in said
    assert writes(sandbox) == []


async def test_a_token_from_another_server_process_is_refused(sandbox: Sandbox) -> None:
    arguments = CASES["delete_contact"].arguments(sandbox.space_for(DEMO_KEYS["eu"]))
    async with Client(server_for(sandbox)) as first:
        token = await question(first, "delete_contact", arguments)
    async with Client(server_for(sandbox)) as second:
        said = await refusal(second, "delete_contact", {**arguments, "confirmation": token})
    assert said.startswith("Nothing was done: this confirmation is not a token this server gave")
    assert writes(sandbox) == []


async def test_a_token_of_another_caller_is_refused_over_http() -> None:
    """Two API keys whose spaces hold the same records: only the subject tells their tokens apart."""
    from tests.http.support import connected, rpc, served

    with served() as http:
        contact_id = next(iter(http.sandboxes[0].space_for(DEMO_KEYS["eu"]).contacts))
        arguments = {"contact_id": contact_id}
        mine, _ = await connected(http, DEMO_KEYS["eu"], access="write")
        theirs, _ = await connected(http, NO_FUNDRAISING_KEY, access="write")

        async def call(token: str, extra: dict[str, Any]) -> str:
            answer = await rpc(http, token, "tools/call", {"name": "delete_contact", "arguments": arguments | extra})
            result = answer.json()["result"]
            assert result["isError"] is True
            return result["content"][0]["text"]

        token = token_in(await call(mine.access_token, {}))
        said = await call(theirs.access_token, {"confirmation": token})
        written = [(r.method, r.route) for s in http.sandboxes for r in s.request_log if r.method != "GET"]
    assert said.startswith("Nothing was done: this confirmation token was given to another connection")
    assert written == []


def proposal(**change: Any) -> Proposal:
    return Proposal(**({"tool": "delete_team", "arguments": {"team_id": 7}, "question": "Delete?"} | change))


def test_a_token_sealed_for_something_else_by_the_same_keys_is_refused() -> None:
    keyring = Keyring([("k1", "x" * 48)])
    book = Confirmations(keyring)
    lookalike = keyring.seal({"sub": "process", "tool": "delete_team", "call": proposal().digest(), "exp": 1e12})
    with pytest.raises(ConfirmationRefused, match="not a token this server gave"):
        book.redeem(lookalike, proposal())


def test_the_arguments_digest_ignores_key_order_and_sees_every_value() -> None:
    assert proposal(arguments={"a": 1, "b": [2, 3]}).digest() == proposal(arguments={"b": [2, 3], "a": 1}).digest()
    assert proposal(arguments={"a": 1}).digest() != proposal(arguments={"a": 1, "b": None}).digest()
    assert proposal(question="Delete A?").digest() != proposal(question="Delete B?").digest()


def test_spent_tokens_are_bounded_and_forgotten_once_expired() -> None:
    now = [0.0]
    book = Confirmations(clock=lambda: now[0], max_spent=2)
    first, second, third = (book.issue(proposal()) for _ in range(3))
    book.redeem(first, proposal())
    book.redeem(second, proposal())
    with pytest.raises(ConfirmationRefused, match="Too many confirmations"):
        book.redeem(third, proposal())
    now[0] += LIFETIME  # the first two expired, and with them the memory of their use
    fourth = book.issue(proposal())
    book.redeem(fourth, proposal())
    with pytest.raises(ConfirmationRefused, match="already used"):
        book.redeem(fourth, proposal())
