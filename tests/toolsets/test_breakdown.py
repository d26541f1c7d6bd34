"""count_contacts' breakdown against the emulator: every count is checked against a direct search.

The direct search goes through search_contacts (POST /search), the breakdown through
POST /kpi: two routes of the emulator, so a part built on the wrong condition shows.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.space import Space
from tests.calls import call, payload

pytestmark = pytest.mark.anyio

MOBILE = {"attr": "mobile", "ope": "ext"}


def cond(attr: str, ope: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    return {"attr": attr, "ope": ope, **({"value": value} if value is not None else {}), **extra}


async def found(mcp: Client, *conditions: dict[str, Any]) -> int:
    """How many contacts a plain search finds for these conditions ANDed together."""
    data = await call(mcp, "search_contacts", {"query": {"conditions": list(conditions)}, "limit": 5000, "fields": []})
    assert "next_page" not in data
    return data["count"]


async def broken_down(mcp: Client, breakdown: dict[str, Any], *conditions: dict[str, Any]) -> dict[str, Any]:
    arguments: dict[str, Any] = {"breakdown": breakdown}
    if conditions:
        arguments["query"] = {"conditions": list(conditions)}
    return await call(mcp, "count_contacts", arguments)


def assert_shares(data: dict[str, Any]) -> None:
    for part in data["breakdown"]["parts"]:
        assert part["share"] == round(part["count"] / data["total"], 4)


async def test_without_a_breakdown_the_result_is_the_total_alone(mcp: Client) -> None:
    assert await call(mcp, "count_contacts", {"query": {"conditions": [MOBILE]}}) == {"total": await found(mcp, MOBILE)}


async def test_a_form_splits_into_its_values_and_the_contacts_without_an_answer(mcp: Client) -> None:
    forms = await call(mcp, "get_forms", {"form_type": "level_of_support"})
    form = forms["forms"][0]
    data = await broken_down(mcp, {"form_id": form["id"]}, MOBILE)

    assert data["total"] == await found(mcp, MOBILE)
    assert data["breakdown"]["by"] == "form"
    parts = data["breakdown"]["parts"]
    assert [p["label"] for p in parts] == [v["label"] for v in form["values"]]
    for part, value in zip(parts, form["values"], strict=True):
        answer = cond("form", "eql", form_id=form["id"], form_ref_ids=[value["id"]])
        assert part["count"] == await found(mcp, MOBILE, answer), part["label"]
    unanswered = await found(mcp, MOBILE, cond("form", "not_ext", form_id=form["id"]))
    assert data["breakdown"]["none_of_the_parts"] == unanswered
    # One level of support per contact: the parts and the unanswered add up to the total.
    assert sum(p["count"] for p in parts) + unanswered == data["total"]
    assert 0 < unanswered < data["total"]
    assert_shares(data)


async def test_a_custom_field_with_values_splits_too(mcp: Client) -> None:
    forms = await call(mcp, "get_forms", {"form_type": "custom_fields"})
    form = next(f for f in forms["forms"] if f["label"] == "Membership type")
    data = await broken_down(mcp, {"form_id": form["id"]})
    for part, value in zip(data["breakdown"]["parts"], form["values"], strict=True):
        answer = cond("custom_fields", "eql", form_id=form["id"], form_ref_ids=[value["id"]])
        assert part["count"] == await found(mcp, answer), part["label"]
    empty = await found(mcp, cond("custom_fields", "not_ext", form_id=form["id"]))
    assert data["breakdown"]["none_of_the_parts"] == empty


async def test_tags_split_with_the_contacts_that_have_none_of_them(mcp: Client) -> None:
    tags = ["volunteer", "donor", "no-such-tag"]
    data = await broken_down(mcp, {"tags": tags}, MOBILE)
    parts = data["breakdown"]["parts"]
    assert [p["label"] for p in parts] == tags
    for part in parts:
        assert part["count"] == await found(mcp, MOBILE, cond("tags.name", "eql", part["label"])), part["label"]
    assert parts[0]["count"] > 0 and parts[2] == {"label": "no-such-tag", "count": 0, "share": 0.0}
    assert data["breakdown"]["none_of_the_parts"] == await found(mcp, MOBILE, cond("tags.name", "none_of", tags))
    assert_shares(data)


@pytest.mark.parametrize(("key", "attr"), [("cities", "address.city"), ("postal_codes", "address.postalcode")])
async def test_places_split_with_the_contacts_elsewhere(mcp: Client, space: Space, key: str, attr: str) -> None:
    field = attr.split(".")[1]
    places = sorted({c["address"][field] for c in space.contacts.values() if (c.get("address") or {}).get(field)})
    chosen = [*places[:3], "Atlantis"]
    data = await broken_down(mcp, {key: chosen})
    assert data["breakdown"]["by"] == key
    counts = {p["label"]: p["count"] for p in data["breakdown"]["parts"]}
    assert list(counts) == chosen and counts["Atlantis"] == 0
    for place in chosen[:3]:
        assert counts[place] == await found(mcp, cond(attr, "eql", place)) > 0, place
    elsewhere = await found(mcp, *(cond(attr, "not_eql", place) for place in chosen))
    assert data["breakdown"]["none_of_the_parts"] == elsewhere
    # A contact has one address: the places and the rest add up to everyone.
    assert sum(counts.values()) + elsewhere == data["total"] == len(space.contacts)


async def test_named_sub_queries_are_counted_within_the_query_and_have_no_rest(mcp: Client) -> None:
    strong = cond("form", "eql", form_id=4532, form_ref_ids=[7491])  # level of support: strong support
    queries = {
        "Lyon": {"conditions": [cond("address.city", "eql", "Lyon")]},
        "volunteers or donors": {"conditions": [cond("tags.name", "any_of", ["volunteer", "donor"])]},
        "strong supporters": {"conditions": [strong]},
    }
    data = await broken_down(mcp, {"queries": queries}, MOBILE)
    parts = data["breakdown"]["parts"]
    assert [p["label"] for p in parts] == list(queries)
    for part, query in zip(parts, queries.values(), strict=True):
        assert part["count"] == await found(mcp, MOBILE, *query["conditions"]) > 0, part["label"]
    assert "none_of_the_parts" not in data["breakdown"]
    assert_shares(data)


async def test_a_sub_query_of_or_groups_needs_no_query(mcp: Client) -> None:
    reached = {"match": "at_least_one", "conditions": [MOBILE, cond("phone", "ext")]}
    either = {"match": "at_least_one", "groups": [reached, {"conditions": [cond("tags.name", "eql", "volunteer")]}]}
    data = await broken_down(mcp, {"queries": {"reachable": either, "no mobile": [cond("mobile", "not_ext")]}})
    reachable, unreachable = data["breakdown"]["parts"]
    listed = await call(mcp, "search_contacts", {"query": either, "limit": 5000, "fields": []})
    assert reachable["count"] == listed["count"] > 0
    assert unreachable["count"] == await found(mcp, cond("mobile", "not_ext"))


async def test_an_or_query_takes_each_part_into_each_of_its_groups(mcp: Client) -> None:
    query = {
        "match": "at_least_one",
        "groups": [{"conditions": [cond("address.city", "eql", "Lyon")]}, {"conditions": [MOBILE]}],
    }
    data = await call(mcp, "count_contacts", {"query": query, "breakdown": {"tags": ["volunteer"]}})
    either = await call(mcp, "search_contacts", {"query": query, "limit": 5000, "fields": []})
    assert data["total"] == either["count"]
    lyon = await found(mcp, cond("address.city", "eql", "Lyon"), cond("tags.name", "eql", "volunteer"))
    mobile = await found(mcp, MOBILE, cond("tags.name", "eql", "volunteer"))
    both = await found(mcp, cond("address.city", "eql", "Lyon"), MOBILE, cond("tags.name", "eql", "volunteer"))
    assert data["breakdown"]["parts"][0]["count"] == lyon + mobile - both > 0


async def test_a_failing_sub_query_is_reported_in_its_row_and_the_others_answer(mcp: Client) -> None:
    queries = {
        "typo": {"conditions": [cond("address.citty", "eql", "Lyon")]},
        "mobile": {"conditions": [MOBILE]},
        "or of ors": {"match": "at_least_one", "groups": [{"match": "at_least_one", "conditions": [MOBILE]}]},
    }
    query = {"match": "at_least_one", "groups": [{"conditions": [MOBILE]}, {"conditions": [cond("phone", "ext")]}]}
    data = await call(mcp, "count_contacts", {"query": query, "breakdown": {"queries": queries}})
    typo, mobile, ors = data["breakdown"]["parts"]
    assert set(typo) == {"label", "error"} and "'address.citty' is not a search attribute" in typo["error"]
    assert mobile["count"] == await found(mcp, MOBILE)
    assert set(ors) == {"label", "error"} and "cannot be ANDed in two levels" in ors["error"]


async def test_a_part_that_qomon_fails_is_reported_in_its_row(mcp: Client, sandbox: Sandbox) -> None:
    cities = ["Lyon", "Paris", "Marseille", "Lille"]
    # The total is counted first and alone: let it through, then fail one part's count (500 is not retried).
    sandbox.faults.add("delay", delay=0, method="POST", route="/kpi")
    sandbox.faults.add("status", status=500, method="POST", route="/kpi")
    data = await broken_down(mcp, {"cities": cities})
    rows = data["breakdown"]["parts"]
    failed = [r for r in rows if "error" in r]
    assert len(failed) == 1
    assert failed[0]["error"] == "Qomon failed with a server error (HTTP 500); try again in a moment."
    assert set(failed[0]) == {"label", "error"}
    for row in rows:
        if "count" in row:
            assert row["count"] == await found(mcp, cond("address.city", "eql", row["label"]))
    assert {r["label"] for r in rows} == set(cities) and "none_of_the_parts" in data["breakdown"]


async def test_a_failing_count_of_the_rest_leaves_a_note(mcp: Client, sandbox: Sandbox) -> None:
    # The total passes; the part's count and the rest's both fail.
    sandbox.faults.add("delay", delay=0, method="POST", route="/kpi")
    sandbox.faults.add("status", status=500, method="POST", route="/kpi", times=2)
    data = await broken_down(mcp, {"tags": ["volunteer"]})
    assert "error" in data["breakdown"]["parts"][0]
    assert "none_of_the_parts" not in data["breakdown"]
    assert data["note"].startswith("The count of contacts in none of the parts failed: Qomon failed")


async def test_more_than_fifty_parts_are_refused_before_anything_is_sent(mcp: Client, sandbox: Sandbox) -> None:
    start = len(sandbox.request_log)
    result = await mcp.call_tool("count_contacts", {"breakdown": {"cities": [f"City {i}" for i in range(51)]}})
    assert result.is_error
    message = result.content[0].text
    assert message == "breakdown has 51 parts, more than the 50 one call counts; split it over several calls."
    assert not sandbox.request_log[start:]
    fifty = await broken_down(mcp, {"cities": [f"City {i}" for i in range(50)]})
    assert len(fifty["breakdown"]["parts"]) == 50


ONE_KEY = "breakdown takes one key: form_id, tags, cities, postal_codes or queries"


@pytest.mark.parametrize(
    ("breakdown", "expected"),
    [
        pytest.param({"colours": ["red"]}, f"{ONE_KEY}, not 'colours'.", id="unknown-key"),
        pytest.param({"tags": ["a"], "cities": ["b"]}, f"{ONE_KEY}, such as", id="two-keys"),
        pytest.param(["Lyon"], f"{ONE_KEY}, such as", id="a-list"),
        pytest.param({"tags": []}, "breakdown.tags must be a list of non-empty names", id="empty-list"),
        pytest.param({"cities": ["Lyon", " "]}, "breakdown.cities must be a list of non-empty names", id="blank-name"),
        pytest.param({"form_id": "4532"}, "breakdown.form_id must be a form id", id="form-id-text"),
        pytest.param({"form_id": True}, "breakdown.form_id must be a form id", id="form-id-boolean"),
        pytest.param({"form_id": 999}, "breakdown.form_id: this space has no form 999", id="unknown-form"),
        pytest.param({"form_id": 4535}, "breakdown.form_id: form 4535 (Comments) takes free answers", id="free-text"),
        pytest.param({"queries": {}}, "breakdown.queries must be an object of labelled queries", id="no-queries"),
        pytest.param({"queries": {"": {}}}, "breakdown.queries needs a non-empty label", id="blank-label"),
    ],
)
async def test_a_wrong_breakdown_is_refused_in_one_sentence(mcp: Client, breakdown: Any, expected: str) -> None:
    result = await mcp.call_tool("count_contacts", {"breakdown": breakdown})
    assert result.is_error and result.content[0].text.startswith(expected)


async def test_an_or_query_of_or_groups_cannot_take_a_breakdown(mcp: Client, sandbox: Sandbox) -> None:
    start = len(sandbox.request_log)
    groups = [{"match": "at_least_one", "conditions": [MOBILE]}, {"conditions": [MOBILE]}]
    query = {"match": "at_least_one", "groups": groups}
    result = await mcp.call_tool("count_contacts", {"query": query, "breakdown": {"tags": ["donor"]}})
    assert result.is_error and result.content[0].text.startswith("breakdown needs a query whose OR-ed groups")
    assert "/kpi" not in {e.route for e in sandbox.request_log[start:]}


async def test_duplicate_names_count_once(mcp: Client) -> None:
    data = await broken_down(mcp, {"cities": ["Lyon", "Paris", "lyon ", "Lille"]})
    assert [p["label"] for p in data["breakdown"]["parts"]] == ["Lyon", "Paris", "Lille"]


async def test_progress_is_reported_once_per_count_in_order(mcp: Client) -> None:
    updates: list[tuple[float, float | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, total))

    cities = ["Lyon", "Paris", "Marseille", "Lille", "Nantes"]
    result = await mcp.call_tool("count_contacts", {"breakdown": {"cities": cities}}, progress_callback=on_progress)
    payload(result)
    steps = 1 + len(cities) + 1  # the total, each part, the rest
    assert updates == [(n, steps) for n in range(1, steps + 1)]


async def test_read_only_callers_can_break_counts_down(mcp_read_only: Client) -> None:
    data = await broken_down(mcp_read_only, {"tags": ["volunteer"]})
    assert data["breakdown"]["parts"][0]["count"] > 0


async def test_the_sandbox_sees_one_count_per_part_plus_the_total_and_the_rest(mcp: Client, sandbox: Sandbox) -> None:
    start = len(sandbox.request_log)
    await broken_down(mcp, {"tags": ["volunteer", "donor", "press"]})
    assert [e.route for e in sandbox.request_log[start:]] == ["/kpi"] * 5
