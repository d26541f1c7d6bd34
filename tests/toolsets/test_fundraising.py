import copy
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import NO_FUNDRAISING_KEY
from qomon_mcp.sandbox.space import Space
from qomon_mcp.server.explain import missing
from qomon_mcp.settings import Settings
from tests.calls import call, confirmed, hints
from tests.toolsets.wire import recorded_client

pytestmark = pytest.mark.anyio

WRITES = ("POST", "PATCH", "DELETE")
# Contacts of the demo space: save_bundle checks that the contacts it is given exist.
PAYER = 1000120
BENEFICIARY = 1000121


@pytest.fixture
async def mcp_no_addon(sandbox: Sandbox) -> AsyncIterator[Client]:
    server = create_server(Settings(api_key=NO_FUNDRAISING_KEY), transport=sandbox.transport())
    async with Client(server) as client:
        yield client


async def refused(mcp: Client, tool: str, arguments: dict[str, Any]) -> str:
    result = await mcp.call_tool(tool, arguments)
    assert result.is_error
    return result.content[0].text


def writes(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [(r.method, r.route) for r in sandbox.request_log if r.method in WRITES]


def status_kind(space: Space, status_id: int) -> str:
    return next(s["kind"] for s in space.transaction_statuses if s["id"] == status_id)


def paid_bundle(space: Space) -> dict[str, Any]:
    """A seeded bundle with one valid transaction paying for a membership and a donation."""
    return next(
        b
        for b in space.bundles.values()
        if len(b["transactions"]) == 1
        and b["memberships"]
        and b["donations"]
        and status_kind(space, b["transactions"][0]["status_id"]) == "valid"
        and not b["transactions"][0]["reimbursed_amount"]
    )


def transaction(**overrides: Any) -> dict[str, Any]:
    return {"contact_id": PAYER, "amount_cents": 5000, "payment_method_kind": "CB", "date": "2026-03-29"} | overrides


MEMBERSHIP = {"contact_id": PAYER, "membership_price_id": 10, "start_date": "2026-01-01", "end_date": "2026-12-31"}


ANNOTATIONS = {  # read-only, destructive, idempotent
    "get_fundraising_reference": (True, False, True),
    "get_bundles": (True, False, True),
    "save_bundle": (False, False, False),  # a new payment, or items without an id, are added each time
    "refund_bundle": (False, True, True),  # the amount is the total refunded, so a repeat is a no-op
    "delete_bundle": (False, True, True),
}


@pytest.mark.parametrize("tool", list(ANNOTATIONS), ids=str)
async def test_annotations_say_what_each_tool_does(mcp: Client, tool: str) -> None:
    listed = {t.name: t for t in (await mcp.list_tools()).tools}
    assert await hints(mcp, tool) == (*ANNOTATIONS[tool], False)
    assert "anyOf" not in listed[tool].input_schema and "oneOf" not in listed[tool].input_schema


async def test_reference_all_gives_what_save_bundle_needs(mcp: Client, space: Space) -> None:
    view = await call(mcp, "get_fundraising_reference", {})
    settings = space.transaction_settings
    assert view["payment_method_kinds"] == settings["payment_method_kinds"]
    assert view["default_status_id"] == settings["default_status_id"]
    assert {s["kind"] for s in view["statuses"]} >= {"valid", "reimbursed"}
    assert not any(s.get("archived") for s in view["statuses"])
    standard = next(p for p in view["membership_prices"] if p["id"] == 10)
    assert (standard["amount_cents"], standard["amount"], standard["group"]) == (3000, "30.00 EUR", "Individual")
    assert "hidden" not in standard  # flags appear only when true
    assert view["code_campaigns"] == [c["code"] for c in space.code_campaigns]
    assert {p["id"] for p in view["donation_prices"]} == {p["id"] for p in space.donation_prices}


@pytest.mark.parametrize(
    "kind",
    ["settings", "statuses", "code_campaigns", "membership_prices", "membership_price_groups", "donation_prices"],
    ids=str,
)
async def test_reference_kind_narrows_to_one_list(mcp: Client, kind: str) -> None:
    view = await call(mcp, "get_fundraising_reference", {"kind": kind})
    assert view[kind]
    assert set(view) - {"payment_method_kinds", "default_status_id", "currency", "note", "untrusted"} == {kind}


async def test_reference_statuses_show_archived_ones(mcp: Client) -> None:
    view = await call(mcp, "get_fundraising_reference", {"kind": "statuses"})
    assert any(s.get("archived") for s in view["statuses"])


async def test_get_bundles_pages_newest_first_with_a_handle_for_more(mcp: Client, space: Space) -> None:
    view = await call(mcp, "get_bundles", {"limit": 5, "offset": 2})
    total = len(space.bundles)
    assert view["total"] == total and len(view["bundles"]) == 5
    assert f"{total - 7} more of {total}; use offset=7." in view["note"]
    created = [b["created_at"] for b in view["bundles"]]
    assert created == sorted(created, reverse=True)
    tx = view["bundles"][0]["transactions"][0]
    assert isinstance(tx["amount_cents"], int) and tx["amount"].endswith(" EUR")
    assert {"payer_contact_id", "status"} <= set(tx)


async def test_get_bundles_contact_filter_covers_the_page(mcp: Client, space: Space) -> None:
    newest = max(space.bundles.values(), key=lambda b: b["created_at"])
    payer = newest["transactions"][0]["contact_id"]
    view = await call(mcp, "get_bundles", {"contact_id": payer, "limit": 3})
    assert newest["id"] in [b["id"] for b in view["bundles"]]
    assert "this page only" in view["note"]


async def test_get_one_bundle_with_its_history(mcp: Client, space: Space) -> None:
    bundle = paid_bundle(space)
    view = await call(mcp, "get_bundles", {"bundle_id": bundle["id"], "include_history": True})
    (shown,) = view["bundles"]
    assert shown["memberships"][0]["beneficiary_contact_id"] == bundle["memberships"][0]["contact_id"]
    assert shown["memberships"][0]["price"]
    assert {(h["kind"], h["change"]) for h in view["history"]} >= {("transaction", "created")}


async def test_save_bundle_new_sends_checked_complete_items(mcp: Client, space: Space) -> None:
    arguments = {
        "transactions": [transaction(payment_method_kind="cb", code_campaign="WEB", external_transaction_id=1001)],
        "memberships": [MEMBERSHIP],
        "donations": [{"contact_id": BENEFICIARY, "donation_price_id": 21}],
    }
    written = await call(mcp, "save_bundle", arguments)
    stored = space.bundles[written["bundle_id"]]
    (tx,) = stored["transactions"]
    assert tx["payment_method_kind"] == "CB"  # the space's spelling
    assert tx["status_id"] == space.transaction_settings["default_status_id"]
    assert (tx["amount"], tx["currency"], tx["external_transaction_id"]) == (5000, "eur", 1001)
    assert tx["date"].startswith("2026-03-29T00:00:00")
    (membership,) = stored["memberships"]
    assert (membership["amount"], membership["amount_initial"]) == (3000, 3000)  # the price's amount
    (donation,) = stored["donations"]
    assert (donation["contact_id"], donation["amount"]) == (BENEFICIARY, 2000)
    assert donation["date"] == tx["date"]
    assert "50.00 EUR" in written["summary"]


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({"transactions": [transaction(payment_method_kind="paypal")]}, "use one of: CB, cheque"),
        ({"transactions": [transaction(status_id=99)]}, "status_id 99 does not exist; use one of: 1 Validated"),
        ({"transactions": [transaction(code_campaign="NOPE")]}, "use one of: GALA"),
        ({"transactions": [transaction(date="2025-02-31")]}, "not a valid calendar date"),
        ({"transactions": [transaction(amount_cents=0)]}, "amount_cents"),
        ({"transactions": [transaction(external_transaction_id="A-1")]}, "external_transaction_id"),
        ({"transactions": []}, "transactions"),
        (
            {"transactions": [transaction()], "memberships": [MEMBERSHIP | {"membership_price_id": 99}]},
            "membership_price_id 99 does not exist; use one of: 10 Standard (30.00 EUR)",
        ),
        (
            {"transactions": [transaction()], "donations": [{"contact_id": 1, "donation_price_id": 99}]},
            "donation_price_id 99 does not exist",
        ),
        (
            {"transactions": [transaction()], "donations": [{"contact_id": 1, "donation_price_id": 20}]},
            "needs amount_cents",
        ),
        (
            {"transactions": [transaction()], "memberships": [MEMBERSHIP | {"end_date": "2025-12-31"}]},
            "end_date is before its start_date",
        ),
        (
            {"transactions": [transaction(amount_cents=1000)], "memberships": [MEMBERSHIP]},
            "add up to 30.00 EUR, more than the 10.00 EUR",
        ),
        ({"transactions": [transaction(id=7)]}, "only items of an existing bundle have; give bundle_id"),
        ({"transactions": [transaction(unpaid_amount_cents=100)]}, "cannot take unpaid_amount_cents"),
        ({"donations": [{"contact_id": 1, "donation_price_id": 21}]}, "A new payment needs at least one transaction"),
    ],
    ids=[
        "payment-method",
        "status",
        "campaign-code",
        "calendar-date",
        "zero-amount",
        "string-external-id",
        "no-transaction",
        "membership-price",
        "donation-price",
        "free-price-without-amount",
        "membership-ends-before-start",
        "products-exceed-payment",
        "item-id-without-bundle",
        "field-only-for-existing-items",
        "products-without-payment",
    ],
)
async def test_save_bundle_new_refuses_before_sending(
    mcp: Client, sandbox: Sandbox, arguments: dict[str, Any], says: str
) -> None:
    assert says in await refused(mcp, "save_bundle", arguments)
    assert writes(sandbox) == []


async def test_save_bundle_new_rechecks_stale_reference_data(mcp: Client, space: Space) -> None:
    await call(mcp, "get_fundraising_reference", {})
    space.code_campaigns.append({"code": "NEW2026"})  # created in the Qomon app meanwhile
    written = await call(mcp, "save_bundle", {"transactions": [transaction(code_campaign="NEW2026")]})
    assert space.bundles[written["bundle_id"]]["transactions"][0]["code_campaign"] == "NEW2026"


async def test_save_bundle_changes_one_field_and_keeps_everything_else(
    mcp: Client, sandbox: Sandbox, space: Space
) -> None:
    written = await call(
        mcp,
        "save_bundle",
        {
            "transactions": [transaction(code_campaign="WEB", comment="At the stall", external_transaction_id=7)],
            "memberships": [MEMBERSHIP],
        },
    )
    bundle = space.bundles[written["bundle_id"]]
    before = copy.deepcopy(bundle)
    tx_id = bundle["transactions"][0]["id"]
    result = await call(
        mcp,
        "save_bundle",
        {"bundle_id": bundle["id"], "transactions": [{"id": tx_id, "payment_method_kind": "cheque"}]},
    )
    assert f"transaction {tx_id} (payment_method_kind)" in result["summary"]
    assert bundle["transactions"][0] == before["transactions"][0] | {"payment_method_kind": "cheque"}
    assert bundle["memberships"] == before["memberships"]
    assert writes(sandbox)[-1] == ("PATCH", "/v1/transaction_bundles/{id}")


def as_sent(item: dict[str, Any]) -> dict[str, Any]:
    """An item as a careful update re-sends it: every field it has, but the bookkeeping and the nulls."""
    return {k: v for k, v in item.items() if k != "created_at" and v is not None}


async def test_save_bundle_sends_each_updated_item_whole_and_the_rest_survives(sandbox: Sandbox, space: Space) -> None:
    bundle = paid_bundle(space)
    transaction_, donation = bundle["transactions"][0], bundle["donations"][0]
    transaction_.update(comment="At the stall", code_campaign=space.code_campaigns[0]["code"])
    # Fields only Qomon's reference lists, which the tool never sets but must not lose.
    transaction_.update(payment_method="Visa", comment_date="2026-03-30T10:00:00Z")
    # Qomon's reference names a donation's list price `initial_amount` (the docs: `amount_initial`).
    donation["initial_amount"] = donation.pop("amount_initial")
    before = copy.deepcopy(bundle)
    changes = {
        "bundle_id": bundle["id"],
        "transactions": [{"id": transaction_["id"], "comment": "Paid at the door"}],
        "donations": [{"id": donation["id"], "affectation": "Building fund"}],
    }
    async with recorded_client(sandbox) as (mcp, wire):
        result = await call(mcp, "save_bundle", changes)
    [patched] = wire.to("PATCH", f"/v1/transaction_bundles/{bundle['id']}")
    sent = patched.body["data"]
    assert sent["transactions"] == [as_sent(before["transactions"][0]) | {"comment": "Paid at the door"}]
    old_donation = as_sent(before["donations"][0])
    old_donation["amount_initial"] = old_donation.pop("initial_amount")
    assert sent["donations"] == [old_donation | {"affectation": "Building fund"}]
    assert "memberships" not in sent
    assert "other fields kept" in result["summary"]
    # What the update did not name is still there afterwards.
    assert same(bundle["transactions"][0], before["transactions"][0] | {"comment": "Paid at the door"})
    assert bundle["memberships"] == before["memberships"]
    initial = before["donations"][0]["initial_amount"]
    assert same(bundle["donations"][0], old_donation | {"affectation": "Building fund", "amount_initial": initial})


def same(after: dict[str, Any], expected: dict[str, Any]) -> bool:
    """Every value of `expected` is in `after`, instants compared as instants (the spelling may change)."""

    def value(key: str, item: dict[str, Any]) -> Any:
        v = item.get(key)
        instant = key.endswith(("date", "_at")) and isinstance(v, str)
        return datetime.fromisoformat(v) if instant else v

    return all(value(k, after) == value(k, expected) for k in as_sent(expected))


async def test_save_bundle_adds_a_checked_item(mcp: Client, space: Space) -> None:
    written = await call(mcp, "save_bundle", {"transactions": [transaction()], "memberships": [MEMBERSHIP]})
    bundle = space.bundles[written["bundle_id"]]
    new = {"contact_id": PAYER, "donation_price_id": 21}  # 20.00 EUR: just fits the 50.00 EUR paid
    result = await call(mcp, "save_bundle", {"bundle_id": bundle["id"], "donations": [new]})
    assert "added 1 donation" in result["summary"]
    (donation,) = bundle["donations"]
    assert (donation["amount"], donation["currency"]) == (2000, "eur")
    too_much = await refused(mcp, "save_bundle", {"bundle_id": bundle["id"], "donations": [new]})
    assert "more than the 50.00 EUR" in too_much


async def test_save_bundle_new_donation_without_a_price_takes_its_amount(sandbox: Sandbox, space: Space) -> None:
    # Qomon's reference makes donation_price_id optional and requires the donation's date.
    async with recorded_client(sandbox) as (mcp, wire):
        written = await call(
            mcp,
            "save_bundle",
            {"transactions": [transaction()], "donations": [{"contact_id": PAYER, "amount_cents": 1500}]},
        )
        no_amount = {"transactions": [transaction()], "donations": [{"contact_id": 1}]}
        refused_text = await refused(mcp, "save_bundle", no_amount)
    [posted] = wire.to("POST", "/v1/transaction_bundles")
    (sent,) = posted.body["data"]["donations"]
    assert "donation_price_id" not in sent
    assert (sent["amount"], sent["amount_initial"]) == (1500, 1500)
    assert sent["date"] == posted.body["data"]["transactions"][0]["date"]
    (donation,) = space.bundles[written["bundle_id"]]["donations"]
    assert (donation["amount"], donation["donation_price_id"]) == (1500, None)
    assert refused_text == "donations[0] needs amount_cents, or a price (donation_price_id) that has an amount."
    assert len(wire.to("POST", "/v1/transaction_bundles")) == 1


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"transactions": [{"id": 1, "comment": "x"}]}, "Transaction 1 is not part of bundle"),
        ({"transactions": [{"id": "TX", "payment_method_kind": "bitcoin"}]}, "payment_method_kind"),
        ({"donations": [{"donation_price_id": 21}]}, "is a new donation (no id) and needs valid contact_id"),
        (
            {
                "memberships": [
                    {"contact_id": 1, "membership_price_id": 77, "start_date": "2026-01-01", "end_date": "2026-12-31"}
                ]
            },
            "membership_price_id 77 does not exist",
        ),
        ({}, "Nothing to update"),
    ],
    ids=["foreign-item", "bad-payment-method", "new-item-incomplete", "unknown-price", "nothing"],
)
async def test_save_bundle_refuses_before_sending(
    mcp: Client, sandbox: Sandbox, space: Space, change: dict[str, Any], says: str
) -> None:
    bundle = paid_bundle(space)
    tx_id = bundle["transactions"][0]["id"]
    for item in change.get("transactions", []):
        if item["id"] == "TX":
            item["id"] = tx_id
    assert says in await refused(mcp, "save_bundle", {"bundle_id": bundle["id"], **change})
    assert writes(sandbox) == []


def history_of(space: Space, bundle_id: int, count: int) -> list[dict[str, Any]]:
    return space.bundle_history[bundle_id][-count:]


async def test_full_refund_follows_the_documented_steps(mcp: Client, sandbox: Sandbox, space: Space) -> None:
    bundle = paid_bundle(space)
    before = copy.deepcopy(bundle)
    history_before = len(space.bundle_history.get(bundle["id"], []))
    tx = bundle["transactions"][0]
    result = await confirmed(mcp, "refund_bundle", {"bundle_id": bundle["id"]})
    assert "Reimbursed" in result["summary"]
    assert status_kind(space, tx["status_id"]) == "reimbursed"
    assert tx["reimbursed_amount"] == tx["amount"] == before["transactions"][0]["amount"]
    assert tx["payment_method_kind"] == before["transactions"][0]["payment_method_kind"]
    products = bundle["memberships"] + bundle["donations"]
    assert all(p["amount"] == 0 for p in products)
    assert [p["amount_initial"] for p in products] == [
        p["amount_initial"] for p in before["memberships"] + before["donations"]
    ]
    written = history_of(space, bundle["id"], len(space.bundle_history[bundle["id"]]) - history_before)
    # Qomon's reference has a status change as its own history kind.
    status_entry = next(h for h in written if h["kind"] == "transaction_status")
    assert status_entry["old"]["status_id"] != status_entry["new"]["status_id"] == tx["status_id"]
    assert [m for m, _ in writes(sandbox)] == ["PATCH"]


async def test_partial_refund_lowers_the_products_by_the_refunded_part(mcp: Client, space: Space) -> None:
    bundle = paid_bundle(space)
    before = copy.deepcopy(bundle)
    await confirmed(mcp, "refund_bundle", {"bundle_id": bundle["id"], "amount_cents": 1000})
    tx = bundle["transactions"][0]
    assert tx["reimbursed_amount"] == 1000 and tx["amount"] == before["transactions"][0]["amount"]
    old_total = sum(p["amount"] for p in before["memberships"] + before["donations"])
    new_total = sum(p["amount"] for p in bundle["memberships"] + bundle["donations"])
    assert old_total - new_total == 1000
    entries = space.bundle_history[bundle["id"]]
    refund_entries = [h for h in entries if h["old"] and h["new"] and h["new"].get("reimbursed_amount") == 1000]
    assert refund_entries and refund_entries[-1]["old"]["reimbursed_amount"] == 0


async def test_refund_again_changes_nothing(mcp: Client, sandbox: Sandbox, space: Space) -> None:
    bundle = paid_bundle(space)
    await confirmed(mcp, "refund_bundle", {"bundle_id": bundle["id"], "amount_cents": 1000})
    after = copy.deepcopy(bundle)
    # Nothing left to change, so nothing to ask: the answer comes at once.
    result = await call(mcp, "refund_bundle", {"bundle_id": bundle["id"], "amount_cents": 1000})
    assert result["summary"].startswith("Already refunded")
    assert bundle == after
    assert len(writes(sandbox)) == 1


@pytest.mark.parametrize(
    ("amount_cents", "says"),
    [(10**7, "is more than the"), (None, "no transaction status of kind 'reimbursed'")],
    ids=["over-the-amount", "no-reimbursed-status"],
)
async def test_refund_refuses_before_sending(
    mcp: Client, sandbox: Sandbox, space: Space, amount_cents: int | None, says: str
) -> None:
    bundle = paid_bundle(space)
    if amount_cents is None:
        space.transaction_statuses = [s for s in space.transaction_statuses if s["kind"] != "reimbursed"]
    arguments = {"bundle_id": bundle["id"]} | ({"amount_cents": amount_cents} if amount_cents else {})
    assert says in await refused(mcp, "refund_bundle", arguments)
    assert writes(sandbox) == []


async def test_delete_bundle_then_it_is_gone(mcp: Client, space: Space) -> None:
    bundle_id = paid_bundle(space)["id"]
    await confirmed(mcp, "delete_bundle", {"bundle_id": bundle_id})
    assert bundle_id not in space.bundles
    again = await refused(mcp, "delete_bundle", {"bundle_id": bundle_id})
    assert again == missing("bundle", bundle_id)


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("get_fundraising_reference", {}),
        ("get_bundles", {}),
        ("save_bundle", {"transactions": [transaction()]}),
        ("delete_bundle", {"bundle_id": 5}),
    ],
    ids=["reference", "bundles", "record", "delete"],
)
async def test_space_without_the_add_on_gets_a_clear_sentence(
    mcp_no_addon: Client, sandbox: Sandbox, tool: str, arguments: dict[str, Any]
) -> None:
    text = await refused(mcp_no_addon, tool, arguments)
    assert "fundraising add-on" in text
    assert "this space does not have" not in text  # Qomon's own words are not relayed
    assert [m for m, _ in writes(sandbox) if m == "POST"] == []
