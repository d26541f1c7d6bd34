import json
from typing import Any

import pytest
from mcp import Client
from mcp.server.mcpserver.exceptions import ToolError

from qomon_mcp.qomon.models import Form
from qomon_mcp.spec.search_attributes import ATTRIBUTES, OPERATORS
from qomon_mcp.toolsets.helpers.forms_directory import FormsDirectory
from qomon_mcp.toolsets.helpers.search_checks import checked_query
from qomon_mcp.toolsets.helpers.search_query import Condition, Query, conjoined, parse_query, to_qomon, with_condition
from tests.spaces import demo_sandbox
from tests.toolsets.conftest import EU_KEY

pytestmark = pytest.mark.anyio

PARIS = {"attr": "address.city", "ope": "eql", "value": "Paris"}
MOBILE = {"attr": "mobile", "ope": "ext"}
VOLUNTEER = {"attr": "tags.name", "ope": "eql", "value": "volunteer"}
DONOR = {"attr": "tags.name", "ope": "eql", "value": "donor"}


def wrapped(*conditions: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"$condition": c} for c in conditions]


@pytest.fixture(scope="module")
def forms() -> FormsDirectory:
    space = demo_sandbox().space_for(EU_KEY)
    by_type: dict[str, list[Form]] = {}
    for form_id, form in space.forms.items():
        by_type.setdefault(space.form_types[form_id], []).append(Form.model_validate(form))
    return FormsDirectory.from_forms(by_type)


def qomon(raw: object, forms: FormsDirectory | None = None) -> dict[str, Any]:
    return to_qomon(checked_query(parse_query(raw), forms))


def test_the_typed_form_becomes_the_docs_json() -> None:
    typed = {
        "groups": [
            {"conditions": [PARIS, MOBILE]},
            {"match": "at_least_one", "conditions": [VOLUNTEER, DONOR]},
        ]
    }
    assert qomon(typed) == {"$all": [{"$all": wrapped(PARIS, MOBILE)}, {"$at_least_one": wrapped(VOLUNTEER, DONOR)}]}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param([PARIS, MOBILE], {"$all": [{"$all": wrapped(PARIS, MOBILE)}]}, id="bare-list"),
        pytest.param({"conditions": [PARIS]}, {"$all": [{"$all": wrapped(PARIS)}]}, id="conditions-key"),
        pytest.param(
            {"match": "at_least_one", "conditions": [PARIS, MOBILE]},
            {"$at_least_one": [{"$at_least_one": wrapped(PARIS, MOBILE)}]},
            id="or-shorthand-stays-or",
        ),
        pytest.param(
            {"groups": [{"conditions": [PARIS]}], "conditions": [MOBILE]},
            {"$all": [{"$all": wrapped(PARIS)}, {"$all": wrapped(MOBILE)}]},
            id="groups-and-conditions",
        ),
        pytest.param(
            {"$all": wrapped(PARIS, MOBILE)}, {"$all": [{"$all": wrapped(PARIS, MOBILE)}]}, id="native-one-level"
        ),
        pytest.param(
            {"conditions": [{"$condition": PARIS}]}, {"$all": [{"$all": wrapped(PARIS)}]}, id="wrapped-condition"
        ),
        pytest.param(json.dumps([PARIS]), {"$all": [{"$all": wrapped(PARIS)}]}, id="json-text"),
        pytest.param({}, {"$all": []}, id="empty-object"),
    ],
)
def test_shorthands_become_two_levels(raw: object, expected: dict[str, Any]) -> None:
    assert qomon(raw) == expected


@pytest.mark.parametrize(
    "native",
    [
        pytest.param({"$all": [{"$all": wrapped(PARIS)}]}, id="minimum"),
        pytest.param({"$all": [{"$at_least_one": wrapped(PARIS, MOBILE)}, {"$all": wrapped(VOLUNTEER)}]}, id="mixed"),
        pytest.param({"$at_least_one": [{"$all": wrapped(PARIS)}, {"$all": wrapped(DONOR)}]}, id="or-root"),
        pytest.param(
            {"$all": [{"$all": wrapped({"attr": "donations.amount", "ope": "range", "from": "10", "to": "20"})}]},
            id="range-bounds",
        ),
    ],
)
def test_qomon_json_is_accepted_as_is(native: dict[str, Any]) -> None:
    assert qomon(native) == native


@pytest.mark.parametrize(
    ("condition", "sent"),
    [
        pytest.param(
            {"attr": "gender", "ope": "eql", "value": "f"},
            {"attr": "gender", "ope": "eql", "value": "F"},
            id="gender-upper",
        ),
        pytest.param(
            {"attr": "black_list", "ope": "eql", "value": True},
            {"attr": "black_list", "ope": "eql", "value": "true"},
            id="boolean-word",
        ),
        pytest.param(
            {"attr": "donations.sum_amount", "ope": "gte", "value": 50},
            {"attr": "donations.sum_amount", "ope": "gte", "value": "50"},
            id="amount-number-to-string",
        ),
        pytest.param(
            {"attr": "mobile", "ope": "ext", "value": "yes"}, {"attr": "mobile", "ope": "ext"}, id="ext-value-dropped"
        ),
        pytest.param(
            {"attr": "birthdate", "ope": "range", "value": "x", "from": "1980-01-01", "to": "now-18y"},
            {"attr": "birthdate", "ope": "range", "from": "1980-01-01", "to": "now-18y"},
            id="range-value-dropped",
        ),
        pytest.param(
            {"attr": "form", "ope": "ext", "form_id": 4530, "form_ref_ids": [7486]},
            {"attr": "form", "ope": "ext", "form_id": 4530},
            id="form-ext-ignores-refs",
        ),
        pytest.param(
            {"attr": "custom_fields", "ope": "contains", "form_id": 4541, "value": "pizza"},
            {"attr": "custom_fields", "ope": "contains", "form_id": 4541, "form_ref_ids": [7516], "value": "pizza"},
            id="free-text-form-gets-its-one-ref",
        ),
        pytest.param(
            {"attr": "UpdatedAt", "ope": "gte", "value": " now-1d/d "},
            {"attr": "UpdatedAt", "ope": "gte", "value": "now-1d/d"},
            id="date-math-trimmed",
        ),
    ],
)
def test_values_are_normalized(forms: FormsDirectory, condition: dict[str, Any], sent: dict[str, Any]) -> None:
    assert qomon([condition], forms) == {"$all": [{"$all": [{"$condition": sent}]}]}


SINCE = Condition(attr="UpdatedAt", ope="gte", value="now-1d")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param({}, {"$all": [{"$all": wrapped(SINCE.model_dump(exclude_none=True))}]}, id="everyone"),
        pytest.param(
            [PARIS],
            {"$all": [{"$all": wrapped(PARIS)}, {"$all": wrapped(SINCE.model_dump(exclude_none=True))}]},
            id="and-root",
        ),
        pytest.param(
            {"match": "at_least_one", "groups": [{"match": "at_least_one", "conditions": [PARIS, MOBILE]}]},
            {
                "$all": [
                    {"$at_least_one": wrapped(PARIS, MOBILE)},
                    {"$all": wrapped(SINCE.model_dump(exclude_none=True))},
                ]
            },
            id="or-root-with-one-group",
        ),
        pytest.param(
            {"match": "at_least_one", "groups": [{"conditions": [PARIS]}, {"conditions": [DONOR]}]},
            {
                "$at_least_one": [
                    {"$all": wrapped(PARIS, SINCE.model_dump(exclude_none=True))},
                    {"$all": wrapped(DONOR, SINCE.model_dump(exclude_none=True))},
                ]
            },
            id="or-of-and-groups",
        ),
    ],
)
def test_updated_since_is_anded_with_the_query(raw: object, expected: dict[str, Any]) -> None:
    assert to_qomon(with_condition(parse_query(raw), SINCE)) == expected


OR_OF_ANDS = {"match": "at_least_one", "groups": [{"conditions": [PARIS]}, {"conditions": [DONOR]}]}
OR_OF_ORS = {
    "match": "at_least_one",
    "groups": [{"match": "at_least_one", "conditions": [PARIS, MOBILE]}, {"conditions": [DONOR]}],
}


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        pytest.param([PARIS], [MOBILE], {"$all": [{"$all": wrapped(PARIS)}, {"$all": wrapped(MOBILE)}]}, id="and-and"),
        pytest.param(
            OR_OF_ANDS,
            [MOBILE, VOLUNTEER],
            {
                "$at_least_one": [
                    {"$all": wrapped(PARIS, MOBILE, VOLUNTEER)},
                    {"$all": wrapped(DONOR, MOBILE, VOLUNTEER)},
                ]
            },
            id="or-and",
        ),
        pytest.param(
            [MOBILE],
            OR_OF_ANDS,
            {"$at_least_one": [{"$all": wrapped(PARIS, MOBILE)}, {"$all": wrapped(DONOR, MOBILE)}]},
            id="and-or",
        ),
        pytest.param(OR_OF_ANDS, OR_OF_ANDS, None, id="or-or"),
        pytest.param({}, OR_OF_ORS, to_qomon(parse_query(OR_OF_ORS)), id="nothing-and-anything"),
        pytest.param(OR_OF_ORS, {}, to_qomon(parse_query(OR_OF_ORS)), id="anything-and-nothing"),
        pytest.param(OR_OF_ANDS, {"match": "at_least_one", "conditions": [MOBILE, VOLUNTEER]}, None, id="or-any"),
    ],
)
def test_two_queries_are_anded_in_two_levels_or_not_at_all(left: object, right: object, expected: object) -> None:
    joined = conjoined(parse_query(left), parse_query(right))
    assert (joined if joined is None else to_qomon(joined)) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        pytest.param({"conditions": [{"attr": "address.citty", "ope": "eql"}]}, "did you mean address.city", id="attr"),
        pytest.param({"conditions": [{"attr": "mobile", "ope": "lte"}]}, "mobile does not accept lte", id="operator"),
        pytest.param({"conditions": [{"attr": "mobile", "ope": "less"}]}, "mobile accepts: eql", id="unknown-operator"),
        pytest.param({"groups": [MOBILE]}, "is a condition, but groups holds groups", id="condition-as-group"),
        pytest.param({"conditions": [{"$all": [MOBILE]}]}, "nest only two levels", id="group-as-condition"),
        pytest.param([{**MOBILE, "valeur": "x"}], "query.conditions[0] has an unknown key 'valeur'", id="key"),
        pytest.param([{**PARIS, "value": {"city": "Paris"}}], "query.conditions[0].value: Input", id="value-type"),
        pytest.param({"groups": [{"conditions": []}]}, "query.groups[0] has no conditions", id="empty-group"),
        pytest.param({"groups": [{"match": "or", "conditions": [MOBILE]}]}, '"at_least_one" (OR)', id="match"),
    ],
)
def test_mistakes_read_as_one_sentence(forms: FormsDirectory, raw: object, fragment: str) -> None:
    with pytest.raises(ToolError) as refused:
        checked_query(parse_query(raw), forms)
    message = str(refused.value)
    assert fragment in message and "\n" not in message


def test_the_schema_enumerates_attributes_and_operators() -> None:
    schema = Query.model_json_schema()
    condition = schema["$defs"]["Condition"]["properties"]
    assert condition["attr"]["enum"] == list(ATTRIBUTES)
    assert condition["ope"]["enum"] == list(OPERATORS)
    assert "from" in condition and "from_" not in condition
    assert "flat list" in schema["properties"]["conditions"]["description"]


async def test_search_tools_have_small_plain_input_schemas(mcp: Client) -> None:
    tools = {t.name: t for t in (await mcp.list_tools()).tools if t.name in ("search_contacts", "count_contacts")}
    assert set(tools) == {"search_contacts", "count_contacts"}
    for tool in tools.values():
        assert not {"anyOf", "oneOf", "allOf"} & set(tool.input_schema)
    sizes = {name: len(json.dumps(tool.input_schema)) for name, tool in tools.items()}
    # The attribute enum alone is 1.6 KB; the rest must stay lean.
    assert sizes["count_contacts"] <= 3500 and sizes["search_contacts"] <= 5000, sizes
