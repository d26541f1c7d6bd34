"""The reads `qomon-mcp doctor` makes, each once, and where each answer keeps its records.

Every read goes through the client's own method (so a read "works" exactly when
a tool's call would); `keys` repeat where that method looks for the records in
the answer's `data`, so that the raw answer can be checked field by field
against the same model.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.models import (
    ActionAggregate,
    Bundle,
    CodeCampaign,
    Contact,
    DonationPrice,
    Form,
    MembershipPrice,
    MembershipPriceGroup,
    Role,
    Team,
    TransactionSettings,
    TransactionStatus,
    User,
)
from qomon_mcp.spec.endpoints import endpoint
from qomon_mcp.spec.vocabulary import FORM_TYPES, FormType

from .shapes import Mismatch, describe, json_type, mismatches

__all__ = ["READS", "Read", "count_of", "records_mismatches"]

# A search that matches everyone, one small page: enough to see a contact's shape.
_EVERYONE: dict[str, Any] = {"$all": []}
_PAGE = 20


@dataclass(frozen=True, slots=True)
class Read:
    label: str
    endpoint: str
    call: Callable[[QomonClient], Awaitable[Any]]
    model: type[BaseModel] | None
    keys: tuple[str, ...] = ()
    one: bool = False
    fundraising: bool = False
    # How the client reads an item that is not an object on purpose (code campaigns as bare strings).
    bare: Callable[[Any], Any] | None = None
    path_params: tuple[tuple[str, str], ...] = ()

    @property
    def request(self) -> str:
        spec = endpoint(self.endpoint)
        return f"{spec.method} {spec.route.format(**dict(self.path_params))}"


def _forms(form_type: FormType) -> Read:
    return Read(
        f"forms: {form_type}",
        "list_forms",
        lambda client: client.list_forms(form_type),
        Form,
        ("forms",),
        path_params=(("type", form_type),),
    )


def _code(item: Any) -> Any:
    return {"code": item} if isinstance(item, str) else item


READS: tuple[Read, ...] = (
    # First: a 401 here is about the key or the region, and nothing else is tried.
    Read("roles", "list_roles", lambda c: c.list_roles(), Role, ("roles",)),
    Read("users", "list_users", lambda c: c.list_users(limit=_PAGE), User, ("users",)),
    Read("teams", "list_teams", lambda c: c.list_teams(), Team, ("teams",)),
    Read(
        "actions",
        "list_actions",
        lambda c: c.list_actions(),
        ActionAggregate,
        ("ActionsAggreg", "actionsAggreg", "actions"),
    ),
    *(_forms(form_type) for form_type in FORM_TYPES),
    Read(
        "search (one page)",
        "search_contacts",
        lambda c: c.search_contacts(_EVERYONE, per_page=_PAGE),
        Contact,
        ("contacts",),
    ),
    Read("count", "count_contacts", lambda c: c.count_contacts(_EVERYONE), None),
    # Fundraising: the settings first; a 403 there means the add-on is off, and the rest is not tried.
    Read(
        "fundraising settings",
        "get_transaction_settings",
        lambda c: c.get_transaction_settings(),
        TransactionSettings,
        ("transaction_settings", "settings"),
        one=True,
        fundraising=True,
    ),
    Read(
        "transaction statuses",
        "list_transaction_statuses",
        lambda c: c.list_transaction_statuses(),
        TransactionStatus,
        ("transaction_statuses", "statuses"),
        fundraising=True,
    ),
    Read(
        "code campaigns",
        "list_code_campaigns",
        lambda c: c.list_code_campaigns(),
        CodeCampaign,
        ("code_campaigns",),
        fundraising=True,
        bare=_code,
    ),
    Read(
        "membership prices",
        "list_membership_prices",
        lambda c: c.list_membership_prices(),
        MembershipPrice,
        ("membership_prices",),
        fundraising=True,
    ),
    Read(
        "membership price groups",
        "list_membership_price_groups",
        lambda c: c.list_membership_price_groups(),
        MembershipPriceGroup,
        ("membership_price_groups",),
        fundraising=True,
    ),
    Read(
        "donation prices",
        "list_donation_prices",
        lambda c: c.list_donation_prices(),
        DonationPrice,
        ("donation_prices",),
        fundraising=True,
    ),
    Read(
        "bundles (one page)",
        "list_bundles",
        lambda c: c.list_bundles(limit=_PAGE),
        Bundle,
        ("bundles", "transaction_bundles"),
        fundraising=True,
    ),
)


def records_mismatches(read: Read, body: Any) -> list[Mismatch]:
    """Where the raw answer `body` of `read` differs from what its model expects."""
    if read.model is None:
        return []
    model = read.model
    enveloped = isinstance(body, dict) and "data" in body
    data = body["data"] if enveloped else body
    key = next((k for k in read.keys if k in data), None) if isinstance(data, dict) else None
    value = data[key] if key is not None else data
    path = ".".join(part for part in ("data" if enveloped else "", key or "") if part)
    if read.one:
        if isinstance(value, list):
            value = next((item for item in value if isinstance(item, dict)), None)
        if not isinstance(value, dict):
            return [Mismatch(path or "(answer)", describe(model), json_type(value))]
        return mismatches(model, value, path)
    if value is None:
        return []
    if isinstance(value, dict):
        # One record sent bare, as the client reads it; or an envelope holding the list under another name.
        lists = [v for v in value.values() if isinstance(v, list)]
        if key is None and len(lists) == 1 and not set(value) & set(model.model_fields):
            value, path = lists[0], f"{path}.(list)" if path else "(list)"
        else:
            value = [value]
    if not isinstance(value, list):
        return [Mismatch(path or "(answer)", f"list of {describe(model)}s", json_type(value))]
    found: list[Mismatch] = []
    for item in value:
        item = read.bare(item) if read.bare else item
        found += mismatches(model, item, f"{path}[]")
    return found


def count_of(result: Any) -> int | None:
    """How many records a client method returned (a total for a count)."""
    if isinstance(result, int):
        return result
    for attribute in ("users", "bundles"):
        if hasattr(result, attribute):
            return len(getattr(result, attribute))
    return len(result) if isinstance(result, list) else 1 if result is not None else None
