"""The doctor's shape check on hand-written answers: what the client reads on purpose is not drift."""

from __future__ import annotations

from typing import Any

import pytest

from qomon_mcp.doctor.reads import READS, Read, records_mismatches
from qomon_mcp.doctor.shapes import Mismatch, json_type, mismatches
from qomon_mcp.qomon.models import Contact, Team, User


def read(label: str) -> Read:
    return next(r for r in READS if r.label == label)


@pytest.mark.parametrize(
    ("model", "record"),
    [
        pytest.param(Contact, {"id": 1, "tags": ["vip", {"name": "donor"}]}, id="tags-as-names"),
        pytest.param(Contact, {"id": "12", "address": {"postalcode": 75011}, "mobile": 33612}, id="numbers-as-text"),
        pytest.param(Contact, {"tags": None, "formdatas": None, "address": None}, id="nulls"),
        pytest.param(Contact, {"CreatedAt": "2026-01-01T00:00:00Z", "custom_fields": []}, id="aliases"),
        pytest.param(Team, {"leaders": [1, 2], "users": [{"id": 3}], "address": {"city": "Lyon"}}, id="members-as-ids"),
        pytest.param(User, {"role": {"id": 1, "type": "admin"}, "selected_group_id": [1, 2]}, id="role-object"),
        pytest.param(User, {"role": "admin", "selected_group_id": 1, "surprise": {"a": 1}}, id="role-string-extra"),
    ],
)
def test_shapes_the_client_reads_are_not_reported(model: Any, record: dict[str, Any]) -> None:
    assert mismatches(model, record, "data.x[]") == []


@pytest.mark.parametrize(
    ("model", "record", "expected"),
    [
        pytest.param(Contact, {"tags": "vip"}, [("tags", "string")], id="tags-string"),
        pytest.param(Contact, {"address": "1 rue de la Paix"}, [("address", "string")], id="address-string"),
        pytest.param(
            Contact,
            {"formdatas": [{"form_id": 1}, {"form_id": [1]}]},
            [("formdatas[].form_id", "list")],
            id="nested-item",
        ),
        pytest.param(
            Team, {"users": [[1]], "private": "maybe"}, [("private", "string"), ("users[]", "list")], id="two-fields"
        ),
    ],
)
def test_other_shapes_are_reported_by_path_and_type(
    model: Any, record: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    found = mismatches(model, record, "data.x[]")
    assert [(m.path, m.seen) for m in found] == [(f"data.x[].{path}", seen) for path, seen in expected]
    assert all(m.expected and m.expected != m.seen for m in found)


def test_a_mismatch_holds_no_value() -> None:
    [found] = mismatches(Contact, {"firstname": {"secret": "Jeanne"}}, "c")
    assert found == Mismatch("c.firstname", "string", "object")


@pytest.mark.parametrize(
    ("label", "body", "expected"),
    [
        pytest.param("users", {"data": [{"id": 1}, {"id": "x"}]}, [], id="users-as-a-bare-list"),
        pytest.param("users", {"data": {"users": [{"id": 1}], "count": 1}}, [], id="users-page"),
        pytest.param("code campaigns", {"data": {"code_campaigns": ["SPRING", {"code": "FALL"}]}}, [], id="bare-codes"),
        pytest.param(
            "roles",
            {"data": {"roles": ["admin", {"id": 1}]}},
            [Mismatch("data.roles[]", "Role object", "string")],
            id="item-not-an-object",
        ),
        pytest.param(
            "roles",
            {"data": {"roles": "admin"}},
            [Mismatch("data.roles", "list of Role objects", "string")],
            id="list-not-a-list",
        ),
        pytest.param(
            "fundraising settings",
            {"data": {"transaction_settings": [{"open_periods": 3}]}},
            [Mismatch("data.transaction_settings.open_periods", "object or list", "integer")],
            id="one-object-sent-as-a-list",
        ),
        pytest.param("count", {"data": {"total": "12"}}, [], id="count-has-no-model"),
    ],
)
def test_records_are_found_where_the_client_looks(label: str, body: Any, expected: list[Mismatch]) -> None:
    assert records_mismatches(read(label), body) == expected


@pytest.mark.parametrize(
    ("value", "name"),
    [(None, "null"), (True, "boolean"), (3, "integer"), (2.5, "number"), ("a", "string"), ([], "list"), ({}, "object")],
)
def test_json_type_names(value: Any, name: str) -> None:
    assert json_type(value) == name
