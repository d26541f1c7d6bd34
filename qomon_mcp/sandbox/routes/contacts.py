"""POST, GET, PATCH (full replace) and DELETE /contacts.

Custom-field answers come as `customfields` (the reference's spelling) or
`custom_fields` (the docs'): both are read and treated alike, so that neither
is dropped, and a full replace that carries either keeps them (shapes file,
"Types and rules"). Keys Qomon does not know are ignored, not refused (same
section). A PATCH replaces everything, except that answers to a text, numeric
or date form are added to the contact's existing answers to that form (docs,
"Update contact by ID": "it will be added to the existing ones").
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from qomon_mcp.sandbox.rules.contacts import (
    SCALAR_FIELDS,
    blank_contact,
    check_address,
    check_scalar,
    make_tags,
)
from qomon_mcp.sandbox.rules.formdata import make_formdata, merge_answer
from qomon_mcp.sandbox.rules.validation import check_date, check_int, check_str
from qomon_mcp.sandbox.space import Space, utc_now_iso
from qomon_mcp.sandbox.web import data_object, fail, no_content, not_found, path_id, space_of, success

__all__ = ["HANDLERS", "build_contact"]

Record = dict[str, Any]
# The two spellings of the custom-field array in a write (shapes file, "Types and rules").
_CUSTOM_FIELD_KEYS = ("customfields", "custom_fields")
# Form types whose answers a PATCH adds to the existing ones (docs: "Text, Integer and Date Fields").
_ADDITIVE_TYPES = frozenset({"text", "numeric", "date"})


def _items(payload: Record, *fields: str) -> list[tuple[str, Any]]:
    """(where, item) for every answer sent under any of `fields`, in order."""
    items: list[tuple[str, Any]] = []
    for field in fields:
        value = payload.get(field)
        if value is None:
            continue
        if not isinstance(value, list):
            raise fail(422, **{field: "must be a list of {form_id, form_ref_id, data, date}"})
        items += [(f"{field}[{index}]", item) for index, item in enumerate(value)]
    return items


def _answers(space: Space, custom: bool, items: list[tuple[str, Any]], contact_id: int, now: str) -> list[Record]:
    """Write-shape answers checked against the space's forms, with fresh ids."""
    answers: list[Record] = []
    for where, item in items:
        if not isinstance(item, dict):
            raise fail(422, **{where: "must be an object"})
        form_id = item.get("form_id")
        form = space.forms.get(form_id) if isinstance(form_id, int) and not isinstance(form_id, bool) else None
        # Docs, "Update contact by ID": form_id names an advanced field, form_ref_id one of its values,
        # formdatas hold advanced fields and custom_fields the custom ones.
        if form is None:
            raise fail(422, **{f"{where}.form_id": "unknown form"})
        is_custom = space.form_types.get(form["id"]) == "custom_fields"
        if is_custom != custom:
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


def _kept_text_answers(space: Space, old: list[Record], new: list[Record], now: str) -> list[Record]:
    """The old answers a PATCH keeps: those to a text, numeric or date form it answers again.

    They are recreated with new ids, as every answer of a PATCH is (docs, "Update contact by ID").
    """
    answered = {a["form_id"] for a in new}
    kept = []
    for answer in old:
        form_id = answer.get("form_id")
        form = space.forms.get(form_id) if form_id is not None else None
        if form and form.get("type") in _ADDITIVE_TYPES and form_id in answered:
            kept.append({**answer, "id": space.next_id(), "updated_at": now})
    return kept


def _with_kept(space: Space, kept: list[Record], sent: list[Record]) -> list[Record]:
    answers = list(kept)
    for answer in sent:
        answers = merge_answer(answers, answer, space.forms[answer["form_id"]])
    return answers


def build_contact(
    space: Space,
    payload: Any,
    *,
    contact_id: int,
    created_at: str,
    now: str,
    previous: Record | None = None,
) -> Record:
    """A whole contact from a POST/PATCH payload: what is not sent is blank.

    `previous` is the contact a PATCH replaces, whose text answers it may keep.
    """
    if not isinstance(payload, dict):
        raise fail(422, contact='required: the body must be {"data": {"contact": {...}}}')
    contact = blank_contact(space, contact_id, created_at, now)
    for field in SCALAR_FIELDS:
        if field in payload:
            contact[field] = check_scalar(field, payload[field])
    # shapes file, "Types and rules": user_id is writable.
    if payload.get("user_id") is not None:
        contact["user_id"] = check_int("user_id", payload["user_id"])
    contact["address"] = check_address(payload.get("address"), None, space, ignore_unknown=True)
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
    for key, custom, fields in (
        ("formdatas", False, ("formdatas",)),
        ("customfields", True, _CUSTOM_FIELD_KEYS),
    ):
        sent = _answers(space, custom, _items(payload, *fields), contact_id, now)
        kept = _kept_text_answers(space, previous.get(key) or [], sent, now) if previous else []
        contact[key] = _with_kept(space, kept, sent)
    return contact


async def _contact_payload(request: Request) -> Any:
    data = await data_object(request)
    if "contact" not in data:
        raise fail(422, contact='required: the body must be {"data": {"contact": {...}}}')
    return data["contact"]


async def create_contact(request: Request) -> Response:
    space = space_of(request)
    payload = await _contact_payload(request)
    now = utc_now_iso(space)
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
        space,
        payload,
        contact_id=contact_id,
        created_at=old["CreatedAt"],
        now=utc_now_iso(space),
        previous=old,
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
