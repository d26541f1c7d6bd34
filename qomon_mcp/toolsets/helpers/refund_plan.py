"""What `refund_bundle` would do, worked out before the user is asked about it.

The preview reads the bundle and the space's refund status, checks the arguments
(which transaction, an amount within what was paid and not below what was already
refunded) and computes the write: the transaction marked refunded with its new
refunded total, and the memberships then donations lowered by the money returned.
The tool body sends exactly this plan once the user has agreed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import Resolve

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.models import TransactionStatus
from qomon_mcp.server.app import qomon_client
from qomon_mcp.server.confirm import Approved, Preview, approval
from qomon_mcp.server.explain import missing, told
from qomon_mcp.toolsets.helpers.fundraising_items import ARRAYS, complete_item
from qomon_mcp.toolsets.helpers.fundraising_reference import fundraising_reference
from qomon_mcp.toolsets.helpers.fundraising_views import money

__all__ = ["RefundApproval", "RefundPlan", "RefundPreview", "refund_preview"]


@dataclass(frozen=True, slots=True)
class RefundPlan(Preview):
    transaction: dict[str, Any] = field(default_factory=dict)  # as the PATCH sends it
    lowered: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # memberships, donations
    status: TransactionStatus = field(default_factory=TransactionStatus)
    refunded: int = 0  # the new refunded total, in cents
    paid: int = 0
    currency: str | None = None


async def _refund_status(client: QomonClient) -> TransactionStatus:
    # Cached reference data first; a refusal is checked once more against fresh data (a status made minutes ago).
    reference = await fundraising_reference(client)
    try:
        return reference.reimbursed_status()
    except ToolError:
        if reference.fresh:
            raise
    return (await fundraising_reference(client, refresh=True)).reimbursed_status()


def _position(bundle_id: int, transactions: list[dict[str, Any]], transaction_id: int) -> int:
    for position, item in enumerate(transactions):
        if str(item.get("id")) == str(transaction_id):
            return position
    ids = ", ".join(str(i.get("id")) for i in transactions) or "none"
    raise ToolError(f"Transaction {transaction_id} is not part of bundle {bundle_id} (its transactions: {ids}).")


async def refund_preview(
    bundle_id: int, transaction_id: int | None, amount_cents: int | None, ctx: Context
) -> RefundPlan:
    client = qomon_client(ctx)
    with told(not_found=missing("bundle", bundle_id)):
        bundle = await client.get_bundle(bundle_id)
        status = await _refund_status(client)
    current = {array: [complete_item(array, item) for item in getattr(bundle, array)] for array in ARRAYS}
    transactions = current["transactions"]
    if transaction_id is None and len(transactions) != 1:
        ids = ", ".join(str(t.get("id")) for t in transactions)
        raise ToolError(f"Bundle {bundle_id} has {len(transactions)} transactions ({ids}); give transaction_id.")
    position = 0 if transaction_id is None else _position(bundle_id, transactions, transaction_id)
    transaction = dict(transactions[position])
    paid, currency = transaction.get("amount") or 0, transaction.get("currency")
    target = paid if amount_cents is None else amount_cents
    if target > paid:
        raise ToolError(
            f"amount_cents {target} is more than the {money(paid, currency)} paid by transaction "
            f"{transaction['id']}; give at most {paid}."
        )
    already = transaction.get("reimbursed_amount") or 0
    if target < already:
        raise ToolError(
            f"Transaction {transaction['id']} already has {money(already, currency)} refunded and amount_cents "
            f"is the total refunded, so give at least {already}."
        )
    unchanged = target == already and str(transaction.get("status_id")) == str(status.id)
    transaction.update(status_id=status.id, reimbursed_amount=target)
    # The refunded money comes off the memberships, then the donations, never below zero.
    left = target - already
    lowered: dict[str, list[dict[str, Any]]] = {"memberships": [], "donations": []}
    for array in lowered:
        for item in current[array]:
            cut = min(left, item.get("amount") or 0)
            if cut > 0:
                lowered[array].append({**item, "amount": item["amount"] - cut})
                left -= cut
    items = [
        f"{array[:-1]} {item['id']} to {money(item['amount'], item.get('currency'))}"
        for array in lowered
        for item in lowered[array]
    ]
    question = (
        f"Refund {money(target - already, currency)} on transaction {transaction['id']} of bundle {bundle_id} "
        f"(paid {money(paid, currency)}; refunded in all afterwards: {money(target, currency)}), "
        f"marking it {status.name or 'refunded'}{'; lowering ' + ', '.join(items) if items else ''}?"
    )
    return RefundPlan(
        question=question,
        not_done=f"transaction {transaction['id']} was not refunded",
        asks=not unchanged,
        transaction=transaction,
        lowered={array: found for array, found in lowered.items() if found},
        status=status,
        refunded=target,
        paid=paid,
        currency=currency,
    )


RefundPreview = Annotated[RefundPlan, Resolve(refund_preview)]
RefundApproval = Annotated[Approved, approval(refund_preview)]
