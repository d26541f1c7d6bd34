"""save_bundle checks the contacts it is given exist before it writes anything.

The emulator records a payment for any contact id; what Qomon does is unknown, so the tool asks
first: one GET /contacts/{id} per distinct id, then a one-sentence refusal naming the missing ones.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.space import Space
from tests.calls import call

pytestmark = pytest.mark.anyio

MISSING = 999_999_001
ALSO_MISSING = 999_999_002


def transaction(contact_id: int, **overrides: Any) -> dict[str, Any]:
    fields = {"contact_id": contact_id, "amount_cents": 5000, "payment_method_kind": "CB", "date": "2026-03-29"}
    return fields | overrides


def sent(sandbox: Sandbox, start: int) -> list[tuple[str, str]]:
    return [(e.method, e.route) for e in sandbox.request_log[start:]]


async def test_a_payment_for_a_missing_contact_is_refused_before_anything_is_written(
    mcp: Client, sandbox: Sandbox, space: Space
) -> None:
    payer = min(space.contacts)
    bundles = len(space.bundles)
    start = len(sandbox.request_log)
    result = await mcp.call_tool("save_bundle", {"transactions": [transaction(payer), transaction(MISSING)]})
    assert result.is_error
    text = result.content[0].text
    assert text == (
        f"Contact {MISSING} does not exist, so nothing was recorded; find contact ids with search_contacts."
    )
    assert len(space.bundles) == bundles
    requests = sent(sandbox, start)
    assert ("POST", "/v1/transaction_bundles") not in requests
    assert requests.count(("GET", "/contacts/{id}")) == 2  # the payer and the missing one, once each


async def test_every_missing_contact_is_named_and_each_id_asked_once(
    mcp: Client, sandbox: Sandbox, space: Space
) -> None:
    membership = {
        "contact_id": ALSO_MISSING,
        "membership_price_id": 10,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
    }
    start = len(sandbox.request_log)
    result = await mcp.call_tool(
        "save_bundle",
        {"transactions": [transaction(MISSING), transaction(MISSING)], "memberships": [membership]},
    )
    assert result.is_error
    assert result.content[0].text.startswith(f"Contacts {MISSING}, {ALSO_MISSING} do not exist")
    assert sent(sandbox, start).count(("GET", "/contacts/{id}")) == 2


async def test_a_payment_for_existing_contacts_is_recorded(mcp: Client, sandbox: Sandbox, space: Space) -> None:
    payer = min(space.contacts)
    start = len(sandbox.request_log)
    two_payments = [transaction(payer), transaction(payer, amount_cents=100)]
    written = await call(mcp, "save_bundle", {"transactions": two_payments})
    assert written["bundle_id"] in space.bundles
    requests = sent(sandbox, start)
    assert requests.count(("GET", "/contacts/{id}")) == 1
    assert requests.index(("GET", "/contacts/{id}")) < requests.index(("POST", "/v1/transaction_bundles"))


async def test_a_change_naming_a_missing_contact_is_refused_before_the_update(
    mcp: Client, sandbox: Sandbox, space: Space
) -> None:
    bundle_id = min(space.bundles)
    transaction_id = space.bundles[bundle_id]["transactions"][0]["id"]
    before = repr(space.bundles[bundle_id])
    start = len(sandbox.request_log)
    result = await mcp.call_tool(
        "save_bundle", {"bundle_id": bundle_id, "transactions": [{"id": transaction_id, "contact_id": MISSING}]}
    )
    assert result.is_error
    assert result.content[0].text.startswith(f"Contact {MISSING} does not exist")
    assert ("PATCH", "/v1/transaction_bundles/{id}") not in sent(sandbox, start)
    assert repr(space.bundles[bundle_id]) == before
