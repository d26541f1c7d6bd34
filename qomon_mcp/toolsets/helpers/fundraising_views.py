"""Bundles and reference data as the model reads them: amounts in cents beside a "50.00 EUR"
string, status and price names beside their ids, payer and beneficiary named as such."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from qomon_mcp.qomon.models import (
    Bundle,
    BundleHistoryEntry,
    Donation,
    DonationPrice,
    Membership,
    MembershipPrice,
    TransactionStatus,
)

if TYPE_CHECKING:
    from qomon_mcp.toolsets.helpers.fundraising_reference import FundraisingReference

__all__ = [
    "BundleView",
    "BundleWritten",
    "BundlesView",
    "HistoryView",
    "Lean",
    "PriceView",
    "ReferenceView",
    "StatusView",
    "bundle_view",
    "history_view",
    "money",
    "price_view",
    "status_view",
]

CENTS = "In cents (5000 = 50.00)."
Cents = int | float  # integers on the wire; declared so that 3000 stays 3000, not 3000.0


class Lean(BaseModel):
    """A model whose JSON schema says only what a model needs to read: no titles, and an optional
    field as its plain type (results never hold nulls, and arguments may simply be left out)."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core_schema))
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
            options = prop.get("anyOf", [])
            if len(options) == 2 and {"type": "null"} in options:
                del prop["anyOf"]
                prop.update(next(o for o in options if o != {"type": "null"}))
                if "default" in prop and prop["default"] is None:
                    del prop["default"]
        return schema


def money(cents: Cents | None, currency: str | None) -> str | None:
    """`5000, "eur"` -> "50.00 EUR" (integer arithmetic, so no float rounding shows)."""
    if cents is None:
        return None
    value = round(cents)
    sign = "-" if value < 0 else ""
    whole, part = divmod(abs(value), 100)
    return f"{sign}{whole}.{part:02d} {(currency or '').upper()}".rstrip()


class TransactionView(Lean):
    id: int | str | None = None
    payer_contact_id: int | str | None = None
    amount_cents: Cents | None = Field(default=None, description=CENTS)
    amount: str | None = None
    payment_method_kind: str | None = None
    date: str | None = None
    status: str | None = Field(default=None, description="Status name and kind.")
    status_id: int | str | None = None
    code_campaign: str | None = None
    comment: str | None = None
    external_transaction_id: int | str | None = None
    reimbursed_cents: Cents | None = None
    unpaid_cents: Cents | None = None


class ProductView(Lean):
    id: int | str | None = None
    beneficiary_contact_id: int | str | None = None
    price: str | None = Field(default=None, description="Price name.")
    membership_price_id: int | str | None = None
    donation_price_id: int | str | None = None
    amount_cents: Cents | None = Field(default=None, description=CENTS)
    amount: str | None = None
    amount_initial_cents: Cents | None = Field(default=None, description="List price, when it differs.")
    start_date: str | None = None
    end_date: str | None = None
    date: str | None = None
    affectation: str | None = None
    comment: str | None = None


class BundleView(Lean):
    id: int | str | None = None
    created_at: str | None = None
    transactions: list[TransactionView] = Field(default_factory=list)
    memberships: list[ProductView] = Field(default_factory=list)
    donations: list[ProductView] = Field(default_factory=list)


class HistoryView(Lean):
    at: str | None = None
    kind: str | None = None
    target_id: int | str | None = None
    change: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict, description="Changed fields: {from, to}.")


class BundlesView(Lean):
    bundles: list[BundleView] = Field(default_factory=list)
    total: int | None = None
    history: list[HistoryView] = Field(default_factory=list)
    note: str | None = None


class BundleWritten(Lean):
    bundle_id: int | str | None = None
    summary: str | None = None


class StatusView(Lean):
    id: int | str | None = None
    name: str | None = None
    kind: str | None = None
    archived: bool | None = None


class PriceView(Lean):
    id: int | str | None = None
    name: str | None = None
    amount_cents: Cents | None = Field(default=None, description=CENTS)
    amount: str | None = None
    custom_amount: bool | None = Field(default=None, description="True when any amount may be charged.")
    group: str | None = None
    kind: str | None = None
    hidden: bool | None = None
    price_ids: list[int | str] = Field(default_factory=list, description="A group's membership prices.")


class ReferenceView(Lean):
    payment_method_kinds: list[str] = Field(default_factory=list)
    default_status_id: int | str | None = None
    currency: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    statuses: list[StatusView] = Field(default_factory=list)
    code_campaigns: list[str] = Field(default_factory=list)
    membership_prices: list[PriceView] = Field(default_factory=list)
    membership_price_groups: list[PriceView] = Field(default_factory=list)
    donation_prices: list[PriceView] = Field(default_factory=list)
    note: str | None = None


def _true(flag: bool | None) -> bool | None:
    return True if flag else None  # flags are shown only when set, to keep lists short


def status_view(status: TransactionStatus) -> StatusView:
    return StatusView(id=status.id, name=status.name, kind=status.kind, archived=_true(status.archived))


def price_view(price: MembershipPrice | DonationPrice, reference: FundraisingReference | None = None) -> PriceView:
    group_id = getattr(price, "membership_price_group_id", None)
    return PriceView(
        id=price.id,
        name=price.name,
        amount_cents=price.amount,
        amount=money(price.amount, price.currency),
        custom_amount=_true(price.allow_custom_amount),
        group=reference.group_name(group_id) if reference and group_id is not None else None,
        kind=price.kind,
        hidden=_true(price.hidden),
    )


def bundle_view(bundle: Bundle, reference: FundraisingReference) -> BundleView:
    transactions = []
    for t in bundle.transactions:
        status = reference.status(t.status_id)
        transactions.append(
            TransactionView(
                id=t.id,
                payer_contact_id=t.contact_id,
                amount_cents=t.amount,
                amount=money(t.amount, t.currency),
                payment_method_kind=t.payment_method_kind,
                date=t.date,
                status=f"{status.name} ({status.kind})" if status else None,
                status_id=t.status_id,
                code_campaign=t.code_campaign,
                comment=t.comment,
                external_transaction_id=t.external_transaction_id,
                # Zero is the normal case; showing it on every transaction would only add noise.
                reimbursed_cents=t.reimbursed_amount or None,
                unpaid_cents=t.unpaid_amount or None,
            )
        )
    memberships = [
        ProductView(
            **_product(m),
            price=getattr(reference.membership_price(m.membership_price_id), "name", None),
            membership_price_id=m.membership_price_id,
            start_date=m.start_date,
            end_date=m.end_date,
        )
        for m in bundle.memberships
    ]
    donations = [
        ProductView(
            **_product(d),
            price=getattr(reference.donation_price(d.donation_price_id), "name", None),
            donation_price_id=d.donation_price_id,
            date=d.date,
            affectation=d.affectation,
        )
        for d in bundle.donations
    ]
    created = (bundle.model_extra or {}).get("created_at")
    return BundleView(
        id=bundle.id,
        created_at=created if isinstance(created, str) else None,
        transactions=transactions,
        memberships=memberships,
        donations=donations,
    )


def _product(item: Membership | Donation) -> dict[str, Any]:
    initial = item.amount_initial if item.amount_initial != item.amount else None
    return {
        "id": item.id,
        "beneficiary_contact_id": item.contact_id,
        "amount_cents": item.amount,
        "amount": money(item.amount, item.currency),
        "amount_initial_cents": initial,
        "comment": item.comment,
    }


# Bookkeeping fields that change with every write say nothing to the model.
_NOISE = frozenset({"id", "created_at", "updated_at", "CreatedAt"})


def history_view(entry: BundleHistoryEntry) -> HistoryView:
    old = entry.old if isinstance(entry.old, dict) else None
    new = entry.new if isinstance(entry.new, dict) else None
    change: str | None
    fields: dict[str, Any]
    if new is None:  # with neither side sent, what happened is unknown rather than a deletion
        change, fields = ("deleted" if old is not None else None), {}
    elif old is None:
        change, fields = "created", {}
    else:
        change = "updated"
        keys = [k for k in {**old, **new} if k not in _NOISE and old.get(k) != new.get(k)]
        fields = {k: {"from": old.get(k), "to": new.get(k)} for k in keys}
    return HistoryView(at=entry.created_at, kind=entry.kind, target_id=entry.target_id, change=change, fields=fields)
