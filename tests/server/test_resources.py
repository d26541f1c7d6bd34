"""Resources read the caller's own space through the sandbox, in both protocol eras; failures are one sentence."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import ResourceTemplateReference

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.requestlog import key_hash
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.server.explain import missing
from qomon_mcp.settings import Settings
from qomon_mcp.spec.search_attributes import ATTRIBUTES
from tests.spaces import demo_sandbox

pytestmark = pytest.mark.anyio

ERAS = {"2025-11-25": "legacy", "2026-07-28": "2026-07-28"}


@pytest.fixture
def sandbox() -> Sandbox:
    return demo_sandbox(contacts=100, burst=1000, rate=1000.0, upsert_delay=0.01)


@pytest.fixture(params=ERAS, ids=list(ERAS))
async def mcp(request: pytest.FixtureRequest, sandbox: Sandbox) -> AsyncIterator[Client]:
    server = create_server(Settings(api_key=DEMO_KEYS["eu"]), transport=sandbox.transport())
    async with Client(server, mode=ERAS[request.param]) as client:
        yield client


async def read(mcp: Client, uri: str) -> Any:
    [content] = (await mcp.read_resource(uri)).contents
    assert content.mime_type == "application/json"
    text = content.text  # type: ignore[union-attr]
    assert "null" not in text
    return json.loads(text)


def routes(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [(r.method, r.route) for r in sandbox.request_log]


async def test_resources_and_templates_are_listed(mcp: Client) -> None:
    resources = {str(r.uri): r for r in (await mcp.list_resources()).resources}
    templates = {t.uri_template: t for t in (await mcp.list_resource_templates()).resource_templates}
    views = {"ui://qomon/breakdown.html", "ui://qomon/table.html", "ui://qomon/card.html", "ui://qomon/receipt.html"}
    assert set(resources) == {"qomon://search/attributes", "qomon://fundraising/reference", *views}
    assert {r.mime_type for uri, r in resources.items() if uri in views} == {"text/html;profile=mcp-app"}
    resources = {uri: r for uri, r in resources.items() if uri not in views}
    assert set(templates) == {"qomon://forms/{type}", "qomon://contacts/{id}", "qomon://actions/{id}"}
    assert all(r.title and r.description and r.mime_type == "application/json" for r in resources.values())
    assert all(t.title and t.description for t in templates.values())


@pytest.mark.parametrize("form_type", ["consent", "survey", "level_of_support"])
async def test_forms_of_a_type_with_their_ids_and_values(mcp: Client, sandbox: Sandbox, form_type: str) -> None:
    data = await read(mcp, f"qomon://forms/{form_type}")
    assert data["forms"]
    for form in data["forms"]:
        assert form["id"] and form["label"] and form["form_type"] == form_type
    assert any(v.get("id") and v.get("value") for f in data["forms"] for v in f.get("values", []))
    assert routes(sandbox) == [("GET", "/v1/forms/type/{type}")]


async def test_the_search_attribute_reference(mcp: Client, sandbox: Sandbox) -> None:
    data = await read(mcp, "qomon://search/attributes")
    by_name = {a["attr"]: a for a in data["attributes"]}
    assert set(by_name) == set(ATTRIBUTES)
    assert by_name["tags.name"]["operators"] == ["eql", "not_eql", "any_of", "none_of", "all_of", "ext", "not_ext"]
    assert by_name["address.city"]["meaning"] == "City"
    assert data["operators"]["gte"] == "is after / at least"
    assert {a["value"] for a in data["attributes"]} <= set(data["values"]), "every value kind is explained"
    assert sandbox.request_log == []


async def test_the_fundraising_reference_data(mcp: Client, sandbox: Sandbox) -> None:
    data = await read(mcp, "qomon://fundraising/reference")
    assert "CB" in data["payment_method_kinds"]
    assert data["statuses"] and data["donation_prices"] and data["membership_prices"]
    assert ("GET", "/v1/transaction_settings") in routes(sandbox)


async def test_a_contact_by_id_is_decoded(mcp: Client, sandbox: Sandbox) -> None:
    space = sandbox.space_for(DEMO_KEYS["eu"])
    contact = next(c for c in space.contacts.values() if c.get("surname"))
    data = await read(mcp, f"qomon://contacts/{contact['id']}")
    assert data["id"] == contact["id"]
    assert data["surname"] == contact["surname"]
    assert ("GET", "/contacts/{id}") in routes(sandbox)


async def test_an_action_by_id(mcp: Client, sandbox: Sandbox) -> None:
    space = sandbox.space_for(DEMO_KEYS["eu"])
    action = next(iter(space.actions.values()))
    data = await read(mcp, f"qomon://actions/{action['id']}")
    assert data["id"] == action["id"]
    assert data["name"] == action["name"]
    assert routes(sandbox) == [("GET", "/actions")]


async def test_resources_read_the_callers_own_space(sandbox: Sandbox) -> None:
    us = sandbox.space_for(DEMO_KEYS["us"])
    contact = next(c for c in us.contacts.values() if c.get("surname"))
    server = create_server(Settings(api_key=DEMO_KEYS["us"], region="us"), transport=sandbox.transport())
    async with Client(server) as mcp:
        data = await read(mcp, f"qomon://contacts/{contact['id']}")
    assert data["surname"] == contact["surname"]
    assert {r.key_hash for r in sandbox.request_log} == {key_hash(DEMO_KEYS["us"])}


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("qomon://forms/poll", "Unknown form type 'poll'; use one of: consent, survey,"),
        ("qomon://contacts/abc", "Contact ids are positive whole numbers, as in qomon://contacts/48213."),
        ("qomon://contacts/1", missing("contact", 1)),
        ("qomon://actions/0", "Action ids are positive whole numbers"),
        ("qomon://actions/1", missing("action", 1)),
    ],
    ids=["form-type", "contact-id", "no-contact", "action-id", "no-action"],
)
async def test_a_failed_read_is_one_sentence(mcp: Client, uri: str, message: str) -> None:
    with pytest.raises(MCPError) as raised:
        await mcp.read_resource(uri)
    assert str(raised.value).startswith(message)


async def test_a_refused_key_is_explained_without_the_key(sandbox: Sandbox) -> None:
    server = create_server(Settings(api_key="sandbox-unknown-key"), transport=sandbox.transport())
    async with Client(server) as mcp:
        with pytest.raises(MCPError) as raised:
            await mcp.read_resource("qomon://fundraising/reference")
    assert str(raised.value).startswith("Qomon refused the API key")
    assert "sandbox-unknown-key" not in str(raised.value)


async def test_a_resource_of_a_disabled_toolset_is_refused(sandbox: Sandbox) -> None:
    server = create_server(Settings(api_key=DEMO_KEYS["eu"], toolsets="contacts"), transport=sandbox.transport())
    async with Client(server) as mcp:
        listed = {str(r.uri) for r in (await mcp.list_resources()).resources}
        templates = {t.uri_template for t in (await mcp.list_resource_templates()).resource_templates}
        with pytest.raises(MCPError, match="does not enable the fundraising toolset"):
            await mcp.read_resource("qomon://fundraising/reference")
    assert sandbox.request_log == []
    # The view of get_contact (contacts toolset) is all that is listed: no JSON resource is plain-listed there.
    assert listed == {"ui://qomon/card.html"}
    assert templates == {"qomon://contacts/{id}"}


async def test_form_types_complete_in_the_template(mcp: Client) -> None:
    ref = ResourceTemplateReference(uri="qomon://forms/{type}")
    completion = (await mcp.complete(ref, {"name": "type", "value": "c"})).completion
    assert completion.values == ["consent", "custom_fields", "presence_status"]  # prefix matches first
