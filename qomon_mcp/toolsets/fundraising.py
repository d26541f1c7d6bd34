"""Fundraising: reference data, bundles read, recorded, updated without loss, refunded, deleted.

Every value Qomon checks against the space's reference data (payment method kinds,
statuses, campaign codes, prices) is checked here first, so nothing invalid is sent.
Qomon's bundle PATCH is additive. For an item it updates, its reference says the
fields left out are kept, its public docs that omitted required fields may be
cleared; the writes read the bundle first and send each touched item with every
field the tool knows, the changes on top, so that neither reading loses data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, StrictInt

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.deadline import step
from qomon_mcp.qomon.errors import QomonError
from qomon_mcp.qomon.models import Bundle, Donation, Membership, Transaction
from qomon_mcp.server.app import qomon_client
from qomon_mcp.server.confirm import Confirmation, require_approval
from qomon_mcp.server.explain import Missing
from qomon_mcp.server.registry import Toolset
from qomon_mcp.toolsets.helpers.arguments import Id, Offset, PositiveCents
from qomon_mcp.toolsets.helpers.bundle_contacts import require_contacts
from qomon_mcp.toolsets.helpers.fundraising_items import (
    ARRAYS,
    DonationChange,
    MembershipChange,
    TransactionChange,
    checked_item,
    complete_item,
    products_fit,
)
from qomon_mcp.toolsets.helpers.fundraising_reference import FundraisingReference, fundraising_reference
from qomon_mcp.toolsets.helpers.fundraising_views import (
    BundlesView,
    BundleWritten,
    PriceView,
    ReferenceView,
    bundle_view,
    history_view,
    money,
    price_view,
    status_view,
)
from qomon_mcp.toolsets.helpers.previews import BundleApproval, BundlePreview
from qomon_mcp.toolsets.helpers.refund_plan import RefundApproval, RefundPreview
from qomon_mcp.toolsets.helpers.uncertain import RECORDS, bundle_holds, find_bundle, gone, settle

__all__ = ["toolset"]

toolset = Toolset("fundraising")

T = TypeVar("T")

BundleId = Annotated[Id, Field(description="From get_bundles or save_bundle.")]
NOT_FOUND = Missing("bundle", "bundle_id")
ReferenceKind = Literal[
    "all", "settings", "statuses", "code_campaigns", "membership_prices", "membership_price_groups", "donation_prices"
]
# Reference lists are short in practice; this only guards the result size.
_MAX_LISTED = 100
_MAX_HISTORY = 50


async def _checked(client: QomonClient, build: Callable[[FundraisingReference], T]) -> T:
    """`build` against the cached reference data; a refusal is rechecked once against fresh data,
    so that a price or code created minutes ago in the Qomon app is not refused."""
    reference = await fundraising_reference(client)
    try:
        return build(reference)
    except ToolError:
        if reference.fresh:
            raise
    return build(await fundraising_reference(client, refresh=True))


def _capped(items: list[T], what: str, kind: str, notes: list[str]) -> list[T]:
    """With kind "all", each list is capped; one list asked for by name comes whole."""
    if kind != "all" or len(items) <= _MAX_LISTED:
        return items
    notes.append(f"{len(items) - _MAX_LISTED} more {what} not shown; ask for kind={what!r}.")
    return items[:_MAX_LISTED]


@toolset.tool(
    title="Get fundraising reference data", read_only=True, destructive=False, idempotent=True, open_world=False
)
async def get_fundraising_reference(
    ctx: Context,
    kind: Annotated[
        ReferenceKind, Field(description="'all': what save_bundle needs; archived statuses only with 'statuses'.")
    ] = "all",
) -> ReferenceView:
    # Always fresh: the caller is looking, and the write checks then start from the same data.
    reference = await fundraising_reference(qomon_client(ctx), refresh=True)
    settings = reference.settings
    notes: list[str] = []
    view = ReferenceView()
    if kind in ("all", "settings"):
        view.payment_method_kinds = settings.payment_method_kinds
        view.default_status_id = settings.default_status_id
        view.currency = settings.currency
    if kind == "settings":
        view.settings = (
            settings.model_dump(exclude={"payment_method_kinds", "default_status_id", "currency"}, exclude_none=True)
            | settings.raw_fields
        )  # a setting in a shape nobody documented is still shown as sent
    if kind in ("all", "statuses"):
        statuses = reference.statuses if kind == "statuses" else [s for s in reference.statuses if not s.archived]
        view.statuses = [status_view(s) for s in _capped(statuses, "statuses", kind, notes)]
    if kind in ("all", "code_campaigns"):
        codes = [c.code for c in reference.code_campaigns if c.code]
        view.code_campaigns = _capped(codes, "code_campaigns", kind, notes)
    if kind in ("all", "membership_prices"):
        prices = _capped(reference.membership_prices, "membership_prices", kind, notes)
        view.membership_prices = [price_view(p, reference) for p in prices]
    if kind == "membership_price_groups":
        for group in _capped(reference.membership_price_groups, "membership_price_groups", kind, notes):
            ids = [p.id for p in group.membership_prices if p.id is not None]
            view.membership_price_groups.append(
                PriceView(id=group.id, name=group.name, hidden=group.hidden or None, price_ids=ids)
            )
    if kind in ("all", "donation_prices"):
        donation_prices = _capped(reference.donation_prices, "donation_prices", kind, notes)
        view.donation_prices = [price_view(p) for p in donation_prices]
    if kind == "all" and any(s.archived for s in reference.statuses):
        notes.append("Archived statuses are left out; ask for kind='statuses' to see them.")
    view.note = " ".join(notes) or None
    return view


@toolset.tool(
    title="Get transaction bundles",
    read_only=True,
    destructive=False,
    idempotent=True,
    open_world=False,
    not_found=NOT_FOUND,
)
async def get_bundles(
    ctx: Context,
    bundle_id: Annotated[Id | None, Field(description="One bundle; a page when omitted.")] = None,
    include_history: Annotated[bool, Field(description="With bundle_id.")] = False,
    contact_id: Annotated[Id | None, Field(description="Paid by or for this contact, within this page.")] = None,
    limit: Annotated[StrictInt, Field(ge=1, le=1000, description="Newest first.")] = 20,
    offset: Offset = 0,
) -> BundlesView:
    client = qomon_client(ctx)
    if include_history and bundle_id is None:
        raise ToolError("include_history needs a bundle_id; find bundle ids with get_bundles first.")
    reference = await fundraising_reference(client)
    if bundle_id is not None:
        bundle = await client.get_bundle(bundle_id)
        view = BundlesView(bundles=[bundle_view(bundle, reference)])
        if include_history:
            entries = await client.get_bundle_history(bundle_id)
            view.history = [history_view(e) for e in entries[-_MAX_HISTORY:]]
            if len(entries) > _MAX_HISTORY:
                view.note = f"The {len(entries) - _MAX_HISTORY} oldest history entries are left out."
        return view
    page = await client.list_bundles(limit=limit, offset=offset)
    bundles = page.bundles
    total = page.total if page.total is not None else offset + len(bundles)
    notes: list[str] = []
    if contact_id is not None:
        bundles = [b for b in bundles if _involves(b, contact_id)]
        notes.append(
            f"{len(bundles)} of the {len(page.bundles)} bundles on this page involve contact {contact_id} "
            "(the filter covers this page only)."
        )
    after = offset + len(page.bundles)
    if after < total:
        notes.append(f"{total - after} more of {total}; use offset={after}.")
    return BundlesView(bundles=[bundle_view(b, reference) for b in bundles], total=total, note=" ".join(notes))


def _involves(bundle: Bundle, contact_id: int) -> bool:
    items: list[Transaction | Membership | Donation] = [*bundle.transactions, *bundle.memberships, *bundle.donations]
    return any(str(item.contact_id) == str(contact_id) for item in items)


@toolset.tool(
    title="Record or update a payment (transaction bundle)",
    read_only=False,
    destructive=False,
    # Without bundle_id every call records a new payment.
    idempotent=False,
    open_world=False,
    not_found=NOT_FOUND,
)
async def save_bundle(
    ctx: Context,
    bundle_id: Annotated[Id | None, Field(description="The bundle to change; omit to record a new one.")] = None,
    transactions: Annotated[tuple[TransactionChange, ...], Field(max_length=20)] = (),
    memberships: Annotated[
        tuple[MembershipChange, ...], Field(max_length=20, description="Paid for by the transactions.")
    ] = (),
    donations: Annotated[
        tuple[DonationChange, ...], Field(max_length=20, description="Paid for by the transactions.")
    ] = (),
) -> BundleWritten:
    changes = {"transactions": transactions, "memberships": memberships, "donations": donations}
    if bundle_id is None:
        return await _record(qomon_client(ctx), changes)
    if not any(changes.values()):
        raise ToolError("Nothing to update: give at least one transaction, membership or donation change.")
    return await _update(qomon_client(ctx), bundle_id, changes)


Changes = dict[str, tuple[Any, ...]]


async def _record(client: QomonClient, changes: Changes) -> BundleWritten:
    if not changes["transactions"]:
        raise ToolError("A new payment needs at least one transaction; give transactions, or bundle_id to change one.")
    for array, items in changes.items():
        for index, item in enumerate(items):
            if item.id is not None:
                raise ToolError(
                    f"{array}[{index}] has an id, which only items of an existing bundle have; "
                    "give bundle_id to change that bundle, or omit the id to record a new item."
                )

    def build(reference: FundraisingReference) -> dict[str, list[dict[str, Any]]]:
        arrays: dict[str, list[dict[str, Any]]] = {}
        for array, items in changes.items():
            defaults = arrays["transactions"][0] if arrays else {}
            arrays[array] = [
                checked_item(array, f"{array}[{i}]", item.model_dump(exclude_none=True), reference, defaults)
                for i, item in enumerate(items)
            ]
        products_fit(arrays, reference.currency)
        return arrays

    arrays = await _checked(client, build)
    await require_contacts(client, changes)
    paid = money(sum(t["amount"] for t in arrays["transactions"]), arrays["transactions"][0]["currency"])
    try:
        bundle = await client.create_bundle(**arrays)
    except QomonError as error:
        how = "a look at the newest bundles (same payers, amounts and day)"
        bundle = await settle(
            error, RECORDS["bundle"], "create", lambda: find_bundle(client, arrays["transactions"]), how=how,
            look="the newest bundles, for these payers and amounts",
        )  # fmt: skip
        done = RECORDS["bundle"].done("create", how, error)
        return BundleWritten(bundle_id=bundle.id, summary=f"{done} Bundle {bundle.id}: {_count(arrays)}; {paid}.")
    return BundleWritten(bundle_id=bundle.id, summary=f"Recorded {_count(arrays)}; {paid} paid in all.")


def _count(arrays: dict[str, list[Any]]) -> str:
    parts = [f"{len(items)} {array[:-1] if len(items) == 1 else array}" for array, items in arrays.items() if items]
    return ", ".join(parts)


async def _update(client: QomonClient, bundle_id: int, changes: Changes) -> BundleWritten:
    with step("reading the bundle before the update"):
        bundle = await client.get_bundle(bundle_id)

    def build(reference: FundraisingReference) -> dict[str, list[dict[str, Any]]]:
        current = {array: [complete_item(array, item) for item in getattr(bundle, array)] for array in ARRAYS}
        defaults = current["transactions"][0] if current["transactions"] else {}
        sent: dict[str, list[dict[str, Any]]] = {array: [] for array in ARRAYS}
        after = {array: list(items) for array, items in current.items()}
        for array, items in changes.items():
            for index, change in enumerate(items):
                where = f"{array}[{index}]"
                fields = change.model_dump(exclude_none=True)
                item_id = fields.pop("id", None)
                if item_id is None:
                    item = checked_item(array, where, fields, reference, defaults)
                    after[array].append(item)
                else:
                    position = _position(bundle_id, array, current[array], item_id)
                    item = checked_item(array, where, fields, reference, {}, base=current[array][position])
                    after[array][position] = item
                sent[array].append(item)
        products_fit(after, reference.currency, before=current)
        return sent

    sent = await _checked(client, build)
    await require_contacts(client, changes)
    lost_note = await _update_once(client, bundle_id, {a: items for a, items in sent.items() if items}, bundle)
    updated = [
        f"{array[:-1]} {change.id} ({', '.join(sorted(change.model_dump(exclude_none=True, exclude={'id'})))})"
        for array, items in changes.items()
        for change in items
        if change.id is not None
    ]
    added = {a: [i for i in items if "id" not in i] for a, items in sent.items()}
    parts = ([f"changed {'; '.join(updated)}, other fields kept"] if updated else []) + (
        [f"added {_count(added)}"] if any(added.values()) else []
    )
    return BundleWritten(bundle_id=bundle_id, summary=f"{lost_note}Bundle {bundle_id}: {', '.join(parts)}.")


async def _update_once(
    client: QomonClient, bundle_id: int, sent: dict[str, list[dict[str, Any]]], before: Bundle | None
) -> str:
    """Send a bundle PATCH once; after a lost answer, re-read the bundle and say whether it holds the change.

    Returns "" when Qomon answered, or the note of a change found in place by the re-read."""
    try:
        await client.update_bundle(bundle_id, **sent)
    except QomonError as error:

        async def in_place() -> bool | None:
            return bundle_holds(await client.get_bundle(bundle_id), sent, before) or None

        record = RECORDS["bundle"]
        await settle(error, record, "change", in_place, how="a re-read", look=f"bundle {bundle_id}")
        return record.done("change", "a re-read", error) + " "
    return ""


def _position(bundle_id: int, array: str, items: list[dict[str, Any]], item_id: int) -> int:
    for position, item in enumerate(items):
        if str(item.get("id")) == str(item_id):
            return position
    ids = ", ".join(str(i.get("id")) for i in items) or "none"
    raise ToolError(
        f"{array[:-1].capitalize()} {item_id} is not part of bundle {bundle_id} (its {array}: {ids}); "
        "omit id to add a new one."
    )


@toolset.tool(
    title="Refund a transaction",
    read_only=False,
    destructive=True,
    idempotent=True,
    open_world=False,
    not_found=NOT_FOUND,
)
async def refund_bundle(
    bundle_id: BundleId,
    ctx: Context,
    plan: RefundPreview,
    approved: RefundApproval,
    transaction_id: Annotated[Id | None, Field(description="Needed when the bundle has several.")] = None,
    amount_cents: Annotated[
        PositiveCents | None,
        Field(
            description="Total refunded in cents, earlier refunds included; all when omitted.",
        ),
    ] = None,
    confirmation: Confirmation = None,
) -> BundleWritten:
    # The preview (refund_plan.py) read the bundle, checked the arguments and worked out the write.
    require_approval(approved, plan)
    transaction, currency = plan.transaction, plan.currency
    if not plan.asks:
        return BundleWritten(bundle_id=bundle_id, summary=f"Already refunded: {money(plan.refunded, currency)}.")
    sent = {"transactions": [transaction], **{a: items for a, items in plan.lowered.items() if items}}
    lost_note = await _update_once(qomon_client(ctx), bundle_id, sent, None)
    reduced = "; ".join(
        f"{array[:-1]} {item['id']} now {money(item['amount'], item.get('currency'))}"
        for array, items in plan.lowered.items()
        for item in items
    )
    summary = (
        f"Refunded {money(plan.refunded, currency)} of {money(plan.paid, currency)} on transaction "
        f"{transaction['id']} (status {plan.status.name})"
    )
    return BundleWritten(bundle_id=bundle_id, summary=lost_note + summary + (f"; {reduced}." if reduced else "."))


@toolset.tool(
    title="Delete a transaction bundle",
    read_only=False,
    destructive=True,
    idempotent=True,
    open_world=False,
    not_found=NOT_FOUND,
)
async def delete_bundle(
    bundle_id: BundleId,
    ctx: Context,
    target: BundlePreview,
    approved: BundleApproval,
    confirmation: Confirmation = None,
) -> BundleWritten:
    require_approval(approved, target)
    client = qomon_client(ctx)
    lost_note = ""
    try:
        await client.delete_bundle(bundle_id)
    except QomonError as error:
        check = lambda: gone(lambda: client.get_bundle(bundle_id))  # noqa: E731
        await settle(error, RECORDS["bundle"], "delete", check, how="a re-read", look=f"bundle {bundle_id}")
        lost_note = RECORDS["bundle"].done("delete", "a re-read", error) + " "
    return BundleWritten(
        bundle_id=bundle_id,
        summary=f"{lost_note}Deleted bundle {bundle_id} with all its transactions, memberships and donations.",
    )
