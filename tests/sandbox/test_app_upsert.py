"""POST /contacts/upsert: the 202, the delay, the matching order, the merge and the silent drops."""

from __future__ import annotations

from typing import Any

import pytest

from qomon_mcp.sandbox.app import Sandbox
from tests.sandbox.app_support import KEY, build_sandbox, client


async def _upsert(sandbox: Sandbox, data: dict[str, Any]) -> None:
    async with client(sandbox) as http:
        response = await http.post("/contacts/upsert", json={"kind": "contact", "data": data})
    assert response.status_code == 202, response.text
    await sandbox.drain()


def _contacts(sandbox: Sandbox) -> dict[int, dict[str, Any]]:
    return sandbox.space_for(KEY).contacts


@pytest.mark.anyio
async def test_upsert_answers_202_with_an_empty_body_and_applies_only_after_the_delay() -> None:
    sandbox = build_sandbox(upsert_delay=0.2)
    async with client(sandbox) as http:
        response = await http.post("/contacts/upsert", json={"kind": "contact", "data": {"id": 1, "phone": "0999"}})
    assert (response.status_code, response.content) == (202, b"")
    assert response.headers["X-Ratelimit-Cost"] == "1"
    assert _contacts(sandbox)[1]["phone"] == "0102030405"
    await sandbox.drain()
    assert _contacts(sandbox)[1]["phone"] == "0999"


@pytest.mark.anyio
async def test_drain_can_fast_forward_the_delay() -> None:
    sandbox = build_sandbox(upsert_delay=60.0)
    async with client(sandbox) as http:
        await http.post("/contacts/upsert", json={"kind": "contact", "data": {"id": 1, "phone": "0999"}})
    await sandbox.drain(fast_forward=True)
    assert _contacts(sandbox)[1]["phone"] == "0999"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [
        {"kind": "person", "data": {"surname": "X"}},
        {"kind": "contact"},
        {"kind": "contact", "data": {"surname": "X", "shoe_size": 42}},
        {"kind": "contact", "data": {"surname": "X", "nationality": "FR"}},
        {"kind": "contact", "data": {"consents": [{"id": 10, "value": True}]}},
        {"kind": "contact", "data": {"consents": {"id": 10, "value": "consent_email"}}},
        {"kind": "contact", "data": {"status": [{"value": "opposed"}]}},
        {"kind": "contact", "data": {"birthdate": "1980-02-31"}},
    ],
    ids=[
        "wrong-kind",
        "no-data",
        "unknown-key",
        "nationality-not-upsertable",
        "value-not-string",
        "not-an-array",
        "no-id-nor-label",
        "impossible-date",
    ],
)
async def test_upsert_envelope_errors_are_400_at_once(body: dict) -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        response = await http.post("/contacts/upsert", json=body)
    assert response.status_code == 400
    assert response.json()["status"] == "fail"
    assert sandbox.upserts.pending == 0


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("data", "expected_id"),
    [
        ({"id": 2, "phone": "111"}, 2),
        ({"id": "2", "phone": "111"}, 2),
        ({"id": "nb-77", "phone": "111"}, 2),
        ({"nationbuilderid": "nb-77", "phone": "111"}, 2),
        ({"id": 987654, "mail": "JOHN@example.com", "phone": "111"}, 2),
        ({"mail": "jane@example.com", "firstname": "Jane", "phone": "111"}, 1),
        ({"mail": "jane@example.com", "firstname": "", "surname": "", "phone": "111"}, 1),
        ({"surname": "smith", "firstname": "ann", "phone": "111"}, 3),
        (
            {
                "surname": "Doe",
                "firstname": "Jane",
                "birthdate": "1980-05-01",
                "address": {"city": "Paris"},
                "phone": "111",
            },
            1,
        ),
        (
            {
                "surname": "Doe",
                "firstname": "Jane",
                "address": {"postalcode": "75001", "street": "rue de la paix"},
                "phone": "111",
            },
            1,
        ),
        (
            {
                "surname": "Smith",
                "firstname": "John",
                "address": {"city": "Lyon", "street": "Rue A"},
                "phone": "111",
            },
            2,
        ),
    ],
    ids=[
        "qomon-id",
        "qomon-id-as-string",
        "nationbuilder-id",
        "nationbuilderid-field",
        "unknown-id-then-mail",
        "mail-and-firstname",
        "mail-empty-names-ignored",
        "surname-and-firstname",
        "birthdate-and-city",
        "birthdate-only-on-one-side",
        "street-needed-without-birthdate",
    ],
)
async def test_upsert_updates_the_matching_contact(data: dict, expected_id: int) -> None:
    sandbox = build_sandbox()
    before = len(_contacts(sandbox))
    await _upsert(sandbox, data)
    assert len(_contacts(sandbox)) == before
    assert _contacts(sandbox)[expected_id]["phone"] == "111"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "data",
    [
        {"id": 987654, "surname": "Nobody"},
        {"mail": "jane@example.com", "firstname": "Janet", "surname": "Other"},
        {"surname": "Doe", "firstname": "Janet"},
        {"surname": "Doe", "firstname": "Jane", "birthdate": "1981-05-01"},
        {
            "surname": "Doe",
            "firstname": "Jane",
            "birthdate": "1980-05-01",
            "address": {"city": "Lille", "postalcode": "59000"},
        },
        {"surname": "Smith", "firstname": "John", "address": {"city": "Lyon", "street": "Rue B"}},
        {"surname": "Doe", "firstname": "Jane", "address": {"postalcode": "75001"}},
        {"firstname": "Solo"},
    ],
    ids=[
        "unknown-id-creates-with-fresh-id",
        "mail-narrowed-by-names",
        "other-firstname",
        "other-birthdate",
        "other-city-and-postcode",
        "other-street-without-birthdate",
        "no-street-when-birthdate-one-sided",
        "no-mail-no-surname",
    ],
)
async def test_upsert_creates_when_nothing_matches(data: dict) -> None:
    sandbox = build_sandbox()
    before = set(_contacts(sandbox))
    await _upsert(sandbox, data)
    [new_id] = set(_contacts(sandbox)) - before
    assert new_id != 987654
    assert _contacts(sandbox)[new_id]["group_id"] == 42


@pytest.mark.anyio
async def test_upsert_merges_only_the_fields_sent_and_adds_tags() -> None:
    sandbox = build_sandbox()
    await _upsert(
        sandbox,
        {
            "id": 1,
            "mobile": "0600",
            "tags": [{"name": "donor"}, {"name": "Volunteer"}],
            "address": {"housenumber": "7"},
        },
    )
    contact = _contacts(sandbox)[1]
    assert contact["mobile"] == "0600" and contact["phone"] == "0102030405"
    assert [t["name"] for t in contact["tags"]] == ["volunteer", "donor"]
    assert contact["address"]["housenumber"] == "7" and contact["address"]["city"] == "Paris"


@pytest.mark.anyio
async def test_upsert_writes_answers_by_id_and_unique_label() -> None:
    sandbox = build_sandbox()
    await _upsert(
        sandbox,
        {
            "id": 2,
            "consents": [
                {"id": 10, "value": "consent_email"},
                {"label": "General communication", "value": "consent_sms"},
            ],
            "status": [{"id": 12, "value": "opposed"}],
            "custom_fields": [{"label": "Favourite food", "value": "tacos"}],
            "forms": [{"id": 13, "value": "free text"}],
            "actions": [{"id": 17, "label": "Follow-up", "value": "send_information"}],
            "name_presences": [{"id": 18, "value": "present"}],
        },
    )
    contact = _contacts(sandbox)[2]
    assert sorted(a["form_ref_id"] for a in contact["formdatas"]) == [100, 101, 121, 130, 170, 180]
    assert [(a["form_id"], a["data"]) for a in contact["customfields"]] == [(16, "tacos")]


@pytest.mark.anyio
async def test_upsert_replaces_radio_answers_and_adds_checkbox_answers() -> None:
    sandbox = build_sandbox()
    await _upsert(
        sandbox,
        {
            "id": 2,
            "status": [{"id": 12, "value": "opposed"}],
            "consents": [{"id": 10, "value": "consent_email"}],
        },
    )
    await _upsert(
        sandbox,
        {
            "id": 2,
            "status": [{"id": 12, "value": "strong_support"}],
            "consents": [{"id": 10, "value": "consent_sms"}],
        },
    )
    refs = sorted(a["form_ref_id"] for a in _contacts(sandbox)[2]["formdatas"])
    assert refs == [100, 101, 120]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "answers",
    [
        {"consents": [{"id": 999, "value": "consent_email"}]},
        {"consents": [{"id": 12, "value": "opposed"}]},
        {"consents": [{"label": "No such consent", "value": "consent_email"}]},
        {"consents": [{"id": 10, "value": "consent_fax"}]},
        {"forms": [{"label": "Comments", "value": "ambiguous"}]},
    ],
    ids=["unknown-id", "form-of-another-family", "unknown-label", "unknown-value", "label-not-unique"],
)
async def test_an_unknown_form_or_value_drops_the_whole_record_silently(answers: dict) -> None:
    sandbox = build_sandbox()
    before = {cid: dict(c) for cid, c in _contacts(sandbox).items()}
    await _upsert(sandbox, {"id": 1, "phone": "111", "status": [{"id": 12, "value": "opposed"}], **answers})
    await _upsert(sandbox, {"surname": "Brand-new", "status": [{"id": 12, "value": "opposed"}], **answers})
    assert _contacts(sandbox) == before


@pytest.mark.anyio
@pytest.mark.parametrize("spelling", ["name_presences", "presence_status"], ids=["reference", "docs"])
async def test_presence_answers_are_written_under_either_spelling(spelling: str) -> None:
    sandbox = build_sandbox()
    await _upsert(sandbox, {"id": 2, spelling: [{"label": "Presence", "value": "present"}]})
    assert [(a["form_id"], a["form_ref_id"]) for a in _contacts(sandbox)[2]["formdatas"]] == [(18, 180)]


@pytest.mark.anyio
async def test_an_unknown_presence_form_under_presence_status_drops_the_record() -> None:
    # Treated like name_presences: an unknown form id drops the whole record, silently.
    sandbox = build_sandbox()
    await _upsert(sandbox, {"id": 2, "phone": "0777", "presence_status": [{"id": 999, "value": "present"}]})
    assert _contacts(sandbox)[2]["phone"] == ""


@pytest.mark.anyio
async def test_upsert_tags_may_be_plain_strings() -> None:
    sandbox = build_sandbox()
    await _upsert(sandbox, {"id": 2, "tags": ["vip", {"name": "donor"}]})
    assert [t["name"] for t in _contacts(sandbox)[2]["tags"]] == ["vip", "donor"]
