import json
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from mcp import Client

import qomon_mcp.sandbox.search.engine as sandbox_search
from qomon_mcp.assemble import create_server
from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.space import Space
from qomon_mcp.toolsets.helpers.contact_view import ContactView
from tests.calls import contacts_in, payload
from tests.spaces import demo_sandbox
from tests.toolsets.conftest import CLOCKS, EU_KEY, make_settings

pytestmark = pytest.mark.anyio

SEARCH_ROUTES = {"/search", "/kpi"}


def _demo_sandbox(now: datetime | None = None) -> Sandbox:
    return demo_sandbox(now=now, burst=1000, rate=1000.0, upsert_delay=0.05)


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    # Searches only read: one demo space for the module keeps the suite fast. Tests that
    # change the space use `own_space` instead.
    return _demo_sandbox()


@pytest.fixture(scope="module", params=CLOCKS)
def dated_sandbox(request: pytest.FixtureRequest) -> Sandbox:
    """A read-only demo sandbox laid out around, and pinned at, each of the CLOCKS."""
    return _demo_sandbox(request.param)


@pytest.fixture
async def dated(dated_sandbox: Sandbox) -> AsyncIterator[tuple[Client, Space]]:
    async with Client(create_server(make_settings(), transport=dated_sandbox.transport())) as client:
        yield client, dated_sandbox.space_for(EU_KEY)


@pytest.fixture
def log_start(sandbox: Sandbox) -> int:
    return len(sandbox.request_log)


def routes_since(sandbox: Sandbox, start: int) -> list[str]:
    return [entry.route for entry in sandbox.request_log[start:]]


@pytest.fixture(params=CLOCKS)
async def own_space(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Client, Sandbox, Space]]:
    sandbox = _demo_sandbox(request.param)
    async with Client(create_server(make_settings(), transport=sandbox.transport())) as client:
        yield client, sandbox, sandbox.space_for(EU_KEY)


def cond(attr: str, ope: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    condition = {"attr": attr, "ope": ope, **extra}
    if value is not None:
        condition["value"] = value
    return condition


def native(*groups: tuple[str, list[dict[str, Any]]], root: str = "$all") -> dict[str, Any]:
    return {root: [{key: [{"$condition": c} for c in conditions]} for key, conditions in groups]}


def expected_ids(space: Space, query: dict[str, Any]) -> set[int]:
    """What the sandbox's own evaluator says the verbatim docs query matches."""
    ids: set[int] = set()
    page = 0
    while True:
        batch = sandbox_search.search(space, {"query": query, "per_page": 1000, "page": page})
        ids |= {c["id"] for c in batch}
        if len(batch) < 1000:
            return ids
        page += 1


async def found_ids(mcp: Client, arguments: dict[str, Any]) -> set[int]:
    data = payload(await mcp.call_tool("search_contacts", {**arguments, "limit": 5000, "fields": []}))
    ids = [c["id"] for c in contacts_in(data)]
    assert len(ids) == len(set(ids)) == data.get("count", 0)
    return set(ids)


# The docs' search examples: the typed form (explicit, flat shorthand or native JSON) and the verbatim query.
DOCS_EXAMPLES = [
    pytest.param(
        {"groups": [{"match": "all", "conditions": [cond("address.city", "eql", "Paris")]}]},
        native(("$all", [cond("address.city", "eql", "Paris")])),
        id="minimum-shape",
    ),
    pytest.param(
        {
            "groups": [
                {"conditions": [cond("address.city", "eql", "Paris"), cond("mobile", "ext")]},
                {
                    "match": "at_least_one",
                    "conditions": [cond("tags.name", "eql", "volunteer"), cond("tags.name", "eql", "donor")],
                },
            ]
        },
        native(
            ("$all", [cond("address.city", "eql", "Paris"), cond("mobile", "ext")]),
            ("$at_least_one", [cond("tags.name", "eql", "volunteer"), cond("tags.name", "eql", "donor")]),
        ),
        id="paris-mobile-volunteer-or-donor",
    ),
    pytest.param(
        {"conditions": [cond("donations.sum_amount", "gte", "100")]},
        native(("$all", [cond("donations.sum_amount", "gte", "100")])),
        id="donated-100-euros",
    ),
    pytest.param(
        {
            "conditions": [
                cond("emails.campaign_id", "eql", "42"),
                cond("emails.delivered_at", "ext"),
                cond("emails.opened_at", "not_ext"),
            ]
        },
        native(
            (
                "$all",
                [
                    cond("emails.campaign_id", "eql", "42"),
                    cond("emails.delivered_at", "ext"),
                    cond("emails.opened_at", "not_ext"),
                ],
            )
        ),
        id="campaign-42-delivered-not-opened",
    ),
    pytest.param(
        {
            "groups": [
                {"conditions": [cond("memberships.period", "eql", "2024")]},
                {"conditions": [cond("donations.count_amount", "gte", "1")]},
            ]
        },
        native(
            ("$all", [cond("memberships.period", "eql", "2024")]),
            ("$all", [cond("donations.count_amount", "gte", "1")]),
        ),
        id="members-2024-who-donated",
    ),
    pytest.param(
        native(
            ("$at_least_one", [cond("address.city", "eql", "Paris"), cond("address.city", "eql", "Lyon")]),
            ("$all", [cond("mobile", "ext")]),
        ),
        native(
            ("$at_least_one", [cond("address.city", "eql", "Paris"), cond("address.city", "eql", "Lyon")]),
            ("$all", [cond("mobile", "ext")]),
        ),
        id="paris-or-lyon-with-mobile-native-json",
    ),
    pytest.param(
        [cond("form", "eql", "consent_email", form_id=4530, form_ref_ids=[7486])],
        native(("$all", [cond("form", "eql", "consent_email", form_id=4530, form_ref_ids=[7486])])),
        id="email-consent-form",
    ),
    pytest.param(
        # The docs' custom_fields shape, with ids of this space (the docs' 1001/2001 are placeholders).
        [cond("custom_fields", "eql", form_id=4540, form_ref_ids=[7512])],
        native(("$all", [cond("custom_fields", "eql", form_id=4540, form_ref_ids=[7512])])),
        id="custom-field-answer",
    ),
]

# The docs' examples whose answer moves with "now": they run at each of the CLOCKS.
DATED_DOCS_EXAMPLES = [
    pytest.param(
        [cond("memberships.start_date", "lte", "now"), cond("memberships.end_date", "gte", "now")],
        native(("$all", [cond("memberships.start_date", "lte", "now"), cond("memberships.end_date", "gte", "now")])),
        id="current-members-flat",
    ),
    pytest.param(
        [cond("UpdatedAt", "gte", "now-30d")],
        native(("$all", [cond("UpdatedAt", "gte", "now-30d")])),
        id="sync-updated-at",
    ),
]


async def _check_docs_example(mcp: Client, space: Space, typed: Any, docs_query: dict[str, Any]) -> None:
    expected = expected_ids(space, docs_query)
    assert expected, "each example should match someone in the demo space"
    assert await found_ids(mcp, {"query": typed}) == expected
    count = await mcp.call_tool("count_contacts", {"query": typed})
    assert json.loads(count.content[0].text) == {"total": len(expected)}


@pytest.mark.parametrize(("typed", "docs_query"), DOCS_EXAMPLES)
async def test_docs_examples_return_what_the_space_says(
    mcp: Client, space: Space, typed: Any, docs_query: dict[str, Any]
) -> None:
    await _check_docs_example(mcp, space, typed, docs_query)


@pytest.mark.parametrize(("typed", "docs_query"), DATED_DOCS_EXAMPLES)
async def test_dated_docs_examples_return_what_the_space_says(
    dated: tuple[Client, Space], typed: Any, docs_query: dict[str, Any]
) -> None:
    await _check_docs_example(*dated, typed, docs_query)


async def test_flat_shorthand_equals_the_two_level_form(mcp: Client) -> None:
    conditions = [cond("address.city", "eql", "Lyon"), cond("tags.name", "any_of", ["volunteer", "donor"])]
    flat = await mcp.call_tool("search_contacts", {"query": {"conditions": conditions}})
    bare_list = await mcp.call_tool("search_contacts", {"query": conditions})
    explicit = await mcp.call_tool(
        "search_contacts", {"query": {"match": "all", "groups": [{"match": "all", "conditions": conditions}]}}
    )
    assert flat.structured_content == bare_list.structured_content == explicit.structured_content
    assert flat.structured_content and flat.structured_content["rows"]


async def test_no_query_lists_everyone_and_gives_the_next_page(mcp: Client, space: Space) -> None:
    first = payload(await mcp.call_tool("search_contacts", {"per_page": 10, "fields": ["name"]}))
    assert first["count"] == 10 and first["next_page"] == 1 and first["per_page"] == 10
    assert [c["id"] for c in contacts_in(first)] == sorted(space.contacts)[:10]
    second = payload(await mcp.call_tool("search_contacts", {"per_page": 10, "page": first["next_page"]}))
    assert [c["id"] for c in contacts_in(second)] == sorted(space.contacts)[10:20]


async def test_results_are_compact_with_decoded_answers(mcp: Client, space: Space) -> None:
    result = await mcp.call_tool(
        "search_contacts",
        {"query": [cond("form", "eql", form_id=4531, form_ref_ids=[7489])], "per_page": 5},
    )
    assert "form_ref_id" not in result.content[0].text
    contacts = contacts_in(payload(result))
    assert contacts
    for contact in contacts:
        assert contact["answers"]["Data processing"].partition(" (")[0] == "Accepted"


async def test_sort_and_fields(mcp: Client, space: Space) -> None:
    result = await mcp.call_tool(
        "search_contacts",
        {"query": [cond("address.city", "eql", "Lyon")], "sort_attr": "surname", "sort_asc": True, "fields": ["name"]},
    )
    contacts = contacts_in(payload(result))
    surnames = [c["surname"].casefold() for c in contacts if c.get("surname")]
    assert surnames == sorted(surnames)
    assert all(set(c) <= {"id", "firstname", "surname", "married_name"} for c in contacts)


async def test_limit_pages_with_progress_and_counts_the_rest(
    mcp: Client, sandbox: Sandbox, space: Space, log_start: int
) -> None:
    updates: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, total, message))

    result = await mcp.call_tool(
        "search_contacts", {"limit": 250, "per_page": 100, "fields": []}, progress_callback=on_progress
    )
    data = payload(result)
    assert data["count"] == 250
    assert [c["id"] for c in contacts_in(data)] == sorted(space.contacts)[:250]
    assert [(p, t) for p, t, _ in updates] == [(100, 250), (200, 250), (250, 250)]
    assert routes_since(sandbox, log_start).count("/search") == 3
    # 300 fetched, 250 kept: page 2 holds the next ones, and the total says how many remain.
    assert data["next_page"] == 2 and data["per_page"] == 100
    assert data["note"].startswith(f"{len(space.contacts) - 250} more match; continue with page=2")


async def test_limit_stops_at_the_short_last_page(mcp: Client, sandbox: Sandbox, space: Space, log_start: int) -> None:
    query = [cond("address.city", "eql", "Lyon")]
    expected = expected_ids(space, native(("$all", query)))
    result = await mcp.call_tool("search_contacts", {"query": query, "limit": 5000, "per_page": 100, "fields": []})
    data = payload(result)
    assert {c["id"] for c in contacts_in(data)} == expected
    assert "next_page" not in data and "note" not in data
    routes = routes_since(sandbox, log_start)
    assert routes.count("/search") == len(expected) // 100 + 1 and "/kpi" not in routes


async def test_limit_drops_contacts_a_shifting_result_set_repeats(own_space: tuple[Client, Sandbox, Space]) -> None:
    mcp, sandbox, space = own_space
    before = sorted(space.contacts)
    # After page 0 a contact appears ahead of it: Qomon's offsets then serve page 0's last contact again.
    newcomer = {**space.contacts[before[0]], "id": before[0] - 1}

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        space.contacts.setdefault(newcomer["id"], newcomer)

    result = await mcp.call_tool(
        "search_contacts", {"limit": 40, "per_page": 20, "fields": []}, progress_callback=on_progress
    )
    ids = [c["id"] for c in contacts_in(payload(result))]
    assert ids == before[:40]
    # Pages 0 and 1 held 39 distinct contacts, so a third page was needed to reach the limit.
    assert [e.route for e in sandbox.request_log].count("/search") == 3


async def test_updated_since_finds_a_contact_changed_through_the_api(
    own_space: tuple[Client, Sandbox, Space],
) -> None:
    mcp, sandbox, space = own_space
    async with QomonClient.from_settings(make_settings(), transport=sandbox.transport()) as client:
        created = await client.create_contact({"firstname": "Ada", "surname": "Recent", "mail": "ada@example.org"})
    result = await mcp.call_tool("search_contacts", {"updated_since": "now-1h", "fields": ["name"]})
    contacts = contacts_in(payload(result))
    hour_ago = space.now() - timedelta(hours=1)
    recent = {c["id"] for c in space.contacts.values() if datetime.fromisoformat(c["UpdatedAt"]) >= hour_ago}
    assert created.id in recent
    assert {c["id"] for c in contacts} == recent


async def test_updated_since_is_anded_with_an_or_query(dated: tuple[Client, Space]) -> None:
    mcp, space = dated
    query = {
        "match": "at_least_one",
        "groups": [
            {"conditions": [cond("address.city", "eql", "Paris")]},
            {"conditions": [cond("address.city", "eql", "Lyon")]},
        ],
    }
    month_ago = space.now() - timedelta(days=30)
    expected = {
        c["id"]
        for c in space.contacts.values()
        if (c.get("address") or {}).get("city") in ("Paris", "Lyon")
        and datetime.fromisoformat(c["UpdatedAt"]) >= month_ago
    }
    assert expected
    assert await found_ids(mcp, {"query": query, "updated_since": "now-30d"}) == expected


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(None, id="everyone"),
        pytest.param([cond("tags.name", "any_of", ["volunteer", "vip"])], id="tags-any-of"),
        pytest.param(
            {"match": "at_least_one", "conditions": [cond("donations.amount", "range", **{"from": "20", "to": "80"})]},
            id="donation-range",
        ),
    ],
)
async def test_count_equals_the_length_of_the_full_search(mcp: Client, query: Any) -> None:
    arguments = {} if query is None else {"query": query}
    count = json.loads((await mcp.call_tool("count_contacts", arguments)).content[0].text)["total"]
    assert count == len(await found_ids(mcp, arguments))


def _bad(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"query": {"conditions": list(conditions)}}


MALFORMED = [
    # Shapes
    pytest.param("search_contacts", {"query": "city = Paris"}, id="query-is-text"),
    pytest.param("search_contacts", {"query": 42}, id="query-is-a-number"),
    pytest.param("search_contacts", {"query": {"groups": [cond("mobile", "ext")]}}, id="condition-in-groups"),
    pytest.param(
        "search_contacts",
        {"query": {"groups": [{"conditions": [{"match": "all", "conditions": [cond("mobile", "ext")]}]}]}},
        id="three-levels",
    ),
    pytest.param(
        "search_contacts",
        {"query": {"$all": [{"$all": [{"$all": [{"$condition": cond("mobile", "ext")}]}]}]}},
        id="three-levels-native",
    ),
    pytest.param("search_contacts", {"query": {"groups": [{"match": "all"}]}}, id="group-without-conditions"),
    pytest.param("search_contacts", {"query": {"groups": [{"conditions": []}]}}, id="empty-group"),
    pytest.param("search_contacts", {"query": {"groups": {"conditions": []}}}, id="groups-not-a-list"),
    pytest.param("search_contacts", {"query": {"filters": [cond("mobile", "ext")]}}, id="unknown-query-key"),
    pytest.param("search_contacts", {"query": {"match": "any", "conditions": [cond("mobile", "ext")]}}, id="bad-match"),
    # Attributes and operators
    pytest.param("search_contacts", _bad(cond("city", "eql", "Paris")), id="unknown-attribute"),
    pytest.param("search_contacts", _bad(cond("address.citty", "eql", "Paris")), id="misspelled-attribute"),
    pytest.param("search_contacts", _bad(cond("address.city", "equals", "Paris")), id="unknown-operator"),
    pytest.param("search_contacts", _bad(cond("address.city", "lte", "Paris")), id="wrong-operator"),
    pytest.param("search_contacts", _bad(cond("mail", "eql", "a@b.org")), id="mail-needs-strictdata"),
    pytest.param("search_contacts", _bad({"attr": "mobile"}), id="missing-operator"),
    pytest.param("search_contacts", _bad({**cond("surname", "eql", "Roy"), "values": "x"}), id="unknown-key"),
    # Values
    pytest.param("search_contacts", _bad(cond("birthdate", "gte", "now-30x")), id="bad-date-math"),
    pytest.param("search_contacts", _bad(cond("lastchange", "gte", "yesterday")), id="not-a-date"),
    pytest.param("search_contacts", _bad(cond("donations.amount", "range", **{"from": "10"})), id="range-without-to"),
    pytest.param("search_contacts", _bad(cond("birthdate", "range", "2020")), id="range-with-value-only"),
    pytest.param("search_contacts", _bad(cond("donations.sum_amount", "gte", "fifty")), id="amount-in-words"),
    pytest.param("search_contacts", _bad(cond("transactions.amount", "gte", "12,5")), id="amount-with-comma"),
    pytest.param("search_contacts", _bad(cond("donations.count_amount", "gte", "1.5")), id="count-not-whole"),
    pytest.param("search_contacts", _bad(cond("memberships.period", "eql", "24")), id="bad-year"),
    pytest.param(
        "search_contacts", _bad(cond("memberships.multiple_in_period", "eql", "last year")), id="bad-period-year"
    ),
    pytest.param("search_contacts", _bad(cond("sanctions.validity", "eql", "active")), id="bad-validity"),
    pytest.param("search_contacts", _bad(cond("gender", "eql", "X")), id="bad-gender"),
    pytest.param("search_contacts", _bad(cond("age_cat", "eql", "7")), id="age-category-out-of-range"),
    pytest.param("search_contacts", _bad(cond("black_list", "eql", "yes")), id="bad-boolean"),
    pytest.param("search_contacts", _bad(cond("emails.campaign_id", "eql", "forty-two")), id="bad-id"),
    pytest.param("search_contacts", _bad(cond("tags.name", "any_of", "volunteer")), id="list-operator-without-list"),
    pytest.param("search_contacts", _bad(cond("address.city", "eql", ["Paris", "Lyon"])), id="list-for-eql"),
    pytest.param("search_contacts", _bad(cond("address.city", "eql")), id="missing-value"),
    pytest.param("search_contacts", _bad(cond("surname", "eql", " ")), id="blank-value"),
    pytest.param("search_contacts", _bad(cond("CreatedAt", "period")), id="period-without-value"),
    pytest.param(
        "search_contacts", _bad(cond("CreatedAt", "period", **{"from": "2024-01-01"})), id="period-without-to"
    ),
    pytest.param("search_contacts", _bad(cond("surname", "period", "2024")), id="period-on-text"),
    pytest.param("search_contacts", _bad(cond("birthday", "eql", "soon")), id="bad-birthday"),
    # Forms
    pytest.param("search_contacts", _bad(cond("form", "eql", form_ref_ids=[7486])), id="form-without-form-id"),
    pytest.param("search_contacts", _bad(cond("form", "ext", form_id=9999)), id="unknown-form-id"),
    pytest.param(
        "search_contacts", _bad(cond("form", "eql", form_id=4530, form_ref_ids=[9999])), id="unknown-form-ref-id"
    ),
    pytest.param(
        "search_contacts", _bad(cond("form", "eql", form_id=4530, form_ref_ids=[7489])), id="ref-id-of-another-form"
    ),
    pytest.param("search_contacts", _bad(cond("form", "eql", form_id=4530)), id="form-without-ref-ids"),
    pytest.param(
        "search_contacts",
        _bad(cond("custom_fields", "eql", form_id=4533, form_ref_ids=[7496])),
        id="custom-fields-on-a-survey",
    ),
    pytest.param(
        "search_contacts", _bad(cond("form", "eql", form_id=4541, form_ref_ids=[7516])), id="form-on-a-custom-field"
    ),
    pytest.param(
        "search_contacts", _bad(cond("address.city", "eql", "Paris", form_id=4530)), id="form-id-on-plain-attribute"
    ),
    # Paging and options
    pytest.param("search_contacts", {"per_page": 0}, id="per-page-0"),
    pytest.param("search_contacts", {"per_page": 1001}, id="per-page-1001"),
    pytest.param("search_contacts", {"page": -1}, id="negative-page"),
    pytest.param("search_contacts", {"limit": 0}, id="limit-0"),
    pytest.param("search_contacts", {"limit": 5001}, id="limit-5001"),
    pytest.param("search_contacts", {"sort_attr": "created_at"}, id="bad-sort-attribute"),
    pytest.param("search_contacts", {"fields": ["email"]}, id="bad-field"),
    pytest.param("search_contacts", {"updated_since": "last week"}, id="bad-updated-since"),
    pytest.param(
        "search_contacts",
        {
            "updated_since": "now-1d",
            "query": {
                "match": "at_least_one",
                "groups": [
                    {"match": "at_least_one", "conditions": [cond("mobile", "ext")]},
                    {"conditions": [cond("phone", "ext")]},
                ],
            },
        },
        id="updated-since-with-or-of-ors",
    ),
    pytest.param("count_contacts", _bad(cond("address.city", "lte", "Paris")), id="count-wrong-operator"),
    pytest.param("count_contacts", {"query": {"groups": [cond("mobile", "ext")]}}, id="count-bad-nesting"),
    pytest.param("count_contacts", _bad(cond("form", "eql", form_id=4530, form_ref_ids=[1])), id="count-bad-form-ref"),
]


@pytest.mark.parametrize(("tool", "arguments"), MALFORMED)
async def test_malformed_queries_are_refused_before_sending(
    mcp: Client, sandbox: Sandbox, log_start: int, tool: str, arguments: dict[str, Any]
) -> None:
    result = await mcp.call_tool(tool, arguments)
    assert result.is_error
    text = result.content[0].text
    assert "\n" not in text and not re.search(r"\. [A-Z]", text), text
    assert text.endswith((".", "?")) and len(text) < 600, text
    assert not SEARCH_ROUTES & set(routes_since(sandbox, log_start))


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        pytest.param(cond("address.city", "lte", "Paris"), "eql, not_eql, ext, not_ext, start_with", id="operators"),
        pytest.param(cond("address.citty", "eql", "Paris"), "did you mean address.city", id="close-attribute"),
        pytest.param(cond("donations.sum_amount", "gte", "fifty"), '"50" or "12.5"', id="amount-example"),
        pytest.param(cond("form", "ext", form_id=9999), "4530 General communication", id="form-choices"),
        pytest.param(
            cond("form", "eql", form_id=4530, form_ref_ids=[1]), "7486 Email (consent_email)", id="value-choices"
        ),
        pytest.param(
            cond("custom_fields", "eql", form_id=4533, form_ref_ids=[7496]), "use attr form", id="form-category"
        ),
        pytest.param(cond("birthdate", "gte", "now-1q"), "now-1d/d", id="date-math-hint"),
    ],
)
async def test_errors_name_what_is_accepted(mcp: Client, condition: dict[str, Any], fragment: str) -> None:
    result = await mcp.call_tool("search_contacts", _bad(condition))
    assert result.is_error and fragment in result.content[0].text


async def test_results_are_a_table_in_the_view_order_with_null_cells(mcp: Client) -> None:
    data = payload(await mcp.call_tool("search_contacts", {"per_page": 50}))
    columns, rows = data["columns"], data["rows"]
    assert columns[0] == "id" and len(rows) == data["count"] == 50
    assert columns == [key for key in ContactView.model_fields if key in columns]
    assert all(len(row) == len(columns) for row in rows)
    for position, column in enumerate(columns):
        assert any(row[position] is not None for row in rows), f"{column} is empty in every row"
    assert any(cell is None for row in rows for cell in row)


@pytest.mark.parametrize(
    ("operator", "has_mobile_column"),
    [pytest.param("not_ext", False, id="nobody-has-one"), pytest.param("ext", True, id="everyone-has-one")],
)
async def test_a_column_exists_only_when_some_contact_has_a_value(
    mcp: Client, operator: str, has_mobile_column: bool
) -> None:
    arguments = {"query": [cond("mobile", operator)], "fields": ["name", "mobile"], "per_page": 20}
    data = payload(await mcp.call_tool("search_contacts", arguments))
    assert data["rows"] and ("mobile" in data["columns"]) is has_mobile_column
    assert set(data["columns"]) <= {"id", "firstname", "surname", "married_name", "mobile"}
    if has_mobile_column:
        assert all(contact.get("mobile") for contact in contacts_in(data))


async def test_no_fields_gives_a_table_of_ids(mcp: Client, space: Space) -> None:
    data = payload(await mcp.call_tool("search_contacts", {"per_page": 5, "fields": []}))
    assert data["columns"] == ["id"]
    assert data["rows"] == [[contact_id] for contact_id in sorted(space.contacts)[:5]]


# Shapes file, "Types and rules": what Qomon's reference accepts beyond the docs' table.
REFERENCE_EXTRAS = [
    pytest.param(cond("CreatedAt", "gte", "now-1y"), id="created-at"),
    pytest.param(cond("CreatedAt", "period", "now/y"), id="period-value"),
    pytest.param(cond("lastchange", "period", **{"from": "2024-01-01", "to": "now"}), id="period-from-to"),
    pytest.param(cond("birthday", "eql", "today"), id="birthday-today"),
    pytest.param(cond("birthday", "period", "now/M"), id="birthday-period"),
    pytest.param(cond("nationbuilderid", "ext"), id="nationbuilderid"),
    pytest.param(cond("address.state", "ext"), id="state"),
    pytest.param(cond("address.county", "not_ext"), id="county"),
    pytest.param(cond("address.building_type", "eql", "house"), id="building-type"),
    pytest.param(cond("petitions.base_id", "eql", "5"), id="petitions"),
    pytest.param(cond("onlineforms.base_id", "ext"), id="onlineforms"),
    pytest.param(cond("emails.blacklisted_at", "eql", "now-1d/d"), id="blacklisted-eql"),
    pytest.param(cond("custom_fields", "start_with", "pi", form_id=4541, form_ref_ids=[7516]), id="form-start-with"),
]


@pytest.mark.parametrize("condition", REFERENCE_EXTRAS)
async def test_reference_extras_pass_the_checks_and_count_as_they_find(mcp: Client, condition: dict[str, Any]) -> None:
    arguments = {"query": [condition]}
    counted = await mcp.call_tool("count_contacts", arguments)
    assert not counted.is_error, counted.content[0].text
    assert json.loads(counted.content[0].text)["total"] == len(await found_ids(mcp, arguments))


async def test_reference_extras_find_what_the_space_holds(mcp: Client, space: Space) -> None:
    today = space.now()
    born_today = {
        c["id"]
        for c in space.contacts.values()
        if c.get("birthdate") and (c["birthdate"][5:7], c["birthdate"][8:10]) == (f"{today:%m}", f"{today:%d}")
    }
    with_state = {c["id"] for c in space.contacts.values() if (c.get("address") or {}).get("state")}
    assert born_today and space.nationbuilder_ids
    assert await found_ids(mcp, {"query": [cond("nationbuilderid", "ext")]}) == set(space.nationbuilder_ids.values())
    assert await found_ids(mcp, {"query": [cond("birthday", "eql", "today")]}) == born_today
    assert await found_ids(mcp, {"query": [cond("address.state", "not_ext")]}) == set(space.contacts) - with_state
