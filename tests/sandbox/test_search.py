import json
from typing import Any

import pytest

from qomon_mcp.sandbox.search.engine import count, search
from qomon_mcp.sandbox.space import Space
from tests.sandbox.search_space import EVERYONE, NOW, ids, make_space, matching, one


@pytest.fixture
def space() -> Space:
    return make_space()


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
                    {"$all": [{"$condition": {"attr": "memberships.start_date", "ope": "lte", "value": "now"}}]},
                    {"$all": [{"$condition": {"attr": "memberships.end_date", "ope": "gte", "value": "now"}}]},
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


@pytest.mark.parametrize(("condition", "expected"), [pytest.param(c, e, id=i) for c, e, i in CONTACT_CONDITIONS])
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


@pytest.mark.parametrize(("condition", "expected"), [pytest.param(c, e, id=i) for c, e, i in FINANCIAL_CONDITIONS])
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
