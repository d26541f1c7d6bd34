"""The contact record: its writable fields, their checks, and the blank contact.

POST and PATCH /contacts take the read shape back (so that a client can GET,
edit and PATCH), with answers written as `formdatas` and custom-field answers
as `customfields` (the reference's spelling) or `custom_fields` (the docs'):
both are read, alike (shapes file, "Types and rules"). Read-only fields (`id`,
`CreatedAt`, ...) and keys Qomon does not know are ignored, not refused (same
section); `user_id` is writable and tags may be plain strings or {name}.
"""

from __future__ import annotations

from typing import Any

from qomon_mcp.sandbox.rules.validation import check_bool, check_date, check_int, check_str, check_unknown_keys
from qomon_mcp.sandbox.space import Space
from qomon_mcp.sandbox.web import fail

__all__ = [
    "ADDRESS_EXTRA_FIELDS",
    "ADDRESS_FIELDS",
    "READ_ONLY_FIELDS",
    "TEXT_FIELDS",
    "WRITABLE_FIELDS",
    "blank_contact",
    "check_address",
    "check_scalar",
    "check_tags",
    "make_tags",
]

Record = dict[str, Any]

TEXT_FIELDS = (
    "firstname",
    "surname",
    "married_name",
    "birthdept",
    "birthcity",
    "birthcountry",
    "nationality",
    "mail",
    "phone",
    "mobile",
)
SCALAR_FIELDS = (*TEXT_FIELDS, "gender", "birthdate", "age_category", "black_list")
WRITABLE_FIELDS = frozenset(
    {
        *SCALAR_FIELDS,
        "address",
        "tags",
        "notes",
        "actions_ids",
        "user_contact_id",
        "formdatas",
        "custom_fields",
        "customfields",
        "user_id",
    }
)
READ_ONLY_FIELDS = frozenset({"id", "group_id", "CreatedAt", "UpdatedAt", "lastchange", "interactions"})
ADDRESS_FIELDS = (
    "id",
    "housenumber",
    "street",
    "postalcode",
    "citycode",
    "city",
    "state",
    "country",
    "addition",
    "infos",
    "building",
    "floor",
    "door",
    "pollingstation",
    "score",
    "latitude",
    "longitude",
    "location",
    "invalid",
)
_ADDRESS_NUMBERS = frozenset({"score", "latitude", "longitude"})
# Address parts the reference can search on (shapes file, "Types and rules") but the read shape
# does not list: kept when a write sends them, absent otherwise.
ADDRESS_EXTRA_FIELDS = ("county", "building_type")


def blank_contact(space: Space, contact_id: int, created_at: str, now: str) -> Record:
    """A contact with every field at its zero value: what a full replace starts from."""
    return {
        "id": contact_id,
        "group_id": space.group_id,
        "CreatedAt": created_at,
        "UpdatedAt": now,
        "lastchange": now,
        **dict.fromkeys(TEXT_FIELDS, ""),
        "gender": "",
        "birthdate": None,
        "age_category": None,
        "address": None,
        "tags": [],
        "actions_ids": [],
        "user_id": None,
        "user_contact_id": None,
        "black_list": False,
        "notes": [],
        "formdatas": [],
        "customfields": [],
    }


def check_scalar(field: str, value: Any) -> Any:
    """The clean value of one scalar contact field, or a 422.

    Types from the shapes file's Contact: gender M|F|O, birthdate a date-time, age_category
    an int (0-6 per the docs' age_cat), black_list a bool, the rest strings.
    """
    if field in TEXT_FIELDS:
        return check_str(field, value)
    if field == "gender":
        if value not in (None, "", "M", "F", "O"):
            raise fail(422, gender="must be M, F or O")
        return value or ""
    if field == "birthdate":
        return None if value in (None, "") else check_date(field, value)
    if field == "age_category":
        if value is None:
            return None
        category = check_int(field, value, minimum=0)
        if category > 6:
            raise fail(422, age_category="must be between 0 and 6")
        return category
    if field == "black_list":
        return check_bool(field, value)
    raise AssertionError(field)


def check_address(value: Any, existing: Record | None, space: Space, *, ignore_unknown: bool = False) -> Record | None:
    """An address merged over `existing` (None: a fresh one); every read field is present.

    `ignore_unknown` drops keys an address does not have instead of refusing them: contact
    writes do (shapes file, "Types and rules": extra keys are not refused).
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise fail(422, address="must be an object")
    known = frozenset(ADDRESS_FIELDS + ADDRESS_EXTRA_FIELDS)
    if ignore_unknown:
        value = {k: v for k, v in value.items() if k in known}
    check_unknown_keys("address", value, known)
    address: Record = dict(existing) if existing else dict.fromkeys(ADDRESS_FIELDS, "")
    if not existing:
        address.update(id=space.next_id(), score=None, latitude=None, longitude=None, invalid=False)
    for key, item in value.items():
        if key == "id":
            continue
        if key == "invalid":
            address[key] = check_bool("address.invalid", item)
        elif key in _ADDRESS_NUMBERS:
            if item is not None and (isinstance(item, bool) or not isinstance(item, int | float)):
                raise fail(422, **{f"address.{key}": "must be a number"})
            address[key] = item
        else:
            address[key] = check_str(f"address.{key}", item)
    return address


def check_tags(value: Any) -> list[Record]:
    """The tags of a write as [{name, ...}], checked; a 422 for anything else.

    A tag may be a plain string as well as a {name} object (shapes file, "Types and rules";
    the docs' contact overview writes `"tags": ["important", "vip"]`).
    """
    if not isinstance(value, list):
        raise fail(422, tags='must be a list of tag names or {"name": "..."} objects')
    tags: list[Record] = []
    for index, tag in enumerate(value):
        if isinstance(tag, str):
            tag = {"name": tag}
        if not isinstance(tag, dict) or not isinstance(tag.get("name"), str) or not tag["name"].strip():
            raise fail(422, **{f"tags[{index}]": 'must be a tag name or an object {"name": "..."}'})
        check_unknown_keys(f"tags[{index}]", tag, frozenset({"name", "color", "appearance_count"}))
        tags.append(tag)
    return tags


def make_tags(value: Any, existing: list[Record], space: Space) -> list[Record]:
    """`existing` plus the tags named in `value` ([{name}]), each name once."""
    tags = list(existing)
    names = {t["name"].casefold() for t in tags}
    for tag in check_tags(value):
        name = tag["name"].strip()
        if name.casefold() in names:
            continue
        names.add(name.casefold())
        tags.append({"name": name, "color": tag.get("color") or _known_color(space, name), "appearance_count": 1})
    return tags


def _known_color(space: Space, name: str) -> str:
    # A tag keeps the colour it already has elsewhere in the space.
    for contact in space.contacts.values():
        for tag in contact.get("tags") or []:
            if tag.get("name", "").casefold() == name.casefold() and tag.get("color"):
                return str(tag["color"])
    return "#9E9E9E"
