"""Queries the search language refuses, and paging, sorting and the read shape of results."""

from typing import Any

import pytest

from qomon_mcp.sandbox.search.engine import QueryError, count, search
from qomon_mcp.sandbox.space import Space
from tests.sandbox.search_space import NOW, ids, make_space, one, tags


@pytest.fixture
def space() -> Space:
    return make_space()


def _query(condition: dict[str, Any]) -> dict[str, Any]:
    return {"per_page": 10, "query": one(**condition)}


REFUSED = [
    (
        {"per_page": 10, "query": {"$all": [{"$condition": {"attr": "mobile", "ope": "ext"}}]}},
        "cannot sit directly under the root",
        "condition-under-root",
    ),
    (
        {
            "per_page": 10,
            "query": {"$all": [{"$all": [{"$all": [{"$condition": {"attr": "mobile", "ope": "ext"}}]}]}]},
        },
        "cannot be nested deeper than two levels",
        "three-levels",
    ),
    (
        {"per_page": 10, "query": {"$condition": {"attr": "mobile", "ope": "ext"}}},
        "exactly one key",
        "bare-condition",
    ),
    ({"per_page": 10, "query": {"$all": [], "$at_least_one": []}}, "exactly one key", "root-two-keys"),
    ({"per_page": 10, "query": {"$any": []}}, "exactly one key", "root-unknown-key"),
    ({"per_page": 10, "query": []}, "exactly one key", "root-list"),
    ({"per_page": 10, "query": {"$all": {"$all": []}}}, "must be a list", "root-not-list"),
    ({"per_page": 10, "query": {"$all": [{"$all": "x"}]}}, "must be a list", "group-not-list"),
    (
        {"per_page": 10, "query": {"$all": [{"$all": [{"attr": "mobile"}]}]}},
        'expected {"$condition"',
        "no-wrapper",
    ),
    (
        {
            "per_page": 10,
            "query": {"$all": [{"$all": [{"$condition": {"attr": "mobile", "ope": "ext"}, "x": 1}]}]},
        },
        'expected {"$condition"',
        "extra-key-beside-condition",
    ),
    ({"per_page": 10}, "query is required", "no-query"),
    (
        _query({"attr": "shoe_size", "ope": "eql", "value": "42"}),
        "unknown search attribute 'shoe_size'",
        "unknown-attr",
    ),
    (
        _query({"attr": "gender", "ope": "gte", "value": "F"}),
        "condition on 'gender' does not accept operator 'gte'; allowed: eql, not_eql, ext, not_ext",
        "wrong-operator",
    ),
    (_query({"attr": "gender", "value": "F"}), "does not accept operator None", "no-operator"),
    (_query({"attr": "mail", "ope": "eql", "value": "a@b.c"}), "allowed: eql:strictdata", "mail-eql"),
    (
        _query({"attr": "gender", "ope": "eql", "value": "F", "extra": 1}),
        "unknown keys: extra",
        "unknown-key",
    ),
    (
        _query({"attr": "lastchange", "ope": "range", "from": "now-1d"}),
        "needs both 'from' and 'to'",
        "range-no-to",
    ),
    (
        _query({"attr": "lastchange", "ope": "range", "to": "now"}),
        "needs both 'from' and 'to'",
        "range-no-from",
    ),
    (_query({"attr": "lastchange", "ope": "gte", "value": "now-1x"}), "cannot read '-1x'", "bad-date-math"),
    (
        _query({"attr": "lastchange", "ope": "gte", "value": "2025-02-31"}),
        "is not a date",
        "bad-calendar-date",
    ),
    (_query({"attr": "lastchange", "ope": "gte"}), "needs a value", "missing-value"),
    (
        _query({"attr": "donations.sum_amount", "ope": "gte", "value": 100}),
        "amounts are strings in euros",
        "non-string-amount",
    ),
    (
        _query({"attr": "transactions.amount", "ope": "eql", "value": "ten"}),
        "not an amount in euros",
        "bad-amount",
    ),
    (
        _query({"attr": "donations.count_amount", "ope": "gte", "value": "1.5"}),
        "not a whole number",
        "bad-count",
    ),
    (
        _query({"attr": "donations.count_amount", "ope": "gte", "value": "-1"}),
        "not a whole number",
        "negative-count",
    ),
    (
        _query({"attr": "sanctions.validity", "ope": "eql", "value": "active"}),
        "'ongoing' or 'ended'",
        "bad-validity",
    ),
    (_query({"attr": "memberships.period", "ope": "eql", "value": "24"}), "not a year", "bad-year"),
    (
        _query({"attr": "memberships.multiple_in_period", "ope": "eql", "value": "soon"}),
        "not a year",
        "bad-year-2",
    ),
    (_query({"attr": "gender", "ope": "eql", "value": "X"}), "M, F or O", "bad-gender"),
    (_query({"attr": "age_cat", "ope": "eql", "value": "9"}), "0 to 6", "bad-age-cat"),
    (_query({"attr": "black_list", "ope": "eql", "value": "yes"}), '"true" or "false"', "bad-bool"),
    (_query({"attr": "tags.name", "ope": "any_of", "value": []}), "list of values is empty", "empty-list"),
    (_query({"attr": "tags.name", "ope": "any_of", "value": {"a": 1}}), "comma-separated", "list-not-list"),
    (_query({"attr": "firstname", "ope": "eql", "value": ["a"]}), "must be a string", "text-not-string"),
    (
        _query({"attr": "emails.campaign_performance_rating", "ope": "gte", "value": "high"}),
        "not a number",
        "number",
    ),
    (_query({"attr": "form", "form_ref_ids": [1], "ope": "ext"}), "integer form_id", "form-without-form-id"),
    (_query({"attr": "form", "form_id": "4530", "ope": "ext"}), "integer form_id", "form-id-string"),
    (
        _query({"attr": "form", "form_id": 1, "form_ref_ids": ["a"], "ope": "eql"}),
        "list of integers",
        "ref-ids",
    ),
    (
        _query({"attr": "form", "form_id": 1, "ope": "not_start_with", "value": "a"}),
        "allowed: ext, not_ext",
        "form-op",
    ),
    (_query({"attr": "form", "form_id": 1, "ope": "contains"}), "needs a value", "form-contains-no-value"),
    (
        _query({"attr": "form", "form_id": 1, "ope": "gte", "value": "soon"}),
        "neither a number nor a date",
        "form-gte",
    ),
    (
        _query({"attr": "form", "form_id": 1, "ope": "ext", "label": "x"}),
        "unknown keys: label",
        "form-unknown-key",
    ),
    ({"query": {"$all": []}}, "per_page is required", "per-page-missing"),
    ({"per_page": 0, "query": {"$all": []}}, "from 1 to 1000", "per-page-zero"),
    ({"per_page": 1001, "query": {"$all": []}}, "from 1 to 1000", "per-page-too-big"),
    ({"per_page": "100", "query": {"$all": []}}, "from 1 to 1000", "per-page-string"),
    ({"per_page": True, "query": {"$all": []}}, "from 1 to 1000", "per-page-bool"),
    ({"per_page": 10, "page": -1, "query": {"$all": []}}, "page must be an integer", "negative-page"),
    ({"per_page": 10, "page": "1", "query": {"$all": []}}, "page must be an integer", "page-string"),
    ({"per_page": 10, "sort_attr": "id", "query": {"$all": []}}, "cannot sort by 'id'", "bad-sort-attr"),
    (
        {"per_page": 10, "sort_asc": "yes", "query": {"$all": []}},
        "sort_asc must be true or false",
        "bad-sort-asc",
    ),
]


@pytest.mark.parametrize(("advanced_search", "message"), [pytest.param(a, m, id=i) for a, m, i in REFUSED])
def test_refused_queries(space: Space, advanced_search: dict[str, Any], message: str) -> None:
    with pytest.raises(QueryError) as raised:
        search(space, advanced_search, now=NOW)
    assert message in str(raised.value)


def test_query_errors_are_value_errors() -> None:
    assert issubclass(QueryError, ValueError)


def test_bad_queries_fail_even_on_an_empty_space() -> None:
    with pytest.raises(QueryError, match="unknown search attribute"):
        count(Space(group_id=1), {"query": one(attr="nope", ope="eql", value="x")})


def test_count_does_not_need_paging_but_checks_the_query(space: Space) -> None:
    assert count(space, {"query": one(attr="mobile", ope="ext")}, now=NOW) == 5
    with pytest.raises(QueryError, match="cannot sit directly under the root"):
        count(space, {"query": {"$all": [{"$condition": {"attr": "mobile", "ope": "ext"}}]}})


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        pytest.param(0, [1, 2, 3], id="first"),
        pytest.param(1, [4, 5, 6], id="second"),
        pytest.param(2, [7], id="last-is-short"),
        pytest.param(3, [], id="past-the-end"),
    ],
)
def test_pages_are_offsets_in_id_order(space: Space, page: int, expected: list[int]) -> None:
    assert ids(search(space, {"per_page": 3, "page": page, "query": {"$all": []}}, now=NOW)) == expected


def test_page_defaults_to_zero(space: Space) -> None:
    assert ids(search(space, {"per_page": 2, "query": {"$all": []}}, now=NOW)) == [1, 2]


@pytest.mark.parametrize(
    ("sort_attr", "sort_asc", "expected"),
    [
        pytest.param("firstname", True, [1, 2, 3, 4, 5, 6, 7], id="firstname-asc"),
        pytest.param("firstname", False, [7, 6, 5, 4, 3, 2, 1], id="firstname-desc"),
        pytest.param("firstname", None, [7, 6, 5, 4, 3, 2, 1], id="descending-by-default"),
        pytest.param("surname", True, [7, 2, 4, 1, 3, 6, 5], id="surname-missing-last"),
        pytest.param("city", True, [2, 4, 1, 3, 6, 7, 5], id="city-ties-keep-id-order"),
        pytest.param("city", False, [1, 3, 6, 7, 4, 2, 5], id="city-desc-missing-still-last"),
        pytest.param("lastchange", False, [6, 1, 2, 3, 4, 7, 5], id="lastchange-newest-first"),
        pytest.param("birthdate", True, [2, 1, 3, 4, 5, 6, 7], id="birthdate-asc"),
        pytest.param("gender", True, [1, 3, 6, 2, 4, 7, 5], id="gender"),
        pytest.param("married_name", True, [3, 1, 2, 4, 5, 6, 7], id="married-name"),
        pytest.param("mail", True, [1, 2, 3, 4, 5, 6, 7], id="mail"),
    ],
)
def test_sorting(space: Space, sort_attr: str, sort_asc: bool | None, expected: list[int]) -> None:
    advanced_search: dict[str, Any] = {"per_page": 10, "sort_attr": sort_attr, "query": {"$all": []}}
    if sort_asc is not None:
        advanced_search["sort_asc"] = sort_asc
    assert ids(search(space, advanced_search, now=NOW)) == expected


def test_sorted_pages_do_not_overlap(space: Space) -> None:
    pages = [
        ids(search(space, {"per_page": 2, "page": p, "sort_attr": "city", "query": {"$all": []}}, now=NOW))
        for p in range(4)
    ]
    assert [i for page in pages for i in page] == [1, 3, 6, 7, 4, 2, 5]


def test_results_are_copies_in_the_read_shape(space: Space) -> None:
    (alice,) = search(space, {"per_page": 10, "query": one(attr="firstname", ope="eql", value="alice")}, now=NOW)
    assert alice == space.contacts[1]
    assert "interactions" not in alice
    alice["tags"].append({"name": "changed"})
    alice["address"]["city"] = "Nice"
    assert space.contacts[1]["tags"] == tags("volunteer")
    assert space.contacts[1]["address"]["city"] == "Paris"


def test_include_interactions(space: Space) -> None:
    found = search(space, {"per_page": 2, "query": {"$all": []}}, include_interactions=True, now=NOW)
    assert [c["interactions"] for c in found] == [space.interactions[1], []]
    found[0]["interactions"].clear()
    assert space.interactions[1]


def test_now_defaults_to_the_clock(space: Space) -> None:
    # Everyone's lastchange is in the past, whatever the day the tests run.
    assert count(space, {"query": one(attr="lastchange", ope="lte", value="now")}) == 6
