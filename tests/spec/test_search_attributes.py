import pytest

from qomon_mcp.spec.search_attributes import (
    ATTRIBUTES,
    OPERATORS,
    SORT_ATTRIBUTES,
    Attribute,
    allowed_operators,
)

KINDS = {
    "text",
    "strict_text",
    "date",
    "amount",
    "count",
    "number",
    "id",
    "bool",
    "gender",
    "age_cat",
    "year",
    "validity",
    "tag",
    "form",
}
FAMILIES = {"contact", "address", "transactions", "donations", "memberships", "emails", "sanctions", "form"}


def test_every_attribute_is_well_formed() -> None:
    for name, attribute in ATTRIBUTES.items():
        assert attribute.name == name
        assert attribute.meaning
        assert attribute.kind in KINDS, name
        assert attribute.family in FAMILIES, name
        assert attribute.operators, name
        assert len(set(attribute.operators)) == len(attribute.operators), name
        assert set(attribute.operators) <= set(OPERATORS), name


def test_attribute_count_matches_the_reference() -> None:
    # 18 contact + UpdatedAt, 11 address, 8 transactions, 6 donations, 7 memberships,
    # 20 emails, 5 sanctions, form and custom_fields.
    assert len(ATTRIBUTES) == 19 + 11 + 8 + 6 + 7 + 20 + 5 + 2


@pytest.mark.parametrize(
    ("attr", "operators"),
    [
        pytest.param("gender", ("eql", "not_eql", "ext", "not_ext"), id="gender"),
        pytest.param(
            "mail",
            ("eql:strictdata", "not_eql:strictdata", "ext", "not_ext", "start_with", "not_start_with"),
            id="mail",
        ),
        pytest.param(
            "tags.name", ("eql", "not_eql", "any_of", "none_of", "all_of", "ext", "not_ext"), id="tags"
        ),
        pytest.param("user_contact_id", ("ext", "not_ext"), id="user-contact"),
        pytest.param("transactions.created_at", ("lte", "gte", "range"), id="transactions-created"),
        pytest.param("memberships.multiple_in_period", ("eql",), id="multiple-in-period"),
        pytest.param(
            "emails.clicked_urls",
            ("ext", "not_ext", "eql", "not_eql", "contains", "start_with"),
            id="clicked-urls",
        ),
        pytest.param("sanctions.validity", ("eql",), id="validity"),
        pytest.param("UpdatedAt", ("eql", "ext", "not_ext", "range", "lte", "gte"), id="updated-at"),
    ],
)
def test_operator_sets_follow_the_docs(attr: str, operators: tuple[str, ...]) -> None:
    assert allowed_operators(attr) == operators


def test_kinds_of_a_few_attributes() -> None:
    assert ATTRIBUTES["donations.sum_amount"] == Attribute(
        "donations.sum_amount",
        "Total donated (€)",
        ("eql", "not_eql", "lte", "gte", "range"),
        "amount",
        "donations",
    )
    assert ATTRIBUTES["memberships.period"].kind == "year"
    assert ATTRIBUTES["transactions.count_amount"].kind == "count"
    assert ATTRIBUTES["custom_fields"].family == "form"


def test_sort_attributes() -> None:
    assert SORT_ATTRIBUTES == (
        "surname",
        "firstname",
        "birthdate",
        "gender",
        "lastchange",
        "mail",
        "married_name",
        "city",
    )


def test_attributes_are_frozen() -> None:
    with pytest.raises(AttributeError):
        ATTRIBUTES["gender"].kind = "text"  # type: ignore[misc]
