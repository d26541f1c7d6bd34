"""Output schemas that strict validators accept, and that real results match.

The lint follows what the MCP Inspector's `--strict` tools/list report warns about (its
schema-portability rules): a `type` array, a schema that constrains nothing (`{}`), a bare
boolean schema where an object is expected, and a `$ref` to another document. Every result
below comes from the emulator, so a schema that drifts from what a tool really answers fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox, create_demo_sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.settings import Settings
from qomon_mcp.toolset_table import TOOLSETS
from tests.calls import confirmed_call

pytestmark = pytest.mark.anyio

# Keywords that constrain a value; a schema with none of them accepts anything.
CONSTRAINING = {
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "format", "maxItems", "minItems", "uniqueItems", "maxProperties",
    "minProperties", "required", "dependentRequired", "allOf", "anyOf", "oneOf", "not", "items", "prefixItems",
    "contains", "properties", "patternProperties", "additionalProperties", "propertyNames", "$ref",
}  # fmt: skip
SUBSCHEMA = ("items", "additionalProperties", "not", "contains", "propertyNames", "unevaluatedProperties")
SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
BOOLEAN_ALLOWED = ("additionalProperties", "unevaluatedProperties", "items")


def subschemas(schema: dict[str, Any], path: str) -> Iterator[tuple[str, str, Any]]:
    """(keyword, path, subschema) for every schema directly inside `schema`."""
    for key in SUBSCHEMA:
        if key in schema:
            yield key, f"{path}.{key}", schema[key]
    for key in SUBSCHEMA_LISTS:
        for index, sub in enumerate(schema.get(key, [])):
            yield key, f"{path}.{key}[{index}]", sub
    for key in SUBSCHEMA_MAPS:
        for name, sub in schema.get(key, {}).items():
            yield key, f"{path}.{key}.{name}", sub


def strict_findings(schema: Any, path: str = "", keyword: str | None = None) -> list[str]:
    """What a strict linter reports about `schema`, one line each."""
    if isinstance(schema, bool):
        return [] if keyword in BOOLEAN_ALLOWED else [f"{path}: bare boolean schema"]
    found = []
    if isinstance(schema.get("type"), list):
        found.append(f"{path}: type is a list {schema['type']}")
    if not CONSTRAINING & set(schema) and keyword != "not":
        found.append(f"{path}: constrains nothing")
    ref = schema.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#"):
        found.append(f"{path}: $ref to another document")
    for sub_keyword, sub_path, sub in subschemas(schema, path):
        found += strict_findings(sub, sub_path, sub_keyword)
    return found


@pytest.fixture
def sandbox() -> Sandbox:
    return create_demo_sandbox(contacts=300, burst=1000, rate=1000.0, upsert_delay=0.05)


@pytest.fixture
async def mcp(sandbox: Sandbox) -> AsyncIterator[Client]:
    settings = Settings(api_key=DEMO_KEYS["eu"], toolsets=",".join(TOOLSETS))  # type: ignore[arg-type]
    async with Client(create_server(settings, transport=sandbox.transport())) as client:
        yield client


async def listed(client: Client) -> dict[str, dict[str, Any]]:
    tools = (await client.list_tools()).tools
    return {t.name: t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools}


async def test_every_output_schema_is_a_valid_object_schema(mcp: Client) -> None:
    tools = await listed(mcp)
    assert len(tools) >= 20
    for name, tool in tools.items():
        schema = tool["outputSchema"]
        Draft202012Validator.check_schema(schema)  # draft 2020-12 meta-validation
        Draft202012Validator.check_schema(tool["inputSchema"])
        assert schema["type"] == "object", f"{name}: MCP wants an object at the root"


async def test_no_schema_has_what_strict_mode_warns_about(mcp: Client) -> None:
    findings = []
    for name, tool in (await listed(mcp)).items():
        findings += [f"{name} {line}" for line in strict_findings(tool["outputSchema"], "outputSchema")]
        findings += [f"{name} {line}" for line in strict_findings(tool["inputSchema"], "inputSchema")]
    assert findings == []


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        pytest.param({"type": ["integer", "string"]}, ["x: type is a list ['integer', 'string']"], id="type-list"),
        pytest.param({"type": "array", "items": {}}, ["x.items: constrains nothing"], id="empty-items"),
        pytest.param({"description": "any"}, ["x: constrains nothing"], id="description-only"),
        pytest.param({"type": "object", "properties": {"a": True}}, ["x.properties.a: bare boolean schema"], id="true"),
        pytest.param({"$ref": "https://example.org/s.json"}, ["x: $ref to another document"], id="remote-ref"),
        pytest.param({"anyOf": [{"type": "integer"}, {"type": "string"}]}, [], id="any-of-is-fine"),
        pytest.param({"type": "object", "additionalProperties": False}, [], id="boolean-additional-properties"),
    ],
)
def test_the_lint_catches_what_it_should(schema: dict[str, Any], expected: list[str]) -> None:
    assert strict_findings(schema, "x") == expected


class Checked:
    """Calls tools and validates each result's structured content against the tool's output schema."""

    def __init__(self, client: Client, tools: dict[str, dict[str, Any]]) -> None:
        self.client, self.tools, self.seen = client, tools, set[str]()

    async def __call__(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        # A destructive tool asks first: answered as if the user agreed.
        result = await confirmed_call(self.client, tool, arguments)
        assert not result.is_error, f"{tool}: {result.content[0].text}"
        data = result.structured_content
        assert isinstance(data, dict), tool
        errors = [e.message for e in Draft202012Validator(self.tools[tool]["outputSchema"]).iter_errors(data)]
        assert errors == [], f"{tool} answered outside its schema: {errors[:3]}"
        self.seen.add(tool)
        return data


async def test_real_results_match_their_output_schema(mcp: Client) -> None:
    tools = await listed(mcp)
    check = Checked(mcp, tools)
    table = await check("search_contacts", {"per_page": 20})
    assert any(None in row for row in table["rows"]), "empty cells are null and must validate"
    contact_id = table["rows"][0][table["columns"].index("id")]
    await check("search_contacts", {"limit": 60, "per_page": 25, "fields": ["name", "tags", "answers"]})
    await check("count_contacts", {"query": {"conditions": [{"attr": "mobile", "ope": "ext"}]}})
    queries = {"mobile": {"conditions": [{"attr": "mobile", "ope": "ext"}]}, "typo": [{"attr": "x", "ope": "ext"}]}
    split = await check("count_contacts", {"breakdown": {"queries": queries}})
    assert {"count", "share"} <= set(split["breakdown"]["parts"][0]) and "error" in split["breakdown"]["parts"][1]
    await check("count_contacts", {"breakdown": {"cities": ["Lyon", "Paris"]}})
    await check("get_contact", {"contact_id": contact_id})
    forms = await check("get_forms", {})
    await check("get_forms", {"form_id": forms["forms"][0]["id"]})
    actions = await check("get_actions", {})
    await check("get_actions", {"action_id": actions["actions"][0]["id"]})
    users = await check("get_users", {})
    await check("get_users", {"view": "roles"})
    await check("get_users", {"view": "invitations"})
    teams = await check("get_teams", {})
    team_id = teams["teams"][0]["id"]
    await check("get_teams", {"team_id": team_id})
    reference = await check("get_fundraising_reference", {})
    bundles = await check("get_bundles", {})
    await check("get_bundles", {"bundle_id": bundles["bundles"][0]["id"], "include_history": True})
    found = await check("search", {"query": ""})
    await check("fetch", {"id": found["results"][0]["id"]})

    created = await check("save_contact", {"firstname": "Ana", "surname": "Schema", "mail": "ana.schema@example.org"})
    await check("save_contact", {"contact_id": created["id"], "add_tags": ["checked"]})
    await check("upsert_contacts", {"records": [{"mail": "bo.schema@example.org", "surname": "Schema"}]})
    user_id = next(u["id"] for u in users["users"] if u.get("role") not in ("superadmin", None))
    await check("update_user", {"user_id": user_id, "city": "Lyon"})
    await check("change_user_role", {"user_id": user_id, "role": "manager"})
    invited = await check("invite_users", {"invitations": [{"email": "new.schema@example.org"}]})
    await check("revoke_access", {"invitation_id": invited["invited"][0]["id"]})
    team = await check("save_team", {"name": "Schema checkers"})
    await check("send_global_message", {"title": "Checked", "body": "Schemas hold.", "team_ids": [team_id]})
    await check("delete_team", {"team_id": team["id"]})
    price_id = reference["membership_prices"][0]["id"]
    payment = {"contact_id": contact_id, "amount_cents": 10_000, "payment_method_kind": "CB", "date": "2026-03-29"}
    membership = {"contact_id": contact_id, "membership_price_id": price_id, "start_date": "2026-01-01",
                  "end_date": "2026-12-31"}  # fmt: skip
    bundle = await check("save_bundle", {"transactions": [payment], "memberships": [membership]})
    await check("refund_bundle", {"bundle_id": bundle["bundle_id"], "amount_cents": 1000})
    await check("delete_bundle", {"bundle_id": bundle["bundle_id"]})
    await check("delete_contact", {"contact_id": created["id"]})

    assert check.seen == set(tools), f"not called: {sorted(set(tools) - check.seen)}"
