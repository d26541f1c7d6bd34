"""The contact view: nothing of the person is dropped, only the API's bookkeeping."""

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from mcp import Client

from qomon_mcp.qomon.models import Contact, Form
from qomon_mcp.sandbox.space import Space
from qomon_mcp.server.shaping import compact
from qomon_mcp.toolsets.helpers.contact_view import contact_view
from qomon_mcp.toolsets.helpers.forms_directory import FormsDirectory
from tests.calls import contacts_in, payload

pytestmark = pytest.mark.anyio

# Everything a raw contact may hold; a key outside these lists is a new field the view would drop.
SCALARS = (
    "firstname", "surname", "married_name", "gender", "age_category", "birthdept", "birthcity", "birthcountry",
    "nationality", "mail", "phone", "mobile", "user_id", "user_contact_id",
)  # fmt: skip
HANDLED = {
    *SCALARS, "id", "birthdate", "CreatedAt", "UpdatedAt", "lastchange", "address", "tags", "actions_ids",
    "black_list", "notes", "formdatas", "customfields", "interactions",
}  # fmt: skip
NOISE = {"group_id"}  # the space
ADDRESS_LINE = ("housenumber", "street", "postalcode", "city", "state", "country", "addition", "infos")
ADDRESS_FLAT = ("building", "floor", "door")
# The address's own id, the INSEE code, the geocoding score, and `location` (the coordinates again).
ADDRESS_NOISE = {"id", "citycode", "score", "location"}
ADDRESS_OTHER = {"pollingstation", "latitude", "longitude", "invalid"}
# An answer's own id, its parents' ids and its record dates; `label` is the value's label, shown decoded.
ANSWER_NOISE = {"id", "group_id", "contact_id", "created_at", "updated_at", "type_of_form", "label"}
ANSWER_KEPT = {"form_id", "form_ref_id", "data", "date", "donedate", "deleted_at"}


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).replace(microsecond=0)


def _answer_key(space: Space, form_id: int) -> str:
    label = space.forms[form_id]["label"]
    shared = sum(f["label"].casefold() == label.casefold() for f in space.forms.values()) > 1
    return f"{label} (#{form_id})" if shared else label


def _answer_text(space: Space, answer: dict[str, Any], created: str) -> tuple[str, datetime | None, datetime | None]:
    """(value as shown, date, done date) of a raw answer."""
    form = space.forms[answer["form_id"]]
    if form["type"] in ("radio", "checkbox"):
        value = next(r["label"] for r in form["refvalues"] if r["id"] == answer["form_ref_id"])
    else:
        value = str(answer["data"])
        if form["type"] == "date" and value.endswith("T00:00:00Z"):
            value = value[:10]
    date = _moment(answer["date"])
    return value, None if date == _moment(created) else date, _moment(answer.get("donedate"))


def _parsed(shown: str) -> tuple[str, datetime | None, datetime | None]:
    """An answer as the view writes it, `value (date, done date)`, read back."""
    if not shown.endswith(")") or " (" not in shown:
        return shown, None, None
    value, _, facts = shown[:-1].rpartition(" (")
    date = done = None
    for fact in facts.split(", "):
        if fact.startswith("done "):
            done = _moment(fact[5:])
        else:
            date = _moment(fact)
    return value, date, done


def assert_nothing_dropped(raw: dict[str, Any], view: dict[str, Any], space: Space) -> None:
    assert set(raw) <= HANDLED | NOISE, f"unhandled raw fields: {set(raw) - HANDLED - NOISE}"
    assert view["id"] == raw["id"]
    for name in SCALARS:
        assert view.get(name) == (raw.get(name) if raw.get(name) not in (None, "") else None), name
    assert _moment(view.get("birthdate")) == _moment(raw.get("birthdate"))
    assert _moment(view.get("created_at")) == _moment(raw["CreatedAt"])
    updated = view.get("updated_at", view.get("created_at"))
    assert _moment(updated) == _moment(raw["UpdatedAt"])
    assert _moment(view.get("last_change", updated)) == _moment(raw.get("lastchange") or raw["UpdatedAt"])
    assert view.get("black_list", False) is bool(raw.get("black_list"))
    assert view.get("tags", []) == [t["name"] for t in raw.get("tags") or [] if t.get("name")]
    assert view.get("action_ids", []) == (raw.get("actions_ids") or [])
    notes = [{k: v for k, v in n.items() if k != "id"} for n in raw.get("notes") or []]
    shown_notes = [{**n, "created_at": _moment(n["created_at"])} for n in view.get("notes", [])]
    assert shown_notes == [{**n, "created_at": _moment(n["created_at"])} for n in notes]

    address = {k: v for k, v in (raw.get("address") or {}).items() if v not in (None, "")}
    assert set(address) <= set(ADDRESS_LINE) | set(ADDRESS_FLAT) | ADDRESS_NOISE | ADDRESS_OTHER, address
    line = view.get("address", "")
    for part in ADDRESS_LINE:
        assert str(address.get(part, "")) in line, part
    for part in ADDRESS_FLAT:
        if part in address:
            assert f"{part} {address[part]}" in line
    assert view.get("polling_station") == address.get("pollingstation")
    if "latitude" in address:
        assert view["coordinates"] == f"{address['latitude']},{address['longitude']}"
    assert view.get("address_invalid", False) is bool(address.get("invalid"))

    for family, shown in (("formdatas", "answers"), ("customfields", "custom_fields")):
        answers = [a for a in raw.get(family) or [] if not a.get("deleted_at")]
        assert all(set(a) <= ANSWER_NOISE | ANSWER_KEPT for a in answers)
        expected = Counter(
            (_answer_key(space, a["form_id"]), _answer_text(space, a, raw["CreatedAt"])) for a in answers
        )
        got: Counter[tuple[str, tuple[str, datetime | None, datetime | None]]] = Counter()
        for key, values in view.get(shown, {}).items():
            got.update((key, _parsed(v)) for v in (values if isinstance(values, list) else [values]))
        assert got == expected, (family, raw["id"])


async def test_the_default_view_drops_no_field_of_the_person(mcp: Client, space: Space) -> None:
    """Every non-empty fact of 300 raw contacts is in search_contacts' default result, decoded."""
    seen = 0
    for page in range(6):
        data = payload(await mcp.call_tool("search_contacts", {"page": page, "per_page": 50}))
        assert "notice" not in data
        for view in contacts_in(data):
            assert_nothing_dropped(space.contacts[view["id"]], view, space)
            seen += 1
    assert seen == 300


async def test_the_search_table_holds_exactly_each_contacts_view(mcp: Client, space: Space) -> None:
    """The table read back into objects equals each contact's own view: the columnar form drops nothing."""
    directory = _directory(space)
    rows = []
    for page in range(6):
        rows += contacts_in(payload(await mcp.call_tool("search_contacts", {"page": page, "per_page": 50})))
    assert len(rows) == 300
    for row in rows:
        assert row == compact(contact_view(Contact.model_validate(space.contacts[row["id"]]), directory))
    # get_contact, the view's other consumer, agrees on a sample.
    for row in rows[::30]:
        view = payload(await mcp.call_tool("get_contact", {"contact_id": row["id"]}))
        assert row == {key: value for key, value in view.items() if key != "untrusted"}


async def test_get_contact_shows_the_rare_fields(mcp: Client, space: Space) -> None:
    """Blocked contacts, invalid addresses, notes and done tasks are few: each is checked on get_contact."""
    picks = [
        next(c for c in space.contacts.values() if c["black_list"]),
        next(c for c in space.contacts.values() if (c["address"] or {}).get("invalid")),
        next(c for c in space.contacts.values() if c["notes"]),
        next(c for c in space.contacts.values() if any(a.get("donedate") for a in c["formdatas"])),
        next(c for c in space.contacts.values() if c["customfields"]),
    ]
    for contact in picks:
        result = await mcp.call_tool("get_contact", {"contact_id": contact["id"]})
        assert_nothing_dropped(contact, json.loads(result.content[0].text), space)


def _directory(space: Space) -> FormsDirectory:
    by_type: dict[str, list[Form]] = {}
    for form_id, form in space.forms.items():
        by_type.setdefault(space.form_types[form_id], []).append(Form.model_validate(form))
    return FormsDirectory.from_forms(by_type)


def test_bookkeeping_is_left_out_and_rare_parts_are_kept(space: Space) -> None:
    raw = {
        "id": 7, "group_id": 3101, "CreatedAt": "2024-03-01T10:00:00.123456Z", "UpdatedAt": "2024-03-02T08:00:00Z",
        "lastchange": "2024-03-05T09:30:00Z", "surname": "Roy", "birthdate": "1990-01-02T00:00:00Z",
        "address": {"id": 9, "street": "Rue Haute", "state": "Île-de-France", "infos": "code 1234B",
                    "citycode": "75101", "score": 0.5, "location": {"type": "Point"}, "invalid": False},
        "tags": [{"name": "donor", "color": "#ff0000", "appearance_count": 4}],
        "formdatas": [
            {"id": 1, "form_id": 4532, "form_ref_id": 7493, "data": "undecided", "date": "2024-03-01T10:00:00Z",
             "group_id": 3101, "contact_id": 7, "created_at": "2024-03-01T10:00:00Z"},
            {"id": 2, "form_id": 4539, "form_ref_id": 7511, "data": "Call after 6pm", "date": "2024-03-04T18:00:00Z"},
            {"id": 3, "form_id": 4530, "form_ref_id": 7486, "data": "consent_email", "date": "2024-03-04T18:00:00Z",
             "deleted_at": "2024-03-05T00:00:00Z"},
        ],
    }  # fmt: skip
    view = compact(contact_view(Contact.model_validate(raw), _directory(space)))
    assert view == {
        "id": 7, "surname": "Roy", "birthdate": "1990-01-02",
        "address": "Rue Haute, code 1234B, Île-de-France",
        "tags": ["donor"],
        "answers": {"Level of support": "Undecided", "Comments (#4539)": "Call after 6pm (2024-03-04T18:00:00Z)"},
        "created_at": "2024-03-01T10:00:00Z", "updated_at": "2024-03-02T08:00:00Z",
        "last_change": "2024-03-05T09:30:00Z",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("field", "raw_parts", "keys"),
    [
        ("address", ("address.pollingstation", "address.latitude"), {"address", "polling_station", "coordinates"}),
        (
            "birthplace",
            ("birthcity", "birthdept", "birthcountry", "nationality"),
            {"birthcity", "birthdept", "birthcountry", "nationality"},
        ),
        ("users", ("user_id", "user_contact_id"), {"user_id", "user_contact_id"}),
        ("notes", ("notes",), {"notes"}),
    ],
    ids=["address", "birthplace", "users", "notes"],
)
async def test_each_field_choice_brings_its_parts(
    mcp: Client, space: Space, field: str, raw_parts: tuple[str, ...], keys: set[str]
) -> None:
    def has(contact: dict[str, Any], part: str) -> bool:
        parent, _, child = part.rpartition(".")
        return bool((contact.get(parent) or {}).get(child) if parent else contact.get(child))

    contact = next(c for c in space.contacts.values() if all(has(c, part) for part in raw_parts))
    result = await mcp.call_tool("get_contact", {"contact_id": contact["id"], "fields": [field]})
    assert set(json.loads(result.content[0].text)) - {"untrusted"} == {"id", *keys}
