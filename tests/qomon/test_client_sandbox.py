"""Every search example of Qomon's docs, sent verbatim by the client to the demo sandbox.

Each expectation is computed here, in plain Python over the seeded records
(`sandbox.space_for(key)`), from the docs' description of the example, and
never through the sandbox's own search code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.sandbox.space import Space
from tests.qomon.sandbox_client import connect
from tests.spaces import demo_sandbox

KEY = DEMO_KEYS["eu"]
Record = dict[str, Any]

# The `data` of each request body, copied from the docs.
POLLING = {
    "advanced_search": {
        "page": 0,
        "per_page": 1000,
        "query": {"$all": [{"$all": [{"$condition": {"attr": "UpdatedAt", "ope": "gte", "value": "now-1d/d"}}]}]},
    }
}
MINIMUM = {
    "advanced_search": {
        "per_page": 100,
        "query": {"$all": [{"$all": [{"$condition": {"attr": "address.city", "ope": "eql", "value": "Paris"}}]}]},
    }
}
PARIS_MOBILE_VOLUNTEER_OR_DONOR = {
    "advanced_search": {
        "per_page": 100,
        "query": {
            "$all": [
                {
                    "$all": [
                        {"$condition": {"attr": "address.city", "ope": "eql", "value": "Paris"}},
                        {"$condition": {"attr": "mobile", "ope": "ext"}},
                    ]
                },
                {
                    "$at_least_one": [
                        {"$condition": {"attr": "tags.name", "ope": "eql", "value": "volunteer"}},
                        {"$condition": {"attr": "tags.name", "ope": "eql", "value": "donor"}},
                    ]
                },
            ]
        },
    }
}
CURRENT_MEMBERS = {
    "advanced_search": {
        "per_page": 100,
        "query": {
            "$all": [
                {
                    "$all": [
                        {"$condition": {"attr": "memberships.start_date", "ope": "lte", "value": "now"}},
                        {"$condition": {"attr": "memberships.end_date", "ope": "gte", "value": "now"}},
                    ]
                }
            ]
        },
    }
}
DONATED_100 = {
    "advanced_search": {
        "per_page": 100,
        "query": {"$all": [{"$all": [{"$condition": {"attr": "donations.sum_amount", "ope": "gte", "value": "100"}}]}]},
    }
}
CAMPAIGN_42_DELIVERED_NOT_OPENED = {
    "advanced_search": {
        "per_page": 100,
        "query": {
            "$all": [
                {
                    "$all": [
                        {"$condition": {"attr": "emails.campaign_id", "ope": "eql", "value": "42"}},
                        {"$condition": {"attr": "emails.delivered_at", "ope": "ext"}},
                        {"$condition": {"attr": "emails.opened_at", "ope": "not_ext"}},
                    ]
                }
            ]
        },
    }
}
MEMBERS_2024_WHO_DONATED = {
    "advanced_search": {
        "per_page": 100,
        "query": {
            "$all": [
                {"$all": [{"$condition": {"attr": "memberships.period", "ope": "eql", "value": "2024"}}]},
                {"$all": [{"$condition": {"attr": "donations.count_amount", "ope": "gte", "value": "1"}}]},
            ]
        },
    }
}
PARIS_OR_LYON_WITH_MOBILE = {
    "advanced_search": {
        "per_page": 100,
        "query": {
            "$all": [
                {
                    "$at_least_one": [
                        {"$condition": {"attr": "address.city", "ope": "eql", "value": "Paris"}},
                        {"$condition": {"attr": "address.city", "ope": "eql", "value": "Lyon"}},
                    ]
                },
                {"$all": [{"$condition": {"attr": "mobile", "ope": "ext"}}]},
            ]
        },
    }
}
EMAIL_CONSENT = {
    "advanced_search": {
        "per_page": 100,
        "query": {
            "$all": [
                {
                    "$all": [
                        {
                            "$condition": {
                                "attr": "form",
                                "form_id": 4530,
                                "form_ref_ids": [7486],
                                "ope": "eql",
                                "value": "consent_email",
                            }
                        }
                    ]
                }
            ]
        },
    }
}


# What the seeded records say, read by hand.


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _city(contact: Record) -> str:
    return ((contact.get("address") or {}).get("city") or "").casefold()


def _filled(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _items(space: Space, array: str) -> Iterator[Record]:
    for bundle in space.bundles.values():
        yield from bundle.get(array) or []


def _by_beneficiary(space: Space, array: str) -> dict[int, list[Record]]:
    owners: dict[int, list[Record]] = {}
    for item in _items(space, array):
        owners.setdefault(item["contact_id"], []).append(item)
    return owners


def updated_since_yesterday(space: Space, now: datetime) -> set[int]:
    start_of_yesterday = (now - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return {cid for cid, c in space.contacts.items() if _at(c["UpdatedAt"]) >= start_of_yesterday}


def in_paris(space: Space, now: datetime) -> set[int]:
    return {cid for cid, c in space.contacts.items() if _city(c) == "paris"}


def paris_mobile_volunteer_or_donor(space: Space, now: datetime) -> set[int]:
    return {
        cid
        for cid, c in space.contacts.items()
        if _city(c) == "paris"
        and _filled(c.get("mobile"))
        and {(t.get("name") or "").casefold() for t in c.get("tags") or []} & {"volunteer", "donor"}
    }


def current_members(space: Space, now: datetime) -> set[int]:
    members = _by_beneficiary(space, "memberships")
    return {
        cid
        for cid, items in members.items()
        if cid in space.contacts and any(_at(m["start_date"]) <= now <= _at(m["end_date"]) for m in items)
    }


def donated_at_least_100_euros(space: Space, now: datetime) -> set[int]:
    donors = _by_beneficiary(space, "donations")
    return {cid for cid, items in donors.items() if cid in space.contacts and sum(d["amount"] for d in items) >= 10000}


def campaign_42_delivered_not_opened(space: Space, now: datetime) -> set[int]:
    return {
        cid
        for cid, emails in space.emails.items()
        if cid in space.contacts
        and any(str(e.get("campaign_id")) == "42" and e.get("delivered_at") and not e.get("opened_at") for e in emails)
    }


def members_2024_who_donated(space: Space, now: datetime) -> set[int]:
    members = _by_beneficiary(space, "memberships")
    donors = _by_beneficiary(space, "donations")
    return {
        cid
        for cid, items in members.items()
        if cid in space.contacts
        and donors.get(cid)
        and any(_at(m["start_date"]).year <= 2024 <= _at(m["end_date"]).year for m in items)
    }


def paris_or_lyon_with_mobile(space: Space, now: datetime) -> set[int]:
    return {cid for cid, c in space.contacts.items() if _city(c) in ("paris", "lyon") and _filled(c.get("mobile"))}


def consented_to_email(space: Space, now: datetime) -> set[int]:
    def answered(contact: Record) -> bool:
        answers = [a for a in contact.get("formdatas") or [] if a["form_id"] == 4530 and not a.get("deleted_at")]
        chosen = [a for a in answers if a["form_ref_id"] == 7486]
        return any(str(a.get("data")).casefold() == "consent_email" for a in chosen)

    return {cid for cid, c in space.contacts.items() if answered(c)}


EXAMPLES: list[tuple[Record, Callable[[Space, datetime], set[int]]]] = [
    (POLLING, updated_since_yesterday),
    (MINIMUM, in_paris),
    (PARIS_MOBILE_VOLUNTEER_OR_DONOR, paris_mobile_volunteer_or_donor),
    (CURRENT_MEMBERS, current_members),
    (DONATED_100, donated_at_least_100_euros),
    (CAMPAIGN_42_DELIVERED_NOT_OPENED, campaign_42_delivered_not_opened),
    (MEMBERS_2024_WHO_DONATED, members_2024_who_donated),
    (PARIS_OR_LYON_WITH_MOBILE, paris_or_lyon_with_mobile),
    (EMAIL_CONSENT, consented_to_email),
]
IDS = [
    "polling-updated-since-yesterday",
    "minimum-shape-paris",
    "paris-mobile-volunteer-or-donor",
    "membership-current",
    "donations-sum-100-euros",
    "campaign-42-delivered-not-opened",
    "members-2024-who-donated",
    "paris-or-lyon-with-mobile",
    "form-consent-email",
]


@pytest.fixture(scope="module")
def demo() -> Sandbox:
    # Laid out around, and pinned at, seed.DEFAULT_NOW: "now" in a query is the space's clock.
    return demo_sandbox(burst=100_000, rate=100_000)


async def _all_pages(client: QomonClient, advanced_search: Record) -> tuple[list[int], list[int]]:
    """The first page as sent verbatim, and every matching id, paging on until a short page."""
    first = [int(c.id or 0) for c in await client.search_contacts(**advanced_search)]
    found, page = list(first), advanced_search.get("page", 0)
    last_size = len(first)
    while last_size == advanced_search["per_page"]:
        page += 1
        contacts = await client.search_contacts(**{**advanced_search, "page": page})
        found += [int(c.id or 0) for c in contacts]
        last_size = len(contacts)
    return first, found


@pytest.mark.anyio
@pytest.mark.parametrize(("body", "expected"), EXAMPLES, ids=IDS)
async def test_each_docs_search_example_finds_exactly_the_seeded_contacts(
    demo: Sandbox, body: Record, expected: Callable[[Space, datetime], set[int]]
) -> None:
    wanted = expected(demo.space_for(KEY), demo.space_for(KEY).now())
    assert wanted, "the demo seed should give every docs example something to find"
    async with connect(demo, KEY) as client:
        first, found = await _all_pages(client, body["advanced_search"])
        total = await client.count_contacts(body["advanced_search"]["query"])
    assert len(found) == len(set(found)), "a contact came twice across pages"
    assert set(found) == wanted
    assert len(first) == min(len(wanted), body["advanced_search"]["per_page"])
    assert total == len(wanted)
