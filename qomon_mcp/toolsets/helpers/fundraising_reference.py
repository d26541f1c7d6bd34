"""The space's fundraising reference data, loaded once per client and used to check bundle writes.

Qomon only accepts payment method kinds, statuses, campaign codes and prices that
its space knows; the write tools check every value here before sending, so that a
mistake is refused with the valid choices instead of a bare 422 from Qomon.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.models import (
    CodeCampaign,
    DonationPrice,
    MembershipPrice,
    MembershipPriceGroup,
    TransactionSettings,
    TransactionStatus,
)
from qomon_mcp.server.quoting import quoted
from qomon_mcp.toolsets.helpers.concurrently import load_all
from qomon_mcp.toolsets.helpers.fundraising_views import money

__all__ = ["FundraisingReference", "fundraising_reference"]

# Reference data changes rarely; a few minutes of staleness saves six calls per write.
_TTL_SECONDS = 300.0
# Qomon pages these lists; no space configures more than this many of any of them.
_PAGE = 1000
# Error messages list at most this many valid choices, so that they stay one sentence.
_SHOWN_CHOICES = 12


def _choices(values: list[str]) -> str:
    if not values:
        return "none is configured in this space"
    more = len(values) - _SHOWN_CHOICES
    shown = ", ".join(values[:_SHOWN_CHOICES])
    return f"{shown} and {more} more (see get_fundraising_reference)" if more > 0 else shown


@dataclass
class FundraisingReference:
    settings: TransactionSettings = field(default_factory=TransactionSettings)
    statuses: list[TransactionStatus] = field(default_factory=list)
    code_campaigns: list[CodeCampaign] = field(default_factory=list)
    membership_prices: list[MembershipPrice] = field(default_factory=list)
    membership_price_groups: list[MembershipPriceGroup] = field(default_factory=list)
    donation_prices: list[DonationPrice] = field(default_factory=list)
    fresh: bool = True  # loaded for this call, rather than taken from the cache

    @property
    def currency(self) -> str:
        return self.settings.currency or "eur"

    def status(self, status_id: Any) -> TransactionStatus | None:
        return next((s for s in self.statuses if str(s.id) == str(status_id)), None)

    def membership_price(self, price_id: Any) -> MembershipPrice | None:
        return next((p for p in self.membership_prices if str(p.id) == str(price_id)), None)

    def donation_price(self, price_id: Any) -> DonationPrice | None:
        return next((p for p in self.donation_prices if str(p.id) == str(price_id)), None)

    def group_name(self, group_id: Any) -> str | None:
        return next((g.name for g in self.membership_price_groups if str(g.id) == str(group_id)), None)

    # The checks: each returns the checked value or raises a ToolError listing the valid choices.

    def check_payment_method(self, where: str, kind: str) -> str:
        kinds = self.settings.payment_method_kinds
        if kind in kinds:
            return kind
        folded = {k.lower(): k for k in kinds}
        if kind.lower() in folded:  # "cb" for "CB": unambiguous, so take the space's spelling
            return folded[kind.lower()]
        raise ToolError(
            f"{where}.payment_method_kind {quoted(kind)} is not enabled in this space; use one of: {_choices(kinds)}."
        )

    def check_status(self, where: str, status_id: int) -> int:
        if self.status(status_id) is not None:
            return status_id
        live = [f"{s.id} {s.name} ({s.kind})" for s in self.statuses if not s.archived]
        raise ToolError(f"{where}.status_id {status_id} does not exist; use one of: {_choices(live)}.")

    def check_code_campaign(self, where: str, code: str) -> str:
        codes = [c.code for c in self.code_campaigns if c.code]
        if code in codes:
            return code
        raise ToolError(
            f"{where}.code_campaign {quoted(code)} is not a campaign code of this space; use one of: {_choices(codes)}."
        )

    def check_membership_price(self, where: str, price_id: int) -> MembershipPrice:
        price = self.membership_price(price_id)
        if price is not None:
            return price
        shown = [f"{p.id} {p.name} ({money(p.amount, p.currency)})" for p in self.membership_prices if not p.hidden]
        raise ToolError(f"{where}.membership_price_id {price_id} does not exist; use one of: {_choices(shown)}.")

    def check_donation_price(self, where: str, price_id: int) -> DonationPrice:
        price = self.donation_price(price_id)
        if price is not None:
            return price
        shown = [f"{p.id} {p.name} ({money(p.amount, p.currency)})" for p in self.donation_prices if not p.hidden]
        raise ToolError(f"{where}.donation_price_id {price_id} does not exist; use one of: {_choices(shown)}.")

    def reimbursed_status(self) -> TransactionStatus:
        """The status a refund sets (kind `reimbursed`), preferring one that is not archived."""
        found = sorted((s for s in self.statuses if s.kind == "reimbursed"), key=lambda s: bool(s.archived))
        if not found:
            raise ToolError(
                "This space has no transaction status of kind 'reimbursed', so a refund cannot be recorded; "
                "ask a space administrator to create one."
            )
        return found[0]


_cache: weakref.WeakKeyDictionary[QomonClient, tuple[float, FundraisingReference]] = weakref.WeakKeyDictionary()


async def fundraising_reference(client: QomonClient, *, refresh: bool = False) -> FundraisingReference:
    """The client's space's reference data, from a short-lived cache unless `refresh`."""
    cached = _cache.get(client)
    if cached and cached[0] > time.monotonic() and not refresh:
        return replace(cached[1], fresh=False)
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "settings": client.get_transaction_settings,
        "statuses": partial(client.list_transaction_statuses, limit=_PAGE),
        "code_campaigns": partial(client.list_code_campaigns, limit=_PAGE),
        "membership_prices": partial(client.list_membership_prices, limit=_PAGE),
        "membership_price_groups": partial(client.list_membership_price_groups, limit=_PAGE),
        "donation_prices": partial(client.list_donation_prices, limit=_PAGE),
    }
    reference = FundraisingReference(**await load_all(calls))
    _cache[client] = (time.monotonic() + _TTL_SECONDS, reference)
    return reference
