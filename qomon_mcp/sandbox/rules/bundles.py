"""Transaction bundle items: their fields, the checks against the space's reference data, history.

An item is checked whole: each field of the right type (amounts are integers
in cents, dates valid ISO 8601, the external id a plain integer: docs, "Create
transaction bundles"), ids that exist in the reference data the docs send the
caller to (payment method kinds, statuses, campaign codes, membership and
donation prices). The contacts are not checked: the payer or beneficiary may
belong to another space (docs, fundraising "Overview"). Nothing more: no source
bounds an amount or orders a membership's dates, so neither is refused.

A new item needs its required fields; a transaction without `status_id` takes
the space's `default_status_id`; other optional fields left out are null. An
updated item (PATCH with its `id`) keeps every optional field not sent, its
status included (shapes file, "Types and rules"), while a required field not
sent is reset to its zero value, the docs' warning ("Update and refund
bundles": missing required fields may be cleared). A null counts as not sent.

The field lists below are the emulator's own copy of the reference's writable
bundle fields, on purpose: a key outside them is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qomon_mcp.sandbox.rules.validation import check_date, check_int, check_str, check_unknown_keys
from qomon_mcp.sandbox.space import Space
from qomon_mcp.sandbox.web import fail

__all__ = ["ITEM_KINDS", "check_item", "history_entry", "status_entry", "summary"]

Record = dict[str, Any]

# array name -> (item kind in history, required fields, optional fields). Shapes
# file, "Fundraising" and "Types and rules": the reference adds the transaction's
# payment_method, delivered_at, delivery_token and comment_date, requires the
# donation's date and the membership's amount_initial, and makes the donation's
# donation_price_id optional.
ITEM_KINDS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "transactions": (
        "transaction",
        ("amount", "currency", "payment_method_kind", "contact_id", "date"),
        (
            "status_id",
            "code_campaign",
            "comment",
            "external_transaction_id",
            "reimbursed_amount",
            "unpaid_amount",
            "payment_method",
            "delivered_at",
            "delivery_token",
            "comment_date",
        ),
    ),
    "memberships": (
        "membership",
        ("contact_id", "membership_price_id", "start_date", "end_date", "amount", "amount_initial", "currency"),
        ("comment", "rolling_year"),
    ),
    "donations": (
        "donation",
        ("contact_id", "date", "amount", "currency"),
        ("donation_price_id", "amount_initial", "affectation", "comment"),
    ),
}
# Other spellings of a field -> the field: the reference writes the donation's
# `initial_amount`, the docs `amount_initial` (shapes file, "Types and rules": both).
_ALIASES = {"donations": {"initial_amount": "amount_initial"}}
# What a required field not sent on an update is reset to.
_ZERO: dict[str, Any] = {"currency": "", "payment_method_kind": "", "date": "", "start_date": "", "end_date": ""}

Check = Callable[[Space, str, Any], Any]


def _amount(space: Space, where: str, value: Any) -> int:
    return check_int(where, value)


def _in(values: Callable[[Space], list[Any]], what: str, kind: Check | None = None) -> Check:
    def check(space: Space, where: str, value: Any) -> Any:
        if kind is not None:
            value = kind(space, where, value)
        if value not in values(space):
            raise fail(422, **{where: f"unknown {what}"})
        return value

    return check


def _int(space: Space, where: str, value: Any) -> int:
    return check_int(where, value)


def _text(space: Space, where: str, value: Any) -> str:
    return check_str(where, value, required=True)


def _external_id(space: Space, where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(422, **{where: "must be a plain integer (strings are not supported)"})
    return value


def _rolling_year(space: Space, where: str, value: Any) -> Any:
    if not isinstance(value, bool | int):
        raise fail(422, **{where: "must be a boolean or a year"})
    return value


_CHECKS: dict[str, Check] = {
    "amount": _amount,
    "amount_initial": _amount,
    "reimbursed_amount": _amount,
    "unpaid_amount": _amount,
    "contact_id": _int,
    "currency": _text,
    "comment": lambda space, where, value: check_str(where, value),
    "affectation": lambda space, where, value: check_str(where, value),
    "date": lambda space, where, value: check_date(where, value),
    "start_date": lambda space, where, value: check_date(where, value),
    "end_date": lambda space, where, value: check_date(where, value),
    # docs, "Create transaction bundles": all date fields are ISO 8601 timestamps.
    "delivered_at": lambda space, where, value: check_date(where, value),
    "comment_date": lambda space, where, value: check_date(where, value),
    "payment_method": lambda space, where, value: check_str(where, value),
    "delivery_token": lambda space, where, value: check_str(where, value),
    "external_transaction_id": _external_id,
    "rolling_year": _rolling_year,
    "payment_method_kind": _in(
        lambda s: list(s.transaction_settings.get("payment_method_kinds") or []),
        "payment_method_kind; see GET /v1/transaction_settings",
        _text,
    ),
    "status_id": _in(
        lambda s: [x["id"] for x in s.transaction_statuses],
        "status_id; see GET /v1/transaction_statuses",
        _int,
    ),
    "code_campaign": _in(
        lambda s: [c["code"] for c in s.code_campaigns], "code_campaign; see GET /v1/code_campaigns", _text
    ),
    "membership_price_id": _in(
        lambda s: [p["id"] for p in s.membership_prices],
        "membership_price_id; see GET /v1/membership_prices",
        _int,
    ),
    "donation_price_id": _in(
        lambda s: [p["id"] for p in s.donation_prices], "donation_price_id; see GET /v1/donation_prices", _int
    ),
}


def _spelled_once(array: str, where: str, item: Record) -> Record:
    """The item with every alias renamed to its field; two values for one field are refused."""
    item = dict(item)
    for alias, field in _ALIASES.get(array, {}).items():
        if item.get(alias) is None:
            item.pop(alias, None)
            continue
        value = item.pop(alias)
        if item.get(field) is not None and item[field] != value:
            # Nothing says which spelling Qomon would keep: refused rather than guessed.
            raise fail(422, **{f"{where}.{alias}": f"disagrees with {field}, the same field"})
        item[field] = value
    return item


def check_item(space: Space, array: str, index: int, item: Any, *, target: Record | None = None) -> Record:
    """The fields of a new item (target None), or of `target` once updated with `item`."""
    _, required, optional = ITEM_KINDS[array]
    where = f"{array}[{index}]"
    if not isinstance(item, dict):
        raise fail(422, **{where: "must be an object"})
    # An id names the item to update: only on PATCH (docs, "Update and refund bundles");
    # a null id names nothing, so it is let through.
    named = target is not None or item.get("id") is None
    allowed = {*required, *optional, *_ALIASES.get(array, {}), *(("id",) if named else ())}
    check_unknown_keys(where, item, frozenset(allowed))
    item = _spelled_once(array, where, item)
    clean: Record = {}
    for field in required:
        if item.get(field) not in (None, ""):
            clean[field] = _CHECKS[field](space, f"{where}.{field}", item[field])
        elif target is None:
            raise fail(422, **{f"{where}.{field}": "required"})
        else:
            clean[field] = _ZERO.get(field, 0)
    for field in optional:
        value = item.get(field)
        if value is not None:
            clean[field] = _CHECKS[field](space, f"{where}.{field}", value)
        else:
            clean[field] = target.get(field) if target is not None else None
    if array == "transactions" and clean["status_id"] is None:
        clean["status_id"] = space.transaction_settings.get("default_status_id")
    return clean


def summary(bundle: Record) -> Record:
    return {f"{array}_count": len(bundle.get(array) or []) for array in ITEM_KINDS}


def status_entry(space: Space, bundle_id: int, transaction_id: int, old: Any, new: Any, now: str) -> Record:
    """The history entry of a transaction's status change (shapes file, "Types and rules")."""
    return history_entry(
        space, bundle_id, "transaction_status", transaction_id, {"status_id": old}, {"status_id": new}, now
    )


def history_entry(space: Space, bundle_id: int, kind: str, target_id: int, old: Any, new: Any, now: str) -> Record:
    return {
        "id": space.next_id(),
        "CreatedAt": now,
        "transaction_bundle_id": bundle_id,
        "kind": kind,
        "target_id": target_id,
        "old": old,
        "new": new,
    }
