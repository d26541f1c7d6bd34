"""Privacy mode: no full email, phone number, street or birth date of the demo space reaches the model.

Every read tool, the contact resource, ChatGPT's `search` and `fetch` and the contact writes are
called on a masked server; their whole output (text and structured content) is scanned for every
email and phone number of the space's contacts, users and invitations, every contact's full birth
date and street. The masked forms are there instead, and a search on an exact mail still finds its
contact. The masking functions are checked on their own first.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mcp import Client
from mcp_types import PromptReference

from qomon_mcp.assemble import create_server
from qomon_mcp.cli import main
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.sandbox.space import Space
from qomon_mcp.server import privacy
from qomon_mcp.settings import Settings
from qomon_mcp.toolset_table import TOOLSETS
from qomon_mcp.toolsets.helpers.contact_view import CONTACT_FIELDS
from tests.spaces import demo_sandbox

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("function", "value", "expected"),
    [
        pytest.param(privacy.mask_email, "jean.dupont@example.org", "j***@example.org", id="email"),
        pytest.param(privacy.mask_email, "not an address", "••", id="email-malformed"),
        pytest.param(privacy.mask_phone, "+33 6 12 34 56 78", "+33 6 •• •• •• 78", id="phone-spaced"),
        pytest.param(privacy.mask_phone, "+33639987961", "+336••••••61", id="phone-compact"),
        pytest.param(privacy.mask_phone, "06 12 34 56 78", "06 •• •• •• 78", id="phone-national"),
        pytest.param(privacy.mask_phone, "112", "••", id="phone-short"),
        pytest.param(privacy.mask_birthdate, "1984-03-12T00:00:00Z", "1984", id="birthdate"),
        pytest.param(privacy.mask_birthdate, "12/03/1984", "1984", id="birthdate-french"),
        pytest.param(privacy.mask_address_line, "12 Rue des Lilas, Bât B, 69003 Lyon", "69003 Lyon", id="address"),
        pytest.param(privacy.mask_address_line, "56 Rue Jules Ferry", None, id="address-street-only"),
        pytest.param(privacy.mask_address_line, "Lyon, France", "Lyon, France", id="address-town-only"),
        pytest.param(privacy.scrub_text, "Call 06 12 34 56 78 or a@b.fr on 2024-05-01",
                     "Call 06 •• •• •• 78 or a***@b.fr on 2024-05-01", id="text"),
    ],
)  # fmt: skip
def test_each_masking_function(function: Any, value: str, expected: str | None) -> None:
    assert function(value) == expected


def test_the_walker_masks_known_keys_and_table_columns_and_drops_the_door() -> None:
    shaped = {
        "mail": "ada@example.org",
        "address": {"housenumber": "12", "street": "Rue des Lilas", "postalcode": "69003", "city": "Lyon"},
        "columns": ["id", "phone", "coordinates", "birthdate"],
        "rows": [[1, "+33 6 11 22 33 44", "45.7,4.8", "1815-12-10"]],
        "id": 7,
        "count": 3,
    }
    assert privacy.mask(shaped) == {
        "mail": "a***@example.org",
        "address": {"postalcode": "69003", "city": "Lyon"},
        "columns": ["id", "phone", "birthdate"],
        "rows": [[1, "+33 6 •• •• •• 44", "1815"]],
        "id": 7,
        "count": 3,
    }


@pytest.fixture
def sandbox() -> Sandbox:
    return demo_sandbox(contacts=300, burst=1000, rate=1000.0)


@pytest.fixture
async def masked(sandbox: Sandbox) -> AsyncIterator[Client]:
    settings = Settings(api_key=DEMO_KEYS["eu"], toolsets=",".join(TOOLSETS), privacy="masked")  # type: ignore[arg-type]
    async with Client(create_server(settings, transport=sandbox.transport())) as client:
        yield client


def space_of(sandbox: Sandbox) -> Space:
    return sandbox.space_for(DEMO_KEYS["eu"])


def secrets(space: Space) -> set[str]:
    """Every email and phone number of the space, each contact's full birth date and street."""
    found: set[str] = set()
    for contact in space.contacts.values():
        found |= {contact.get(key) for key in ("mail", "phone", "mobile")}
        found.add((contact.get("birthdate") or "")[:10])
        found.add((contact.get("address") or {}).get("street"))
    for user in space.users.values():
        found |= {user.get("mail"), user.get("phone")}
    for invitation in space.invitations.values():
        found |= {invitation.get("email"), invitation.get("mobile_phone")}
    found = {value for value in found if isinstance(value, str) and len(value) >= 5}
    # A phone number is also looked for without its spaces.
    return found | {value.replace(" ", "") for value in found if value.startswith(("+", "0"))}


def full_contact(space: Space) -> dict[str, Any]:
    """A contact with every masked detail filled in."""
    return next(
        c for c in space.contacts.values()
        if c.get("mail") and c.get("phone") and c.get("mobile") and c.get("birthdate")
        and (c.get("address") or {}).get("street")
    )  # fmt: skip


async def output(client: Client, tool: str, arguments: dict[str, Any]) -> str:
    """All the model reads of one call: its text items and its structured content."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    texts = [item.text for item in result.content if item.type == "text"]
    return "\n".join([*texts, json.dumps(result.structured_content, ensure_ascii=False)])


def assert_nothing_leaks(what: str, seen: str, space: Space) -> None:
    leaked = sorted(value for value in secrets(space) if value in seen)
    assert not leaked, f"{what} shows {leaked[:5]}"


READS = [
    pytest.param("get_contact", {"contact_id": "CONTACT"}, id="get_contact"),
    pytest.param("search_contacts", {"per_page": 300}, id="search_contacts-default-fields"),
    pytest.param("search_contacts", {"per_page": 300, "fields": list(CONTACT_FIELDS)}, id="search_contacts-all-fields"),
    pytest.param("get_users", {"limit": 200}, id="get_users"),
    pytest.param("get_users", {"user_id": "USER"}, id="get_users-one"),
    pytest.param("get_users", {"view": "invitations"}, id="get_users-invitations"),
    pytest.param("get_teams", {}, id="get_teams"),
    pytest.param("get_teams", {"team_id": "TEAM"}, id="get_teams-members"),
    pytest.param("get_actions", {"limit": 100}, id="get_actions"),
    pytest.param("get_actions", {"action_id": "ACTION"}, id="get_actions-one"),
    pytest.param("get_bundles", {"limit": 1000}, id="get_bundles"),
    pytest.param("fetch", {"id": "CONTACT"}, id="chatgpt-fetch"),
    pytest.param("search", {"query": "MAIL"}, id="chatgpt-search-by-mail"),
    pytest.param("search", {"query": ""}, id="chatgpt-search-latest"),
]  # fmt: skip


def filled(arguments: dict[str, Any], space: Space) -> dict[str, Any]:
    contact = full_contact(space)
    ids = {
        "CONTACT": contact["id"], "MAIL": contact["mail"], "USER": next(iter(space.users)),
        "TEAM": max(space.teams, key=lambda t: len(space.teams[t].get("users") or [])),
        "ACTION": next(iter(space.actions)),
    }  # fmt: skip
    named = {key: ids.get(value, value) if isinstance(value, str) else value for key, value in arguments.items()}
    return {key: str(value) if key == "id" else value for key, value in named.items()}


@pytest.mark.parametrize(("tool", "arguments"), READS)
async def test_no_read_tool_shows_a_full_contact_detail(
    masked: Client, sandbox: Sandbox, tool: str, arguments: dict[str, Any]
) -> None:
    space = space_of(sandbox)
    seen = await output(masked, tool, filled(arguments, space))
    assert_nothing_leaks(tool, seen, space)


async def test_get_contact_shows_the_masked_forms(masked: Client, sandbox: Sandbox) -> None:
    contact = full_contact(space_of(sandbox))
    data = (await masked.call_tool("get_contact", {"contact_id": contact["id"]})).structured_content
    assert isinstance(data, dict)
    assert data["mail"] == privacy.mask_email(contact["mail"]) and data["mail"].count("*") == 3
    assert data["mobile"] == privacy.mask_phone(contact["mobile"]) and contact["mobile"][-2:] == data["mobile"][-2:]
    assert data["birthdate"] == contact["birthdate"][:4]
    address = contact["address"]
    assert data["address"].startswith(address["postalcode"]) and address["city"] in data["address"]
    assert "coordinates" not in data


async def test_the_contact_resource_is_masked(masked: Client, sandbox: Sandbox) -> None:
    space = space_of(sandbox)
    contact = full_contact(space)
    read = await masked.read_resource(f"qomon://contacts/{contact['id']}")
    (content,) = read.contents
    text = content.text  # type: ignore[union-attr]
    assert_nothing_leaks("the contact resource", text, space)
    assert privacy.mask_email(contact["mail"]) in text


async def test_a_search_on_an_exact_mail_still_finds_the_contact(masked: Client, sandbox: Sandbox) -> None:
    space = space_of(sandbox)
    contact = full_contact(space)
    query = {"conditions": [{"attr": "mail", "ope": "eql:strictdata", "value": contact["mail"]}]}
    result = await masked.call_tool("search_contacts", {"query": query, "fields": ["mail", "phone"]})
    data = result.structured_content
    assert isinstance(data, dict) and not result.is_error
    rows = [dict(zip(data["columns"], row, strict=True)) for row in data["rows"]]
    assert {
        "id": contact["id"],
        "mail": privacy.mask_email(contact["mail"]),
        "phone": privacy.mask_phone(contact["phone"]),
    } in rows
    counted = await masked.call_tool("count_contacts", {"query": query})
    assert counted.structured_content and counted.structured_content.get("total", 0) >= 1
    assert_nothing_leaks("search_contacts", await output(masked, "search_contacts", {"query": query}), space)


WRITTEN = {
    "mail": "ada.lovelace@example.org", "phone": "+33 4 11 22 33 44", "mobile": "+33 6 55 66 77 88",
    "birthdate": "1815-12-10",
}  # fmt: skip
STREET = "Rue des Lilas Secrètes"


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(("save_contact", {"firstname": "Ada", "surname": "Lovelace", **WRITTEN,
                      "address": {"housenumber": "12", "street": STREET, "postalcode": "69003", "city": "Lyon"}}),
                     id="save_contact-create"),
        pytest.param(("save_contact", {"contact_id": "CONTACT", **WRITTEN,
                      "address": {"street": STREET}}), id="save_contact-update"),
        pytest.param(("upsert_contacts", {"records": [{"firstname": "Ada", "surname": "Lovelace", **WRITTEN,
                      "address": {"street": STREET, "city": "Lyon"}}]}), id="upsert_contacts"),
    ],
)  # fmt: skip
async def test_write_results_do_not_echo_the_values_written(
    masked: Client, sandbox: Sandbox, call: tuple[str, dict[str, Any]]
) -> None:
    space = space_of(sandbox)
    tool, arguments = call
    seen = await output(masked, tool, filled(arguments, space))
    echoed = [value for value in (*WRITTEN.values(), STREET, WRITTEN["phone"].replace(" ", "")) if value in seen]
    assert not echoed, f"{tool} echoes {echoed}"
    assert_nothing_leaks(tool, seen, space)


async def test_a_full_server_shows_the_details(sandbox: Sandbox) -> None:
    # The check above is only meaningful if the same call shows them when not masked.
    space = space_of(sandbox)
    contact = full_contact(space)
    settings = Settings(api_key=DEMO_KEYS["eu"])  # type: ignore[arg-type]
    async with Client(create_server(settings, transport=sandbox.transport())) as client:
        seen = await output(client, "get_contact", {"contact_id": contact["id"]})
    assert contact["mail"] in seen and contact["mobile"] in seen and contact["address"]["street"] in seen


async def test_a_completion_from_the_space_masks_a_phone_or_email_in_it(masked: Client, sandbox: Sandbox) -> None:
    contact = max(space_of(sandbox).contacts.values(), key=lambda c: c.get("lastchange") or "")
    contact["tags"].append({"id": 9_900_002, "name": "Ring 06 12 34 56 78 or tag.owner@example.org"})
    completion = await masked.complete(PromptReference(name="build_segment"), {"name": "tag", "value": "Ring"})
    assert completion.completion.values == ["Ring 06 •• •• •• 78 or t***@example.org"]


def test_call_on_the_command_line_takes_privacy_masked(capsys: pytest.CaptureFixture[str]) -> None:
    arguments = json.dumps({"fields": ["mail", "phone", "mobile"], "per_page": 100})
    assert main(["call", "--sandbox", "--privacy", "masked", "search_contacts", arguments]) == 0
    printed = capsys.readouterr().out
    assert "***@" in printed and "••" in printed
    assert not re.search(r"[\w.+-]{2,}@", printed), "no full email"
    assert not re.search(r"\+\d{11}\b", printed), "no full phone number"


async def test_an_error_quoting_a_mail_masks_it(masked: Client) -> None:
    result = await masked.call_tool("search_contacts", {"updated_since": "jean.dupont@example.org"})
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "jean.dupont@example.org" not in text and "j***@example.org" in text
