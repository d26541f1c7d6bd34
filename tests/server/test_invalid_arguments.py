"""Invalid arguments of every kind give a tool error and send nothing upstream, for every tool."""

from __future__ import annotations

import pytest
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.settings import Settings
from qomon_mcp.toolset_table import TOOLSETS
from tests.spaces import demo_sandbox

pytestmark = pytest.mark.anyio

# A value of the wrong JSON type for each schema type.
WRONG = {
    "integer": "not a number",
    "number": "not a number",
    "string": {"not": "text"},
    "boolean": "perhaps",
    "array": 12,
    "object": 12,
}


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return demo_sandbox(contacts=100, burst=1000, rate=1000.0, upsert_delay=0.01)


def server_for(sandbox: Sandbox):
    settings = Settings(api_key=DEMO_KEYS["eu"], toolsets=",".join(TOOLSETS))
    return create_server(settings, transport=sandbox.transport())


def bad_calls(tool) -> list[tuple[str, dict]]:
    schema = tool.input_schema
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    calls = []
    if required:
        calls.append(("missing-required", {}))
    for name, prop in properties.items():
        kind = prop.get("type")
        if kind in WRONG:
            calls.append((f"{name}-wrong-type", {name: WRONG[kind]}))
        if "enum" in prop:
            calls.append((f"{name}-outside-enum", {name: "no-such-choice"}))
        if "minimum" in prop:
            calls.append((f"{name}-below-minimum", {name: prop["minimum"] - 1}))
        if "maximum" in prop:
            calls.append((f"{name}-above-maximum", {name: prop["maximum"] + 1}))
    return calls


async def test_every_invalid_argument_is_refused_before_anything_is_sent(sandbox: Sandbox) -> None:
    checked = 0
    async with Client(server_for(sandbox)) as client:
        for tool in (await client.list_tools()).tools:
            for case, arguments in bad_calls(tool):
                before = len(sandbox.request_log)
                result = await client.call_tool(tool.name, arguments)
                assert result.is_error, (tool.name, case)
                text = result.content[0].text
                assert "\n" not in text.strip() and len(text) < 600, (tool.name, case, text)
                sent = sandbox.request_log[before:]
                assert sent == [], (tool.name, case, sent)
                checked += 1
    assert checked > 100


# Guards the advertised schemas leave out (server/schema.py) but pydantic still enforces.
UNADVERTISED = [
    ("save_contact", {"firstname": "A" * 201}),
    ("save_contact", {"surname": "Doe", "address": {"city": "Lyon", "planet": "Mars"}}),
    ("save_team", {"name": "N" * 121}),
    ("send_global_message", {"title": "Hi", "body": "B" * 2001, "team_ids": [1]}),
    ("upsert_contacts", {"records": [{"surname": "Doe", "shoe_size": "42"}]}),
    ("save_contact", {"surname": "Doe", "set_answers": [{"form": "", "value": "x"}]}),
]


@pytest.mark.parametrize(("tool", "arguments"), UNADVERTISED, ids=lambda v: v if isinstance(v, str) else None)
async def test_guards_the_schema_does_not_advertise_are_still_enforced(
    sandbox: Sandbox, tool: str, arguments: dict
) -> None:
    async with Client(server_for(sandbox)) as client:
        listed = {t.name: t.input_schema for t in (await client.list_tools()).tools}
        before = len(sandbox.request_log)
        result = await client.call_tool(tool, arguments)
    assert result.is_error
    assert result.content[0].text.startswith(f"Invalid arguments for {tool} (")
    assert sandbox.request_log[before:] == []
    advertised = str(listed[tool])
    assert "maxLength" not in advertised and "minLength" not in advertised
    assert "'additionalProperties': False" not in advertised


@pytest.mark.parametrize(
    ("tool", "arguments", "unknown"),
    [
        pytest.param("save_contact", {"id": 12, "firstname": "Zed"}, "'id'", id="id-for-contact_id"),
        pytest.param("get_users", {"list": "roles"}, "'list'", id="get-users"),
        pytest.param("get_bundles", {"per_page": 1}, "'per_page'", id="get-bundles"),
        # A parameter the confirmation machinery fills itself is not the model's to pass.
        pytest.param("delete_contact", {"contact_id": 12, "approved": True}, "'approved'", id="internal-approval"),
    ],
)
async def test_an_unknown_argument_is_refused_and_nothing_is_sent(
    sandbox: Sandbox, tool: str, arguments: dict, unknown: str
) -> None:
    async with Client(server_for(sandbox)) as client:
        before = len(sandbox.request_log)
        result = await client.call_tool(tool, arguments)
    assert result.is_error
    assert result.content[0].text.startswith(f"{tool} has no argument {unknown}; its arguments are ")
    assert sandbox.request_log[before:] == []
