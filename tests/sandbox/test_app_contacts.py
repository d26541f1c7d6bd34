"""POST, GET, PATCH (full replace) and DELETE /contacts."""

from __future__ import annotations

import pytest

from tests.sandbox.app_support import KEY, build_sandbox, client

CONSENT_EMAIL = {"form_id": 10, "form_ref_id": 100, "data": "consent_email"}


@pytest.mark.anyio
async def test_create_assigns_id_dates_group_and_read_shape_answers() -> None:
    sandbox = build_sandbox()
    payload = {
        "firstname": "Zoe",
        "surname": "Martin",
        "mail": "zoe@example.com",
        "address": {"city": "Nantes", "postalcode": "44000"},
        "tags": [{"name": "donor"}],
        "formdatas": [CONSENT_EMAIL],
        "custom_fields": [{"form_id": 16, "form_ref_id": 160, "data": "pizza", "date": "2024-07-17T11:34:42.195Z"}],
    }
    async with client(sandbox) as http:
        response = await http.post("/contacts", json={"data": {"contact": payload}})
    contact = response.json()["data"]["contact"]
    assert response.status_code == 200
    assert contact["group_id"] == 42
    assert contact["CreatedAt"] == contact["UpdatedAt"] == contact["lastchange"]
    assert contact["address"]["city"] == "Nantes" and contact["address"]["street"] == ""
    assert contact["tags"][0]["name"] == "donor"
    [answer] = contact["formdatas"]
    assert (answer["form_id"], answer["form_ref_id"], answer["label"], answer["type_of_form"]) == (
        10,
        100,
        "Email",
        "checkbox",
    )
    assert answer["contact_id"] == contact["id"]
    assert contact["customfields"][0]["data"] == "pizza"
    assert sandbox.space_for(KEY).contacts[contact["id"]] == contact


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({"formdatas": [{"form_id": 999, "form_ref_id": 100}]}, "formdatas[0].form_id"),
        ({"formdatas": [{"form_id": 10, "form_ref_id": 110}]}, "formdatas[0].form_ref_id"),
        ({"formdatas": [{"form_id": 15, "form_ref_id": 150}]}, "formdatas[0].form_id"),
        ({"custom_fields": [{"form_id": 10, "form_ref_id": 100}]}, "custom_fields[0].form_id"),
    ],
    ids=["unknown-form", "ref-of-another-form", "custom-field-in-formdatas", "form-in-custom-fields"],
)
async def test_answers_must_name_existing_forms_and_values(answers: dict, problem: str) -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        response = await http.post("/contacts", json={"data": {"contact": {"surname": "X", **answers}}})
    assert response.status_code == 422
    assert problem in response.json()["data"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [{"contact": {}}, {"data": {}}, {"data": {"contact": "x"}}],
    ids=["no-data", "no-contact", "not-an-object"],
)
async def test_create_requires_the_envelope(body: dict) -> None:
    async with client(build_sandbox()) as http:
        response = await http.post("/contacts", json=body)
    assert response.status_code == 422
    assert response.json()["status"] == "fail"


@pytest.mark.anyio
async def test_get_unknown_contact_is_404_record_not_found() -> None:
    async with client(build_sandbox()) as http:
        response = await http.get("/contacts/424242")
    assert response.status_code == 404
    assert response.json() == {"status": "error", "message": "record not found"}


@pytest.mark.anyio
async def test_non_numeric_contact_id_is_400() -> None:
    async with client(build_sandbox()) as http:
        response = await http.get("/contacts/abc")
    assert response.status_code == 400


@pytest.mark.anyio
async def test_patch_is_a_full_replace_that_clears_omitted_fields() -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        response = await http.patch("/contacts/1", json={"data": {"contact": {"firstname": "Janet", "surname": "Doe"}}})
    contact = response.json()["data"]["contact"]
    assert response.status_code == 200
    assert contact["firstname"] == "Janet"
    assert contact["mail"] == "" and contact["phone"] == ""
    assert contact["birthdate"] is None and contact["address"] is None and contact["tags"] == []
    assert contact["CreatedAt"] == "2024-01-01T10:00:00Z"
    assert contact["UpdatedAt"] != "2024-01-01T10:00:00Z"


@pytest.mark.anyio
async def test_patch_recreates_answers_with_new_ids() -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        first = await http.patch(
            "/contacts/2", json={"data": {"contact": {"surname": "Smith", "formdatas": [CONSENT_EMAIL]}}}
        )
        second = await http.patch(
            "/contacts/2", json={"data": {"contact": {"surname": "Smith", "formdatas": [CONSENT_EMAIL]}}}
        )
    [before] = first.json()["data"]["contact"]["formdatas"]
    [after] = second.json()["data"]["contact"]["formdatas"]
    assert (before["form_id"], before["form_ref_id"]) == (after["form_id"], after["form_ref_id"])
    assert before["id"] != after["id"]


@pytest.mark.anyio
async def test_patch_keeps_one_answer_per_radio_form() -> None:
    answers = [
        {"form_id": 11, "form_ref_id": 110},
        {"form_id": 11, "form_ref_id": 111},
        CONSENT_EMAIL,
        {"form_id": 10, "form_ref_id": 101},
    ]
    async with client(build_sandbox()) as http:
        response = await http.patch(
            "/contacts/2", json={"data": {"contact": {"surname": "Smith", "formdatas": answers}}}
        )
    refs = sorted(a["form_ref_id"] for a in response.json()["data"]["contact"]["formdatas"])
    assert refs == [100, 101, 111]


@pytest.mark.anyio
async def test_patch_accepts_the_read_shape_back() -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        contact = (await http.get("/contacts/1")).json()["data"]["contact"]
        response = await http.patch("/contacts/1", json={"data": {"contact": contact}})
    assert response.status_code == 200
    assert response.json()["data"]["contact"]["mail"] == "jane@example.com"


@pytest.mark.anyio
async def test_patch_unknown_contact_is_404() -> None:
    async with client(build_sandbox()) as http:
        response = await http.patch("/contacts/999", json={"data": {"contact": {"surname": "X"}}})
    assert response.status_code == 404


@pytest.mark.anyio
async def test_delete_answers_204_then_404() -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        first = await http.delete("/contacts/2")
        second = await http.delete("/contacts/2")
    assert (first.status_code, first.content) == (204, b"")
    assert second.status_code == 404
    assert 2 not in sandbox.space_for(KEY).contacts


@pytest.mark.anyio
@pytest.mark.parametrize("spelling", ["customfields", "custom_fields"], ids=["reference", "docs"])
async def test_custom_fields_are_written_under_either_spelling(spelling: str) -> None:
    answer = {"form_id": 16, "form_ref_id": 160, "data": "pizza"}
    async with client(build_sandbox()) as http:
        created = await http.post("/contacts", json={"data": {"contact": {"surname": "X", spelling: [answer]}}})
        contact_id = created.json()["data"]["contact"]["id"]
        replaced = await http.patch(
            f"/contacts/{contact_id}", json={"data": {"contact": {"surname": "X", spelling: [answer]}}}
        )
    for response in (created, replaced):
        assert response.status_code == 200
        [stored] = response.json()["data"]["contact"]["customfields"]
        assert (stored["form_id"], stored["form_ref_id"], stored["data"]) == (16, 160, "pizza")


@pytest.mark.anyio
async def test_both_spellings_in_one_write_are_both_kept() -> None:
    contact = {
        "surname": "X",
        "customfields": [{"form_id": 15, "form_ref_id": 151}],
        "custom_fields": [{"form_id": 16, "form_ref_id": 160, "data": "soup"}],
    }
    async with client(build_sandbox()) as http:
        response = await http.post("/contacts", json={"data": {"contact": contact}})
    answers = response.json()["data"]["contact"]["customfields"]
    assert sorted((a["form_id"], a["data"]) for a in answers) == [(15, "family"), (16, "soup")]


@pytest.mark.anyio
async def test_patching_the_read_shape_back_keeps_the_custom_fields() -> None:
    async with client(build_sandbox()) as http:
        await http.patch(
            "/contacts/1",
            json={"data": {"contact": {"surname": "Doe", "custom_fields": [{"form_id": 15, "form_ref_id": 150}]}}},
        )
        contact = (await http.get("/contacts/1")).json()["data"]["contact"]
        response = await http.patch("/contacts/1", json={"data": {"contact": contact}})
    [kept] = response.json()["data"]["contact"]["customfields"]
    assert (kept["form_id"], kept["form_ref_id"], kept["data"]) == (15, 150, "individual")


@pytest.mark.anyio
async def test_unknown_keys_in_a_contact_write_are_ignored_not_refused() -> None:
    contact = {
        "surname": "X",
        "shoe_size": 42,
        "address": {"city": "Nantes", "planet": "Earth"},
        "formdatas": [{**CONSENT_EMAIL, "colour": "blue"}],
    }
    async with client(build_sandbox()) as http:
        response = await http.post("/contacts", json={"data": {"contact": contact}})
    stored = response.json()["data"]["contact"]
    assert response.status_code == 200
    assert "shoe_size" not in stored and "planet" not in stored["address"]
    assert stored["address"]["city"] == "Nantes" and stored["formdatas"][0]["form_ref_id"] == 100


@pytest.mark.anyio
async def test_user_id_is_writable() -> None:
    async with client(build_sandbox()) as http:
        response = await http.patch("/contacts/2", json={"data": {"contact": {"surname": "Smith", "user_id": 501}}})
    assert response.json()["data"]["contact"]["user_id"] == 501


@pytest.mark.anyio
async def test_tags_may_be_plain_strings_or_name_objects() -> None:
    contact = {"surname": "X", "tags": ["vip", {"name": "donor"}, "VIP"]}
    async with client(build_sandbox()) as http:
        response = await http.post("/contacts", json={"data": {"contact": contact}})
    assert [t["name"] for t in response.json()["data"]["contact"]["tags"]] == ["vip", "donor"]


@pytest.mark.anyio
async def test_patch_adds_text_answers_to_the_existing_ones() -> None:
    def patch_body(comment: str, food: str) -> dict:
        return {
            "data": {
                "contact": {
                    "surname": "Doe",
                    "formdatas": [{"form_id": 13, "form_ref_id": 130, "data": comment}],
                    "custom_fields": [{"form_id": 16, "form_ref_id": 160, "data": food}],
                }
            }
        }

    async with client(build_sandbox()) as http:
        await http.patch("/contacts/1", json=patch_body("first call", "pizza"))
        response = await http.patch("/contacts/1", json=patch_body("second call", "soup"))
        cleared = await http.patch("/contacts/1", json={"data": {"contact": {"surname": "Doe"}}})
    contact = response.json()["data"]["contact"]
    assert [a["data"] for a in contact["formdatas"]] == ["first call", "second call"]
    assert [a["data"] for a in contact["customfields"]] == ["pizza", "soup"]
    # Only the text forms a PATCH answers again keep their answers; the full replace clears the rest.
    assert cleared.json()["data"]["contact"]["formdatas"] == []
    assert cleared.json()["data"]["contact"]["customfields"] == []
