"""The documented write rules, through the client against the sandbox: upsert, full replaces,
the additive bundle PATCH and the 422s."""

from __future__ import annotations

import time
from typing import Any

import pytest

from qomon_mcp.qomon import errors
from qomon_mcp.sandbox.app import Sandbox
from tests.qomon.sandbox_client import connect, fresh_key, small_sandbox

Record = dict[str, Any]

# The hand-built space: 1 Jane Doe (jane@example.com, born 1980-05-01, 1 Rue de la Paix 75001 Paris),
# 2 John Smith (john@example.com, Rue A 69001 Lyon, NationBuilder id nb-77), 3 Ann Smith (ann@example.com).
UPDATES: list[tuple[Record, int]] = [
    ({"id": 2, "phone": "111"}, 2),
    ({"id": "nb-77", "phone": "111"}, 2),
    ({"nationbuilderid": "nb-77", "phone": "111"}, 2),
    ({"id": 424242, "mail": "john@example.com", "phone": "111"}, 2),
    ({"mail": "JANE@example.com", "phone": "111"}, 1),
    ({"mail": "jane@example.com", "firstname": "Jane", "surname": "Doe", "phone": "111"}, 1),
    ({"mail": "jane@example.com", "firstname": "", "phone": "111"}, 1),
    ({"surname": "Smith", "firstname": "Ann", "phone": "111"}, 3),
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
            "birthdate": "1980-05-01",
            "address": {"postalcode": "75001"},
            "phone": "111",
        },
        1,
    ),
    ({"surname": "Smith", "firstname": "John", "address": {"city": "Lyon", "street": "Rue A"}, "phone": "111"}, 2),
    ({"surname": "Doe", "firstname": "Jane", "phone": "111"}, 1),
]
UPDATE_IDS = [
    "qomon-id",
    "nationbuilder-id-as-id",
    "nationbuilderid-field",
    "unknown-id-falls-through-to-mail",
    "mail-case-insensitive",
    "mail-narrowed-by-matching-names",
    "mail-empty-name-not-a-filter",
    "surname-and-firstname",
    "birthdate-equal-and-same-city",
    "birthdate-equal-and-same-postcode-street-not-needed",
    "no-birthdate-city-and-street",
    "names-only-nothing-to-compare",
]

CREATES: list[Record] = [
    {"id": 424242, "surname": "Nobody", "phone": "111"},
    {"mail": "jane@example.com", "firstname": "Janet", "phone": "111"},
    {"surname": "Doe", "firstname": "Janet", "phone": "111"},
    {"surname": "Doe", "firstname": "Jane", "birthdate": "1979-01-01", "phone": "111"},
    {
        "surname": "Doe",
        "firstname": "Jane",
        "birthdate": "1980-05-01",
        "address": {"city": "Lille", "postalcode": "59000"},
        "phone": "111",
    },
    {"surname": "Smith", "firstname": "John", "address": {"city": "Lyon", "street": "Rue B"}, "phone": "111"},
    {"firstname": "Jane", "phone": "111"},
]
CREATE_IDS = [
    "unknown-id-is-not-used-as-the-new-id",
    "mail-match-rejected-by-firstname",
    "surname-with-another-firstname",
    "birthdates-differ",
    "neither-city-nor-postcode",
    "street-differs-without-birthdate",
    "no-id-mail-or-surname",
]


def _contacts(sandbox: Sandbox, key: str) -> dict[int, Record]:
    return sandbox.space_for(key).contacts


@pytest.mark.anyio
@pytest.mark.parametrize(("record", "expected_id"), UPDATES, ids=UPDATE_IDS)
async def test_upsert_updates_the_contact_the_matching_order_finds(record: Record, expected_id: int) -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    before = set(_contacts(sandbox, key))
    async with connect(sandbox, key) as client:
        assert await client.upsert_contact(record) is None
    await sandbox.drain()
    assert set(_contacts(sandbox, key)) == before
    assert {cid for cid, c in _contacts(sandbox, key).items() if c["phone"] == "111"} == {expected_id}


@pytest.mark.anyio
@pytest.mark.parametrize("record", CREATES, ids=CREATE_IDS)
async def test_upsert_creates_a_contact_when_nothing_matches(record: Record) -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    before = {cid: dict(c) for cid, c in _contacts(sandbox, key).items()}
    async with connect(sandbox, key) as client:
        await client.upsert_contact(record)
        await sandbox.drain()
        [new_id] = set(_contacts(sandbox, key)) - set(before)
        created = await client.get_contact(new_id)
    assert new_id != 424242
    assert created.phone == "111"
    assert all(_contacts(sandbox, key)[cid] == contact for cid, contact in before.items())


@pytest.mark.anyio
async def test_upsert_is_applied_only_after_the_delay() -> None:
    key = fresh_key()
    sandbox = small_sandbox(key, upsert_delay=0.3)
    async with connect(sandbox, key) as client:
        sent_at = time.monotonic()
        await client.upsert_contact({"id": 1, "phone": "0999"})
        assert (await client.get_contact(1)).phone == "0102030405"
        await sandbox.drain()
        assert time.monotonic() - sent_at >= 0.29
        assert (await client.get_contact(1)).phone == "0999"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "answers",
    [
        {"consents": [{"label": "No such form", "value": "consent_email"}]},
        {"consents": [{"label": "General communication", "value": "consent_fax"}]},
        {"consents": [{"id": 999, "value": "consent_email"}]},
        {"forms": [{"label": "Comments", "value": "two forms carry this label"}]},
    ],
    ids=["unknown-label", "unknown-value", "unknown-form-id", "label-not-unique"],
)
async def test_an_unknown_form_or_value_silently_drops_the_record(answers: Record) -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    before = {cid: dict(c) for cid, c in _contacts(sandbox, key).items()}
    async with connect(sandbox, key) as client:
        await client.upsert_contact({"id": 1, "phone": "111", **answers})
        await client.upsert_contact({"surname": "Brand-new", **answers})
    await sandbox.drain()
    assert _contacts(sandbox, key) == before
    assert [entry.status for entry in sandbox.request_log] == [202, 202]


@pytest.mark.anyio
async def test_upsert_writes_answers_by_unique_label() -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    async with connect(sandbox, key) as client:
        await client.upsert_contact({"id": 3, "consents": [{"label": "General communication", "value": "consent_sms"}]})
        await sandbox.drain()
        contact = await client.get_contact(3)
    assert [(a.form_id, a.form_ref_id) for a in contact.formdatas] == [(10, 101)]


@pytest.mark.anyio
async def test_replace_contact_clears_omitted_fields_and_renews_answer_ids() -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    async with connect(sandbox, key) as client:
        first = await client.replace_contact(
            1,
            {
                "firstname": "Jane",
                "surname": "Doe",
                "mail": "jane@example.com",
                "formdatas": [{"form_id": 10, "form_ref_id": 100, "data": "consent_email"}],
            },
        )
        second = await client.replace_contact(
            1,
            {"firstname": "Jane", "surname": "Doe", "formdatas": [{"form_id": 10, "form_ref_id": 100}]},
        )
        stored = await client.get_contact(1)
    assert first.phone in (None, "") and first.birthdate is None and first.address is None and first.tags == []
    assert second.mail in (None, "")
    assert [(a.form_id, a.form_ref_id) for a in second.formdatas] == [(10, 100)]
    assert second.formdatas[0].id != first.formdatas[0].id
    assert stored.formdatas[0].id == second.formdatas[0].id


@pytest.mark.anyio
async def test_replace_team_is_a_full_replace() -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    async with connect(sandbox, key) as client:
        await client.replace_team(
            {"id": 600, "name": "Canvassers", "description": "Door to door", "private": True, "users": [{"id": 500}]}
        )
        replaced = await client.replace_team({"id": 600, "name": "Canvassers 2026"})
        stored = await client.get_team(600)
    assert replaced.name == stored.name == "Canvassers 2026"
    assert stored.description in (None, "") and stored.private is False
    assert stored.users == [] and stored.leaders == [] and stored.address is None


TRANSACTION = {
    "contact_id": 1,
    "amount": 2000,
    "currency": "eur",
    "payment_method_kind": "CB",
    "date": "2026-03-29T12:59:52+02:00",
}
MEMBERSHIP = {
    "contact_id": 1,
    "membership_price_id": 10,
    "start_date": "2026-01-01T00:00:00Z",
    "end_date": "2026-12-31T00:00:00Z",
    "amount": 2000,
    "amount_initial": 2000,
    "currency": "eur",
}


@pytest.mark.anyio
async def test_update_bundle_is_additive() -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    async with connect(sandbox, key) as client:
        bundle = await client.create_bundle([TRANSACTION], memberships=[MEMBERSHIP])
        [tx], [membership] = bundle.transactions, bundle.memberships
        donation = {"contact_id": 2, "donation_price_id": 20, "amount": 500, "currency": "eur"}
        donation["date"] = TRANSACTION["date"]
        added = await client.update_bundle(bundle.id, donations=[donation])
        refund = {**TRANSACTION, "id": tx.id, "status_id": 2, "reimbursed_amount": 1000}
        updated = await client.update_bundle(bundle.id, transactions=[refund])
        history = await client.get_bundle_history(bundle.id)
    assert [m.id for m in added.memberships] == [membership.id]
    assert [t.id for t in added.transactions] == [tx.id]
    assert [(d.contact_id, d.amount) for d in added.donations] == [(2, 500)]
    assert [(t.id, t.status_id, t.reimbursed_amount) for t in updated.transactions] == [(tx.id, 2, 1000)]
    assert len(updated.memberships) == len(updated.donations) == 1
    assert len(history) >= 4  # the three items created, then the donation added and the transaction changed


async def _fail(call: Any) -> errors.InvalidInput:
    with pytest.raises(errors.InvalidInput) as caught:
        await call
    return caught.value


ROOT_CONDITION = {"$all": [{"$condition": {"attr": "address.city", "ope": "eql", "value": "Paris"}}]}
ANY = {"$all": []}

INVALID: list[tuple[Any, str, str]] = [
    (lambda c: c.search_contacts(ROOT_CONDITION), "query", "root"),
    (lambda c: c.search_contacts(ANY, per_page=1001), "query", "per_page"),
    (lambda c: c.create_bundle([{**TRANSACTION, "date": "2025-02-31T10:00:00Z"}]), "transactions[0].date", "date"),
    (
        lambda c: c.create_bundle([{**TRANSACTION, "external_transaction_id": "1001"}]),
        "transactions[0].external_transaction_id",
        "integer",
    ),
    (lambda c: c.update_user(501, {"firstname": "Robert"}), "mail", "required"),
    (
        lambda c: c.create_bundle([TRANSACTION], memberships=[{**MEMBERSHIP, "membership_price_id": 99}]),
        "memberships[0].membership_price_id",
        "unknown",
    ),
    (
        lambda c: c.create_bundle(
            [TRANSACTION],
            donations=[
                {"contact_id": 1, "donation_price_id": 99, "date": TRANSACTION["date"], "amount": 5, "currency": "eur"}
            ],
        ),
        "donations[0].donation_price_id",
        "unknown",
    ),
]
INVALID_IDS = [
    "search-condition-under-root",
    "search-per-page-1001",
    "bundle-date-2025-02-31",
    "bundle-string-external-transaction-id",
    "users-patch-without-mail",
    "bundle-unknown-membership-price",
    "bundle-unknown-donation-price",
]


@pytest.mark.anyio
@pytest.mark.parametrize(("call", "field", "mention"), INVALID, ids=INVALID_IDS)
async def test_each_422_is_invalid_input_naming_the_problem(call: Any, field: str, mention: str) -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    async with connect(sandbox, key) as client:
        error = await _fail(call(client))
        bundles = await client.list_bundles()
    # The users API answers its validation failures with 400, the others with 422.
    assert error.status == (400 if field == "mail" else 422)
    assert mention in error.problems[field]
    assert bundles.total == 0, "a refused bundle must not be recorded"
