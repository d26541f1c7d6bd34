import copy
import json
from datetime import datetime
from typing import Any

import pytest
from mcp import Client

from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.space import Space
from qomon_mcp.server.explain import missing
from tests.calls import confirmed, hints, payload

pytestmark = pytest.mark.anyio


async def test_get_contact_decodes_advanced_fields(mcp: Client, space: Space) -> None:
    contact = next(c for c in space.contacts.values() if c.get("formdatas"))
    result = await mcp.call_tool("get_contact", {"contact_id": contact["id"]})
    assert not result.is_error
    view = json.loads(result.content[0].text)
    assert view["id"] == contact["id"]
    assert view["surname"] == contact["surname"]
    first = contact["formdatas"][0]
    form = space.forms[first["form_id"]]
    ref = next(r for r in form["refvalues"] if r["id"] == first["form_ref_id"])
    # Keyed by the form's label; the chosen value by its label, never by its form_ref_id.
    answer = view["answers"][form["label"]]
    values = answer if isinstance(answer, list) else [answer]
    label = first["data"] if form["type"] == "text" else ref["label"]
    assert any(v == label or v.startswith(f"{label} (") for v in values), values
    assert "form_ref_id" not in result.content[0].text
    assert not any(str(r["id"]) in json.dumps(view["answers"]) for f in space.forms.values() for r in f["refvalues"])
    assert result.structured_content == view


async def test_get_contact_leaves_out_empty_values(mcp: Client, space: Space) -> None:
    contact = next(c for c in space.contacts.values() if not c.get("mobile"))
    result = await mcp.call_tool("get_contact", {"contact_id": contact["id"]})
    assert "mobile" not in json.loads(result.content[0].text)
    assert "null" not in result.content[0].text


async def test_get_contact_fields_narrow_the_result(mcp: Client, space: Space) -> None:
    contact_id = next(iter(space.contacts))
    result = await mcp.call_tool("get_contact", {"contact_id": contact_id, "fields": ["mail"]})
    assert set(json.loads(result.content[0].text)) <= {"id", "mail", "untrusted"}


async def test_get_contact_unknown_id_is_an_actionable_tool_error(mcp: Client, sandbox: Sandbox) -> None:
    result = await mcp.call_tool("get_contact", {"contact_id": 1})
    assert result.is_error
    assert missing("contact", 1) in result.content[0].text


# Writes


def _routes(sandbox: Sandbox, method: str | None = None) -> list[str]:
    return [f"{r.method} {r.route}" for r in sandbox.request_log if method is None or r.method == method]


def _form(space: Space, label: str) -> dict[str, Any]:
    return next(f for f in space.forms.values() if f["label"] == label)


def _ref(space: Space, label: str, value: str) -> dict[str, Any]:
    return next(r for r in _form(space, label)["refvalues"] if r["value"] == value)


def _instant(value: str | None) -> datetime | None:
    return None if not value else datetime.fromisoformat(value.replace("Z", "+00:00"))


def _answers(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Answers as Qomon keeps them across a full replace: ids are renewed, the rest must survive."""
    return sorted(
        (a["form_id"], a["form_ref_id"], a["data"], _instant(a["date"])) for a in items if not a.get("deleted_at")
    )


@pytest.mark.parametrize(
    ("name", "read_only", "destructive", "idempotent"),
    [
        ("save_contact", False, False, False),
        ("upsert_contacts", False, False, False),
        ("delete_contact", False, True, True),
    ],
    ids=["save", "upsert", "delete"],
)
async def test_write_tools_state_their_annotations(
    mcp: Client, name: str, read_only: bool, destructive: bool, idempotent: bool
) -> None:
    assert await hints(mcp, name) == (read_only, destructive, idempotent, False)


async def test_create_contact_writes_fields_tags_address_and_answers(mcp: Client, space: Space) -> None:
    result = payload(
        await mcp.call_tool(
            "save_contact",
            {
                "firstname": "Jane",
                "surname": "Doe",
                "gender": "F",
                "birthdate": "1985-04-12",
                "mail": "jane.doe@example.org",
                "address": {"housenumber": "3", "street": "Rue Neuve", "postalcode": "69003", "city": "Lyon"},
                "add_tags": ["volunteer", "newsletter"],
                "set_answers": [
                    {"form": "Level of support", "value": "Leaning"},
                    {"form": str(_form(space, "General communication")["id"]), "value": "consent_email"},
                    {"form": "Favourite food", "value": "couscous"},
                ],
            },
        )
    )
    contact = space.contacts[result["id"]]
    assert result["note"] == f"Created contact {result['id']}."
    assert (contact["firstname"], contact["surname"], contact["mail"]) == ("Jane", "Doe", "jane.doe@example.org")
    assert _instant(contact["birthdate"]) == _instant("1985-04-12T00:00:00Z")
    assert contact["address"]["city"] == "Lyon" and contact["address"]["street"] == "Rue Neuve"
    assert sorted(t["name"] for t in contact["tags"]) == ["newsletter", "volunteer"]
    answers = {(a["form_id"], a["form_ref_id"]) for a in contact["formdatas"]}
    assert answers == {
        (_form(space, "Level of support")["id"], _ref(space, "Level of support", "leaning")["id"]),
        (_form(space, "General communication")["id"], _ref(space, "General communication", "consent_email")["id"]),
    }
    assert [(a["form_id"], a["data"]) for a in contact["customfields"]] == [
        (_form(space, "Favourite food")["id"], "couscous")
    ]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"form": "Shoe size", "value": "42"}, "valid forms: 'General communication' (id 4530)"),
        ({"form": "Level of support", "value": "maybe"}, "valid values: strong_support ('Strong support')"),
        ({"form": "Comments", "value": "Nice"}, "names 2 forms (ids"),
        ({"form": "99999", "value": "x"}, "No form has the id 99999"),
        ({"form": "Likelihood to vote", "value": "11"}, "between 0 and 10"),
        ({"form": "Date joined", "value": "last spring"}, "is not a date"),
    ],
    ids=["unknown-form", "unknown-value", "ambiguous-label", "unknown-id", "out-of-range", "bad-date"],
)
async def test_create_contact_refuses_unknown_answers_before_writing(
    mcp: Client, sandbox: Sandbox, answer: dict[str, str], expected: str
) -> None:
    result = await mcp.call_tool("save_contact", {"surname": "Doe", "set_answers": [answer]})
    assert result.is_error
    assert expected in result.content[0].text
    assert _routes(sandbox, "POST") == []


async def test_create_contact_needs_a_name_mail_or_phone(mcp: Client, sandbox: Sandbox) -> None:
    result = await mcp.call_tool("save_contact", {"gender": "O"})
    assert result.is_error
    assert "at least a name, a mail or a phone number" in result.content[0].text
    assert sandbox.request_log == []


@pytest.mark.parametrize("removal", [{"remove_tags": ["donor"]}, {"remove_answers": [{"form": "Level of support"}]}])
async def test_create_contact_refuses_removals(mcp: Client, sandbox: Sandbox, removal: dict[str, Any]) -> None:
    result = await mcp.call_tool("save_contact", {"surname": "Doe", **removal})
    assert result.is_error
    assert "apply to an existing contact; give its contact_id" in result.content[0].text
    assert sandbox.request_log == []


def _filled(record: dict[str, Any]) -> dict[str, Any]:
    """The parts of a record that hold a value; the id is Qomon's to renew."""
    return {k: v for k, v in record.items() if k != "id" and v not in (None, "")}


def _rich_contact(space: Space) -> dict[str, Any]:
    return next(
        c
        for c in space.contacts.values()
        if c.get("formdatas")
        and c.get("customfields")
        and c.get("tags")
        and c.get("address")
        and c.get("mobile")
        and c.get("birthdate")
    )


_KEPT_SCALARS = (
    "firstname", "surname", "married_name", "gender", "age_category", "birthdept", "birthcity",
    "birthcountry", "nationality", "mail", "phone", "black_list", "user_contact_id", "actions_ids", "notes",
)  # fmt: skip


async def test_update_contact_changes_one_field_and_keeps_everything_else(
    mcp: Client, space: Space, sandbox: Sandbox
) -> None:
    before = copy.deepcopy(_rich_contact(space))
    result = payload(await mcp.call_tool("save_contact", {"contact_id": before["id"], "mobile": "+33 7 00 00 00 01"}))
    assert result == {"id": before["id"], "changed": ["mobile"]}
    after = space.contacts[before["id"]]
    assert after["mobile"] == "+33 7 00 00 00 01"
    for field in _KEPT_SCALARS:
        # Qomon writes an empty text field back as "" or null: both are empty.
        assert (after[field] or None) == (before[field] or None), field
    assert _instant(after["birthdate"]) == _instant(before["birthdate"])
    assert _filled(after["address"]) == _filled(before["address"])
    assert [(t["name"], t["color"]) for t in after["tags"]] == [(t["name"], t["color"]) for t in before["tags"]]
    assert _answers(after["formdatas"]) == _answers(before["formdatas"])
    assert _answers(after["customfields"]) == _answers(before["customfields"])
    # Qomon renews answer ids on a full replace: proof that the answers went through the PATCH.
    assert {a["id"] for a in after["formdatas"]}.isdisjoint(a["id"] for a in before["formdatas"])
    assert _routes(sandbox, "PATCH") == ["PATCH /contacts/{id}"]


async def test_update_contact_answer_rules_radio_replaces_checkbox_adds(mcp: Client, space: Space) -> None:
    contact = _rich_contact(space)
    consent = _form(space, "General communication")
    support = _form(space, "Level of support")
    result = payload(
        await mcp.call_tool(
            "save_contact",
            {
                "contact_id": contact["id"],
                "remove_answers": [{"form": "General communication"}],
                "set_answers": [
                    {"form": "General communication", "value": "consent_sms"},
                    {"form": "General communication", "value": "Phone"},
                    {"form": "Level of support", "value": "opposed"},
                ],
            },
        )
    )
    assert set(result["changed"]) == {"answer 'General communication'", "answer 'Level of support'"}
    after = space.contacts[contact["id"]]["formdatas"]
    assert sorted(a["data"] for a in after if a["form_id"] == consent["id"]) == ["consent_phone", "consent_sms"]
    assert [a["data"] for a in after if a["form_id"] == support["id"]] == ["opposed"]

    result = payload(
        await mcp.call_tool(
            "save_contact",
            {
                "contact_id": contact["id"],
                "remove_answers": [{"form": "General communication", "value": "consent_sms"}],
            },
        )
    )
    after = space.contacts[contact["id"]]["formdatas"]
    assert [a["data"] for a in after if a["form_id"] == consent["id"]] == ["consent_phone"]


async def test_update_contact_tags_address_and_clearing(mcp: Client, space: Space) -> None:
    contact = _rich_contact(space)
    first_tag = contact["tags"][0]["name"]
    street = contact["address"]["street"]
    result = payload(
        await mcp.call_tool(
            "save_contact",
            {
                "contact_id": contact["id"],
                "add_tags": ["Phone bank"],
                "remove_tags": [first_tag.upper()],
                "address": {"housenumber": "999"},
                "mobile": "",
            },
        )
    )
    assert set(result["changed"]) == {"mobile", "address.housenumber", "tags"}
    after = space.contacts[contact["id"]]
    names = [t["name"] for t in after["tags"]]
    assert "Phone bank" in names and first_tag not in names
    assert (after["address"]["housenumber"], after["address"]["street"]) == ("999", street)
    assert after["mobile"] == ""


async def test_update_contact_sends_nothing_when_nothing_differs(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    contact = _rich_contact(space)
    tag = contact["tags"][0]["name"]
    result = payload(
        await mcp.call_tool(
            "save_contact", {"contact_id": contact["id"], "mobile": contact["mobile"], "add_tags": [tag]}
        )
    )
    assert "nothing was sent" in result["note"]
    assert _routes(sandbox, "PATCH") == []


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, "Nothing to change"),
        ({"set_answers": [{"form": "Level of support", "value": "maybe"}]}, "valid values:"),
        ({"remove_answers": [{"form": "Shoe size"}]}, "None of the forms is called 'Shoe size'"),
        ({"birthdate": "1980-02-31"}, "is not a date"),
    ],
    ids=["nothing", "unknown-value", "unknown-form", "impossible-date"],
)
async def test_update_contact_refuses_bad_arguments_without_writing(
    mcp: Client, space: Space, sandbox: Sandbox, arguments: dict[str, Any], expected: str
) -> None:
    contact_id = _rich_contact(space)["id"]
    result = await mcp.call_tool("save_contact", {"contact_id": contact_id, **arguments})
    assert result.is_error
    assert expected in result.content[0].text
    assert _routes(sandbox, "PATCH") == []


async def test_update_contact_unknown_id_is_an_actionable_tool_error(mcp: Client, sandbox: Sandbox) -> None:
    result = await mcp.call_tool("save_contact", {"contact_id": 1, "mobile": "0600000000"})
    assert result.is_error
    assert missing("contact", 1) in result.content[0].text
    assert _routes(sandbox, "PATCH") == []


async def test_upsert_contacts_checks_then_queues_and_qomon_applies_later(
    mcp: Client, space: Space, sandbox: Sandbox
) -> None:
    existing = _rich_contact(space)
    result = payload(
        await mcp.call_tool(
            "upsert_contacts",
            {
                "records": [
                    {
                        "firstname": "Zoé",
                        "surname": "Upsertova",
                        "mail": "zoe.upsertova@example.org",
                        "tags": ["imported"],
                        "consents": [{"label": "General communication", "value": "consent_email"}],
                        "status": [{"id": _form(space, "Level of support")["id"], "value": "Strong support"}],
                        "custom_fields": [{"label": "Volunteer hours", "value": 12}],
                    },
                    {"id": existing["id"], "phone": "01 99 99 99 99"},
                ]
            },
        )
    )
    assert result["sent"] == 2
    assert "asynchronously" in result["note"] and "mail" in result["note"] and "surname" in result["note"]
    assert _routes(sandbox, "POST") == ["POST /contacts/upsert", "POST /contacts/upsert"]
    await sandbox.drain()
    created = next(c for c in space.contacts.values() if c["mail"] == "zoe.upsertova@example.org")
    assert [t["name"] for t in created["tags"]] == ["imported"]
    assert {a["data"] for a in created["formdatas"]} == {"consent_email", "strong_support"}
    assert [a["data"] for a in created["customfields"]] == ["12"]
    assert space.contacts[existing["id"]]["phone"] == "01 99 99 99 99"


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (
            {"consents": [{"label": "General communcation", "value": "consent_email"}]},
            "Record 1, consents: None of the consent forms is called 'General communcation'; "
            "valid consent forms: 'General communication' (id 4530), 'Data processing' (id 4531).",
        ),
        (
            {"consents": [{"label": "General communication", "value": "consent_fax"}]},
            "Record 1, consents: 'consent_fax' is not a value of the form 'General communication' (id 4530); "
            "valid values: consent_email ('Email'), consent_sms ('SMS'), consent_phone ('Phone').",
        ),
        ({"forms": [{"label": "Comments", "value": "Hi"}]}, "The label 'Comments' names 2 survey forms"),
        (
            {"status": [{"id": 4530, "value": "consent_email"}]},
            "is a consent form, not one of the level_of_support forms",
        ),
        ({"actions": [{"id": 999999, "value": "call_back"}]}, "No form has the id 999999"),
        ({"consents": [{"value": "consent_email"}]}, "needs the form id or its label"),
    ],
    ids=["unknown-label", "unknown-value", "ambiguous-label", "wrong-family", "unknown-id", "no-form"],
)
async def test_upsert_contacts_refuses_the_whole_call_before_sending(
    mcp: Client, sandbox: Sandbox, answers: dict[str, Any], expected: str
) -> None:
    records = [{"mail": "ok@example.org"}, {"mail": "bad@example.org", **answers}]
    result = await mcp.call_tool("upsert_contacts", {"records": records})
    assert result.is_error
    assert expected in result.content[0].text
    assert not [r for r in sandbox.request_log if r.route == "/contacts/upsert"]


async def test_upsert_contacts_warns_about_records_that_always_create(mcp: Client) -> None:
    result = payload(await mcp.call_tool("upsert_contacts", {"records": [{"firstname": "Nobody"}]}))
    assert result["warnings"] == [
        "Record 0 has no id, mail or surname, so it creates a new contact every time it is sent."
    ]


async def test_delete_contact_deletes_and_a_second_delete_says_so(mcp: Client, space: Space, sandbox: Sandbox) -> None:
    contact_id = next(iter(space.contacts))
    arguments = {"contact_id": contact_id}
    assert (await confirmed(mcp, "delete_contact", arguments))["id"] == contact_id
    assert contact_id not in space.contacts
    again = await mcp.call_tool("delete_contact", arguments)
    assert again.is_error
    assert f"Contact {contact_id} does not exist in this space (or was deleted)" in again.content[0].text
    # The second call stops at the preview: nothing left to delete, nothing sent to delete it.
    # (The first GET is the preview of the call that asked the question and gave the token.)
    assert _routes(sandbox) == ["GET /contacts/{id}"] * 2 + ["DELETE /contacts/{id}", "GET /contacts/{id}"]


async def test_write_tools_are_refused_in_read_only_mode(mcp_read_only: Client, sandbox: Sandbox) -> None:
    result = await mcp_read_only.call_tool("delete_contact", {"contact_id": 1000121})
    assert result.is_error
    assert sandbox.request_log == []
