import pytest

from qomon_mcp.spec.search_attributes import (
    ATTRIBUTES,
    OPERATORS,
    REFERENCE_ONLY_ATTRIBUTES,
    REFERENCE_ONLY_OPERATORS,
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
    "birthday",
}
FAMILIES = {
    "contact",
    "address",
    "transactions",
    "donations",
    "memberships",
    "emails",
    "sanctions",
    "form",
    "petitions",
    "onlineforms",
}


def test_every_attribute_is_well_formed() -> None:
    for name, attribute in ATTRIBUTES.items():
        assert attribute.name == name
        assert attribute.meaning
        assert attribute.kind in KINDS, name
        assert attribute.family in FAMILIES, name
        assert attribute.operators, name
        assert len(set(attribute.operators)) == len(attribute.operators), name
        assert set(attribute.operators) <= set(OPERATORS), name


def test_attribute_count_matches_the_docs_table() -> None:
    # 18 contact + UpdatedAt, 11 address, 8 transactions, 6 donations, 7 memberships,
    # 20 emails, 5 sanctions, form and custom_fields.
    documented = [a for a in ATTRIBUTES.values() if not a.reference_only]
    assert len(documented) == 19 + 11 + 8 + 6 + 7 + 20 + 5 + 2


def test_reference_only_attributes_are_the_shapes_file_list() -> None:
    # Shapes file, "Types and rules": what the reference knows beyond the docs' table.
    assert REFERENCE_ONLY_ATTRIBUTES == (
        "CreatedAt",
        "nationbuilderid",
        "birthday",
        "address.state",
        "address.county",
        "address.building_type",
        "petitions.base_id",
        "onlineforms.base_id",
    )
    assert {n for n, a in ATTRIBUTES.items() if a.reference_only} == set(REFERENCE_ONLY_ATTRIBUTES)
    assert {"period"} == REFERENCE_ONLY_OPERATORS and "period" in OPERATORS


@pytest.mark.parametrize(
    ("attr", "extras"),
    [
        pytest.param("emails.blacklisted_at", ("eql", "period"), id="blacklisted-eql"),
        pytest.param("form", ("start_with",), id="form-start-with"),
        pytest.param("custom_fields", ("start_with",), id="custom-fields-start-with"),
        pytest.param("lastchange", ("period",), id="date-period"),
        pytest.param("birthday", ("period",), id="birthday-period"),
        pytest.param("surname", (), id="text-none"),
    ],
)
def test_reference_operators_sit_beside_the_documented_ones(attr: str, extras: tuple[str, ...]) -> None:
    attribute = ATTRIBUTES[attr]
    assert attribute.reference_operators == extras
    assert attribute.operators == attribute.documented_operators + extras
    assert not set(attribute.documented_operators) & REFERENCE_ONLY_OPERATORS


def test_no_documented_operator_set_holds_a_reference_only_operator() -> None:
    for name, attribute in ATTRIBUTES.items():
        if not attribute.reference_only:
            assert not set(allowed_operators(name)) & REFERENCE_ONLY_OPERATORS, name


@pytest.mark.parametrize(
    ("attr", "operators"),
    [
        pytest.param("gender", ("eql", "not_eql", "ext", "not_ext"), id="gender"),
        pytest.param(
            "mail",
            ("eql:strictdata", "not_eql:strictdata", "ext", "not_ext", "start_with", "not_start_with"),
            id="mail",
        ),
        pytest.param("tags.name", ("eql", "not_eql", "any_of", "none_of", "all_of", "ext", "not_ext"), id="tags"),
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
        pytest.param("emails.blacklisted_at", ("ext", "not_ext", "lte", "gte", "range"), id="blacklisted-docs-only"),
        pytest.param(
            "form",
            ("ext", "not_ext", "eql", "not_eql", "contains", "not_contains", "lte", "gte", "range"),
            id="form-docs-only",
        ),
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
