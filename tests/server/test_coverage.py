"""The tool suite reaches every one of Qomon's 38 documented endpoints (read from the sandbox's request log)."""

from __future__ import annotations

import pytest
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import create_demo_sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.settings import Settings
from qomon_mcp.spec.endpoints import ENDPOINTS
from tests.calls import call, confirmed

pytestmark = pytest.mark.anyio


async def test_every_documented_endpoint_is_reachable_through_the_tools() -> None:
    sandbox = create_demo_sandbox(contacts=300, burst=1000, rate=1000.0, upsert_delay=0.01)
    space = sandbox.space_for(DEMO_KEYS["eu"])
    server = create_server(Settings(api_key=DEMO_KEYS["eu"]), transport=sandbox.transport())
    contact_id = next(iter(space.contacts))
    user_id = max(u["id"] for u in space.users.values() if u["role"] == "user")
    team = space.live_teams()[0]
    invitation_id = next(iter(space.invitations))
    async with Client(server) as client:
        # Contacts and search
        ada = {"firstname": "Ada", "surname": "Lovelace", "mail": "ada@example.org"}
        new = await call(client, "save_contact", ada)
        await call(client, "get_contact", {"contact_id": contact_id})
        await call(client, "save_contact", {"contact_id": new["id"], "mobile": "+33600000001"})
        await call(client, "upsert_contacts", {"records": [{"mail": "grace@example.org", "surname": "Hopper"}]})
        await confirmed(client, "delete_contact", {"contact_id": new["id"]})
        await call(client, "search_contacts", {"per_page": 5})
        await call(client, "count_contacts", {})
        # Forms and actions
        forms = await call(client, "get_forms", {"form_type": "consent"})
        await call(client, "get_forms", {"form_id": forms["forms"][0]["id"]})
        await call(client, "get_actions", {})
        # Users, roles, invitations
        await call(client, "get_users", {})
        await call(client, "get_users", {"user_id": user_id})
        await call(client, "get_users", {"view": "roles"})
        await call(client, "get_users", {"view": "invitations"})
        await call(client, "update_user", {"user_id": user_id, "city": "Nantes"})
        await confirmed(client, "change_user_role", {"user_id": user_id, "role": "manager"})
        await call(client, "invite_users", {"invitations": [{"email": "new.organizer@example.org", "role": "manager"}]})
        await confirmed(client, "revoke_access", {"invitation_id": invitation_id})
        await confirmed(client, "revoke_access", {"user_id": user_id})
        # Teams and messages
        await call(client, "get_teams", {})
        await call(client, "get_teams", {"public_only": True})
        await call(client, "get_teams", {"team_id": team["id"]})
        created = await call(client, "save_team", {"name": "Phone bank"})
        await call(client, "save_team", {"team_id": created["id"], "description": "Tuesday evenings"})
        message = {"title": "Hello", "body": "Welcome!", "team_ids": [created["id"]]}
        await confirmed(client, "send_global_message", message)
        await confirmed(client, "delete_team", {"team_id": created["id"]})
        # Fundraising
        await call(client, "get_fundraising_reference", {})
        bundle = await call(
            client,
            "save_bundle",
            {
                "transactions": [
                    {
                        "contact_id": contact_id,
                        "amount_cents": 5000,
                        "payment_method_kind": "CB",
                        "date": "2026-03-29T12:00:00Z",
                    }
                ],
                "donations": [{"contact_id": contact_id, "donation_price_id": 20, "amount_cents": 5000}],
            },
        )
        await call(client, "get_bundles", {})
        await call(client, "get_bundles", {"bundle_id": bundle["bundle_id"], "include_history": True})
        await confirmed(client, "refund_bundle", {"bundle_id": bundle["bundle_id"], "amount_cents": 1000})
        await confirmed(client, "delete_bundle", {"bundle_id": bundle["bundle_id"]})
    reached = {(r.method, r.route) for r in sandbox.request_log if 200 <= r.status < 300}
    missing = sorted(f"{e.method} {e.route}" for e in ENDPOINTS if (e.method, e.route) not in reached)
    assert not missing, f"no tool reached: {missing}"
