"""The sandbox over the seeded demo spaces: the rules hold on realistic data too."""

from __future__ import annotations

import httpx2
import pytest

from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS, NO_FUNDRAISING_KEY
from tests.sandbox.app_support import BASE_URL
from tests.spaces import demo_sandbox


@pytest.fixture(scope="module")
def demo() -> Sandbox:
    return demo_sandbox(seed=0, upsert_delay=0.0)


def _client(sandbox: Sandbox, key: str) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        transport=sandbox.transport(), base_url=BASE_URL, headers={"Authorization": f"Bearer {key}"}
    )


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path",
    [
        "/roles",
        "/users?limit=5",
        "/teams",
        "/teams/public",
        "/actions",
        "/v1/forms/type/survey",
        "/v1/transaction_bundles?limit=5",
        "/v1/transaction_settings",
        "/v1/membership_price_groups",
    ],
    ids=lambda p: p.strip("/").split("?")[0].replace("/", "-"),
)
async def test_demo_routes_answer(demo: Sandbox, path: str) -> None:
    async with _client(demo, DEMO_KEYS["eu"]) as http:
        response = await http.get(path)
    assert response.status_code == 200


@pytest.mark.anyio
async def test_demo_space_without_fundraising_refuses_bundles(demo: Sandbox) -> None:
    async with _client(demo, NO_FUNDRAISING_KEY) as http:
        assert (await http.get("/v1/transaction_bundles")).status_code == 403


@pytest.mark.anyio
async def test_demo_seeded_bundles_list_newest_first(demo: Sandbox) -> None:
    async with _client(demo, DEMO_KEYS["us"]) as http:
        body = (await http.get("/v1/transaction_bundles?limit=50")).json()
    created = [b["created_at"] for b in body["data"]]
    assert created == sorted(created, reverse=True)
    assert body["total"] == len(demo.space_for(DEMO_KEYS["us"]).bundles)


@pytest.mark.anyio
async def test_demo_upsert_by_ambiguous_label_is_dropped(demo: Sandbox) -> None:
    space = demo.space_for(DEMO_KEYS["eu"])
    contact_id = min(space.contacts)
    before = dict(space.contacts[contact_id])
    async with _client(demo, DEMO_KEYS["eu"]) as http:
        data = {"id": contact_id, "phone": "0000", "forms": [{"label": "Comments", "value": "hello"}]}
        response = await http.post("/contacts/upsert", json={"kind": "contact", "data": data})
    await demo.drain()
    assert response.status_code == 202
    assert space.contacts[contact_id] == before


@pytest.mark.anyio
async def test_demo_contact_round_trip_through_patch(demo: Sandbox) -> None:
    space = demo.space_for(DEMO_KEYS["eu"])
    contact_id = next(cid for cid, c in space.contacts.items() if c["formdatas"] and c["address"])
    async with _client(demo, DEMO_KEYS["eu"]) as http:
        contact = (await http.get(f"/contacts/{contact_id}")).json()["data"]["contact"]
        sent = {**contact, "custom_fields": contact["customfields"]}
        response = await http.patch(f"/contacts/{contact_id}", json={"data": {"contact": sent}})
    replaced = response.json()["data"]["contact"]
    assert response.status_code == 200
    assert replaced["address"]["city"] == contact["address"]["city"]
    old_answers = {(a["form_id"], a["form_ref_id"], a["data"]) for a in contact["formdatas"]}
    assert {(a["form_id"], a["form_ref_id"], a["data"]) for a in replaced["formdatas"]} == old_answers
    assert not {a["id"] for a in replaced["formdatas"]} & {a["id"] for a in contact["formdatas"]}


@pytest.mark.anyio
async def test_demo_answers_have_the_reference_shapes(demo: Sandbox) -> None:
    async with _client(demo, DEMO_KEYS["eu"]) as http:
        settings = (await http.get("/v1/transaction_settings")).json()["data"]
        actions = (await http.get("/actions")).json()["data"]["ActionsAggreg"]
        teams = (await http.get("/teams")).json()["data"]["teams"]
        invitations = (await http.get("/users/invitation")).json()["data"]["invitations"]
    assert isinstance(settings["open_periods"], dict) and isinstance(settings["additional_settings"], dict)
    assert all(isinstance(a["Action"]["goal_forms"], int) for a in actions)
    assert all(t["address"] is None or isinstance(t["address"], dict) for t in teams)
    assert any(t["address"] for t in teams)
    assert all(set(i["role"]) == {"id", "name", "type", "order"} for i in invitations)


@pytest.mark.anyio
async def test_demo_users_sort_by_name_both_ways(demo: Sandbox) -> None:
    async with _client(demo, DEMO_KEYS["us"]) as http:
        ascending = (await http.get("/users?sort=true&limit=1000")).json()["data"]["users"]
        descending = (await http.get("/users?sort=false&limit=1000")).json()["data"]["users"]
    names = [(u["surname"].casefold(), u["firstname"].casefold()) for u in ascending]
    assert names == sorted(names) and len(set(names)) > 10
    assert [u["id"] for u in descending] == [u["id"] for u in reversed(ascending)]


@pytest.mark.anyio
async def test_demo_refund_history_has_a_status_entry(demo: Sandbox) -> None:
    space = demo.space_for(DEMO_KEYS["eu"])
    reimbursed = next(s["id"] for s in space.transaction_statuses if s["kind"] == "reimbursed")
    refunded = next(
        b["id"] for b in space.bundles.values() if any(t["status_id"] == reimbursed for t in b["transactions"])
    )
    async with _client(demo, DEMO_KEYS["eu"]) as http:
        history = (await http.get(f"/v1/transaction_bundles/{refunded}/history")).json()["data"]
    changes = [(e["old"], e["new"]) for e in history if e["kind"] == "transaction_status"]
    assert changes and all(new == {"status_id": reimbursed} for _, new in changes)
