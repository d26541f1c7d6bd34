"""Conditions on form answers: `form` (formdatas) and `custom_fields` (customfields).

The shape is `{attr, form_id, form_ref_ids, ope, value?}`. Following the docs:
`ext` / `not_ext` only ask whether the contact answered `form_id`; `eql` without
a value asks that every listed `form_ref_ids` be among the answers, and with a
value also that one of the answers to those refs (to the whole form when no ref
is listed) holds that value, compared case-insensitively. `not_eql` and
`not_contains` negate `eql` and `contains` for the contact; `start_with` (known
from the reference only, shapes file "Types and rules") asks that an answer to
those refs begin with the value. `lte` / `gte` /
`range` compare an answer numerically when both sides are numbers, else as
dates. A form id the space does not have is not an error: it matches no answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from qomon_mcp.sandbox.search.values import (
    QueryError,
    date_test,
    number_test,
    read_date,
    read_scalar,
    stored_instant,
    stored_number,
)
from qomon_mcp.spec.datemath import is_valid_date_value

__all__ = ["compile_form_condition"]

Record = dict[str, Any]
_KEYS = frozenset({"attr", "ope", "form_id", "form_ref_ids", "value", "from", "to"})
# Where the read shape keeps each kind of answer.
_ANSWERS_KEY = {"form": "formdatas", "custom_fields": "customfields"}


def compile_form_condition(condition: Record, now: datetime) -> Callable[[Record, Any], bool]:
    attr, ope = condition["attr"], condition["ope"]
    unknown = sorted(set(condition) - _KEYS)
    # Shapes file, "Search" and docs "Custom fields and form answers": {attr, form_id, form_ref_ids, ope, value?}.
    if unknown:
        raise QueryError(f"condition on '{attr}' has unknown keys: {', '.join(unknown)}")
    form_id = condition.get("form_id")
    if not isinstance(form_id, int) or isinstance(form_id, bool):
        raise QueryError(f"condition on '{attr}' needs an integer form_id, got {form_id!r}")
    ref_ids = condition.get("form_ref_ids") or []
    if not isinstance(ref_ids, list) or not all(isinstance(r, int) and not isinstance(r, bool) for r in ref_ids):
        raise QueryError(f"condition on '{attr}': form_ref_ids must be a list of integers, got {ref_ids!r}")
    answers_key = _ANSWERS_KEY[attr]
    wanted_refs = set(ref_ids)

    def answers(contact: Record) -> list[Record]:
        return [
            answer
            for answer in contact.get(answers_key) or []
            if answer.get("form_id") == form_id and not answer.get("deleted_at")
        ]

    def scoped(contact: Record) -> list[Record]:
        return [a for a in answers(contact) if not wanted_refs or a.get("form_ref_id") in wanted_refs]

    if ope in ("ext", "not_ext"):
        wanted = ope == "ext"
        return lambda contact, ctx: bool(answers(contact)) is wanted

    if ope in ("eql", "not_eql"):
        value = condition.get("value")
        folded = None if value is None else read_scalar(attr, value).casefold()

        def eql(contact: Record) -> bool:
            given = answers(contact)
            if not given or not wanted_refs <= {a.get("form_ref_id") for a in given}:
                return False
            return folded is None or any(_text(a) == folded for a in scoped(contact))

        if ope == "eql":
            return lambda contact, ctx: eql(contact)
        return lambda contact, ctx: not eql(contact)

    if ope in ("contains", "not_contains"):
        needle = _required(condition, "value").casefold()
        negate = ope == "not_contains"
        return lambda contact, ctx: any(needle in _text(a) for a in scoped(contact)) is not negate

    if ope == "start_with":
        prefix = _required(condition, "value").casefold()
        return lambda contact, ctx: any(_text(a).startswith(prefix) for a in scoped(contact))

    compare = _ordered_test(condition, now)
    return lambda contact, ctx: any(compare(a.get("data")) for a in scoped(contact))


def _ordered_test(condition: Record, now: datetime) -> Callable[[Any], bool]:
    attr, ope = condition["attr"], condition["ope"]
    keys = ("from", "to") if ope == "range" else ("value",)
    raw = [_required(condition, key) for key in keys]
    for text in raw:
        if stored_number(text) is None and not is_valid_date_value(text):
            raise QueryError(f"condition on '{attr}': {text!r} is neither a number nor a date")
    numbers = tuple(n for n in (stored_number(v) for v in raw) if n is not None)
    spans = tuple(read_date(attr, v, now) for v in raw if is_valid_date_value(v))
    by_number = number_test(ope, numbers) if len(numbers) == len(raw) else None
    by_date = date_test(ope, spans) if len(spans) == len(raw) else None

    def test(data: Any) -> bool:
        number = stored_number(data)
        if by_number is not None and number is not None:
            return by_number(number)
        moment = stored_instant(data)
        return by_date is not None and moment is not None and by_date(moment)

    return test


def _required(condition: Record, key: str) -> str:
    value = condition.get(key)
    if value is None:
        what = "both 'from' and 'to'" if key in ("from", "to") else "a value"
        raise QueryError(f"condition on '{condition['attr']}' with operator '{condition['ope']}' needs {what}")
    return read_scalar(condition["attr"], value)


def _text(answer: Record) -> str:
    data = answer.get("data")
    return str(data).casefold() if isinstance(data, str | int | float) else ""
