"""POST /search and POST /kpi: the envelope around the search language."""

from __future__ import annotations

import pytest

from tests.sandbox.app_support import KEY, build_sandbox, client

SMITHS = {"$all": [{"$all": [{"$condition": {"attr": "surname", "ope": "eql", "value": "smith"}}]}]}


@pytest.mark.anyio
async def test_search_returns_contacts_and_kpi_the_total() -> None:
    async with client(build_sandbox()) as http:
        found = await http.post(
            "/search", json={"data": {"advanced_search": {"query": SMITHS, "per_page": 10}}}
        )
        total = await http.post("/kpi", json={"data": {"advanced_search": {"query": SMITHS}}})
    assert [c["id"] for c in found.json()["data"]["contacts"]] == [2, 3]
    assert total.json() == {"status": "success", "data": {"total": 2}}


@pytest.mark.anyio
@pytest.mark.parametrize("where", ["data", "advanced_search"], ids=["beside", "inside"])
async def test_include_interactions_is_accepted_at_both_levels(where: str) -> None:
    sandbox = build_sandbox()
    sandbox.space_for(KEY).interactions[2] = [{"id": 1, "type": "call", "date": "2024-01-01T00:00:00Z"}]
    advanced = {"query": SMITHS, "per_page": 1}
    data = {"advanced_search": advanced}
    (data if where == "data" else advanced)["include_interactions"] = True
    async with client(sandbox) as http:
        response = await http.post("/search", json={"data": data})
    assert response.json()["data"]["contacts"][0]["interactions"][0]["type"] == "call"


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
