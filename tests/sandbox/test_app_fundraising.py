"""Transaction bundles: validation, additive PATCH, newest-first listing, history; reference data."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.sandbox.app_support import KEY, build_sandbox, client, donation, membership, transaction


async def _create(http: httpx2.AsyncClient, **arrays: Any) -> dict[str, Any]:
    response = await http.post("/v1/transaction_bundles", json={"data": arrays})
    assert response.status_code == 200, response.text
    return response.json()["data"]


@pytest.mark.anyio
async def test_create_bundle_gives_ids_defaults_and_summary() -> None:
    async with client(build_sandbox()) as http:
        bundle = await _create(
            http,
            transactions=[transaction(contact_id=123456)],
            memberships=[membership()],
            donations=[donation(contact_id=7)],
        )
    [tx] = bundle["transactions"]
    assert tx["id"] and tx["status_id"] == 1 and tx["date"] == "2026-03-29T10:59:52.000000Z"
    assert bundle["summary"] == {"transactions_count": 1, "memberships_count": 1, "donations_count": 1}
    assert bundle["created_at"] and all(item["id"] for item in bundle["memberships"] + bundle["donations"])


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"memberships": [membership()]}, "transactions"),
        ({"transactions": [transaction(date="2025-02-31T00:00:00Z")]}, "transactions[0].date"),
        (
            {"transactions": [transaction(external_transaction_id="1001-A")]},
            "transactions[0].external_transaction_id",
        ),
        (
            {"transactions": [transaction(payment_method_kind="bitcoin")]},
            "transactions[0].payment_method_kind",
        ),
        ({"transactions": [transaction(status_id=99)]}, "transactions[0].status_id"),
        ({"transactions": [transaction(code_campaign="NOPE")]}, "transactions[0].code_campaign"),
        ({"transactions": [transaction(amount=20.5)]}, "transactions[0].amount"),
        ({"transactions": [transaction(currency=None)]}, "transactions[0].currency"),
        (
            {"transactions": [transaction()], "memberships": [membership(membership_price_id=11)]},
            "memberships[0].membership_price_id",
        ),
        (
            {
                "transactions": [transaction()],
                "donations": [donation(donation_price_id=21)],
            },
            "donations[0].donation_price_id",
        ),
        ({"transactions": [transaction(id=5)]}, "transactions[0].id"),
        ({"transactions": [transaction()], "donations": [donation(date=None)]}, "donations[0].date"),
        (
            {"transactions": [transaction()], "memberships": [membership(amount_initial=None)]},
            "memberships[0].amount_initial",
        ),
        (
            {"transactions": [transaction()], "donations": [donation(amount_initial=500, initial_amount=400)]},
            "donations[0].initial_amount",
        ),
        ({"transactions": [transaction(delivered_at="2025-02-31")]}, "transactions[0].delivered_at"),
    ],
    ids=[
        "no-transaction",
        "impossible-date",
        "string-external-id",
        "unknown-payment-kind",
        "unknown-status",
        "unknown-campaign",
        "amount-not-cents",
        "missing-currency",
        "unknown-membership-price",
        "unknown-donation-price",
        "id-on-create",
        "donation-without-date",
        "membership-without-amount-initial",
        "two-spellings-two-values",
        "impossible-delivery-date",
    ],
)
async def test_create_bundle_rejects(data: dict, problem: str) -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        response = await http.post("/v1/transaction_bundles", json={"data": data})
    assert response.status_code == 422
    assert problem in response.json()["data"]


@pytest.mark.anyio
async def test_create_bundle_refuses_nothing_without_a_source() -> None:
    # No source orders a membership's dates: the emulator is no stricter than Qomon.
    async with client(build_sandbox()) as http:
        bundle = await _create(
            http, transactions=[transaction()], memberships=[membership(end_date="2025-12-31T00:00:00Z")]
        )
    assert bundle["memberships"][0]["end_date"].startswith("2025-12-31")


@pytest.mark.anyio
async def test_patch_is_additive() -> None:
    async with client(build_sandbox()) as http:
        bundle = await _create(http, transactions=[transaction()], memberships=[membership()])
        tx_id, membership_id = bundle["transactions"][0]["id"], bundle["memberships"][0]["id"]
        patch = {
            "id": bundle["id"],
            "data": {
                "transactions": [transaction(id=tx_id, status_id=2, reimbursed_amount=1000)],
                "donations": [donation(amount=300)],
            },
        }
        response = await http.patch(f"/v1/transaction_bundles/{bundle['id']}", json=patch)
    updated = response.json()["data"]
    assert response.status_code == 200
    assert updated["transactions"][0]["id"] == tx_id
    assert (updated["transactions"][0]["status_id"], updated["transactions"][0]["reimbursed_amount"]) == (
        2,
        1000,
    )
    assert updated["memberships"][0]["id"] == membership_id
    assert updated["summary"]["donations_count"] == 1


@pytest.mark.anyio
async def test_patch_keeps_omitted_optional_fields_and_the_status_of_an_updated_item() -> None:
    kept = {"comment": "Imported", "external_transaction_id": 1001, "code_campaign": "SPRING", "unpaid_amount": 500}
    async with client(build_sandbox()) as http:
        bundle = await _create(http, transactions=[transaction(status_id=2, **kept)])
        tx_id = bundle["transactions"][0]["id"]
        response = await http.patch(
            f"/v1/transaction_bundles/{bundle['id']}",
            json={"data": {"transactions": [transaction(id=tx_id, amount=2500)]}},
        )
    tx = response.json()["data"]["transactions"][0]
    assert {k: tx[k] for k in kept} == kept
    assert (tx["status_id"], tx["amount"]) == (2, 2500)


@pytest.mark.anyio
async def test_patch_resets_a_required_field_not_sent_to_its_zero_value() -> None:
    async with client(build_sandbox()) as http:
        bundle = await _create(http, transactions=[transaction(comment="Kept")])
        tx = transaction(id=bundle["transactions"][0]["id"])
        del tx["amount"]
        response = await http.patch(f"/v1/transaction_bundles/{bundle['id']}", json={"data": {"transactions": [tx]}})
    updated = response.json()["data"]["transactions"][0]
    assert response.status_code == 200
    assert (updated["amount"], updated["comment"], updated["currency"]) == (0, "Kept", "eur")


@pytest.mark.anyio
@pytest.mark.parametrize("where", ["top", "inside-data", "both"], ids=["top", "inside-data", "both"])
async def test_patch_takes_the_bundle_id_at_the_top_or_inside_data(where: str) -> None:
    async with client(build_sandbox()) as http:
        bundle = await _create(http, transactions=[transaction()])
        data: dict[str, Any] = {"memberships": [membership()]}
        body: dict[str, Any] = {"data": data}
        if where in ("top", "both"):
            body["id"] = bundle["id"]
        if where in ("inside-data", "both"):
            data["id"] = bundle["id"]
        response = await http.patch(f"/v1/transaction_bundles/{bundle['id']}", json=body)
    assert response.status_code == 200
    assert response.json()["data"]["summary"]["memberships_count"] == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("top", "inside"), [(1, None), (None, 1), (0, 1)], ids=["other-bundle-at-top", "other-bundle-inside", "two-values"]
)
async def test_patch_refuses_a_body_naming_another_bundle(top: int | None, inside: int | None) -> None:
    async with client(build_sandbox()) as http:
        bundle = await _create(http, transactions=[transaction()])
        body: dict[str, Any] = {"data": {"memberships": [membership()]}}
        # Offsets from the bundle's own id: 0 names it, 1 another bundle.
        if top is not None:
            body["id"] = bundle["id"] + top
        if inside is not None:
            body["data"]["id"] = bundle["id"] + inside
        response = await http.patch(f"/v1/transaction_bundles/{bundle['id']}", json=body)
    assert response.status_code == 422


@pytest.mark.anyio
@pytest.mark.parametrize("spelling", ["amount_initial", "initial_amount"], ids=["docs", "reference"])
async def test_donation_initial_amount_takes_both_spellings(spelling: str) -> None:
    async with client(build_sandbox()) as http:
        bundle = await _create(http, transactions=[transaction()], donations=[donation(**{spelling: 900})])
        item_id = bundle["donations"][0]["id"]
        patched = await http.patch(
            f"/v1/transaction_bundles/{bundle['id']}",
            json={"data": {"donations": [donation(id=item_id, **{spelling: 700})]}},
        )
    assert bundle["donations"][0]["amount_initial"] == 900
    assert patched.json()["data"]["donations"][0]["amount_initial"] == 700


@pytest.mark.anyio
async def test_reference_only_fields_are_accepted() -> None:
    extra = {
        "payment_method": "Visa",
        "delivered_at": "2026-03-30T09:00:00Z",
        "delivery_token": "tok-1",
        "comment_date": "2026-03-30T10:00:00Z",
    }
    no_price = donation()
    del no_price["donation_price_id"]
    async with client(build_sandbox()) as http:
        bundle = await _create(http, transactions=[transaction(**extra)], donations=[no_price])
    tx = bundle["transactions"][0]
    assert (tx["payment_method"], tx["delivery_token"]) == ("Visa", "tok-1")
    assert tx["delivered_at"].startswith("2026-03-30T09:00:00") and tx["comment_date"].startswith("2026-03-30T10")
    assert bundle["donations"][0]["donation_price_id"] is None


@pytest.mark.anyio
@pytest.mark.parametrize(
    "item",
    [{"id": "other"}, {"id": "foreign"}, {"currency": 12}],
    ids=["unknown-id", "item-of-another-bundle", "wrong-type"],
)
async def test_patch_rejects(item: dict) -> None:
    async with client(build_sandbox()) as http:
        bundle = await _create(http, transactions=[transaction()])
        other = await _create(http, transactions=[transaction()])
        tx = transaction(id=bundle["transactions"][0]["id"])
        if item.get("id") == "other":
            tx["id"] = 999999
        elif item.get("id") == "foreign":
            tx["id"] = other["transactions"][0]["id"]
        else:
            tx["currency"] = 12
        response = await http.patch(f"/v1/transaction_bundles/{bundle['id']}", json={"data": {"transactions": [tx]}})
    assert response.status_code == 422


@pytest.mark.anyio
async def test_list_is_newest_first_and_patch_does_not_move_a_bundle() -> None:
    async with client(build_sandbox()) as http:
        ids = [(await _create(http, transactions=[transaction(amount=n)]))["id"] for n in (1, 2, 3)]
        await http.patch(f"/v1/transaction_bundles/{ids[0]}", json={"data": {"transactions": [transaction()]}})
        page = (await http.get("/v1/transaction_bundles?limit=2")).json()
        rest = (await http.get("/v1/transaction_bundles?limit=2&offset=2")).json()
    assert [b["id"] for b in page["data"]] == [ids[2], ids[1]]
    assert [b["id"] for b in rest["data"]] == [ids[0]]
    assert page["total"] == 3 and page["status"] == "success"


@pytest.mark.anyio
async def test_list_caps_limit_at_1000() -> None:
    sandbox = build_sandbox()
    bundles = sandbox.space_for(KEY).bundles
    for n in range(1001):
        bundles[n + 1] = {"id": n + 1, "transactions": [], "memberships": [], "donations": [], "created_at": ""}
    async with client(sandbox) as http:
        response = await http.get("/v1/transaction_bundles?limit=5000")
    assert response.status_code == 200
    assert (len(response.json()["data"]), response.json()["total"]) == (1000, 1001)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=ten", "offset=-1"],
    ids=["zero", "not-a-number", "negative-offset"],
)
async def test_list_rejects_bad_paging(query: str) -> None:
    async with client(build_sandbox()) as http:
        response = await http.get(f"/v1/transaction_bundles?{query}")
    assert response.status_code == 422


@pytest.mark.anyio
async def test_history_has_an_entry_for_every_change() -> None:
    async with client(build_sandbox()) as http:
        bundle = await _create(http, transactions=[transaction()], memberships=[membership()])
        bundle_id, tx_id = bundle["id"], bundle["transactions"][0]["id"]
        path = f"/v1/transaction_bundles/{bundle_id}"
        await http.patch(path, json={"data": {"transactions": [transaction(id=tx_id)]}})  # no change
        await http.patch(path, json={"data": {"transactions": [transaction(id=tx_id, status_id=2)]}})
        deleted = await http.delete(path)
        gone = await http.get(path)
        history = (await http.get(f"{path}/history")).json()["data"]
    assert (deleted.status_code, deleted.json()["status"]) == (200, "success")
    assert gone.status_code == 404
    changes = [(e["kind"], e["old"] is not None, e["new"] is not None) for e in history]
    assert changes == [
        ("transaction", False, True),
        ("membership", False, True),
        ("transaction", True, True),
        ("transaction_status", True, True),
        ("transaction", True, False),
        ("membership", True, False),
    ]
    update = history[2]
    assert (update["old"]["status_id"], update["new"]["status_id"]) == (1, 2)
    status_change = history[3]
    assert (status_change["old"], status_change["new"]) == ({"status_id": 1}, {"status_id": 2})
    assert status_change["target_id"] == tx_id
    assert update["target_id"] == tx_id and update["transaction_bundle_id"] == bundle_id
    assert history[0]["old"] is None and history[-1]["new"] is None


@pytest.mark.anyio
async def test_unknown_bundle_is_404() -> None:
    async with client(build_sandbox()) as http:
        statuses = [(await http.request(m, "/v1/transaction_bundles/777")).status_code for m in ("GET", "DELETE")]
        history = await http.get("/v1/transaction_bundles/777/history")
    assert statuses == [404, 404] and history.status_code == 404


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "total"),
    [
        ("/v1/transaction_statuses", 2),
        ("/v1/code_campaigns", 1),
        ("/v1/membership_prices", 1),
        ("/v1/membership_price_groups", 0),
        ("/v1/donation_prices", 1),
    ],
    ids=lambda v: str(v).rsplit("/", 1)[-1],
)
async def test_reference_lists(path: str, total: int) -> None:
    async with client(build_sandbox()) as http:
        body = (await http.get(path)).json()
        paged = (await http.get(f"{path}?limit=1&offset=1")).json()
    assert (len(body["data"]), body["total"]) == (total, total)
    assert len(paged["data"]) == max(0, min(1, total - 1))


@pytest.mark.anyio
async def test_transaction_settings_is_an_object() -> None:
    async with client(build_sandbox()) as http:
        data = (await http.get("/v1/transaction_settings")).json()["data"]
    assert data["payment_method_kinds"] == ["CB", "cheque"]
