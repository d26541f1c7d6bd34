"""The README's three requests, played the way a model would play them, against the demo space."""

from __future__ import annotations

import pytest
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.settings import Settings
from tests.calls import call, contacts_in
from tests.spaces import demo_sandbox

pytestmark = pytest.mark.anyio


@pytest.fixture
def sandbox() -> Sandbox:
    return demo_sandbox(contacts=800, burst=1000, rate=1000.0, upsert_delay=0.01)


async def test_how_many_volunteers_in_lyon_have_a_mobile_number(sandbox: Sandbox) -> None:
    space = sandbox.space_for(DEMO_KEYS["eu"])
    expected = sum(
        1
        for c in space.contacts.values()
        if (c.get("address") or {}).get("city", "").lower() == "lyon"
        and c.get("mobile")
        and any(t["name"] == "volunteer" for t in c.get("tags") or [])
    )
    query = {
        "conditions": [
            {"attr": "tags.name", "ope": "eql", "value": "volunteer"},
            {"attr": "address.city", "ope": "eql", "value": "Lyon"},
            {"attr": "mobile", "ope": "ext"},
        ]
    }
    async with Client(create_server(Settings(api_key=DEMO_KEYS["eu"]), transport=sandbox.transport())) as client:
        counted = await call(client, "count_contacts", {"query": query})
    assert expected > 0
    assert counted["total"] == expected


async def test_record_a_50_eur_donation_from_jane(sandbox: Sandbox) -> None:
    space = sandbox.space_for(DEMO_KEYS["eu"])
    jane = next(c for c in space.contacts.values() if c.get("firstname") and c.get("surname") and c.get("mail"))
    async with Client(create_server(Settings(api_key=DEMO_KEYS["eu"]), transport=sandbox.transport())) as client:
        found = await call(
            client,
            "search_contacts",
            {"query": {"conditions": [{"attr": "mail", "ope": "eql:strictdata", "value": jane["mail"]}]}},
        )
        (contact,) = contacts_in(found)
        reference = await call(client, "get_fundraising_reference", {})
        donation_price = next(p for p in reference["donation_prices"] if p.get("custom_amount"))
        payment_method = reference["payment_method_kinds"][0]
        recorded = await call(
            client,
            "save_bundle",
            {
                "transactions": [
                    {
                        "contact_id": contact["id"],
                        "amount_cents": 5000,
                        "payment_method_kind": payment_method,
                        "date": "2026-11-20T10:00:00Z",
                    }
                ],
                "donations": [
                    {"contact_id": contact["id"], "donation_price_id": donation_price["id"], "amount_cents": 5000}
                ],
            },
        )
    bundle = space.bundles[recorded["bundle_id"]]
    assert [t["amount"] for t in bundle["transactions"]] == [5000]
    assert [(d["contact_id"], d["amount"]) for d in bundle["donations"]] == [(jane["id"], 5000)]


async def test_invite_three_people_as_organizers(sandbox: Sandbox) -> None:
    space = sandbox.space_for(DEMO_KEYS["eu"])
    emails = ["lea.martin@example.org", "omar.haddad@example.org", "ines.roux@example.org"]
    async with Client(create_server(Settings(api_key=DEMO_KEYS["eu"]), transport=sandbox.transport())) as client:
        invited = await call(
            client, "invite_users", {"invitations": [{"email": e, "role": "Organizer"} for e in emails]}
        )
        pending = await call(client, "get_users", {"view": "invitations"})
    organizer = next(r for r in space.roles.values() if r["type"] == "manager")
    stored = {i["email"]: i["role_id"] for i in space.invitations.values()}
    assert all(stored[e] == organizer["id"] for e in emails)
    assert set(emails) <= {i["email"] for i in pending["invitations"]}
    assert sorted(i["email"] for i in invited["invited"]) == sorted(emails)
    assert "failed" not in invited
