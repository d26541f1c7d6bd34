"""A hand-made space of seven contacts for the search tests, and helpers to query it."""

from datetime import UTC, datetime
from typing import Any

from qomon_mcp.sandbox.search.engine import count, search
from qomon_mcp.sandbox.space import PinnedClock, Space

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
EVERYONE = {1, 2, 3, 4, 5, 6, 7}


def contact(contact_id: int, **fields: Any) -> dict[str, Any]:
    record = {"id": contact_id, "group_id": 1, "tags": [], "formdatas": [], "customfields": []}
    record.update(fields)
    record["UpdatedAt"] = record.get("lastchange")
    return record


def tags(*names: str) -> list[dict[str, Any]]:
    return [{"name": name, "color": "#000000", "appearance_count": 1} for name in names]


def answer(form_id: int, ref_id: int, data: str) -> dict[str, Any]:
    return {"id": form_id * 10 + ref_id, "form_id": form_id, "form_ref_id": ref_id, "data": data}


def transaction(payer: int, euros: float, date: str, **fields: Any) -> dict[str, Any]:
    base = {"contact_id": payer, "amount": round(euros * 100), "date": date, "created_at": date}
    return base | {"status_id": 1, "payment_method_kind": "CB", "currency": "eur"} | fields


def membership(beneficiary: int, start: str, end: str, **fields: Any) -> dict[str, Any]:
    return {"contact_id": beneficiary, "start_date": start, "end_date": end, "amount": 2000} | fields


def donation(beneficiary: int, euros: float, **fields: Any) -> dict[str, Any]:
    return {"contact_id": beneficiary, "amount": round(euros * 100)} | fields


def bundle(transactions: list, memberships: list = (), donations: list = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {"transactions": transactions, "memberships": list(memberships), "donations": list(donations)}


def make_space() -> Space:
    space = Space(group_id=1, clock=PinnedClock(NOW))
    space.contacts = {
        1: contact(
            1,
            firstname="Alice",
            surname="Martin",
            gender="F",
            birthdate="1990-05-01T00:00:00Z",
            age_category=2,
            mail="Alice.Martin@example.org",
            phone="",
            mobile="+33 6 11 11 11 11",
            tags=tags("volunteer"),
            black_list=False,
            lastchange="2025-06-15T08:00:00Z",
            user_id=7,
            user_contact_id=501,
            actions_ids=[10, 11],
            address={
                "city": "Paris",
                "postalcode": "75011",
                "street": "Rue Oberkampf",
                "country": "France",
                "pollingstation": "PS-1",
                "invalid": False,
            },
            formdatas=[answer(4530, 7486, "consent_email"), answer(88, 881, "12")],
            customfields=[answer(1001, 2001, "Blue")],
        ),
        2: contact(
            2,
            firstname="Bruno",
            surname="Durand",
            gender="M",
            birthdate="1985-11-20T00:00:00Z",
            age_category=3,
            mail="bruno@example.org",
            mobile="+33622222222",
            tags=tags("donor"),
            black_list=True,
            lastchange="2025-06-14T10:00:00Z",
            address={"city": "Lyon", "postalcode": "69001", "pollingstation": "PS-2"},
            formdatas=[answer(4530, 7487, "consent_sms"), answer(88, 881, "2025-03-01")],
        ),
        3: contact(
            3,
            firstname="Chloé",
            surname="Petit",
            married_name="Dupont",
            gender="F",
            tags=tags("volunteer", "donor"),
            black_list=False,
            lastchange="2025-06-13T23:59:59Z",
            address={"city": "Paris", "postalcode": "75002"},
            customfields=[answer(1001, 2002, "Red")],
        ),
        4: contact(
            4,
            firstname="David",
            surname="Leroy",
            gender="M",
            mobile="0633333333",
            black_list=False,
            lastchange="2024-12-31T12:00:00Z",
            address={"city": "Marseille"},
        ),
        5: contact(5, firstname="Emma"),
        6: contact(
            6,
            firstname="Fanny",
            surname="Roux",
            gender="F",
            mobile="0644444444",
            tags=tags("Donor"),
            black_list=False,
            lastchange="2025-06-15T11:00:00Z",
            address={"city": "paris"},
        ),
        7: contact(
            7,
            firstname="Gaston",
            surname="Blanc",
            gender="M",
            mobile="0655555555",
            black_list=False,
            lastchange="2023-01-01T00:00:00Z",
            address={"city": "PARIS"},
        ),
    }
    space.transaction_statuses = [
        {"id": 1, "name": "Valid", "kind": "valid"},
        {"id": 9, "name": "Cancelled", "kind": "cancel"},
    ]
    space.bundles = {
        100: bundle(
            [transaction(1, 150, "2024-03-01T10:00:00Z", code_campaign="SPRING24")],
            [membership(1, "2024-01-01T00:00:00Z", "2024-12-31T00:00:00Z", membership_price_id=10)],
            [donation(1, 100, donation_price_id=20)],
        ),
        101: bundle(
            [transaction(2, 50, "2025-02-10T09:00:00Z", payment_method_kind="CHQ")],
            [membership(2, "2024-01-01T00:00:00Z", "2024-12-31T00:00:00Z", membership_price_id=11)],
            [donation(2, 20, donation_price_id=21), donation(2, 90, donation_price_id=21)],
        ),
        # Cancelled: ignored by every transactions.* condition.
        102: bundle([transaction(2, 999, "2025-05-01T09:00:00Z", status_id=9)]),
        # Chloé pays David's membership: she is the payer, he the beneficiary.
        103: bundle(
            [transaction(3, 40, "2025-01-05T00:00:00Z")],
            [membership(4, "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z")],
            [donation(3, 15)],
        ),
        104: bundle(
            [transaction(4, 10, "2023-01-10T00:00:00Z")],
            [
                membership(4, "2023-01-01T00:00:00Z", "2023-06-30T00:00:00Z"),
                membership(4, "2023-07-01T00:00:00Z", "2023-12-31T00:00:00Z"),
            ],
        ),
        # One old and one future membership: neither is active today.
        105: bundle(
            [transaction(6, 20, "2025-06-01T00:00:00Z")],
            [
                membership(6, "2020-01-01T00:00:00Z", "2020-12-31T00:00:00Z"),
                membership(6, "2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z"),
            ],
        ),
        106: bundle(
            [transaction(7, 30, "2024-02-02T00:00:00Z")],
            [membership(7, "2024-06-01T00:00:00Z", "2025-05-31T00:00:00Z")],
        ),
        107: bundle([transaction(1, 12.5, "2025-06-10T10:00:00Z", code_campaign="SUMMER25")]),
    }
    space.emails = {
        1: [
            {
                "campaign_id": 42,
                "type": "campaign",
                "subject": "June newsletter",
                "delivered_at": "2025-06-01T10:00:00Z",
                "opened_at": None,
                "campaign_performance_rating": 80,
                "campaign_is_successful": True,
                "clicked_urls": ["https://qomon.com/join"],
            }
        ],
        # Campaign 42 opened, campaign 43 delivered and not opened.
        2: [
            {"campaign_id": 42, "delivered_at": "2025-06-01T10:00:00Z", "opened_at": "2025-06-01T11:00:00Z"},
            {"campaign_id": 43, "delivered_at": "2025-06-02T10:00:00Z", "opened_at": None},
        ],
        # Campaign 42 bounced.
        3: [{"campaign_id": 42, "delivered_at": None, "bounced_at": "2025-06-01T10:00:00Z"}],
    }
    space.sanctions = {
        1: [
            {
                "created_at": "2025-01-01T00:00:00Z",
                "start_date": "2025-01-01T00:00:00Z",
                "end_date": None,
                "status": "Suspended",
            }
        ],
        2: [
            {
                "created_at": "2024-01-01T00:00:00Z",
                "start_date": "2024-01-01T00:00:00Z",
                "end_date": "2024-06-30T00:00:00Z",
                "status": "Warning",
            }
        ],
        3: [
            {
                "created_at": "2025-06-01T00:00:00Z",
                "start_date": "2026-01-01T00:00:00Z",
                "end_date": "2026-12-31T00:00:00Z",
                "status": "Warning",
            }
        ],
    }
    space.interactions = {
        1: [
            {
                "id": 900,
                "created_at": "2025-06-01T10:00:00Z",
                "type": "letter",
                "sub_type": "sent",
                "title": "Spring leaflet",
                "comments": "",
                "files": [],
                "user_id": 7,
                "action_id": 10,
            }
        ]
    }
    return space


def ids(contacts: list[dict[str, Any]]) -> list[int]:
    return [c["id"] for c in contacts]


def matching(space: Space, query: dict[str, Any]) -> set[int]:
    found = ids(search(space, {"per_page": 1000, "query": query}, now=NOW))
    assert len(found) == count(space, {"query": query}, now=NOW)
    return set(found)


def one(**condition: Any) -> dict[str, Any]:
    return {"$all": [{"$all": [{"$condition": condition}]}]}
