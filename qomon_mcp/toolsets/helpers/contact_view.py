"""A contact as the model reads it: every fact of the record, none of the API's bookkeeping.

Left out on purpose, because they repeat what the view already says: the space id, each
answer's own id, contact id and created/updated/deleted dates (an answer's `date` is kept),
the address's id, INSEE city code, geocoding score and `location` (the coordinates again),
tag colours and counts, and `lastchange` when it equals `UpdatedAt`. False flags are left
out too: `black_list` and `address_invalid` appear only when true.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, Field

from qomon_mcp.qomon.models import Address, Contact, FormData
from qomon_mcp.qomon.models_base import record
from qomon_mcp.server import privacy
from qomon_mcp.toolsets.helpers.forms_directory import FormsDirectory, shown_time

__all__ = [
    "CONTACT_FIELDS", "AnswerValues", "ContactField", "ContactView", "answer_values", "contact_facts", "contact_view",
    "one_line",
]  # fmt: skip

ContactField = Literal[
    "name",
    "mail",
    "phone",
    "mobile",
    "address",
    "gender",
    "birthdate",
    "birthplace",
    "tags",
    "answers",
    "custom_fields",
    "notes",
    "black_list",
    "actions",
    "users",
    "dates",
]
CONTACT_FIELDS: tuple[ContactField, ...] = get_args(ContactField)

AnswerValues = dict[str, str | list[str]]

_ANSWERS = (
    'Form label -> value label (a list for several), then its date unless it is created_at, e.g. "Leaning '
    '(2024-12-07T07:50:08Z)"; tasks add "done <date>". (#id) marks a label that two forms share. '
    "Writes take these labels, or ids from get_forms."
)


class ContactView(BaseModel):
    id: int | str | None = None
    firstname: str | None = None
    surname: str | None = None
    married_name: str | None = None
    gender: str | None = None
    birthdate: str | None = None
    age_category: int | str | None = None
    birthcity: str | None = None
    birthdept: str | None = None
    birthcountry: str | None = None
    nationality: str | None = None
    mail: str | None = None
    phone: str | None = None
    mobile: str | None = None
    address: str | None = Field(default=None, description="The postal address on one line.")
    polling_station: str | None = None
    coordinates: str | None = Field(default=None, description="latitude,longitude")
    address_invalid: bool | None = Field(default=None, description="True when Qomon flags the address as invalid.")
    tags: list[str] = Field(default_factory=list)
    answers: AnswerValues = Field(default_factory=dict, description=f"Consents, surveys, support, tasks: {_ANSWERS}")
    custom_fields: AnswerValues = Field(default_factory=dict, description="As answers.")
    notes: list[dict[str, Any]] = Field(default_factory=list)
    black_list: bool | None = Field(default=None, description="True when blocked from all communication.")
    action_ids: list[int | str] = Field(default_factory=list)
    user_id: int | str | None = None
    user_contact_id: int | str | None = None
    created_at: str | None = None
    updated_at: str | None = Field(default=None, description="Only when it differs from created_at.")
    last_change: str | None = Field(default=None, description="Only when it differs from updated_at.")
    interactions: list[dict[str, Any]] = Field(default_factory=list)


def one_line(address: Address | None) -> str | None:
    if address is None:
        return None
    if privacy.active():
        # Privacy mode: the town, not the door (street, number, building, floor).
        town = " ".join(p for p in (address.postalcode, address.city) if p)
        return ", ".join(p for p in (town, address.state, address.country) if p) or None
    street = " ".join(p for p in (address.housenumber, address.street) if p)
    town = " ".join(p for p in (address.postalcode, address.city) if p)
    flat = [f"{name} {value}" for name, value in (("building", address.building), ("floor", address.floor),
            ("door", address.door)) if value]  # fmt: skip
    parts = [street, address.addition, address.infos, *flat, town, address.state, address.country]
    return ", ".join(p for p in parts if p) or None


def _coordinates(address: Address | None) -> str | None:
    if address is None or address.latitude in (None, "") or address.longitude in (None, ""):
        return None
    return f"{address.latitude},{address.longitude}"


def _dated(value: str, answer: FormData, created: str | None) -> str:
    when = shown_time(answer.date)
    when = None if when == created else when
    done = shown_time(answer.donedate)
    facts = [f for f in (when, f"done {done}" if done else None) if f]
    return f"{value} ({', '.join(facts)})" if facts else value


def answer_values(answers: list[FormData], forms: FormsDirectory, created: str | None = None) -> AnswerValues:
    """The answers by form: one value, or a list when the form takes several or holds several.

    Most answers are given when the contact is created: that date (`created`) is not repeated."""
    grouped: dict[str, list[str]] = {}
    multiple: set[str] = set()
    for answer in answers:
        if answer.deleted_at:
            continue
        key = forms.answer_key(answer.form_id)
        grouped.setdefault(key, []).append(_dated(forms.answer_value(answer), answer, created))
        form = forms.forms.get(str(answer.form_id))
        if form is not None and (form.type or "").lower() == "checkbox":
            multiple.add(key)
    return {key: values if key in multiple or len(values) > 1 else values[0] for key, values in grouped.items()}


_NOTE_IDS = frozenset({"id", "contact_id", "group_id"})


def _notes(notes: list[Any]) -> list[dict[str, Any]]:
    """Each note without its own id and its parents' ids; its text, date and author kept."""
    kept = []
    for note in notes:
        if isinstance(note, dict):
            note = {k: (shown_time(v) if k.endswith("_at") else v) for k, v in note.items() if k not in _NOTE_IDS}
            kept.append(note)
        elif note not in (None, ""):
            kept.append({"content": note})
    return kept


# What each `fields` choice brings; the id always comes.
_GROUPS: dict[str, tuple[str, ...]] = {
    "name": ("firstname", "surname", "married_name"),
    "mail": ("mail",),
    "phone": ("phone",),
    "mobile": ("mobile",),
    "address": ("address", "polling_station", "coordinates", "address_invalid"),
    "gender": ("gender",),
    "birthdate": ("birthdate", "age_category"),
    "birthplace": ("birthcity", "birthdept", "birthcountry", "nationality"),
    "tags": ("tags",),
    "answers": ("answers",),
    "custom_fields": ("custom_fields",),
    "notes": ("notes",),
    "black_list": ("black_list",),
    "actions": ("action_ids",),
    "users": ("user_id", "user_contact_id"),
    "dates": ("created_at", "updated_at", "last_change"),
}


def contact_view(contact: Contact, forms: FormsDirectory | None, fields: frozenset[str] | None = None) -> ContactView:
    """The contact reduced to `fields` (all when None); the id is always kept as the handle."""
    return ContactView.model_validate(contact_facts(contact, forms, fields))


def contact_facts(
    contact: Contact, forms: FormsDirectory | None, fields: frozenset[str] | None = None
) -> dict[str, Any]:
    """What `contact_view` validates into a ContactView, as a dict of plain values (not yet compacted).

    A search table reads these directly: every value already has its ContactView type (the
    Contact model typed it), so validating and dumping 50 views per page changed nothing but
    the time spent. Interactions are the exception: they stay models until `record` dumps them."""
    address = contact.address
    created = shown_time(contact.created_at)
    updated = shown_time(contact.updated_at)
    last_change = shown_time(contact.lastchange)
    facts: dict[str, Any] = {
        "firstname": contact.firstname, "surname": contact.surname, "married_name": contact.married_name,
        "mail": contact.mail, "phone": contact.phone, "mobile": contact.mobile,
        "address": one_line(address), "polling_station": address.pollingstation if address else None,
        "coordinates": _coordinates(address), "address_invalid": (address.invalid or None) if address else None,
        "gender": contact.gender, "birthdate": shown_time(contact.birthdate), "age_category": contact.age_category,
        "birthcity": contact.birthcity, "birthdept": contact.birthdept, "birthcountry": contact.birthcountry,
        "nationality": contact.nationality,
        "tags": [t.name for t in contact.tags if t.name],
        "notes": _notes(contact.notes),
        "black_list": contact.black_list or None,
        "action_ids": contact.actions_ids,
        "user_id": contact.user_id, "user_contact_id": contact.user_contact_id,
        "created_at": created, "updated_at": updated if updated != created else None,
        "last_change": last_change if last_change != updated else None,
    }  # fmt: skip
    if forms is not None:
        facts["answers"] = answer_values(contact.formdatas, forms, created)
        facts["custom_fields"] = answer_values(contact.customfields, forms, created)
    view: dict[str, Any] = {"id": contact.id}
    if fields is None:
        view |= facts  # every group: the facts hold exactly the groups' keys
    else:
        for group, keys in _GROUPS.items():
            if group in fields:
                view |= {key: facts[key] for key in keys if key in facts}
    if contact.interactions:
        view["interactions"] = [record(i) for i in contact.interactions]
    return view
