"""A caller's value is quoted in an error only shortened, and no answer passes the result cap,
whatever the length of the values a tool is given."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.server.quoting import QUOTE_LIMIT, bounded, quoted
from qomon_mcp.server.shaping import MAX_RESULT_BYTES
from qomon_mcp.settings import Settings
from qomon_mcp.toolset_table import TOOLSETS
from tests.calls import payload
from tests.spaces import demo_sandbox

pytestmark = pytest.mark.anyio

LONG = "x" * 100_000
# Longer than any shortened quote: finding it in an answer means a value was echoed whole.
ECHO = "x" * (QUOTE_LIMIT + 1)


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return demo_sandbox(contacts=100, burst=10_000, rate=10_000.0, upsert_delay=0.01)


@pytest.fixture
async def mcp(sandbox: Sandbox) -> Any:
    settings = Settings(api_key=DEMO_KEYS["eu"], toolsets=",".join(TOOLSETS))
    async with Client(create_server(settings, transport=sandbox.transport())) as client:
        yield client


def _answer_text(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def _check_bounded(result: Any) -> str:
    text = _answer_text(result)
    assert len(text.encode()) <= MAX_RESULT_BYTES
    assert ECHO not in text, text[:300]
    return text


@pytest.mark.parametrize(
    ("value", "expected"),
    [("abc", "'abc'"), ("y" * 100, repr("y" * 39 + "…")), (12, "12"), (["z" * 100], "['" + "z" * 37 + "…")],
    ids=["short", "long-text", "number", "long-list"],
)
def test_quoted_keeps_short_values_and_cuts_long_ones(value: Any, expected: str) -> None:
    assert quoted(value) == expected


def test_bounded_cuts_the_middle_of_a_long_message_and_keeps_its_end() -> None:
    long = "start " + "a" * 100_000 + ' confirmation="token"'
    cut = bounded(long)
    assert bounded("short") == "short"
    assert len(cut) == 8_000
    assert cut.startswith("start a") and cut.endswith(' confirmation="token"')


async def _first_contact(mcp: Client) -> int:
    found = payload(await mcp.call_tool("search_contacts", {"limit": 1}))
    return int(found["rows"][0][found["columns"].index("id")])


async def test_a_100_000_character_date_in_search_contacts_is_quoted_short(mcp: Client) -> None:
    result = await mcp.call_tool("search_contacts", {"updated_since": LONG})
    text = _check_bounded(result)
    assert result.is_error and "is not a date" in text


@pytest.mark.parametrize(
    ("attr", "ope"),
    [("mail", "eq"), ("lastchange", "gte"), ("transactions.amount", "gte"), ("user_id", "eq"), ("gender", "eq")],
    ids=["text", "date", "amount", "id", "choice"],
)
async def test_a_100_000_character_condition_value_is_quoted_short(mcp: Client, attr: str, ope: str) -> None:
    query = {"conditions": [{"attr": attr, "ope": ope, "value": LONG}]}
    result = await mcp.call_tool("search_contacts", {"query": query})
    _check_bounded(result)


async def test_a_100_000_character_attribute_or_key_is_quoted_short(mcp: Client) -> None:
    for query in ({"conditions": [{"attr": LONG, "ope": "eq", "value": "a"}]}, {"conditions": [], LONG: 1}):
        result = await mcp.call_tool("search_contacts", {"query": query})
        assert result.is_error
        _check_bounded(result)


@pytest.mark.parametrize("field", ["payment_method_kind", "date", "code_campaign", "currency"], ids=str)
async def test_a_100_000_character_bundle_field_is_quoted_short(mcp: Client, field: str) -> None:
    contact_id = await _first_contact(mcp)
    transaction = {"contact_id": contact_id, "amount_cents": 100, "payment_method_kind": "CB", "date": "2026-01-01"}
    result = await mcp.call_tool("save_bundle", {"transactions": [{**transaction, field: LONG}]})
    text = _check_bounded(result)
    assert result.is_error, text


async def test_every_string_argument_of_every_tool_takes_100_000_characters_without_a_long_answer(
    mcp: Client,
) -> None:
    tools = (await mcp.list_tools()).tools
    tried = 0
    for tool in tools:
        for name, schema in tool.input_schema.get("properties", {}).items():
            if schema.get("type") != "string" and "string" not in str(schema.get("anyOf", "")):
                continue
            result = await mcp.call_tool(tool.name, {name: LONG})
            _check_bounded(result)
            tried += 1
    assert tried >= 15
