"""Fundraising (an add-on): transaction bundles and the reference data needed to write them.

Amounts are integers in cents.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from .models_base import Amount, Id, ListOf, QomonModel, Text, UnionText

__all__ = [
    "Bundle",
    "BundleHistoryEntry",
    "BundlePage",
    "BundleSummary",
    "CodeCampaign",
    "Donation",
    "DonationPrice",
    "Membership",
    "MembershipPrice",
    "MembershipPriceGroup",
    "Transaction",
    "TransactionSettings",
    "TransactionStatus",
]


class Transaction(QomonModel):
    """A payment; `contact_id` is the payer."""

    id: Id | None = None
    amount: Amount | None = None
    currency: Text | None = None
    payment_method_kind: Text | None = None
    contact_id: Id | None = None
    date: Text | None = None
    status_id: Id | None = None
    code_campaign: Text | None = None
    comment: Text | None = None
    external_transaction_id: Id | None = None
    reimbursed_amount: Amount | None = None
    unpaid_amount: Amount | None = None
    # Listed by Qomon's reference only.
    payment_method: Any = None
    delivered_at: Text | None = None
    delivery_token: Text | None = None
    comment_date: Text | None = None


class Membership(QomonModel):
    """A membership paid by a bundle; `contact_id` is the beneficiary."""

    id: Id | None = None
    contact_id: Id | None = None
    membership_price_id: Id | None = None
    start_date: Text | None = None
    end_date: Text | None = None
    amount: Amount | None = None
    amount_initial: Amount | None = None
    currency: Text | None = None
    comment: Text | None = None
    rolling_year: bool | None = None


class Donation(QomonModel):
    """A donation paid by a bundle; `contact_id` is the beneficiary."""

    id: Id | None = None
    contact_id: Id | None = None
    donation_price_id: Id | None = None
    date: Text | None = None
    amount: Amount | None = None
    # `amount_initial` in the docs, `initial_amount` in Qomon's reference.
    amount_initial: Amount | None = Field(
        default=None, validation_alias=AliasChoices("amount_initial", "initial_amount")
    )
    currency: Text | None = None
    affectation: Text | None = None
    comment: Text | None = None


class BundleSummary(QomonModel):
    transactions_count: int | None = None
    memberships_count: int | None = None
    donations_count: int | None = None


class Bundle(QomonModel):
    """One payment event: its transactions and the memberships and donations they pay for."""

    id: Id | None = None
    transactions: ListOf[Transaction] = Field(default_factory=list)
    memberships: ListOf[Membership] = Field(default_factory=list)
    donations: ListOf[Donation] = Field(default_factory=list)
    summary: BundleSummary | None = None


class BundlePage(QomonModel):
    """One page of bundles, newest first; `total` counts them all."""

    bundles: ListOf[Bundle] = Field(default_factory=list)
    total: int | None = None


class BundleHistoryEntry(QomonModel):
    id: Id | None = None
    created_at: Text | None = Field(default=None, validation_alias=AliasChoices("CreatedAt", "created_at"))
    transaction_bundle_id: Id | None = None
    kind: Text | None = None
    target_id: Id | None = None
    old: Any = None
    new: Any = None


class TransactionSettings(QomonModel):
    payment_method_kinds: ListOf[Text] = Field(default_factory=list)
    default_status_id: Id | None = None
    default_membership_price_id: Id | None = None
    default_donation_price_id: Id | None = None
    currency: Text | None = None
    max_batch_size: int | None = None
    batch_prefix: Text | None = None
    batch_serial: Any = None
    membership_prefix: Text | None = None
    membership_serial: Any = None
    # An object in Qomon's reference (a list in older answers); kept as sent.
    open_periods: dict[str, Any] | list[Any] | None = None
    additional_settings: dict[str, Any] | None = None


class TransactionStatus(QomonModel):
    id: Id | None = None
    name: Text | None = None
    color: Text | None = None
    kind: Text | None = None
    archived: bool | None = None


class CodeCampaign(QomonModel):
    id: Id | None = None
    code: Text | None = None


class MembershipPrice(QomonModel):
    id: Id | None = None
    name: Text | None = None
    amount: Amount | None = None
    currency: Text | None = None
    allow_custom_amount: bool | None = None
    hidden: bool | None = None
    membership_price_group_id: Id | None = None
    kind: Text | None = Field(default=None, description='"" for one person, "multi" for a couple.')
    # Strings such as "Y" in Qomon's reference; a flag and a number of months in older answers.
    rolling_period: bool | UnionText | None = None
    duration: Text | None = None


class MembershipPriceGroup(QomonModel):
    id: Id | None = None
    name: Text | None = None
    hidden: bool | None = None
    membership_prices: ListOf[MembershipPrice] = Field(default_factory=list)


class DonationPrice(QomonModel):
    id: Id | None = None
    name: Text | None = None
    amount: Amount | None = None
    currency: Text | None = None
    allow_custom_amount: bool | None = None
    hidden: bool | None = None
    kind: Text | None = None
