"""The fundraising add-on of a demo space: reference data and three years of bundles.

Bundles are planned first and created in date order, so that bundle ids grow
with creation time as on a live space. Memberships cover the anchor's year and
the two before it (2024-2026 with the default anchor); a few members hold two
memberships in one year, and about one bundle in twelve is paid by someone
other than its beneficiary (the docs' "Tiers Payant").
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from qomon_mcp.sandbox.seed.common import Clock, iso
from qomon_mcp.sandbox.space import Space

__all__ = ["add_fundraising"]

Record = dict[str, Any]

# Reference data keeps small fixed ids, the ones the docs' examples use: status 2
# is the reimbursed status of the refund example, membership price 10 and
# donation price 20 those of the bundle examples.
_STATUS_IDS, _GROUP_IDS, _MEMBERSHIP_PRICE_IDS, _DONATION_PRICE_IDS = 1, 30, 10, 20

# (name, color, kind, archived). shapes file, "Types and rules": a status kind is
# valid, unpaid, reimbursed, bank_error or other; the docs' "Reference data" table
# also has `cancel` (a transaction search ignores), kept so both readings are seen.
_STATUSES = (
    ("Validated", "#43A047", "valid", False),
    ("Reimbursed", "#8E24AA", "reimbursed", False),
    ("Unpaid", "#FB8C00", "unpaid", False),
    ("Bank error", "#E53935", "bank_error", False),
    ("Cancelled", "#757575", "cancel", False),
    ("Pending verification", "#1E88E5", "other", False),
    ("Legacy import", "#9E9E9E", "valid", True),
)
_STATUS_WEIGHTS = (88, 3, 4, 2, 2, 1)
# group -> [(name, amount in cents, custom amount allowed, hidden, rolling, weight)]
# shapes file, "Types and rules": a membership price's kind is "" or "multi" (for
# couples), its rolling_period and duration strings such as "Y".
_MULTI_PRICES = {"Couple", "Family"}
_MEMBERSHIP_GROUPS = (
    (
        "Individual",
        False,
        [
            ("Standard", 3000, False, False, False, 50),
            ("Reduced rate", 1000, False, False, False, 20),
            ("Supporter", 6000, True, False, False, 10),
        ],
    ),
    (
        "Couple and family",
        False,
        [("Couple", 4500, False, False, False, 8), ("Family", 6000, False, False, False, 5)],
    ),
    ("Rolling", False, [("12-month membership", 3000, False, False, True, 7)]),
    ("Legacy", True, [("Founding member", 2000, False, True, False, 0)]),
)
# (name, amount, custom amount allowed, hidden, weight, kind); shapes file, "Types
# and rules": a donation price's kind is federation, elected or donation.
_DONATION_PRICES = (
    ("Free donation", 0, True, False, 60, "donation"),
    ("Small gift", 2000, False, False, 20, "donation"),
    ("Supporter gift", 5000, False, False, 12, "donation"),
    ("Major gift", 10000, False, False, 8, "donation"),
    ("Elected officials' contribution", 15000, False, True, 0, "elected"),
)
_FREE_AMOUNTS = (
    (500, 10),
    (1000, 20),
    (1500, 8),
    (2000, 18),
    (3000, 10),
    (5000, 14),
    (10000, 10),
    (25000, 5),
    (50000, 3),
    (100000, 2),
)
_AFFECTATIONS = ("General fund", "Local section", "Election campaign", "Legal defence fund")
_COMMENTS = ("Paid at the stall", "Online form", "Cheque received by post", "Gala evening", "Renewal")
_METHODS = {
    "eu": (("CB", 45), ("cheque", 20), ("sepa", 15), ("transfer", 12), ("cash", 8)),
    "us": (("CB", 55), ("cheque", 25), ("transfer", 12), ("cash", 8)),
}


def add_fundraising(space: Space, rng: random.Random, clock: Clock, bundles: int) -> None:
    currency = "usd" if space.region == "us" else "eur"
    year = clock.anchor.year
    years = (year - 2, year - 1, year)
    space.transaction_statuses = [
        {"id": i, "name": n, "color": c, "kind": k, "archived": a}
        for i, (n, c, k, a) in enumerate(_STATUSES, start=_STATUS_IDS)
    ]
    prices: list[tuple[Record, float, bool]] = []
    for name, hidden, items in _MEMBERSHIP_GROUPS:
        group: Record = {
            "id": _GROUP_IDS + len(space.membership_price_groups),
            "name": name,
            "hidden": hidden,
            "membership_prices": [],
        }
        for pname, amount, custom, phidden, rolling, weight in items:
            price = {
                "id": _MEMBERSHIP_PRICE_IDS + len(space.membership_prices),
                "name": pname,
                "amount": amount,
                "currency": currency,
                "allow_custom_amount": custom,
                "hidden": phidden,
                "membership_price_group_id": group["id"],
                "kind": "multi" if pname in _MULTI_PRICES else "",
                "rolling_period": "Y" if rolling else "",
                "duration": "Y" if rolling else "",
            }
            group["membership_prices"].append(price)
            space.membership_prices.append(price)
            prices.append((price, weight, rolling))
        space.membership_price_groups.append(group)
    for name, amount, custom, hidden, _, kind in _DONATION_PRICES:
        space.donation_prices.append(
            {
                "id": _DONATION_PRICE_IDS + len(space.donation_prices),
                "name": name,
                "amount": amount,
                "currency": currency,
                "allow_custom_amount": custom,
                "hidden": hidden,
                "kind": kind,
            }
        )
    codes = {y: [f"GALA{y}", f"SPRING{y % 100:02d}"] for y in years}
    space.code_campaigns = [{"code": c} for y in years for c in codes[y]] + [
        {"code": "WEB"},
        {"code": "PHONE"},
    ]
    plans = _plan(space, rng, clock, bundles, years)
    maker = _BundleMaker(space, rng, clock, currency, prices, codes)
    for plan in sorted(plans, key=lambda p: p["created"]):
        maker.make(plan)
    space.transaction_settings = {
        "payment_method_kinds": [m for m, _ in _METHODS[space.region]],
        "default_status_id": space.transaction_statuses[0]["id"],
        "default_membership_price_id": space.membership_prices[0]["id"],
        "default_donation_price_id": space.donation_prices[0]["id"],
        "currency": currency,
        "max_batch_size": 100,
        "batch_prefix": "LOT" if space.region == "eu" else "BATCH",
        "batch_serial": len(space.bundles) // 25 + 1,
        "membership_prefix": "ADH" if space.region == "eu" else "MEM",
        "membership_serial": maker.memberships + 1,
        # shapes file, "Types and rules": open_periods and additional_settings are objects
        # (here the open accounting years, keyed by year).
        "open_periods": {
            str(y): {"start_date": f"{y}-01-01T00:00:00Z", "end_date": f"{y}-12-31T23:59:59Z"} for y in years[1:]
        },
        "additional_settings": {},
    }


def _plan(space: Space, rng: random.Random, clock: Clock, count: int, years: tuple[int, ...]) -> list[Record]:
    contacts = list(space.contacts.values())
    members = [c["id"] for c in contacts if any(t["name"] == "member" for t in c["tags"])]
    donors = [c["id"] for c in contacts if any(t["name"] == "donor" for t in c["tags"])]
    anyone = [c["id"] for c in contacts]
    # Tagged supporters give most of the money, but not all of it: tags lag behind reality.
    members += rng.sample(anyone, k=min(len(anyone), len(members) // 5 + 1))
    donors += rng.sample(anyone, k=min(len(anyone), len(donors) // 4 + 1))
    families = defaultdict(list)
    for c in contacts:
        families[c["surname"]].append(c["id"])
    first_day = datetime(years[0], 1, 1)
    plans = []
    for _ in range(count):
        date = clock.ago(rng, 3 * 365, 0.2)
        roll = rng.random()
        membership, donation = roll < 0.55, roll >= 0.45
        beneficiary = rng.choice(members if membership else donors)
        payer = beneficiary
        if rng.random() < 0.08:
            relatives = [i for i in families[space.contacts[beneficiary]["surname"]] if i != beneficiary]
            payer = rng.choice(relatives) if relatives else rng.choice(anyone)
        plans.append(
            {
                "date": date,
                "payer": payer,
                "beneficiary": beneficiary,
                "membership": membership,
                "donation": donation,
                "split": rng.random() < 0.03,
                "year": max(date.year, years[0]),
                "early": date < first_day,
            }
        )
    # Members who took a second membership later in the same year (an upgrade or a duplicate).
    in_year = [p for p in plans if p["membership"] and not p["early"] and p["date"] < clock.days(-30)]
    for plan in rng.sample(in_year, k=min(len(in_year), max(2, count // 100))):
        year_end = min(clock.anchor - timedelta(hours=1), datetime(plan["year"], 12, 31, 12))
        date = clock.between(rng, plan["date"] + timedelta(days=1), year_end)
        plans.append(
            {
                **plan,
                "date": date,
                "payer": plan["beneficiary"],
                "donation": False,
                "split": False,
                "upgrade": True,
            }
        )
    # Payments are keyed in up to three days after they are made.
    for plan in plans:
        plan["created"] = min(clock.anchor, plan["date"] + timedelta(seconds=rng.randint(60, 3 * 86400)))
    return plans


class _BundleMaker:
    def __init__(
        self,
        space: Space,
        rng: random.Random,
        clock: Clock,
        currency: str,
        prices: list[tuple[Record, float, bool]],
        codes: dict[int, list[str]],
    ) -> None:
        self.space, self.rng, self.clock, self.currency, self.codes = space, rng, clock, currency, codes
        self.prices = [(p, w, rolling) for p, w, rolling in prices if w > 0]
        self.legacy_price = next(p for p, w, _ in prices if w == 0)
        self.statuses = {s["name"]: s for s in space.transaction_statuses}
        self.live_statuses = [s for s in space.transaction_statuses if not s["archived"]]
        self.donation_prices = [p for p in space.donation_prices if not p["hidden"]]
        self.methods = _METHODS[space.region]
        self.memberships = 0

    def make(self, plan: Record) -> None:
        space = self.space
        date: datetime = plan["date"]
        created = plan["created"]
        bundle_id = space.next_id()
        memberships = [self._membership(plan, created)] if plan["membership"] else []
        donations = [self._donation(plan, created)] if plan["donation"] else []
        total = sum(i["amount"] for i in memberships + donations)
        status = self._status(date)
        refunded = status["kind"] == "reimbursed"
        # A refunded bundle was first recorded as paid; the refund comes as a later change.
        first_status = self.statuses["Validated"] if refunded else status
        parts = [total] if not plan["split"] or total < 200 else [total // 2, total - total // 2]
        transactions = [self._transaction(plan, amount, first_status, created) for amount in parts]
        history = [
            self._entry(bundle_id, created, kind, item)
            for kind, items in (
                ("transaction", transactions),
                ("membership", memberships),
                ("donation", donations),
            )
            for item in items
        ]
        if refunded:
            history += self._refund(bundle_id, created, status, transactions, memberships + donations)
        space.bundles[bundle_id] = {
            "id": bundle_id,
            "transactions": transactions,
            "memberships": memberships,
            "donations": donations,
            "summary": {
                "transactions_count": len(transactions),
                "memberships_count": len(memberships),
                "donations_count": len(donations),
            },
            "created_at": iso(created),
        }
        space.bundle_history[bundle_id] = history

    def _membership(self, plan: Record, created: datetime) -> Record:
        rng, year = self.rng, plan["year"]
        price, _, rolling = rng.choices(self.prices, weights=[w for _, w, _ in self.prices])[0]
        if plan.get("upgrade"):
            price, rolling = next(p for p, _, _ in self.prices if p["name"] == "Supporter"), False
        elif plan["early"] and rng.random() < 0.3:
            price, rolling = self.legacy_price, False
        if rolling and not plan["early"]:
            start = plan["date"].replace(hour=0, minute=0, second=0)
            end = start + timedelta(days=365)
        else:
            rolling = False
            start, end = datetime(year, 1, 1), datetime(year, 12, 31)
        amount = rng.choice((6000, 8000, 10000)) if price["allow_custom_amount"] else price["amount"]
        self.memberships += 1
        return {
            "id": self.space.next_id(),
            "contact_id": plan["beneficiary"],
            "membership_price_id": price["id"],
            "start_date": iso(start),
            "end_date": iso(end),
            "amount": amount,
            "amount_initial": amount,
            "currency": self.currency,
            "comment": "Upgrade to the supporter rate" if plan.get("upgrade") else None,
            "rolling_year": rolling,
            "created_at": iso(created),
        }

    def _donation(self, plan: Record, created: datetime) -> Record:
        rng = self.rng
        price = rng.choices(self.donation_prices, weights=[w for _, _, _, _, w, _ in _DONATION_PRICES if w])[0]
        if price["allow_custom_amount"]:
            amount = rng.choices([a for a, _ in _FREE_AMOUNTS], weights=[w for _, w in _FREE_AMOUNTS])[0]
        else:
            amount = price["amount"]
        return {
            "id": self.space.next_id(),
            "contact_id": plan["beneficiary"],
            "donation_price_id": price["id"],
            "date": iso(plan["date"]),
            "amount": amount,
            "amount_initial": amount,
            "currency": self.currency,
            "affectation": rng.choice(_AFFECTATIONS) if rng.random() < 0.4 else None,
            "comment": rng.choice(_COMMENTS) if rng.random() < 0.1 else None,
            "created_at": iso(created),
        }

    def _status(self, date: datetime) -> Record:
        if date.year < self.clock.anchor.year - 2 and self.rng.random() < 0.2:
            return self.statuses["Legacy import"]
        return self.rng.choices(self.live_statuses, weights=_STATUS_WEIGHTS)[0]

    def _transaction(self, plan: Record, amount: int, status: Record, created: datetime) -> Record:
        rng = self.rng
        method = rng.choices([m for m, _ in self.methods], weights=[w for _, w in self.methods])[0]
        codes = [*self.codes.get(plan["date"].year, []), "WEB", "PHONE"]
        return {
            "id": self.space.next_id(),
            "contact_id": plan["payer"],
            "amount": amount,
            "currency": self.currency,
            "payment_method_kind": method,
            "date": iso(plan["date"]),
            "status_id": status["id"],
            "code_campaign": rng.choice(codes) if rng.random() < 0.35 else None,
            "comment": rng.choice(_COMMENTS) if rng.random() < 0.1 else None,
            "external_transaction_id": rng.randint(10**8, 10**9 - 1) if method == "CB" and rng.random() < 0.7 else None,
            "reimbursed_amount": 0,
            "unpaid_amount": amount if status["kind"] == "unpaid" else 0,
            "created_at": iso(created),
        }

    def _refund(
        self,
        bundle_id: int,
        created: datetime,
        status: Record,
        transactions: list[Record],
        products: list[Record],
    ) -> list[Record]:
        """Patch the bundle as the docs describe a refund, and log each change."""
        rng, entries = self.rng, []
        when = min(self.clock.anchor, created + timedelta(days=rng.randint(1, 60)))
        for tx in transactions:
            refund = tx["amount"] if rng.random() < 0.6 else tx["amount"] // 2
            old = dict(tx)
            tx["status_id"], tx["reimbursed_amount"] = status["id"], refund
            entries.append({**self._entry(bundle_id, when, "transaction", tx), "old": old})
            # shapes file, "Types and rules": a status change has an entry of its own.
            status_change = {"old": {"status_id": old["status_id"]}, "new": {"status_id": status["id"]}}
            entries.append({**self._entry(bundle_id, when, "transaction_status", tx), **status_change})
            for product in products:
                cut = min(refund, product["amount"])
                if cut:
                    old = dict(product)
                    product["amount"] -= cut
                    refund -= cut
                    kind = "membership" if "membership_price_id" in product else "donation"
                    entries.append({**self._entry(bundle_id, when, kind, product), "old": old})
        return entries

    def _entry(self, bundle_id: int, when: datetime, kind: str, item: Record) -> Record:
        return {
            "id": self.space.next_id(),
            "CreatedAt": iso(when),
            "transaction_bundle_id": bundle_id,
            "kind": kind,
            "target_id": item["id"],
            "old": None,
            "new": dict(item),
        }
