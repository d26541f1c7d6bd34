"""Transaction bundles: validation, additive PATCH, newest-first listing, history; reference data."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.sandbox.app_support import build_sandbox, client, membership, transaction


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
            donations=[{"contact_id": 7, "donation_price_id": 20, "amount": 500, "currency": "eur"}],
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
            {"transactions": [transaction()], "memberships": [membership(end_date="2025-12-31T00:00:00Z")]},
            "memberships[0].end_date",
        ),
        (
            {
                "transactions": [transaction()],
                "donations": [{"contact_id": 1, "donation_price_id": 21, "amount": 1, "currency": "eur"}],
            },
            "donations[0].donation_price_id",
        ),
        ({"transactions": [transaction(id=5)]}, "transactions[0].id"),
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
        "membership-ends-before-start",
        "unknown-donation-price",
        "id-on-create",
    ],
)
async def test_create_bundle_rejects(data: dict, problem: str) -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        response = await http.post("/v1/transaction_bundles", json={"data": data})
    assert response.status_code == 422
    assert problem in response.json()["data"]


@pytest.mark.anyio
async def test_patch_is_additive() -> None:
    async with client(build_sandbox()) as http:
        bundle = await _create(http, transactions=[transaction()], memberships=[membership()])
        tx_id, membership_id = bundle["transactions"][0]["id"], bundle["memberships"][0]["id"]
        patch = {
            "id": bundle["id"],
            "data": {
                "transactions": [transaction(id=tx_id, status_id=2, reimbursed_amount=1000)],
                "donations": [{"contact_id": 1, "donation_price_id": 20, "amount": 300, "currency": "eur"}],
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
async def test_patch_clears_omitted_optional_fields_of_an_updated_item() -> None:
    async with client(build_sandbox()) as http:
        bundle = await _create(
            http, transactions=[transaction(comment="Imported", external_transaction_id=1001)]
        )
        tx_id = bundle["transactions"][0]["id"]
        response = await http.patch(
            f"/v1/transaction_bundles/{bundle['id']}",
            json={"data": {"transactions": [transaction(id=tx_id)]}},
        )
    tx = response.json()["data"]["transactions"][0]
    assert tx["comment"] is None and tx["external_transaction_id"] is None


@pytest.mark.anyio
@pytest.mark.parametrize(
    "item",
    [{"id": "other"}, {"id": "foreign"}, {"missing": "amount"}],
    ids=["unknown-id", "item-of-another-bundle", "missing-required"],
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
            del tx["amount"]
        response = await http.patch(
            f"/v1/transaction_bundles/{bundle['id']}", json={"data": {"transactions": [tx]}}
        )
    assert response.status_code == 422


@pytest.mark.anyio
async def test_list_is_newest_first_and_patch_does_not_move_a_bundle() -> None:
    async with client(build_sandbox()) as http:
        ids = [(await _create(http, transactions=[transaction(amount=n)]))["id"] for n in (1, 2, 3)]
        await http.patch(
            f"/v1/transaction_bundles/{ids[0]}", json={"data": {"transactions": [transaction()]}}
        )
        page = (await http.get("/v1/transaction_bundles?limit=2")).json()
        rest = (await http.get("/v1/transaction_bundles?limit=2&offset=2")).json()
    assert [b["id"] for b in page["data"]] == [ids[2], ids[1]]
    assert [b["id"] for b in rest["data"]] == [ids[0]]
    assert page["total"] == 3 and page["status"] == "success"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "query",
    ["limit=1001", "limit=0", "limit=ten", "offset=-1"],
    ids=["over-1000", "zero", "not-a-number", "negative-offset"],
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
        await http.delete(path)
        gone = await http.get(path)
        history = (await http.get(f"{path}/history")).json()["data"]
    assert gone.status_code == 404
    changes = [(e["kind"], e["old"] is not None, e["new"] is not None) for e in history]
    assert changes == [
        ("transaction", False, True),
        ("membership", False, True),
        ("transaction", True, True),
        ("transaction", True, False),
        ("membership", True, False),
    ]
    update = history[2]
    assert (update["old"]["status_id"], update["new"]["status_id"]) == (1, 2)
    assert update["target_id"] == tx_id and update["transaction_bundle_id"] == bundle_id
    assert history[0]["old"] is None and history[-1]["new"] is None


@pytest.mark.anyio
async def test_unknown_bundle_is_404() -> None:
    async with client(build_sandbox()) as http:
        statuses = [
            (await http.request(m, "/v1/transaction_bundles/777")).status_code for m in ("GET", "DELETE")
        ]
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
