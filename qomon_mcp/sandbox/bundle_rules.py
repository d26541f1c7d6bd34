"""Transaction bundle items: their fields, the checks against the space's reference data, history.

An item is checked whole: required fields present, each field of the right type,
ids that exist in the reference data (payment method kinds, statuses, campaign
codes, membership and donation prices). The contacts are not checked: the
payer or beneficiary may belong to another space. A transaction without
`status_id` takes the space's `default_status_id`; other optional fields left
out are null (which is also how an update clears them). A membership may not end
before it starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qomon_mcp.sandbox.space import Space
from qomon_mcp.sandbox.validation import check_date, check_int, check_str, check_unknown_keys, parse_iso
from qomon_mcp.sandbox.web import fail

__all__ = ["ITEM_KINDS", "check_item", "history_entry", "summary"]

Record = dict[str, Any]

# array name -> (item kind in history, required fields, optional fields)
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
        ),
    ),
    "memberships": (
        "membership",
        ("contact_id", "membership_price_id", "start_date", "end_date", "amount", "currency"),
        ("amount_initial", "comment", "rolling_year"),
    ),
    "donations": (
        "donation",
        ("contact_id", "donation_price_id", "amount", "currency"),
        ("date", "amount_initial", "affectation", "comment"),
    ),
}

Check = Callable[[Space, str, Any], Any]


def _amount(space: Space, where: str, value: Any) -> int:
    return check_int(where, value, minimum=0)


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


def check_item(space: Space, array: str, index: int, item: Any, *, with_id: bool) -> Record:
    """The clean fields of one item (every field present, optional ones possibly null)."""
    _, required, optional = ITEM_KINDS[array]
    where = f"{array}[{index}]"
    if not isinstance(item, dict):
        raise fail(422, **{where: "must be an object"})
    check_unknown_keys(where, item, frozenset({*required, *optional, *(("id",) if with_id else ())}))
    clean: Record = {}
    for field in required:
        if item.get(field) in (None, ""):
            raise fail(422, **{f"{where}.{field}": "required"})
        clean[field] = _CHECKS[field](space, f"{where}.{field}", item[field])
    for field in optional:
        value = item.get(field)
        clean[field] = None if value is None else _CHECKS[field](space, f"{where}.{field}", value)
    if array == "transactions" and clean["status_id"] is None:
        clean["status_id"] = space.transaction_settings.get("default_status_id")
    if array == "memberships" and parse_iso(clean["end_date"]) < parse_iso(clean["start_date"]):
        raise fail(422, **{f"{where}.end_date": "must not be before start_date"})
    return clean


def summary(bundle: Record) -> Record:
    return {f"{array}_count": len(bundle.get(array) or []) for array in ITEM_KINDS}


def history_entry(
    space: Space, bundle_id: int, kind: str, target_id: int, old: Any, new: Any, now: str
) -> Record:
    return {
        "id": space.next_id(),
        "CreatedAt": now,
        "transaction_bundle_id": bundle_id,
        "kind": kind,
        "target_id": target_id,
        "old": old,
        "new": new,
    }
