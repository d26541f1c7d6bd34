"""Bundle items as the write tools take them, and their checked, complete wire form.

Callers give amounts as `*_cents` (the name says the unit; Qomon's own fields are
bare `amount`); the wire form drops the suffix. An item Qomon already holds is
re-sent whole with the caller's changes on top: Qomon's reference keeps the
fields an update leaves out, its public docs warn that omitted required fields
may be cleared, and a whole item is safe under both.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field, ValidationError

from qomon_mcp.qomon.models import Donation, DonationPrice, Membership, MembershipPrice, Transaction
from qomon_mcp.server.quoting import quoted
from qomon_mcp.toolsets.helpers.arguments import Cents, ExternalId, Id, PositiveCents
from qomon_mcp.toolsets.helpers.fundraising_reference import FundraisingReference
from qomon_mcp.toolsets.helpers.fundraising_views import Lean, money

__all__ = [
    "ARRAYS",
    "DonationChange",
    "MembershipChange",
    "TransactionChange",
    "checked_item",
    "complete_item",
    "products_fit",
]

# The fields Qomon accepts on each item, per its docs and its reference (which adds the
# transaction's `payment_method`, `delivered_at`, `delivery_token` and `comment_date`:
# echoed when Qomon has them, never set by the tools); anything else it sends back
# (created_at, ...) is bookkeeping that a PATCH must not echo. A donation's list price
# is read under either of its names (`amount_initial` in the docs, `initial_amount` in
# the reference; the model reads both) and written under the docs' one, as everywhere.
WRITABLE: dict[str, tuple[str, ...]] = {
    "transactions": (
        "contact_id",
        "amount",
        "currency",
        "payment_method_kind",
        "date",
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
    "memberships": (
        "contact_id",
        "membership_price_id",
        "start_date",
        "end_date",
        "amount",
        "amount_initial",
        "currency",
        "comment",
        "rolling_year",
    ),
    "donations": (
        "contact_id",
        "donation_price_id",
        "date",
        "amount",
        "amount_initial",
        "currency",
        "affectation",
        "comment",
    ),
}
ARRAYS = tuple(WRITABLE)

_DATE_HELP = "ISO-8601: 2026-03-29 or 2026-03-29T12:00:00+02:00"
_CURRENCY = r"^[A-Za-z]{3}$"
_BENEFICIARY = "Beneficiary (may differ from the payer)."
_PRODUCT_CENTS = "Default: the price's amount."
_INITIAL_CENTS = "List price; default: the price's."

# Dates carry no pattern: `_moment` checks them whole (2025-02-31 included) with a better message.


# What a new item needs; save_bundle's arguments (below) are all optional, since an item
# with an id only names the fields that change.


class NewTransaction(BaseModel):
    contact_id: int = Field(ge=1)
    amount_cents: int = Field(gt=0)
    payment_method_kind: str
    date: str
    status_id: int | None = Field(None, ge=1)
    currency: str | None = Field(None, pattern=_CURRENCY)
    code_campaign: str | None = None
    comment: str | None = None
    external_transaction_id: int | None = Field(None, ge=0)


class NewMembership(BaseModel):
    contact_id: int = Field(ge=1)
    membership_price_id: int = Field(ge=1)
    start_date: str
    end_date: str
    amount_cents: int | None = Field(None, ge=0)
    amount_initial_cents: int | None = Field(None, ge=0)
    comment: str | None = None


class NewDonation(BaseModel):
    contact_id: int = Field(ge=1)
    # Optional in Qomon's reference (a donation of a free amount); the docs' examples give one.
    donation_price_id: int | None = Field(None, ge=1)
    amount_cents: int | None = Field(None, ge=0)
    amount_initial_cents: int | None = Field(None, ge=0)
    date: str | None = None
    affectation: str | None = None
    comment: str | None = None


_ID = "Item to change; omit to add one."


class TransactionChange(Lean):
    id: Id | None = Field(None, description=_ID)
    contact_id: Id | None = Field(None, description="The payer.")
    amount_cents: PositiveCents | None = Field(None, description="5000 = 50.00 EUR.")
    payment_method_kind: str | None = None
    date: str | None = Field(None, description="ISO-8601.")
    status_id: Id | None = None
    currency: str | None = Field(None, pattern=_CURRENCY, description="Default: the space's.")
    code_campaign: str | None = None
    comment: str | None = None
    external_transaction_id: ExternalId | None = None
    unpaid_amount_cents: Cents | None = None


class MembershipChange(Lean):
    id: Id | None = Field(None, description=_ID)
    contact_id: Id | None = Field(None, description=_BENEFICIARY)
    membership_price_id: Id | None = None
    start_date: str | None = None
    end_date: str | None = None
    amount_cents: Cents | None = Field(None, description=_PRODUCT_CENTS)
    amount_initial_cents: Cents | None = Field(None, description=_INITIAL_CENTS)
    comment: str | None = None


class DonationChange(Lean):
    id: Id | None = Field(None, description=_ID)
    contact_id: Id | None = Field(None, description=_BENEFICIARY)
    donation_price_id: Id | None = None
    amount_cents: Cents | None = Field(None, description=_PRODUCT_CENTS)
    amount_initial_cents: Cents | None = Field(None, description=_INITIAL_CENTS)
    date: str | None = Field(None, description="Default: the payment's.")
    affectation: str | None = None
    comment: str | None = None


_NEW: dict[str, type[BaseModel]] = {
    "transactions": NewTransaction,
    "memberships": NewMembership,
    "donations": NewDonation,
}


def complete_item(array: str, item: Transaction | Membership | Donation) -> dict[str, Any]:
    """An item Qomon holds, as a PATCH must re-send it: its id and every writable field it has.

    A structured value (an object or a list) in one of these plain fields is an expanded
    read, not what a write takes, so it is left out rather than sent back to be refused."""
    fields = {name: getattr(item, name, None) for name in WRITABLE[array]}
    kept = {k: v for k, v in fields.items() if v is not None and not isinstance(v, dict | list)}
    return {"id": item.id, **kept}


def _moment(where: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ToolError(f"{where} {quoted(value)} is not a valid calendar date; use {_DATE_HELP}.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(where: str, value: str) -> str:
    """A full timestamp, as Qomon's docs ask for, from a date or a date-time."""
    return _moment(where, value).isoformat().replace("+00:00", "Z")


def checked_item(
    array: str,
    where: str,
    fields: dict[str, Any],
    reference: FundraisingReference,
    defaults: dict[str, Any],
    *,
    base: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The wire form of a new item (`base` None) or of `base` with `fields` changed, every value
    given by the caller checked against `reference`; raises a one-sentence ToolError.

    `defaults` holds the payment's `date` and `currency`, which new memberships and donations inherit."""
    if base is None:
        if unknown := sorted(set(fields) - set(_NEW[array].model_fields)):
            raise ToolError(
                f"{where} is a new {array[:-1]} (no id), which cannot take {', '.join(unknown)}; "
                "record it first, then change that field with its id."
            )
        try:
            fields = _NEW[array].model_validate(fields).model_dump(exclude_none=True)
        except ValidationError as error:
            missing = sorted({str(e["loc"][0]) for e in error.errors() if e["loc"]})
            raise ToolError(f"{where} is a new {array[:-1]} (no id) and needs valid {', '.join(missing)}.") from None
    wire = {name.removesuffix("_cents"): value for name, value in fields.items()}
    price: MembershipPrice | DonationPrice | None = None
    for name, value in wire.items():
        if name == "payment_method_kind":
            wire[name] = reference.check_payment_method(where, value)
        elif name == "status_id":
            reference.check_status(where, value)
        elif name == "code_campaign":
            reference.check_code_campaign(where, value)
        elif name in ("date", "start_date", "end_date"):
            wire[name] = _date(f"{where}.{name}", value)
        elif name == "membership_price_id":
            price = reference.check_membership_price(where, value)
        elif name == "donation_price_id":
            price = reference.check_donation_price(where, value)
    if base is None:
        # Memberships and donations take the payment's currency and date unless given.
        wire.setdefault("currency", defaults.get("currency") or reference.currency)
        if array == "transactions" and reference.settings.default_status_id is not None:
            wire.setdefault("status_id", reference.settings.default_status_id)
        if array != "transactions":
            _price_defaults(where, wire, price)
        if array == "donations" and defaults.get("date"):
            wire.setdefault("date", defaults["date"])
    merged = {**(base or {}), **wire}
    if array == "memberships" and _moment(where, merged["end_date"]) < _moment(where, merged["start_date"]):
        raise ToolError(f"{where}.end_date is before its start_date; a membership must end after it starts.")
    return merged


def _price_defaults(where: str, wire: dict[str, Any], price: MembershipPrice | DonationPrice | None) -> None:
    listed = price.amount if price is not None and price.amount else None
    if listed is not None:
        wire.setdefault("amount", listed)
    if "amount" not in wire:
        if price is None:
            raise ToolError(f"{where} needs amount_cents, or a price (donation_price_id) that has an amount.")
        raise ToolError(f"{where} needs amount_cents: its price {price.name!r} has no fixed amount.")
    wire.setdefault("amount_initial", listed if listed is not None else wire["amount"])


def _totals(arrays: dict[str, list[dict[str, Any]]]) -> tuple[float, float]:
    paid = sum(t.get("amount") or 0 for t in arrays["transactions"])
    products = sum(i.get("amount") or 0 for a in ("memberships", "donations") for i in arrays[a])
    return paid, products


def products_fit(
    arrays: dict[str, list[dict[str, Any]]], currency: str, *, before: dict[str, list[dict[str, Any]]] | None = None
) -> None:
    """Refuse memberships and donations worth more than the payment (a bundle is one payment event).

    On an update, only a change that makes the gap wider is refused: older bundles may
    already be off, and fixing something else in them must stay possible."""
    paid, products = _totals(arrays)
    if products <= paid:
        return
    if before is not None:
        paid_before, products_before = _totals(before)
        if products - paid <= products_before - paid_before:
            return
    raise ToolError(
        f"The memberships and donations add up to {money(products, currency)}, more than the "
        f"{money(paid, currency)} the transactions pay; lower their amount_cents or raise the payment's."
    )
