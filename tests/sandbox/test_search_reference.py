"""POST /search and /kpi with what Qomon's reference knows beyond the docs' table.

Shapes file, "Types and rules": attributes CreatedAt, nationbuilderid, birthday
(with "today"), address.state / county / building_type, petitions.base_id,
onlineforms.base_id; the operator period; eql on emails.blacklisted_at;
start_with on forms. The emulator must accept them all (it is no stricter than
Qomon) and evaluate them on what the space holds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.space import PinnedClock
from tests.sandbox.app_support import KEY, build_sandbox, client

# Jane (1) was born on 1 May 1980: the space's clock is pinned on her birthday.
BIRTHDAY = datetime(2025, 5, 1, 9, 30, tzinfo=UTC)


def _sandbox() -> Sandbox:
    sandbox = build_sandbox()
    space = sandbox.space_for(KEY)
    space.clock = PinnedClock(BIRTHDAY)
    space.contacts[3]["CreatedAt"] = "2025-03-10T08:00:00Z"
    space.contacts[1]["address"] |= {"state": "Île-de-France", "county": "Paris", "building_type": "flat"}
    space.contacts[2]["customfields"] = [
        {"id": 1, "form_id": 16, "form_ref_id": 160, "data": "Tacos al pastor", "deleted_at": None}
    ]
    space.emails[1] = [{"blacklisted_at": "2025-04-02T10:00:00Z", "delivered_at": "2025-04-01T10:00:00Z"}]
    space.emails[2] = [{"blacklisted_at": None, "delivered_at": "2025-04-01T10:00:00Z"}]
    return sandbox


def _body(condition: dict[str, Any]) -> dict[str, Any]:
    query = {"$all": [{"$all": [{"$condition": condition}]}]}
    return {"data": {"advanced_search": {"query": query, "per_page": 100}}}


async def _found(condition: dict[str, Any]) -> tuple[int, set[int], int]:
    """(status of /search, ids found, /kpi total) for one condition."""
    async with client(_sandbox()) as http:
        found = await http.post("/search", json=_body(condition))
        total = await http.post("/kpi", json=_body(condition))
    assert total.status_code == found.status_code, total.text
    if found.status_code != 200:
        return found.status_code, set(), 0
    return 200, {c["id"] for c in found.json()["data"]["contacts"]}, total.json()["data"]["total"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        pytest.param({"attr": "CreatedAt", "ope": "gte", "value": "2025-01-01"}, {3}, id="created-at"),
        pytest.param({"attr": "nationbuilderid", "ope": "eql", "value": "nb-77"}, {2}, id="nationbuilder-eql"),
        pytest.param({"attr": "nationbuilderid", "ope": "ext"}, {2}, id="nationbuilder-ext"),
        pytest.param({"attr": "nationbuilderid", "ope": "not_eql", "value": "nb-77"}, {1, 3}, id="nationbuilder-not"),
        pytest.param({"attr": "birthday", "ope": "eql", "value": "today"}, {1}, id="birthday-today"),
        pytest.param({"attr": "birthday", "ope": "eql", "value": "2000-05-02"}, set(), id="birthday-other-day"),
        pytest.param({"attr": "address.state", "ope": "eql", "value": "île-de-france"}, {1}, id="state"),
        pytest.param({"attr": "address.county", "ope": "ext"}, {1}, id="county"),
        pytest.param({"attr": "address.building_type", "ope": "not_eql", "value": "flat"}, {2, 3}, id="building"),
        # The space holds no petition signatures nor online form entries: accepted, matching nobody.
        pytest.param({"attr": "petitions.base_id", "ope": "eql", "value": "5"}, set(), id="petitions"),
        pytest.param({"attr": "onlineforms.base_id", "ope": "ext"}, set(), id="onlineforms"),
        pytest.param({"attr": "emails.blacklisted_at", "ope": "eql", "value": "2025-04-02"}, {1}, id="blacklisted-eql"),
        pytest.param(
            {"attr": "custom_fields", "form_id": 16, "form_ref_ids": [160], "ope": "start_with", "value": "taco"},
            {2},
            id="form-start-with",
        ),
    ],
)
async def test_reference_attributes_and_operators_are_accepted_and_evaluated(
    condition: dict[str, Any], expected: set[int]
) -> None:
    status, found, total = await _found(condition)
    assert status == 200
    assert found == expected and total == len(expected)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        pytest.param({"attr": "CreatedAt", "ope": "period", "value": "2025"}, {3}, id="a-year"),
        pytest.param({"attr": "CreatedAt", "ope": "period", "value": "now/y"}, {3}, id="date-math"),
        pytest.param({"attr": "CreatedAt", "ope": "period", "value": "2025-03-10"}, {3}, id="a-day"),
        pytest.param(
            {"attr": "lastchange", "ope": "period", "from": "2023-12-01", "to": "2024-01-01"},
            {1, 2, 3},
            id="from-to",
        ),
        pytest.param({"attr": "birthday", "ope": "period", "value": "now/M"}, {1}, id="birthday-this-month"),
        pytest.param(
            {"attr": "birthday", "ope": "period", "from": "2025-06-01", "to": "2025-12-31"}, set(), id="birthday-later"
        ),
        # What a period value looks like is documented nowhere: an unreadable one is not refused.
        pytest.param({"attr": "CreatedAt", "ope": "period", "value": "last_quarter"}, set(), id="unreadable"),
    ],
)
async def test_period_names_a_span_of_time(condition: dict[str, Any], expected: set[int]) -> None:
    status, found, total = await _found(condition)
    assert status == 200
    assert found == expected and total == len(expected)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({"attr": "CreatedAt", "ope": "period"}, id="period-without-value"),
        pytest.param({"attr": "surname", "ope": "period", "value": "2025"}, id="period-on-text"),
        pytest.param({"attr": "address.state", "ope": "contains", "value": "x"}, id="state-contains"),
    ],
)
async def test_what_the_reference_does_not_give_is_still_refused(condition: dict[str, Any]) -> None:
    status, _, _ = await _found(condition)
    assert status == 422


@pytest.mark.anyio
@pytest.mark.parametrize("per_page", [None, 1, 1000], ids=["without", "one", "max"])
async def test_kpi_takes_per_page_or_goes_without(per_page: int | None) -> None:
    advanced: dict[str, Any] = {"query": {"$all": []}}
    if per_page is not None:
        advanced["per_page"] = per_page
    async with client(build_sandbox()) as http:
        response = await http.post("/kpi", json={"data": {"advanced_search": advanced}})
    # Shapes file, "Types and rules": per_page is harmless on /kpi, and does not page the total.
    assert response.json() == {"status": "success", "data": {"total": 3}}
