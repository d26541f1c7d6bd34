"""POST /contacts/upsert: checked at once, applied later, matched and merged by Qomon's rules.

Only the envelope and the field types are checked when the request arrives (a
400 then: shapes file, "Types and rules", validation failures on upsert answer
400, not 422); the record is applied `delay` seconds after the 202, as on live
spaces. A record naming an unknown form id, a label that is not unique in its
family, or a value that is not one of the form's choices is dropped whole,
silently: nothing is created or changed and nothing reports it.

Matching, in the documented order:
1. `id` equal to a Qomon contact id or to a NationBuilder id (`nationbuilderid` is
   also looked up among the NationBuilder ids the space knows). The docs say an
   unknown `id` "is dropped (not created)": we read it as the id being dropped,
   not the record, so matching goes on by mail and name and a created contact
   gets a fresh Qomon id.
2. the same `mail` (case-insensitive), narrowed by `firstname` / `surname` when sent non-empty.
3. with no mail match and a `surname`: same surname and firstname; equal birthdates
   when both have one; when both have an address, the same city or postal code,
   and also the same street if no birthdate was compared.
4. otherwise a new contact.
An upsert merges: it writes the fields it carries, never clears one (an empty or
null value is not written), and adds tags and answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from qomon_mcp.sandbox.rules.contacts import (
    SCALAR_FIELDS,
    blank_contact,
    check_address,
    check_scalar,
    check_tags,
    make_tags,
)
from qomon_mcp.sandbox.rules.formdata import CHOICE_TYPES, answers_key, make_formdata, merge_answer
from qomon_mcp.sandbox.rules.validation import check_unknown_keys, parse_iso
from qomon_mcp.sandbox.search.index import space_changed
from qomon_mcp.sandbox.space import Space, utc_now_iso
from qomon_mcp.sandbox.web import ApiError, fail

__all__ = ["FORM_FAMILIES", "UpsertQueue", "apply_upsert", "find_match", "validate_upsert"]

Record = dict[str, Any]

# Upsert array -> the form category its items answer. Presence answers are spelled
# `name_presences` in the reference and `presence_status` in the docs: both are read,
# alike (shapes file, "Types and rules").
FORM_FAMILIES = {
    "consents": "consent",
    "status": "level_of_support",
    "forms": "survey",
    "custom_fields": "custom_fields",
    "actions": "tasks",
    "name_presences": "presence_status",
    "presence_status": "presence_status",
}
# The emulator's own copy of the upsert keys (shapes file, "Contacts": no unknown keys accepted).
UPSERT_FIELDS = frozenset({*SCALAR_FIELDS, "id", "address", "tags", "nationbuilderid", *FORM_FAMILIES}) - {
    "nationality"
}
_ITEM_KEYS = frozenset({"id", "label", "value"})


def validate_upsert(body: Any, space: Space) -> Record:
    """The record to apply, or a 400 for what a schema check would catch at once."""
    try:
        return _validated(body, space)
    except ApiError as error:
        # shapes file, "Types and rules": validation failures on upsert answer 400, not 422.
        raise ApiError(400, error.body) from None


def _validated(body: Any, space: Space) -> Record:
    # Shapes file, "Contacts": {"kind": "contact", "data": ContactUpsert}, no unknown keys; docs,
    # "Create and update contacts": every form field an array of {id or label, value}, value a string.
    if not isinstance(body, dict) or body.get("kind") != "contact":
        raise fail(422, kind='must be "contact"')
    check_unknown_keys("", body, frozenset({"kind", "data"}))
    data = body.get("data")
    if not isinstance(data, dict):
        raise fail(422, data="required: the contact to upsert, as an object")
    check_unknown_keys("data", data, UPSERT_FIELDS)
    for field in SCALAR_FIELDS:
        if field in data:
            check_scalar(field, data[field])
    for field in ("id", "nationbuilderid"):
        value = data.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | str)):
            raise fail(422, **{f"data.{field}": "must be an integer or a string"})
    if data.get("address") is not None:
        check_address(data["address"], None, space)
    if data.get("tags") is not None:
        check_tags(data["tags"])
    for family in FORM_FAMILIES:
        _check_items(family, data.get(family))
    return data


def _check_items(family: str, items: Any) -> None:
    if items is None:
        return
    if not isinstance(items, list):
        raise fail(422, **{f"data.{family}": "must be a list of {id or label, value}"})
    for index, item in enumerate(items):
        where = f"data.{family}[{index}]"
        if not isinstance(item, dict):
            raise fail(422, **{where: "must be an object {id or label, value}"})
        check_unknown_keys(where, item, _ITEM_KEYS)
        if not isinstance(item.get("value"), str):
            raise fail(422, **{f"{where}.value": "required, and always a string"})
        form_id, label = item.get("id"), item.get("label")
        if form_id is None and label is None:
            raise fail(422, **{where: "needs the form id or its label"})
        if form_id is not None and (isinstance(form_id, bool) or not isinstance(form_id, int)):
            raise fail(422, **{f"{where}.id": "must be an integer"})
        if label is not None and not isinstance(label, str):
            raise fail(422, **{f"{where}.label": "must be a string"})


def _resolve_answers(space: Space, data: Record) -> list[tuple[Record, Record, str]] | None:
    """(form, refvalue, data) for every answer sent; None if any names an unknown form or value."""
    resolved = []
    for family, category in FORM_FAMILIES.items():
        forms = space.forms_of_type(category)
        for item in data.get(family) or []:
            if item.get("id") is not None:
                # With both an id and a label the id decides, as it is the form's identity.
                matches = [f for f in forms if f["id"] == item["id"]]
            else:
                matches = [f for f in forms if f.get("label") == item["label"]]
            if len(matches) != 1:
                return None
            form, value = matches[0], item["value"]
            refs = form.get("refvalues") or []
            if form.get("type") in CHOICE_TYPES:
                ref = next((r for r in refs if r.get("value") == value), None)
            else:
                ref = refs[0] if refs else {"id": None, "label": form.get("label")}
            if ref is None:
                return None
            resolved.append((form, ref, value))
    return resolved


def _text(value: Any) -> str:
    return value.strip().casefold() if isinstance(value, str) else ""


def _same_instant(a: str, b: str) -> bool:
    try:
        return parse_iso(a) == parse_iso(b)
    except ValueError:
        return a == b


def _has_address(address: Any) -> bool:
    return isinstance(address, dict) and any(_text(address.get(k)) for k in ("street", "city", "postalcode"))


def _by_id(space: Space, data: Record) -> Record | None:
    raw = data.get("id")
    if isinstance(raw, int) or (isinstance(raw, str) and raw.strip().isdigit()):
        contact = space.contacts.get(int(raw))
        if contact is not None:
            return contact
    for nb_id in (raw, data.get("nationbuilderid")):
        if nb_id is not None and str(nb_id) in space.nationbuilder_ids:
            return space.contacts.get(space.nationbuilder_ids[str(nb_id)])
    return None


def _by_name(contact: Record, data: Record) -> bool:
    if _text(contact.get("surname")) != _text(data.get("surname")):
        return False
    if _text(contact.get("firstname")) != _text(data.get("firstname")):
        return False
    compared_birthdate = bool(contact.get("birthdate") and data.get("birthdate"))
    if compared_birthdate and not _same_instant(contact["birthdate"], data["birthdate"]):
        return False
    ours, theirs = contact.get("address"), data.get("address")
    if _has_address(ours) and _has_address(theirs):
        assert isinstance(ours, dict) and isinstance(theirs, dict)
        same = {
            k: bool(_text(ours.get(k))) and _text(ours.get(k)) == _text(theirs.get(k))
            for k in ("city", "postalcode", "street")
        }
        if not (same["city"] or same["postalcode"]):
            return False
        if not compared_birthdate and not same["street"]:
            return False
    return True


def find_match(space: Space, data: Record) -> Record | None:
    """The contact an upsert record updates, or None for a new contact."""
    contact = _by_id(space, data)
    if contact is not None:
        return contact
    contacts = [space.contacts[cid] for cid in sorted(space.contacts)]
    mail = _text(data.get("mail"))
    if mail:
        found = [c for c in contacts if _text(c.get("mail")) == mail]
        for field in ("firstname", "surname"):
            if _text(data.get(field)):
                found = [c for c in found if _text(c.get(field)) == _text(data.get(field))]
        if found:
            return found[0]
    if _text(data.get("surname")):
        return next((c for c in contacts if _by_name(c, data)), None)
    return None


def apply_upsert(space: Space, data: Record) -> int | None:
    """Apply one validated record; the id of the contact written, or None when it was dropped."""
    answers = _resolve_answers(space, data)
    if answers is None:
        return None
    space_changed(space)  # a NationBuilder id is searchable: see search_index.py
    now = utc_now_iso(space)
    contact = find_match(space, data)
    if contact is None:
        contact = blank_contact(space, space.next_id(), now, now)
        space.contacts[contact["id"]] = contact
    for field in SCALAR_FIELDS:
        if field in data and data[field] not in (None, ""):
            contact[field] = check_scalar(field, data[field])
    if data.get("address"):
        contact["address"] = check_address(data["address"], contact.get("address"), space)
    if data.get("tags"):
        contact["tags"] = make_tags(data["tags"], contact.get("tags") or [], space)
    if data.get("nationbuilderid") not in (None, ""):
        space.nationbuilder_ids[str(data["nationbuilderid"])] = contact["id"]
    for form, ref, value in answers:
        key = answers_key(space, form["id"])
        answer = make_formdata(space, contact["id"], form, ref, value, None, now)
        contact[key] = merge_answer(list(contact.get(key) or []), answer, form)
    contact["UpdatedAt"] = contact["lastchange"] = now
    return int(contact["id"])


class UpsertQueue:
    """Records waiting for their delay, each applied on the event loop like Qomon's worker."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        # How a record is applied; a sandbox kept in a file wraps it to save the space (persist.py).
        self.apply: Callable[[Space, Record], int | None] = apply_upsert
        self._pending: dict[asyncio.Future[None], tuple[asyncio.TimerHandle, Any]] = {}

    async def schedule(self, space: Space, data: Record) -> None:
        # Called as the 202's background task: after the response, even with a zero delay.
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()

        def fire() -> None:
            self._pending.pop(done, None)
            if done.done():
                return
            try:
                self.apply(space, data)
            except Exception as exc:  # a sandbox bug: surface it through drain()
                done.set_exception(exc)
            else:
                done.set_result(None)

        self._pending[done] = (loop.call_later(self.delay, fire), fire)

    async def drain(self, *, fast_forward: bool = False) -> None:
        """Wait until every scheduled record is applied; `fast_forward` applies them now, in order."""
        while self._pending:
            futures = list(self._pending)
            if fast_forward:
                for handle, fire in list(self._pending.values()):
                    handle.cancel()
                    fire()
            await asyncio.gather(*futures)

    @property
    def pending(self) -> int:
        return len(self._pending)
