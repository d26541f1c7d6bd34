import json
from typing import Any

import pytest
from mcp import Client

from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.space import FORM_TYPES, Space
from qomon_mcp.server.explain import missing
from tests.calls import hints, payload

pytestmark = pytest.mark.anyio


async def test_get_forms_is_a_read_only_tool_of_the_space(mcp: Client) -> None:
    assert await hints(mcp, "get_forms") == (True, False, True, False)


@pytest.mark.parametrize(
    ("form_type", "array"),
    [
        ("consent", "consents"),
        ("level_of_support", "status"),
        ("survey", "forms"),
        ("custom_fields", "custom_fields"),
        ("tasks", "actions"),
        ("presence_status", "name_presences"),
    ],
    ids=FORM_TYPES,
)
async def test_get_forms_by_type_lists_ids_values_and_the_upsert_array(
    mcp: Client, space: Space, sandbox: Sandbox, form_type: str, array: str
) -> None:
    result = payload(await mcp.call_tool("get_forms", {"form_type": form_type}))
    expected = {f["id"] for f in space.forms_of_type(form_type)}
    assert {f["id"] for f in result["forms"]} == expected
    assert {f["upsert_array"] for f in result["forms"]} == {array}
    for view in result["forms"]:
        form = space.forms[view["id"]]
        if form["type"] in ("radio", "checkbox"):
            assert view["values"] == [
                {"id": r["id"], "value": r["value"], "label": r["label"]} for r in form["refvalues"]
            ]
    assert [f"{r.method} {r.route}" for r in sandbox.request_log] == ["GET /v1/forms/type/{type}"]


async def test_get_forms_by_id_reads_one_form_with_its_type(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    form = next(f for f in space.forms.values() if f["label"] == "Level of support")
    result = payload(await mcp.call_tool("get_forms", {"form_id": form["id"]}))
    (view,) = result["forms"]
    assert (view["id"], view["label"], view["form_type"], view["upsert_array"]) == (
        form["id"],
        "Level of support",
        "level_of_support",
        "status",
    )
    assert view["answer"] == "one of the values"
    assert [v["value"] for v in view["values"]] == [r["value"] for r in form["refvalues"]]
    assert "GET /forms/{id}" in [f"{r.method} {r.route}" for r in sandbox.request_log]


async def test_get_forms_shows_free_text_forms_without_values(mcp: Client) -> None:
    result = payload(await mcp.call_tool("get_forms", {"form_type": "survey"}))
    by_label = {f["label"]: f for f in result["forms"]}
    assert by_label["Likelihood to vote"]["answer"] == "a number from 0 to 10"
    assert by_label["Preferred callback date"]["answer"] == "a date (YYYY-MM-DD)"
    assert "values" not in by_label["Preferred callback date"]


async def test_get_forms_without_arguments_lists_every_form(mcp: Client, space: Space) -> None:
    result = payload(await mcp.call_tool("get_forms", {}))
    assert {f["id"] for f in result["forms"]} == set(space.forms)
    assert "null" not in json.dumps(result)


async def test_get_forms_unknown_id_is_an_actionable_tool_error(mcp: Client) -> None:
    result = await mcp.call_tool("get_forms", {"form_id": 1})
    assert result.is_error
    assert result.content[0].text == missing("form", 1)


@pytest.mark.parametrize(
    "arguments",
    [{"form_type": "consent", "form_id": 4530}, {"form_type": "hobbies"}, {"form_id": 0}],
    ids=["both", "unknown-type", "zero-id"],
)
async def test_get_forms_bad_arguments_send_nothing(mcp: Client, sandbox: Sandbox, arguments: dict[str, Any]) -> None:
    result = await mcp.call_tool("get_forms", arguments)
    assert result.is_error
    assert sandbox.request_log == []
