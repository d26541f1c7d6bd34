"""The search attribute table, pinned row by row against Qomon's public docs.

`DOCS_ROWS` is the docs' "Attribute reference" (search overview) written out
here: every attribute with its operators, in the docs' order. The table in
`spec.search_attributes` must hold exactly these rows, plus what the docs'
other pages and Qomon's reference add (`UpdatedAt` from the data
synchronization page; the reference-only attributes and operators listed in
the shapes file's "Types and rules" section), each written out below too.
"""

from __future__ import annotations

import pytest

from qomon_mcp.spec.search_attributes import ATTRIBUTES

DOCS_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("firstname", ("eql", "not_eql", "ext", "not_ext", "start_with", "not_start_with")),
    ("surname", ("eql", "not_eql", "ext", "not_ext", "start_with", "not_start_with")),
    ("married_name", ("eql", "not_eql", "ext", "not_ext", "start_with", "not_start_with")),
    ("gender", ("eql", "not_eql", "ext", "not_ext")),
    ("birthdate", ("eql", "ext", "not_ext", "range", "lte", "gte")),
    ("age_cat", ("eql", "not_eql", "ext", "not_ext")),
    ("birthcity", ("eql", "not_eql", "ext", "not_ext")),
    ("birthcountry", ("eql", "not_eql", "ext", "not_ext")),
    ("nationality", ("eql", "not_eql", "ext", "not_ext")),
    ("mail", ("eql:strictdata", "not_eql:strictdata", "ext", "not_ext", "start_with", "not_start_with")),
    ("phone", ("eql", "not_eql", "ext", "not_ext", "start_with", "not_start_with")),
    ("mobile", ("eql", "not_eql", "ext", "not_ext", "contains", "start_with", "not_start_with")),
    ("tags.name", ("eql", "not_eql", "any_of", "none_of", "all_of", "ext", "not_ext")),
    ("black_list", ("eql", "not_eql")),
    ("lastchange", ("eql", "ext", "not_ext", "range", "lte", "gte")),
    ("user_id", ("eql", "not_eql", "ext", "not_ext")),
    ("user_contact_id", ("ext", "not_ext")),
    ("action_ids", ("eql", "not_eql")),
    ("address.city", ("eql", "not_eql", "ext", "not_ext", "start_with", "not_start_with")),
    ("address.postalcode", ("eql", "not_eql", "ext", "not_ext", "start_with", "not_start_with")),
    ("address.country", ("eql", "not_eql", "ext", "not_ext")),
    ("address.street", ("eql", "not_eql", "ext", "not_ext", "start_with", "not_start_with")),
    ("address.housenumber", ("eql", "not_eql", "ext", "not_ext")),
    ("address.building", ("eql", "not_eql", "ext", "not_ext")),
    ("address.floor", ("eql", "not_eql", "ext", "not_ext")),
    ("address.door", ("eql", "not_eql", "ext", "not_ext")),
    ("address.addition", ("eql", "not_eql", "ext", "not_ext")),
    ("address.pollingstation", ("eql", "not_eql", "any_of", "none_of", "ext", "not_ext")),
    ("address.invalid", ("eql", "not_eql", "ext", "not_ext")),
    ("transactions.created_at", ("lte", "gte", "range")),
    ("transactions.date", ("eql", "not_eql", "lte", "gte", "range")),
    ("transactions.amount", ("eql", "not_eql", "lte", "gte", "range")),
    ("transactions.sum_amount", ("eql", "not_eql", "lte", "gte", "range")),
    ("transactions.count_amount", ("eql", "not_eql", "lte", "gte", "range")),
    (
        "transactions.code_campaign",
        ("ext", "not_ext", "eql", "not_eql", "contains", "not_contains", "start_with", "not_start_with"),
    ),
    ("transactions.payment_method_kind", ("eql", "not_eql")),
    ("transactions.status_id", ("eql", "not_eql")),
    ("donations.created_at", ("eql", "not_eql", "lte", "gte", "range")),
    ("donations.transaction_date", ("eql", "not_eql", "lte", "gte", "range")),
    ("donations.amount", ("eql", "not_eql", "lte", "gte", "range")),
    ("donations.sum_amount", ("eql", "not_eql", "lte", "gte", "range")),
    ("donations.count_amount", ("eql", "not_eql", "lte", "gte", "range")),
    ("donations.donation_price_id", ("eql", "not_eql")),
    ("memberships.created_at", ("eql", "not_eql", "lte", "gte", "range")),
    ("memberships.start_date", ("eql", "not_eql", "lte", "gte", "range")),
    ("memberships.end_date", ("eql", "not_eql", "lte", "gte", "range")),
    ("memberships.transaction_date", ("eql", "not_eql", "lte", "gte", "range")),
    ("memberships.period", ("eql", "not_eql", "lte", "gte", "range")),
    ("memberships.multiple_in_period", ("eql",)),
    ("memberships.membership_price_id", ("eql", "not_eql")),
    ("emails.created_at", ("ext", "not_ext", "lte", "gte", "range")),
    ("emails.type", ("ext", "not_ext", "eql", "not_eql")),
    ("emails.sender", ("ext", "not_ext", "eql", "not_eql")),
    ("emails.subject", ("ext", "not_ext", "contains", "not_contains", "start_with", "not_start_with")),
    ("emails.user_id", ("ext", "not_ext", "eql", "not_eql")),
    ("emails.campaign_id", ("ext", "not_ext", "eql", "not_eql")),
    ("emails.campaign_name", ("ext", "not_ext", "contains", "not_contains", "start_with", "not_start_with")),
    ("emails.campaign_goal", ("ext", "not_ext", "eql", "not_eql")),
    ("emails.campaign_is_successful", ("ext", "not_ext", "eql", "not_eql")),
    ("emails.campaign_performance_rating", ("ext", "not_ext", "lte", "gte", "range")),
    ("emails.template_id", ("ext", "not_ext", "eql", "not_eql")),
    ("emails.template_name", ("ext", "not_ext", "contains", "not_contains", "start_with", "not_start_with")),
    ("emails.delivered_at", ("ext", "not_ext", "lte", "gte", "range")),
    ("emails.opened_at", ("ext", "not_ext", "lte", "gte", "range")),
    ("emails.clicked_at", ("ext", "not_ext", "lte", "gte", "range")),
    ("emails.bounced_at", ("ext", "not_ext", "lte", "gte", "range")),
    ("emails.unsubscribed_at", ("ext", "not_ext", "lte", "gte", "range")),
    ("emails.blacklisted_at", ("ext", "not_ext", "lte", "gte", "range")),
    ("emails.abuse_report_at", ("ext", "not_ext", "lte", "gte", "range")),
    ("emails.clicked_urls", ("ext", "not_ext", "eql", "not_eql", "contains", "start_with")),
    ("sanctions.created_at", ("eql", "not_eql", "lte", "gte", "range")),
    ("sanctions.start_date", ("eql", "not_eql", "lte", "gte", "range")),
    ("sanctions.end_date", ("eql", "not_eql", "ext", "not_ext", "lte", "gte", "range")),
    ("sanctions.status", ("eql", "not_eql", "contains", "not_contains")),
    ("sanctions.validity", ("eql",)),
    ("custom_fields", ("ext", "not_ext", "eql", "not_eql", "contains", "not_contains", "lte", "gte", "range")),
    ("form", ("ext", "not_ext", "eql", "not_eql", "contains", "not_contains", "lte", "gte", "range")),
)

# The data synchronization page polls on this one; the attribute table does not list it.
SYNC_PAGE_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (("UpdatedAt", ("gte",)),)

# The shapes file, "Types and rules": operators the reference adds to rows of the docs' table
# (its reference-only attributes are pinned in test_search_attributes.py).
REFERENCE_EXTRA_OPERATORS = {
    "emails.blacklisted_at": {"eql"},
    "form": {"start_with"},
    "custom_fields": {"start_with"},
}
# The reference names `period` without saying which attributes take it; the table gives it to dates.
PERIOD = "period"


def _documented() -> dict[str, tuple[str, ...]]:
    return {name: a.documented_operators for name, a in ATTRIBUTES.items() if not a.reference_only}


def test_the_docs_table_has_77_rows_written_out() -> None:
    assert len(DOCS_ROWS) == len({attr for attr, _ in DOCS_ROWS}) == 77


@pytest.mark.parametrize(("attr", "operators"), DOCS_ROWS, ids=[attr for attr, _ in DOCS_ROWS])
def test_each_docs_row_is_in_the_table_with_its_operators_in_order(attr: str, operators: tuple[str, ...]) -> None:
    assert _documented()[attr] == operators


def test_the_documented_attributes_are_the_docs_rows_and_the_sync_page() -> None:
    assert set(_documented()) == {attr for attr, _ in DOCS_ROWS} | {attr for attr, _ in SYNC_PAGE_ROWS}


def test_the_sync_page_condition_is_allowed() -> None:
    for attr, operators in SYNC_PAGE_ROWS:
        assert set(operators) <= set(ATTRIBUTES[attr].documented_operators)


@pytest.mark.parametrize(
    ("attr", "extra"),
    [(attr, op) for attr, ops in sorted(REFERENCE_EXTRA_OPERATORS.items()) for op in sorted(ops)],
    ids=lambda v: str(v),
)
def test_the_reference_extra_operators_are_accepted(attr: str, extra: str) -> None:
    assert extra in ATTRIBUTES[attr].operators
    assert extra in ATTRIBUTES[attr].reference_operators


def test_no_operator_beyond_the_docs_and_the_reference_is_added() -> None:
    for name, attribute in ATTRIBUTES.items():
        if attribute.reference_only:
            continue
        allowed_extras = REFERENCE_EXTRA_OPERATORS.get(name, set()) | {PERIOD}
        assert set(attribute.reference_operators) <= allowed_extras, name
        assert PERIOD not in attribute.operators or attribute.kind == "date", name
