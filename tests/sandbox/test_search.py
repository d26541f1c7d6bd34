import json
from datetime import UTC, datetime
from typing import Any

import pytest

from qomon_mcp.sandbox.search import QueryError, count, search
from qomon_mcp.sandbox.space import Space

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
EVERYONE = {1, 2, 3, 4, 5, 6, 7}


def contact(contact_id: int, **fields: Any) -> dict[str, Any]:
    record = {"id": contact_id, "group_id": 1, "tags": [], "formdatas": [], "customfields": []}
    record.update(fields)
    record["UpdatedAt"] = record.get("lastchange")
    return record


def tags(*names: str) -> list[dict[str, Any]]:
    return [{"name": name, "color": "#000000", "appearance_count": 1} for name in names]


def answer(form_id: int, ref_id: int, data: str) -> dict[str, Any]:
    return {"id": form_id * 10 + ref_id, "form_id": form_id, "form_ref_id": ref_id, "data": data}


def transaction(payer: int, euros: float, date: str, **fields: Any) -> dict[str, Any]:
    base = {"contact_id": payer, "amount": round(euros * 100), "date": date, "created_at": date}
    return base | {"status_id": 1, "payment_method_kind": "CB", "currency": "eur"} | fields


def membership(beneficiary: int, start: str, end: str, **fields: Any) -> dict[str, Any]:
    return {"contact_id": beneficiary, "start_date": start, "end_date": end, "amount": 2000} | fields


def donation(beneficiary: int, euros: float, **fields: Any) -> dict[str, Any]:
    return {"contact_id": beneficiary, "amount": round(euros * 100)} | fields


def bundle(transactions: list, memberships: list = (), donations: list = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {"transactions": transactions, "memberships": list(memberships), "donations": list(donations)}


def make_space() -> Space:
    space = Space(group_id=1)
    space.contacts = {
        1: contact(
            1,
            firstname="Alice",
            surname="Martin",
            gender="F",
            birthdate="1990-05-01T00:00:00Z",
            age_category=2,
            mail="Alice.Martin@example.org",
            phone="",
            mobile="+33 6 11 11 11 11",
            tags=tags("volunteer"),
            black_list=False,
            lastchange="2025-06-15T08:00:00Z",
            user_id=7,
            user_contact_id=501,
            actions_ids=[10, 11],
            address={
                "city": "Paris",
                "postalcode": "75011",
                "street": "Rue Oberkampf",
                "country": "France",
                "pollingstation": "PS-1",
                "invalid": False,
            },
            formdatas=[answer(4530, 7486, "consent_email"), answer(88, 881, "12")],
            customfields=[answer(1001, 2001, "Blue")],
        ),
        2: contact(
            2,
            firstname="Bruno",
            surname="Durand",
            gender="M",
            birthdate="1985-11-20T00:00:00Z",
            age_category=3,
            mail="bruno@example.org",
            mobile="+33622222222",
            tags=tags("donor"),
            black_list=True,
            lastchange="2025-06-14T10:00:00Z",
            address={"city": "Lyon", "postalcode": "69001", "pollingstation": "PS-2"},
            formdatas=[answer(4530, 7487, "consent_sms"), answer(88, 881, "2025-03-01")],
        ),
        3: contact(
            3,
            firstname="Chloé",
            surname="Petit",
            married_name="Dupont",
            gender="F",
            tags=tags("volunteer", "donor"),
            black_list=False,
            lastchange="2025-06-13T23:59:59Z",
            address={"city": "Paris", "postalcode": "75002"},
            customfields=[answer(1001, 2002, "Red")],
        ),
        4: contact(
            4,
            firstname="David",
            surname="Leroy",
            gender="M",
            mobile="0633333333",
            black_list=False,
            lastchange="2024-12-31T12:00:00Z",
            address={"city": "Marseille"},
        ),
        5: contact(5, firstname="Emma"),
        6: contact(
            6,
            firstname="Fanny",
            surname="Roux",
            gender="F",
            mobile="0644444444",
            tags=tags("Donor"),
            black_list=False,
            lastchange="2025-06-15T11:00:00Z",
            address={"city": "paris"},
        ),
        7: contact(
            7,
            firstname="Gaston",
            surname="Blanc",
            gender="M",
            mobile="0655555555",
            black_list=False,
            lastchange="2023-01-01T00:00:00Z",
            address={"city": "PARIS"},
        ),
    }
    space.transaction_statuses = [
        {"id": 1, "name": "Valid", "kind": "valid"},
        {"id": 9, "name": "Cancelled", "kind": "cancel"},
    ]
    space.bundles = {
        100: bundle(
            [transaction(1, 150, "2024-03-01T10:00:00Z", code_campaign="SPRING24")],
            [membership(1, "2024-01-01T00:00:00Z", "2024-12-31T00:00:00Z", membership_price_id=10)],
            [donation(1, 100, donation_price_id=20)],
        ),
        101: bundle(
            [transaction(2, 50, "2025-02-10T09:00:00Z", payment_method_kind="CHQ")],
            [membership(2, "2024-01-01T00:00:00Z", "2024-12-31T00:00:00Z", membership_price_id=11)],
            [donation(2, 20, donation_price_id=21), donation(2, 90, donation_price_id=21)],
        ),
        # Cancelled: ignored by every transactions.* condition.
        102: bundle([transaction(2, 999, "2025-05-01T09:00:00Z", status_id=9)]),
        # Chloé pays David's membership: she is the payer, he the beneficiary.
        103: bundle(
            [transaction(3, 40, "2025-01-05T00:00:00Z")],
            [membership(4, "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z")],
            [donation(3, 15)],
        ),
        104: bundle(
            [transaction(4, 10, "2023-01-10T00:00:00Z")],
            [
                membership(4, "2023-01-01T00:00:00Z", "2023-06-30T00:00:00Z"),
                membership(4, "2023-07-01T00:00:00Z", "2023-12-31T00:00:00Z"),
            ],
        ),
        # One old and one future membership: neither is active today.
        105: bundle(
            [transaction(6, 20, "2025-06-01T00:00:00Z")],
            [
                membership(6, "2020-01-01T00:00:00Z", "2020-12-31T00:00:00Z"),
                membership(6, "2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z"),
            ],
        ),
        106: bundle(
            [transaction(7, 30, "2024-02-02T00:00:00Z")],
            [membership(7, "2024-06-01T00:00:00Z", "2025-05-31T00:00:00Z")],
        ),
        107: bundle([transaction(1, 12.5, "2025-06-10T10:00:00Z", code_campaign="SUMMER25")]),
    }
    space.emails = {
        1: [
            {
                "campaign_id": 42,
                "type": "campaign",
                "subject": "June newsletter",
                "delivered_at": "2025-06-01T10:00:00Z",
                "opened_at": None,
                "campaign_performance_rating": 80,
                "campaign_is_successful": True,
                "clicked_urls": ["https://qomon.com/join"],
            }
        ],
        # Campaign 42 opened, campaign 43 delivered and not opened.
        2: [
            {"campaign_id": 42, "delivered_at": "2025-06-01T10:00:00Z", "opened_at": "2025-06-01T11:00:00Z"},
            {"campaign_id": 43, "delivered_at": "2025-06-02T10:00:00Z", "opened_at": None},
        ],
        # Campaign 42 bounced.
        3: [{"campaign_id": 42, "delivered_at": None, "bounced_at": "2025-06-01T10:00:00Z"}],
    }
    space.sanctions = {
        1: [
            {
                "created_at": "2025-01-01T00:00:00Z",
                "start_date": "2025-01-01T00:00:00Z",
                "end_date": None,
                "status": "Suspended",
            }
        ],
        2: [
            {
                "created_at": "2024-01-01T00:00:00Z",
                "start_date": "2024-01-01T00:00:00Z",
                "end_date": "2024-06-30T00:00:00Z",
                "status": "Warning",
            }
        ],
        3: [
            {
                "created_at": "2025-06-01T00:00:00Z",
                "start_date": "2026-01-01T00:00:00Z",
                "end_date": "2026-12-31T00:00:00Z",
                "status": "Warning",
            }
        ],
    }
    space.interactions = {1: [{"id": 900, "type": "door", "date": "2025-06-01T10:00:00Z", "action_id": 10}]}
    return space


@pytest.fixture
def space() -> Space:
    return make_space()


def ids(contacts: list[dict[str, Any]]) -> list[int]:
    return [c["id"] for c in contacts]


def matching(space: Space, query: dict[str, Any]) -> set[int]:
    found = ids(search(space, {"per_page": 1000, "query": query}, now=NOW))
    assert len(found) == count(space, {"query": query}, now=NOW)
    return set(found)


def one(**condition: Any) -> dict[str, Any]:
    return {"$all": [{"$all": [{"$condition": condition}]}]}


# The request bodies of the docs, verbatim.
DOC_EXAMPLES = {
    "minimum-shape": """{"data": {"advanced_search": {"per_page": 100, "query": {"$all": [{"$all": [
        { "$condition": { "attr": "address.city", "ope": "eql", "value": "Paris" } }]}]}}}}""",
    "paris-mobile-volunteer-or-donor": """{"data": {"advanced_search": {"per_page": 100, "query": {"$all": [
        {"$all": [
            { "$condition": { "attr": "address.city", "ope": "eql", "value": "Paris" } },
            { "$condition": { "attr": "mobile", "ope": "ext" } }]},
        {"$at_least_one": [
            { "$condition": { "attr": "tags.name", "ope": "eql", "value": "volunteer" } },
            { "$condition": { "attr": "tags.name", "ope": "eql", "value": "donor" } }]}]}}}}""",
    "membership-active-today": """{"data": {"advanced_search": {"per_page": 100, "query": {"$all": [{"$all": [
        { "$condition": { "attr": "memberships.start_date", "ope": "lte", "value": "now" } },
        { "$condition": { "attr": "memberships.end_date", "ope": "gte", "value": "now" } }]}]}}}}""",
    "donated-100-euros": """{"data": {"advanced_search": {"per_page": 100, "query": {"$all": [{"$all": [
        { "$condition": { "attr": "donations.sum_amount", "ope": "gte", "value": "100" } }]}]}}}}""",
    "campaign-delivered-not-opened": """{"data": {"advanced_search": {"per_page": 100, "query": {
        "$all": [{"$all": [
        { "$condition": { "attr": "emails.campaign_id", "ope": "eql", "value": "42" } },
        { "$condition": { "attr": "emails.delivered_at", "ope": "ext" } },
        { "$condition": { "attr": "emails.opened_at", "ope": "not_ext" } }]}]}}}}""",
    "members-2024-who-donated": """{"data": {"advanced_search": {"per_page": 100, "query": {"$all": [
        {"$all": [{ "$condition": { "attr": "memberships.period", "ope": "eql", "value": "2024" } }]},
        {"$all": [
            { "$condition": { "attr": "donations.count_amount", "ope": "gte", "value": "1" } }]}]}}}}""",
    "paris-or-lyon-with-mobile": """{"data": {"advanced_search": {"per_page": 100, "query": {"$all": [
        {"$at_least_one": [
            { "$condition": { "attr": "address.city", "ope": "eql", "value": "Paris" } },
            { "$condition": { "attr": "address.city", "ope": "eql", "value": "Lyon" } }]},
        {"$all": [{ "$condition": { "attr": "mobile", "ope": "ext" } }]}]}}}}""",
    "consent-form": """{"data": {"advanced_search": {"per_page": 100, "query": {"$all": [{"$all": [{
        "$condition": {"attr": "form", "form_id": 4530, "form_ref_ids": [7486], "ope": "eql",
                       "value": "consent_email"}}]}]}}}}""",
    "polling-updated-since-yesterday": """{"data": {"advanced_search": {
        "page": 0, "per_page": 1000, "query": {"$all": [{"$all": [
            {"$condition": {"attr": "UpdatedAt", "ope": "gte", "value": "now-1d/d"}}]}]}}}}""",
}
EXPECTED = {
    "minimum-shape": {1, 3, 6, 7},
    "paris-mobile-volunteer-or-donor": {1, 6},
    # Fanny's old and future memberships do not make one active today.
    "membership-active-today": {4},
    # Bruno: 20 + 90 euros; Alice: 100 euros.
    "donated-100-euros": {1, 2},
    # Bruno opened campaign 42 (his unopened email is campaign 43); Chloé's bounced.
    "campaign-delivered-not-opened": {1},
    "members-2024-who-donated": {1, 2},
    "paris-or-lyon-with-mobile": {1, 2, 6, 7},
    "consent-form": {1},
    "polling-updated-since-yesterday": {1, 2, 6},
}


@pytest.mark.parametrize("name", DOC_EXAMPLES)
def test_doc_examples(space: Space, name: str) -> None:
    advanced_search = json.loads(DOC_EXAMPLES[name])["data"]["advanced_search"]
    found = ids(search(space, advanced_search, now=NOW))
    assert set(found) == EXPECTED[name]
    assert count(space, advanced_search, now=NOW) == len(EXPECTED[name])


def test_kpi_example_body_without_per_page(space: Space) -> None:
    body = json.loads('{ "data": { "advanced_search": { "query": { "$all": [] } } } }')
    assert count(space, body["data"]["advanced_search"], now=NOW) == 7


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({"$all": []}, EVERYONE, id="empty-root-all"),
        pytest.param({"$at_least_one": []}, set(), id="empty-root-at-least-one"),
        pytest.param({"$all": [{"$all": []}]}, EVERYONE, id="empty-all-group"),
        pytest.param({"$all": [{"$at_least_one": []}]}, set(), id="empty-at-least-one-group"),
        pytest.param(
            {
                "$at_least_one": [
                    {"$all": [{"$condition": {"attr": "firstname", "ope": "eql", "value": "alice"}}]},
                    {"$all": [{"$condition": {"attr": "address.city", "ope": "eql", "value": "lyon"}}]},
                ]
            },
            {1, 2},
            id="root-at-least-one",
        ),
        pytest.param(
            {
                "$all": [
                    {
                        "$all": [
                            {"$condition": {"attr": "memberships.start_date", "ope": "lte", "value": "now"}}
                        ]
                    },
                    {
                        "$all": [
                            {"$condition": {"attr": "memberships.end_date", "ope": "gte", "value": "now"}}
                        ]
                    },
                ]
            },
            {4, 6},
            id="separate-groups-look-at-records-independently",
        ),
        pytest.param(
            {
                "$all": [
                    {
                        "$at_least_one": [
                            {"$condition": {"attr": "emails.campaign_id", "ope": "eql", "value": "43"}},
                            {"$condition": {"attr": "emails.bounced_at", "ope": "ext"}},
                        ]
                    }
                ]
            },
            {2, 3},
            id="at-least-one-over-records",
        ),
    ],
)
def test_query_structure(space: Space, query: dict[str, Any], expected: set[int]) -> None:
    assert matching(space, query) == expected


CONTACT_CONDITIONS = [
    ({"attr": "firstname", "ope": "eql", "value": "ALICE"}, {1}, "eql-is-case-insensitive"),
    ({"attr": "firstname", "ope": "eql", "value": "chloé"}, {3}, "eql-accents"),
    ({"attr": "firstname", "ope": "not_eql", "value": "alice"}, EVERYONE - {1}, "not-eql"),
    ({"attr": "surname", "ope": "start_with", "value": "du"}, {2}, "start-with"),
    (
        {"attr": "surname", "ope": "not_start_with", "value": "du"},
        EVERYONE - {2},
        "not-start-with-incl-missing",
    ),
    ({"attr": "surname", "ope": "ext"}, EVERYONE - {5}, "ext"),
    ({"attr": "surname", "ope": "not_ext"}, {5}, "not-ext"),
    ({"attr": "surname", "ope": "ext", "value": "ignored"}, EVERYONE - {5}, "ext-ignores-value"),
    ({"attr": "married_name", "ope": "eql", "value": "DUPONT"}, {3}, "married-name"),
    ({"attr": "gender", "ope": "eql", "value": "f"}, {1, 3, 6}, "gender"),
    ({"attr": "gender", "ope": "not_eql", "value": "F"}, {2, 4, 5, 7}, "gender-not-eql"),
    ({"attr": "birthdate", "ope": "eql", "value": "1990-05-01"}, {1}, "birthdate-day"),
    ({"attr": "birthdate", "ope": "lte", "value": "1989-12-31"}, {2}, "birthdate-lte"),
    (
        {"attr": "birthdate", "ope": "range", "from": "1980-01-01", "to": "1990-05-01"},
        {1, 2},
        "birthdate-range-includes-last-day",
    ),
    ({"attr": "age_cat", "ope": "eql", "value": "2"}, {1}, "age-cat"),
    ({"attr": "age_cat", "ope": "eql", "value": 3}, {2}, "age-cat-integer"),
    ({"attr": "age_cat", "ope": "ext"}, {1, 2}, "age-cat-ext"),
    ({"attr": "mail", "ope": "eql:strictdata", "value": "Alice.Martin@example.org"}, {1}, "strict-exact"),
    ({"attr": "mail", "ope": "eql:strictdata", "value": "alice.martin@example.org"}, set(), "strict-case"),
    (
        {"attr": "mail", "ope": "not_eql:strictdata", "value": "alice.martin@example.org"},
        EVERYONE,
        "not-strict",
    ),
    ({"attr": "mail", "ope": "start_with", "value": "ALICE"}, {1}, "mail-start-with"),
    ({"attr": "mobile", "ope": "contains", "value": "11 11"}, {1}, "mobile-contains"),
    ({"attr": "phone", "ope": "ext"}, set(), "empty-string-is-not-ext"),
    ({"attr": "phone", "ope": "not_ext"}, EVERYONE, "empty-string-is-not-ext-2"),
    ({"attr": "tags.name", "ope": "eql", "value": "DONOR"}, {2, 3, 6}, "tag-eql"),
    ({"attr": "tags.name", "ope": "not_eql", "value": "donor"}, {1, 4, 5, 7}, "tag-not-eql-means-none"),
    ({"attr": "tags.name", "ope": "any_of", "value": ["volunteer", "donor"]}, {1, 2, 3, 6}, "tag-any-of"),
    (
        {"attr": "tags.name", "ope": "any_of", "value": "volunteer, donor"},
        {1, 2, 3, 6},
        "any-of-comma-string",
    ),
    ({"attr": "tags.name", "ope": "none_of", "value": ["volunteer"]}, {2, 4, 5, 6, 7}, "tag-none-of"),
    ({"attr": "tags.name", "ope": "all_of", "value": ["Volunteer", "donor"]}, {3}, "tag-all-of"),
    ({"attr": "tags.name", "ope": "ext"}, {1, 2, 3, 6}, "tag-ext"),
    ({"attr": "tags.name", "ope": "not_ext"}, {4, 5, 7}, "tag-not-ext"),
    ({"attr": "black_list", "ope": "eql", "value": "true"}, {2}, "black-list"),
    ({"attr": "black_list", "ope": "eql", "value": "false"}, {1, 3, 4, 6, 7}, "black-list-false"),
    ({"attr": "black_list", "ope": "not_eql", "value": "true"}, EVERYONE - {2}, "black-list-not-eql"),
    ({"attr": "lastchange", "ope": "eql", "value": "2025-06-14"}, {2}, "date-eql-day"),
    ({"attr": "lastchange", "ope": "eql", "value": "now-1d/d"}, {2}, "date-eql-rounded-day"),
    ({"attr": "lastchange", "ope": "eql", "value": "2025-06-14T10:00:00Z"}, {2}, "date-eql-instant"),
    ({"attr": "lastchange", "ope": "eql", "value": "2025-06-14T10:00:01Z"}, set(), "date-eql-instant-exact"),
    ({"attr": "lastchange", "ope": "gte", "value": "now-1d/d"}, {1, 2, 6}, "gte-rounded"),
    ({"attr": "lastchange", "ope": "gte", "value": "now-1d"}, {1, 6}, "gte-not-rounded"),
    ({"attr": "lastchange", "ope": "lte", "value": "now-1d/d"}, {2, 3, 4, 7}, "lte-rounded-includes-day"),
    ({"attr": "lastchange", "ope": "lte", "value": "2025-06-14T00:00:00Z"}, {3, 4, 7}, "lte-instant"),
    (
        {"attr": "lastchange", "ope": "range", "from": "now-2d/d", "to": "now-1d/d"},
        {2, 3},
        "range-date-math",
    ),
    ({"attr": "lastchange", "ope": "gte", "value": "now/y"}, {1, 2, 3, 6}, "this-year"),
    ({"attr": "lastchange", "ope": "not_ext"}, {5}, "lastchange-not-ext"),
    ({"attr": "UpdatedAt", "ope": "gte", "value": "now-1h"}, {6}, "updated-at-last-hour"),
    ({"attr": "user_id", "ope": "eql", "value": "7"}, {1}, "user-id-string"),
    ({"attr": "user_id", "ope": "eql", "value": 7}, {1}, "user-id-integer"),
    ({"attr": "user_contact_id", "ope": "ext"}, {1}, "user-contact-id"),
    ({"attr": "action_ids", "ope": "eql", "value": "10"}, {1}, "action-ids"),
    ({"attr": "action_ids", "ope": "not_eql", "value": "11"}, EVERYONE - {1}, "action-ids-not-eql"),
    ({"attr": "address.postalcode", "ope": "start_with", "value": "75"}, {1, 3}, "postalcode"),
    ({"attr": "address.city", "ope": "not_eql", "value": "paris"}, {2, 4, 5}, "city-not-eql"),
    (
        {"attr": "address.pollingstation", "ope": "any_of", "value": ["PS-1", "ps-2"]},
        {1, 2},
        "pollingstation",
    ),
    ({"attr": "address.pollingstation", "ope": "none_of", "value": "PS-1"}, EVERYONE - {1}, "ps-none-of"),
    ({"attr": "address.invalid", "ope": "eql", "value": "false"}, {1}, "address-invalid"),
    ({"attr": "address.country", "ope": "ext"}, {1}, "address-country"),
]


@pytest.mark.parametrize(
    ("condition", "expected"), [pytest.param(c, e, id=i) for c, e, i in CONTACT_CONDITIONS]
)
def test_contact_and_address_conditions(space: Space, condition: dict[str, Any], expected: set[int]) -> None:
    assert matching(space, one(**condition)) == expected


FINANCIAL_CONDITIONS = [
    ({"attr": "transactions.amount", "ope": "gte", "value": "150"}, {1}, "one-transaction-amount"),
    ({"attr": "transactions.amount", "ope": "eql", "value": "12.5"}, {1}, "decimal-euros"),
    ({"attr": "transactions.amount", "ope": "gte", "value": "500"}, set(), "cancelled-is-ignored"),
    ({"attr": "transactions.amount", "ope": "not_eql", "value": "50"}, {1, 3, 4, 6, 7}, "per-record-not-eql"),
    ({"attr": "transactions.sum_amount", "ope": "eql", "value": "162.50"}, {1}, "sum"),
    ({"attr": "transactions.sum_amount", "ope": "eql", "value": "0"}, {5}, "sum-zero-without-records"),
    ({"attr": "transactions.count_amount", "ope": "eql", "value": "0"}, {5}, "count-zero-without-records"),
    ({"attr": "transactions.count_amount", "ope": "gte", "value": "2"}, {1}, "count"),
    (
        {"attr": "transactions.count_amount", "ope": "eql", "value": "1"},
        {2, 3, 4, 6, 7},
        "count-skips-cancel",
    ),
    (
        {"attr": "transactions.count_amount", "ope": "range", "from": "1", "to": "1"},
        {2, 3, 4, 6, 7},
        "count-range",
    ),
    ({"attr": "transactions.code_campaign", "ope": "start_with", "value": "spring"}, {1}, "code-campaign"),
    ({"attr": "transactions.code_campaign", "ope": "contains", "value": "25"}, {1}, "code-campaign-contains"),
    ({"attr": "transactions.code_campaign", "ope": "not_ext"}, {2, 3, 4, 6, 7}, "not-ext-needs-a-record"),
    ({"attr": "transactions.payment_method_kind", "ope": "eql", "value": "chq"}, {2}, "payment-method"),
    ({"attr": "transactions.payment_method_kind", "ope": "not_eql", "value": "CB"}, {2}, "payment-not-eql"),
    ({"attr": "transactions.status_id", "ope": "eql", "value": "9"}, set(), "cancelled-status-ignored"),
    (
        {"attr": "transactions.date", "ope": "range", "from": "2025-01-01", "to": "2025-12-31"},
        {1, 2, 3, 6},
        "transaction-date-range",
    ),
    ({"attr": "transactions.date", "ope": "eql", "value": "2025-01-05"}, {3}, "payer-not-beneficiary"),
    ({"attr": "transactions.created_at", "ope": "lte", "value": "2023-12-31"}, {4}, "created-at"),
    ({"attr": "donations.amount", "ope": "gte", "value": "100"}, {1}, "donation-amount-per-record"),
    ({"attr": "donations.sum_amount", "ope": "range", "from": "100", "to": "110"}, {1, 2}, "donation-sum"),
    ({"attr": "donations.count_amount", "ope": "eql", "value": "2"}, {2}, "donation-count"),
    ({"attr": "donations.count_amount", "ope": "eql", "value": "0"}, {4, 5, 6, 7}, "donation-count-zero"),
    ({"attr": "donations.donation_price_id", "ope": "eql", "value": "20"}, {1}, "donation-price"),
    ({"attr": "donations.transaction_date", "ope": "eql", "value": "2024-03-01"}, {1}, "donation-tx-date"),
    ({"attr": "memberships.period", "ope": "eql", "value": "2024"}, {1, 2, 7}, "period"),
    ({"attr": "memberships.period", "ope": "eql", "value": "2025"}, {4, 7}, "period-spanning-years"),
    ({"attr": "memberships.period", "ope": "gte", "value": "2026"}, {6}, "period-gte"),
    ({"attr": "memberships.period", "ope": "lte", "value": "2020"}, {6}, "period-lte"),
    ({"attr": "memberships.period", "ope": "range", "from": "2022", "to": "2023"}, {4}, "period-range"),
    ({"attr": "memberships.period", "ope": "not_eql", "value": "2024"}, {4, 6}, "period-not-eql"),
    ({"attr": "memberships.multiple_in_period", "ope": "eql", "value": "2023"}, {4}, "multiple-in-period"),
    ({"attr": "memberships.multiple_in_period", "ope": "eql", "value": "2024"}, set(), "single-in-period"),
    ({"attr": "memberships.membership_price_id", "ope": "eql", "value": 10}, {1}, "membership-price"),
    ({"attr": "memberships.transaction_date", "ope": "eql", "value": "2025-01-05"}, {4}, "beneficiary"),
    ({"attr": "memberships.end_date", "ope": "lte", "value": "2020-12-31"}, {6}, "end-date"),
    ({"attr": "emails.campaign_id", "ope": "eql", "value": "42"}, {1, 2, 3}, "campaign-id"),
    ({"attr": "emails.opened_at", "ope": "ext"}, {2}, "opened-ext"),
    ({"attr": "emails.opened_at", "ope": "not_ext"}, {1, 2, 3}, "opened-not-ext-needs-history"),
    ({"attr": "emails.subject", "ope": "contains", "value": "NEWSLETTER"}, {1}, "subject"),
    ({"attr": "emails.delivered_at", "ope": "gte", "value": "2025-06-01"}, {1, 2}, "delivered-gte"),
    ({"attr": "emails.campaign_performance_rating", "ope": "gte", "value": "50"}, {1}, "performance"),
    ({"attr": "emails.clicked_urls", "ope": "start_with", "value": "https://qomon"}, {1}, "clicked-urls"),
    ({"attr": "emails.clicked_urls", "ope": "ext"}, {1}, "clicked-urls-ext"),
    ({"attr": "emails.campaign_is_successful", "ope": "eql", "value": "true"}, {1}, "campaign-successful"),
    ({"attr": "sanctions.validity", "ope": "eql", "value": "ongoing"}, {1}, "ongoing"),
    ({"attr": "sanctions.validity", "ope": "eql", "value": "ended"}, {2}, "ended"),
    ({"attr": "sanctions.end_date", "ope": "not_ext"}, {1}, "sanction-no-end"),
    ({"attr": "sanctions.end_date", "ope": "ext"}, {2, 3}, "sanction-end"),
    ({"attr": "sanctions.status", "ope": "contains", "value": "susp"}, {1}, "sanction-status"),
    ({"attr": "sanctions.start_date", "ope": "gte", "value": "now"}, {3}, "sanction-future"),
]


@pytest.mark.parametrize(
    ("condition", "expected"), [pytest.param(c, e, id=i) for c, e, i in FINANCIAL_CONDITIONS]
)
def test_record_conditions(space: Space, condition: dict[str, Any], expected: set[int]) -> None:
    assert matching(space, one(**condition)) == expected


FORM_CONDITIONS = [
    ({"attr": "form", "form_id": 4530, "form_ref_ids": [], "ope": "ext"}, {1, 2}, "ext"),
    ({"attr": "form", "form_id": 4530, "form_ref_ids": [7486], "ope": "not_ext"}, {3, 4, 5, 6, 7}, "not-ext"),
    ({"attr": "form", "form_id": 4530, "form_ref_ids": [7486], "ope": "eql"}, {1}, "eql-refs"),
    ({"attr": "form", "form_id": 4530, "form_ref_ids": [7486, 7487], "ope": "eql"}, set(), "eql-all-refs"),
    (
        {"attr": "form", "form_id": 4530, "form_ref_ids": [7486], "ope": "eql", "value": "CONSENT_EMAIL"},
        {1},
        "eql-value-case-insensitive",
    ),
    (
        {"attr": "form", "form_id": 4530, "form_ref_ids": [7486], "ope": "eql", "value": "consent_sms"},
        set(),
        "eql-value-of-another-ref",
    ),
    (
        {"attr": "form", "form_id": 4530, "form_ref_ids": [7486], "ope": "not_eql"},
        EVERYONE - {1},
        "not-eql",
    ),
    ({"attr": "form", "form_id": 4530, "ope": "contains", "value": "consent"}, {1, 2}, "contains"),
    (
        {"attr": "form", "form_id": 4530, "ope": "not_contains", "value": "sms"},
        EVERYONE - {2},
        "not-contains",
    ),
    ({"attr": "form", "form_id": 88, "form_ref_ids": [881], "ope": "gte", "value": "10"}, {1}, "numeric"),
    (
        {"attr": "form", "form_id": 88, "form_ref_ids": [881], "ope": "gte", "value": "2025-01-01"},
        {2},
        "date",
    ),
    ({"attr": "form", "form_id": 88, "ope": "range", "from": "1", "to": "20"}, {1}, "range"),
    ({"attr": "form", "form_id": 999, "form_ref_ids": [1], "ope": "ext"}, set(), "unknown-form"),
    ({"attr": "custom_fields", "form_id": 1001, "form_ref_ids": [2001], "ope": "eql"}, {1}, "custom-field"),
    ({"attr": "custom_fields", "form_id": 1001, "ope": "eql", "value": "red"}, {3}, "custom-field-value"),
    ({"attr": "custom_fields", "form_id": 4530, "ope": "ext"}, set(), "custom-fields-are-not-formdatas"),
]


@pytest.mark.parametrize(("condition", "expected"), [pytest.param(c, e, id=i) for c, e, i in FORM_CONDITIONS])
def test_form_conditions(space: Space, condition: dict[str, Any], expected: set[int]) -> None:
    assert matching(space, one(**condition)) == expected


def test_deleted_form_answers_are_ignored(space: Space) -> None:
    space.contacts[1]["formdatas"][0]["deleted_at"] = "2025-06-01T00:00:00Z"
    assert matching(space, one(attr="form", form_id=4530, form_ref_ids=[7486], ope="eql")) == set()


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
        _query({"attr": "form", "form_id": 1, "ope": "start_with", "value": "a"}),
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
    (alice,) = search(
        space, {"per_page": 10, "query": one(attr="firstname", ope="eql", value="alice")}, now=NOW
    )
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
