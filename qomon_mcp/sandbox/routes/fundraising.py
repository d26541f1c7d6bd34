"""Transaction bundles (create, list, get, additive PATCH, delete, history) and reference data.

History records every change, one entry per item touched, `kind` naming the
item ("transaction", "membership", "donation") as in the demo data: a creation
has `old` null, a deletion `new` null, an update both (an update that changes
nothing is not a change). A transaction whose status changes also gets a
"transaction_status" entry, old and new being `{"status_id": ...}` (shapes file,
"Types and rules": entry kinds include transaction_status). Deleting a bundle
logs the deletion of each of its items; its history stays readable, the bundle
does not. The history's `data` is a list of entries: the reference's example
shows one object, other sources a list; the emulator answers the list, the
complete history the docs describe ("Get transaction bundle history").
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from qomon_mcp.sandbox.rules.bundles import ITEM_KINDS, check_item, history_entry, status_entry, summary
from qomon_mcp.sandbox.rules.validation import check_unknown_keys, parse_iso
from qomon_mcp.sandbox.space import Space, utc_now_iso
from qomon_mcp.sandbox.web import (
    data_object,
    fail,
    json_body,
    not_found,
    page_params,
    path_id,
    space_of,
    success,
)

__all__ = ["HANDLERS"]

Record = dict[str, Any]
_ARRAYS = frozenset(ITEM_KINDS)


def _arrays(data: Record, *, extra: frozenset[str] = frozenset()) -> dict[str, list[Any]]:
    check_unknown_keys("", data, _ARRAYS | extra)
    arrays = {}
    for array in ITEM_KINDS:
        value = data.get(array)
        if value is not None and not isinstance(value, list):
            raise fail(422, **{array: "must be a list"})
        arrays[array] = value or []
    return arrays


def _bundle(space: Space, bundle_id: int) -> Record:
    bundle = space.bundles.get(bundle_id)
    if bundle is None:
        raise not_found()
    return bundle


def _new_item(space: Space, fields: Record, now: str) -> Record:
    return {"id": space.next_id(), **fields, "created_at": now}


def _log(space: Space, bundle_id: int, *entry: Any) -> None:
    space.bundle_history.setdefault(bundle_id, []).append(history_entry(space, bundle_id, *entry))


async def create_bundle(request: Request) -> Response:
    space = space_of(request)
    arrays = _arrays(await data_object(request))
    if not arrays["transactions"]:
        raise fail(422, transactions="at least one transaction is required")
    checked = {
        array: [check_item(space, array, i, item) for i, item in enumerate(items)] for array, items in arrays.items()
    }
    now = utc_now_iso(space)
    bundle_id = space.next_id()
    bundle: Record = {"id": bundle_id}
    for array, items in checked.items():
        bundle[array] = [_new_item(space, fields, now) for fields in items]
        for item in bundle[array]:
            _log(space, bundle_id, ITEM_KINDS[array][0], item["id"], None, copy.deepcopy(item), now)
    bundle.update(summary=summary(bundle), created_at=now)
    space.bundles[bundle_id] = bundle
    return success(bundle)


def _created(bundle: Record) -> tuple[datetime, int]:
    try:
        return parse_iso(bundle.get("created_at") or ""), bundle["id"]
    except ValueError:
        return datetime.min.replace(tzinfo=UTC), bundle["id"]


async def list_bundles(request: Request) -> Response:
    space = space_of(request)
    limit, offset = page_params(request)
    bundles = sorted(space.bundles.values(), key=_created, reverse=True)
    return success(bundles[offset : offset + limit], total=len(bundles))


async def get_bundle(request: Request) -> Response:
    return success(_bundle(space_of(request), path_id(request)))


def _bundle_id_in_body(body: Any, data: Record) -> Any:
    # docs, "Update and refund bundles": the id beside "data"; the reference's
    # example puts it inside "data" (shapes file, "Types and rules": both).
    top = body.get("id") if isinstance(body, dict) else None
    inner = data.get("id")
    if top is not None and inner is not None and top != inner:
        raise fail(422, id="the bundle id is given twice, with two values")
    return top if top is not None else inner


async def update_bundle(request: Request) -> Response:
    space = space_of(request)
    bundle_id = path_id(request)
    bundle = _bundle(space, bundle_id)
    body = await json_body(request)
    if isinstance(body, dict):
        check_unknown_keys("", body, frozenset({"id", "data"}))
    data = await data_object(request)
    # A body naming another bundle than the path is refused rather than guessed at.
    if _bundle_id_in_body(body, data) not in (None, bundle_id):
        raise fail(422, id="does not match the bundle in the path")
    arrays = _arrays(data, extra=frozenset({"id"}))
    # docs, "Update a transaction bundle": additive; an item with an id is updated,
    # one without is added, an item not sent is left alone.
    plan: list[tuple[str, Record | None, Record]] = []
    for array, items in arrays.items():
        own = {item["id"]: item for item in bundle[array]}
        for index, item in enumerate(items):
            target = None
            if isinstance(item, dict) and item.get("id") is not None:
                target = own.get(item["id"])
                if target is None:
                    raise fail(422, **{f"{array}[{index}].id": f"is not a {ITEM_KINDS[array][0]} of this bundle"})
            plan.append((array, target, check_item(space, array, index, item, target=target)))
    now = utc_now_iso(space)
    for array, target, fields in plan:
        kind = ITEM_KINDS[array][0]
        if target is None:
            item = _new_item(space, fields, now)
            bundle[array].append(item)
            _log(space, bundle_id, kind, item["id"], None, copy.deepcopy(item), now)
            continue
        if all(target.get(k) == v for k, v in fields.items()):
            continue
        old = copy.deepcopy(target)
        target.update(fields)
        _log(space, bundle_id, kind, target["id"], old, copy.deepcopy(target), now)
        if kind == "transaction" and old.get("status_id") != target.get("status_id"):
            history = space.bundle_history.setdefault(bundle_id, [])
            history.append(status_entry(space, bundle_id, target["id"], old["status_id"], target["status_id"], now))
    bundle["summary"] = summary(bundle)
    return success(bundle)


async def delete_bundle(request: Request) -> Response:
    space = space_of(request)
    bundle_id = path_id(request)
    bundle = _bundle(space, bundle_id)
    now = utc_now_iso(space)
    for array, (kind, _, _) in ITEM_KINDS.items():
        for item in bundle[array]:
            _log(space, bundle_id, kind, item["id"], copy.deepcopy(item), None, now)
    del space.bundles[bundle_id]
    # shapes file, "Types and rules": this delete answers 200 with a JSON body, not 204.
    return success({"id": bundle_id})


async def get_bundle_history(request: Request) -> Response:
    space = space_of(request)
    bundle_id = path_id(request)
    if bundle_id not in space.bundles and bundle_id not in space.bundle_history:
        raise not_found()
    return success(space.bundle_history.get(bundle_id, []))


async def get_transaction_settings(request: Request) -> Response:
    return success(space_of(request).transaction_settings)


def _reference(attribute: str):
    async def handler(request: Request) -> Response:
        records = getattr(space_of(request), attribute)
        limit, offset = page_params(request)
        return success(records[offset : offset + limit], total=len(records))

    return handler


HANDLERS = {
    "create_bundle": create_bundle,
    "list_bundles": list_bundles,
    "get_bundle": get_bundle,
    "update_bundle": update_bundle,
    "delete_bundle": delete_bundle,
    "get_bundle_history": get_bundle_history,
    "get_transaction_settings": get_transaction_settings,
    "list_transaction_statuses": _reference("transaction_statuses"),
    "list_code_campaigns": _reference("code_campaigns"),
    "list_membership_prices": _reference("membership_prices"),
    "list_membership_price_groups": _reference("membership_price_groups"),
    "list_donation_prices": _reference("donation_prices"),
}
