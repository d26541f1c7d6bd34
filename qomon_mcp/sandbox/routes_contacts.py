"""POST, GET, PATCH (full replace) and DELETE /contacts."""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from qomon_mcp.sandbox.contact_model import (
    READ_ONLY_FIELDS,
    SCALAR_FIELDS,
    WRITABLE_FIELDS,
    blank_contact,
    check_address,
    check_scalar,
    make_tags,
)
from qomon_mcp.sandbox.formdata import make_formdata, merge_answer
from qomon_mcp.sandbox.space import Space, utc_now_iso
from qomon_mcp.sandbox.validation import check_date, check_int, check_str, check_unknown_keys
from qomon_mcp.sandbox.web import data_object, fail, no_content, not_found, path_id, space_of, success

__all__ = ["HANDLERS", "build_contact"]

Record = dict[str, Any]
# Keys of the read shape a client may send back inside a formdatas item.
_ANSWER_KEYS = frozenset(
    {
        "form_id",
        "form_ref_id",
        "data",
        "date",
        "id",
        "donedate",
        "label",
        "type_of_form",
        "group_id",
        "contact_id",
        "created_at",
        "updated_at",
        "deleted_at",
    }
)


def _answers(space: Space, field: str, items: Any, contact_id: int, now: str) -> list[Record]:
    """Write-shape answers checked against the space's forms, with fresh ids."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise fail(422, **{field: "must be a list of {form_id, form_ref_id, data, date}"})
    answers: list[Record] = []
    for index, item in enumerate(items):
        where = f"{field}[{index}]"
        if not isinstance(item, dict):
            raise fail(422, **{where: "must be an object"})
        check_unknown_keys(where, item, _ANSWER_KEYS)
        form_id = item.get("form_id")
        form = (
            space.forms.get(form_id) if isinstance(form_id, int) and not isinstance(form_id, bool) else None
        )
        if form is None:
            raise fail(422, **{f"{where}.form_id": "unknown form"})
        is_custom = space.form_types.get(form["id"]) == "custom_fields"
        if is_custom != (field == "custom_fields"):
            home = "custom_fields" if is_custom else "formdatas"
            raise fail(422, **{f"{where}.form_id": f"this form's answers go in {home}"})
        ref = next((r for r in form.get("refvalues") or [] if r["id"] == item.get("form_ref_id")), None)
        if ref is None:
            raise fail(422, **{f"{where}.form_ref_id": "not a value of this form"})
        data = check_str(f"{where}.data", item.get("data")) or (
            ref.get("value") if form.get("type") in ("radio", "checkbox") else ""
        )
        date = None if item.get("date") in (None, "") else check_date(f"{where}.date", item["date"])
        answers = merge_answer(answers, make_formdata(space, contact_id, form, ref, data, date, now), form)
    return answers


def build_contact(space: Space, payload: Any, *, contact_id: int, created_at: str, now: str) -> Record:
    """A whole contact from a POST/PATCH payload: what is not sent is blank."""
    if not isinstance(payload, dict):
        raise fail(422, contact='required: the body must be {"data": {"contact": {...}}}')
    check_unknown_keys("contact", payload, WRITABLE_FIELDS | READ_ONLY_FIELDS)
    contact = blank_contact(space, contact_id, created_at, now)
    for field in SCALAR_FIELDS:
        if field in payload:
            contact[field] = check_scalar(field, payload[field])
    contact["address"] = check_address(payload.get("address"), None, space)
    if payload.get("tags") is not None:
        contact["tags"] = make_tags(payload["tags"], [], space)
    if payload.get("notes") is not None:
        if not isinstance(payload["notes"], list):
            raise fail(422, notes="must be a list")
        contact["notes"] = copy.deepcopy(payload["notes"])
    if payload.get("actions_ids") is not None:
        if not isinstance(payload["actions_ids"], list):
            raise fail(422, actions_ids="must be a list of action ids")
        contact["actions_ids"] = [check_int("actions_ids", a) for a in payload["actions_ids"]]
    if payload.get("user_contact_id") is not None:
        contact["user_contact_id"] = check_int("user_contact_id", payload["user_contact_id"])
    contact["formdatas"] = _answers(space, "formdatas", payload.get("formdatas"), contact_id, now)
    contact["customfields"] = _answers(space, "custom_fields", payload.get("custom_fields"), contact_id, now)
    return contact


async def _contact_payload(request: Request) -> Any:
    data = await data_object(request)
    if "contact" not in data:
        raise fail(422, contact='required: the body must be {"data": {"contact": {...}}}')
    return data["contact"]


async def create_contact(request: Request) -> Response:
    space = space_of(request)
    payload = await _contact_payload(request)
    now = utc_now_iso()
    contact = build_contact(space, payload, contact_id=space.next_id(), created_at=now, now=now)
    space.contacts[contact["id"]] = contact
    return success({"contact": contact})


async def get_contact(request: Request) -> Response:
    contact = space_of(request).contacts.get(path_id(request))
    if contact is None:
        raise not_found()
    return success({"contact": contact})


async def replace_contact(request: Request) -> Response:
    space = space_of(request)
    contact_id = path_id(request)
    old = space.contacts.get(contact_id)
    if old is None:
        raise not_found()
    payload = await _contact_payload(request)
    # PATCH behaves like PUT: the old answers are soft-deleted and the sent ones recreated with new ids.
    contact = build_contact(
        space, payload, contact_id=contact_id, created_at=old["CreatedAt"], now=utc_now_iso()
    )
    space.contacts[contact_id] = contact
    return success({"contact": contact})


async def delete_contact(request: Request) -> Response:
    space = space_of(request)
    contact_id = path_id(request)
    if space.contacts.pop(contact_id, None) is None:
        raise not_found()
    for nb_id in [k for k, v in space.nationbuilder_ids.items() if v == contact_id]:
        del space.nationbuilder_ids[nb_id]
    return no_content()


HANDLERS = {
    "create_contact": create_contact,
    "get_contact": get_contact,
    "replace_contact": replace_contact,
    "delete_contact": delete_contact,
}
