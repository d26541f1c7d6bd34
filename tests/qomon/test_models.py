import logging

import pytest
from pydantic import BaseModel

from qomon_mcp.qomon import models
from qomon_mcp.qomon.models import (
    Action,
    ActionAggregate,
    Bundle,
    BundleHistoryEntry,
    Contact,
    Form,
    Invitation,
    MembershipPriceGroup,
    Role,
    Team,
    TransactionSettings,
    User,
)
from qomon_mcp.qomon.models_base import QomonModel, record
from tests.qomon import fixtures

ALL_MODELS = [getattr(models, name) for name in models.__all__]


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_every_model_accepts_an_empty_object(model: type[BaseModel]) -> None:
    model.model_validate({})


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_every_model_keeps_unknown_fields(model: type[BaseModel]) -> None:
    parsed = model.model_validate({"brand_new_field": {"x": 1}})
    assert parsed.model_dump()["brand_new_field"] == {"x": 1}


CONTACT = {
    "id": 4242,
    "group_id": 7,
    "CreatedAt": "2025-01-02T10:00:00Z",
    "UpdatedAt": "2025-03-04T10:00:00.123456Z",
    "firstname": "Ada",
    "surname": "Lovelace",
    "gender": "F",
    "age_category": 3,
    "mail": "ada@example.org",
    "address": {"street": "rue de Rivoli", "postalcode": "75001", "city": "Paris", "latitude": 48.86},
    "tags": [{"name": "volunteer", "color": "#ff0000", "appearance_count": 12}],
    "actions_ids": [1, 2],
    "black_list": False,
    "formdatas": [{"id": 1, "form_id": 10, "form_ref_id": 100, "data": "yes", "label": "Consent"}],
    "customfields": [{"id": 2, "form_id": 11, "form_ref_id": 101, "data": "hamburger"}],
}


def test_a_full_contact_is_read() -> None:
    contact = Contact.model_validate(CONTACT)
    assert contact.created_at == "2025-01-02T10:00:00Z"
    assert contact.address is not None and contact.address.city == "Paris"
    assert contact.tags[0].name == "volunteer"
    assert contact.formdatas[0].form_ref_id == 100
    assert contact.customfields[0].data == "hamburger"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("tags", None, []),
        ("formdatas", None, []),
        ("black_list", None, None),
        ("address", None, None),
        ("id", "4242", "4242"),
        ("phone", 612345678, "612345678"),
        ("age_category", "3", "3"),
    ],
    ids=[
        "null-tags",
        "null-formdatas",
        "null-bool",
        "null-address",
        "string-id",
        "numeric-phone",
        "string-int",
    ],
)
def test_contact_fields_are_lenient(field: str, value: object, expected: object) -> None:
    assert getattr(Contact.model_validate({**CONTACT, field: value}), field) == expected


def test_missing_fields_are_none_or_empty() -> None:
    contact = Contact.model_validate({"id": 1})
    assert contact.surname is None
    assert contact.tags == []
    assert contact.customfields == []


def test_custom_fields_are_read_under_either_spelling() -> None:
    contact = Contact.model_validate({"custom_fields": [{"form_id": 11, "data": "x"}]})
    assert contact.customfields[0].form_id == 11


def test_numeric_address_parts_become_text() -> None:
    contact = Contact.model_validate({"address": {"postalcode": 75001, "housenumber": 12, "invalid": None}})
    assert contact.address is not None
    assert (contact.address.postalcode, contact.address.housenumber) == ("75001", "12")


def test_python_names_also_populate_aliased_fields() -> None:
    assert Contact(created_at="2025-01-01").created_at == "2025-01-01"
    assert Contact.model_validate({"created_at": "2025-01-01"}).created_at == "2025-01-01"


def test_an_action_aggregate_reads_its_capitalised_keys() -> None:
    aggregate = ActionAggregate.model_validate(
        {
            "Action": {
                "id": 5,
                "name": "Door to door",
                "type_data": "canvassing",
                "Users": None,
                "Teams": [1],
            },
            "NbVisites": 40,
            "NbContacts": 31,
            "NbVisitesDeclared": 2,
        }
    )
    assert aggregate.action is not None and aggregate.action.name == "Door to door"
    assert aggregate.action.users == [] and aggregate.action.teams == [1]
    assert (aggregate.nb_visites, aggregate.nb_contacts, aggregate.nb_visites_declared) == (40, 31, 2)


def test_a_form_reads_its_refvalues_and_group_list() -> None:
    form = Form.model_validate(
        {"id": 9, "group_id": [7], "type": "radio", "refvalues": [{"id": 1, "label": "Yes", "value": 1}]}
    )
    assert form.group_id == [7]
    assert form.refvalues[0].value == "1"


def test_a_user_reads_its_role_data() -> None:
    user = User.model_validate({"id": 3, "mail": "x@y.z", "role_data": {"id": 2, "name": "Admin", "type": "admin"}})
    assert user.role_data is not None and user.role_data.type == "admin"


def test_a_team_reads_users_and_null_leaders() -> None:
    team = Team.model_validate({"id": 1, "name": "Paris", "users": [{"id": 3}], "leaders": None, "private": None})
    assert team.users[0].id == 3
    assert team.leaders == []
    assert team.private is None


def test_a_bundle_reads_its_items_and_summary() -> None:
    bundle = Bundle.model_validate(
        {
            "id": 42,
            "transactions": [{"id": 101, "amount": 2000, "currency": "eur", "contact_id": 1}],
            "memberships": [{"id": 55, "membership_price_id": 10, "amount": 1000}],
            "donations": None,
            "summary": {"transactions_count": 1, "memberships_count": 1, "donations_count": 0},
        }
    )
    assert bundle.transactions[0].amount == 2000
    assert bundle.memberships[0].membership_price_id == 10
    assert bundle.donations == []
    assert bundle.summary is not None and bundle.summary.transactions_count == 1


def test_a_history_entry_reads_created_at() -> None:
    entry = BundleHistoryEntry.model_validate({"id": 1, "CreatedAt": "2025-01-01", "old": None, "new": {"a": 1}})
    assert entry.created_at == "2025-01-01"
    assert entry.new == {"a": 1}


def test_reference_data_models_read_nested_lists() -> None:
    settings = TransactionSettings.model_validate({"payment_method_kinds": ["CB", "cash"], "open_periods": None})
    assert settings.payment_method_kinds == ["CB", "cash"]
    group = MembershipPriceGroup.model_validate({"id": 1, "membership_prices": [{"id": 10, "amount": 2000}]})
    assert group.membership_prices[0].amount == 2000


def test_a_field_in_an_undocumented_shape_is_set_aside_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="qomon_mcp.qomon")
    action = Action.model_validate({"id": 5, "name": "Phoning", "goal_forms": "abc", "Teams": [1]})
    assert (action.goal_forms, action.name, action.teams) == (None, "Phoning", [1])
    assert action.raw_fields == {"goal_forms": "abc"}
    assert record(action)["goal_forms"] == "abc"
    assert [r.getMessage() for r in caplog.records] == [
        "kept as raw data, shape not documented: Action.goal_forms (str)"
    ]


def test_a_model_read_whole_sets_nothing_aside(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="qomon_mcp.qomon")
    contact = Contact.model_validate(CONTACT)
    assert contact.raw_fields == {} and contact.address is not None and contact.address.raw_fields == {}
    assert caplog.records == []


def test_an_invitation_role_reads_as_a_role_object_or_a_type() -> None:
    as_object = Invitation.model_validate({"role": {"id": 4, "name": "Field manager", "type": "manager", "order": "2"}})
    assert isinstance(as_object.role, Role) and (as_object.role.name, as_object.role.order) == ("Field manager", 2)
    assert Invitation.model_validate({"role": "manager"}).role == "manager"


def _fixture_records() -> list[tuple[type[QomonModel], object]]:
    return [
        (Contact, fixtures.contacts.CONTACT_RECORD),
        (Bundle, fixtures.fundraising.BUNDLE_RECORD),
        (Team, fixtures.team.TEAM_RECORD),
    ]


@pytest.mark.parametrize(("model", "raw"), _fixture_records(), ids=lambda v: getattr(v, "__name__", ""))
def test_the_fast_reading_and_the_tolerant_one_agree(model: type[QomonModel], raw: object) -> None:
    # Any option sends model_validate through the tolerant path, validator by validator.
    fast, tolerant = model.model_validate(raw), model.model_validate(raw, strict=False)
    assert fast == tolerant and fast.raw_fields == tolerant.raw_fields == {}


def test_a_field_of_unknown_shape_still_goes_the_tolerant_way() -> None:
    contact = Contact.model_validate({"id": 1, "surname": "Doe", "address": {"city": ["not", "text"]}})
    assert contact.surname == "Doe" and contact.address is not None
    assert contact.address.raw_fields == {"city": ["not", "text"]}
