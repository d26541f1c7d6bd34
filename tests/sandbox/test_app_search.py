"""POST /search and POST /kpi: the envelope around the search language."""

from __future__ import annotations

import pytest

from qomon_mcp.sandbox.app import create_demo_sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from tests.sandbox.app_support import KEY, build_sandbox, client

# The reference's interaction record (shapes file, "Types and rules").
INTERACTION = {
    "id": 1,
    "created_at": "2024-01-01T00:00:00Z",
    "type": "call",
    "sub_type": "outgoing",
    "title": "Phone bank",
    "comments": "Voicemail",
    "files": [],
    "user_id": 500,
    "action_id": 10,
}
SMITHS = {"$all": [{"$all": [{"$condition": {"attr": "surname", "ope": "eql", "value": "smith"}}]}]}


@pytest.mark.anyio
async def test_search_returns_contacts_and_kpi_the_total() -> None:
    async with client(build_sandbox()) as http:
        found = await http.post("/search", json={"data": {"advanced_search": {"query": SMITHS, "per_page": 10}}})
        total = await http.post("/kpi", json={"data": {"advanced_search": {"query": SMITHS}}})
    assert [c["id"] for c in found.json()["data"]["contacts"]] == [2, 3]
    assert total.json() == {"status": "success", "data": {"total": 2}}


@pytest.mark.anyio
@pytest.mark.parametrize("where", ["data", "advanced_search"], ids=["beside", "inside"])
async def test_include_interactions_is_accepted_at_both_levels(where: str) -> None:
    sandbox = build_sandbox()
    sandbox.space_for(KEY).interactions[2] = [INTERACTION]
    advanced = {"query": SMITHS, "per_page": 1}
    data = {"advanced_search": advanced}
    (data if where == "data" else advanced)["include_interactions"] = True
    async with client(sandbox) as http:
        response = await http.post("/search", json={"data": data})
    assert response.json()["data"]["contacts"][0]["interactions"] == [INTERACTION]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "advanced",
    [
        {"query": SMITHS, "per_page": 1001},
        {"query": {"$condition": {"attr": "surname", "ope": "ext"}}, "per_page": 5},
    ],
    ids=["per-page-too-big", "condition-at-root"],
)
async def test_a_bad_query_is_422_naming_the_problem(advanced: dict) -> None:
    async with client(build_sandbox()) as http:
        response = await http.post("/search", json={"data": {"advanced_search": advanced}})
    body = response.json()
    assert response.status_code == 422
    assert body["status"] == "fail" and body["data"]["query"]


@pytest.mark.anyio
async def test_the_demo_space_returns_interactions_in_the_reference_shape() -> None:
    sandbox = create_demo_sandbox(contacts=300)
    key = DEMO_KEYS["eu"]
    body = {"data": {"advanced_search": {"query": {"$all": []}, "per_page": 1000}, "include_interactions": True}}
    async with client(sandbox, key) as http:
        response = await http.post("/search", json=body)
    interactions = [i for contact in response.json()["data"]["contacts"] for i in contact["interactions"]]
    keys = {"id", "created_at", "type", "sub_type", "title", "comments", "files", "user_id", "action_id"}
    assert interactions and all(set(i) == keys for i in interactions)
    assert {i["type"] for i in interactions} == {"letter", "call"}
