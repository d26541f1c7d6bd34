"""Searches keep the space's fundraising index between requests: every write must show at once."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from qomon_mcp.sandbox.rules.upsert import apply_upsert
from tests.sandbox.app_support import KEY, build_sandbox, client, transaction

BIG_GIVER = {"$all": [{"$all": [{"$condition": {"attr": "transactions.amount", "ope": "gte", "value": "900"}}]}]}
NATIONBUILDER = {"$all": [{"$all": [{"$condition": {"attr": "nationbuilderid", "ope": "eql", "value": "nb-new"}}]}]}


async def _matching(http: httpx2.AsyncClient, query: dict[str, Any]) -> set[int]:
    response = await http.post("/search", json={"data": {"advanced_search": {"query": query, "per_page": 100}}})
    assert response.status_code == 200, response.text
    return {contact["id"] for contact in response.json()["data"]["contacts"]}


@pytest.mark.anyio
async def test_bundle_writes_show_in_the_next_search() -> None:
    async with client(build_sandbox()) as http:
        assert await _matching(http, BIG_GIVER) == set()
        first = {"transactions": [transaction(amount=99900)]}
        bundle = (await http.post("/v1/transaction_bundles", json={"data": first})).json()["data"]
        assert await _matching(http, BIG_GIVER) == {1}
        path = f"/v1/transaction_bundles/{bundle['id']}"
        smaller = transaction(id=bundle["transactions"][0]["id"], amount=1000)
        assert (await http.patch(path, json={"data": {"transactions": [smaller]}})).status_code == 200
        assert await _matching(http, BIG_GIVER) == set()
        bigger = transaction(id=bundle["transactions"][0]["id"], amount=120000)
        await http.patch(path, json={"data": {"transactions": [bigger]}})
        assert await _matching(http, BIG_GIVER) == {1}
        assert (await http.delete(path)).status_code == 200
        assert await _matching(http, BIG_GIVER) == set()


@pytest.mark.anyio
async def test_an_applied_upsert_shows_in_the_next_search() -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        assert await _matching(http, NATIONBUILDER) == set()
        contact_id = apply_upsert(sandbox.spaces[KEY], {"firstname": "Nora", "nationbuilderid": "nb-new"})
        assert contact_id is not None
        assert await _matching(http, NATIONBUILDER) == {contact_id}
