"""A small hand-built space and client helpers for the sandbox app tests."""

from __future__ import annotations

from typing import Any

import httpx2

from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEFAULT_NOW
from qomon_mcp.sandbox.space import PinnedClock, Space

BASE_URL = "https://incoming.qomon.app"
KEY = "eu-test-key-1234"
US_KEY = "us-test-key-5678"
NO_FUNDRAISING_KEY = "no-fundraising-key"

Record = dict[str, Any]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _form(space: Space, form_id: int, category: str, kind: str, label: str, refs: list[tuple[int, str, str]]) -> None:
    space.forms[form_id] = {
        "id": form_id,
        "group_id": [space.group_id],
        "type": kind,
        "section": "Tests",
        "order": form_id,
        "label": label,
        "mandatory": False,
        "refvalues": [
            {
                "id": rid,
                "form_id": form_id,
                "label": rlabel,
                "value": value,
                "min": None,
                "max": None,
                "step": None,
                "color": None,
                "followed": False,
            }
            for rid, rlabel, value in refs
        ],
    }
    space.form_types[form_id] = category


def _contact(space: Space, contact_id: int, **fields: Any) -> Record:
    contact = {
        "id": contact_id,
        "group_id": space.group_id,
        "CreatedAt": "2024-01-01T10:00:00Z",
        "UpdatedAt": "2024-01-01T10:00:00Z",
        "lastchange": "2024-01-01T10:00:00Z",
        "firstname": "",
        "surname": "",
        "married_name": "",
        "gender": "",
        "birthdate": None,
        "age_category": None,
        "birthdept": "",
        "birthcity": "",
        "birthcountry": "",
        "nationality": "",
        "mail": "",
        "phone": "",
        "mobile": "",
        "address": None,
        "tags": [],
        "actions_ids": [],
        "user_id": None,
        "user_contact_id": None,
        "black_list": False,
        "notes": [],
        "formdatas": [],
        "customfields": [],
    }
    contact.update(fields)
    space.contacts[contact_id] = contact
    return contact


def address(city: str, postalcode: str, street: str) -> Record:
    return {
        "id": 1,
        "housenumber": "1",
        "street": street,
        "postalcode": postalcode,
        "city": city,
        "country": "France",
    }


def build_space(*, group_id: int = 42, region: str = "eu", fundraising: bool = True) -> Space:
    space = Space(group_id=group_id, region=region, fundraising=fundraising, clock=PinnedClock(DEFAULT_NOW))
    _form(
        space,
        10,
        "consent",
        "checkbox",
        "General communication",
        [(100, "Email", "consent_email"), (101, "SMS", "consent_sms")],
    )
    _form(
        space,
        11,
        "consent",
        "radio",
        "Data processing",
        [(110, "Accepted", "accepted"), (111, "Refused", "refused")],
    )
    _form(
        space,
        12,
        "level_of_support",
        "radio",
        "Level of support",
        [(120, "Strong support", "strong_support"), (121, "Opposed", "opposed")],
    )
    _form(space, 13, "survey", "text", "Comments", [(130, "Comments", "text")])
    _form(space, 14, "survey", "text", "Comments", [(140, "Comments", "text")])
    _form(
        space,
        15,
        "custom_fields",
        "radio",
        "Membership type",
        [(150, "Individual", "individual"), (151, "Family", "family")],
    )
    _form(space, 16, "custom_fields", "text", "Favourite food", [(160, "Favourite food", "text")])
    _form(space, 17, "tasks", "checkbox", "Follow-up", [(170, "Send information", "send_information")])
    _form(space, 18, "presence_status", "radio", "Presence", [(180, "Present", "present")])
    _contact(
        space,
        1,
        firstname="Jane",
        surname="Doe",
        mail="jane@example.com",
        phone="0102030405",
        birthdate="1980-05-01T00:00:00Z",
        address=address("Paris", "75001", "Rue de la Paix"),
        tags=[{"name": "volunteer", "color": "#FF0000", "appearance_count": 1}],
    )
    _contact(
        space,
        2,
        firstname="John",
        surname="Smith",
        mail="john@example.com",
        address=address("Lyon", "69001", "Rue A"),
    )
    _contact(space, 3, firstname="Ann", surname="Smith", mail="ann@example.com")
    space.nationbuilder_ids["nb-77"] = 2
    for role_id, kind, order in ((900, "superadmin", 1), (901, "admin", 2), (902, "user", 4)):
        space.roles[role_id] = {"id": role_id, "name": kind.capitalize(), "type": kind, "order": order}
    for user_id, first, role_id in ((500, "Ada", 900), (501, "Bob", 901), (502, "Cy", 902)):
        role = space.roles[role_id]
        space.users[user_id] = {
            "id": user_id,
            "firstname": first,
            "surname": "User",
            "mail": f"{first.lower()}@org.example",
            "phone": "",
            "address": "",
            "city": "",
            "postal": "",
            "location": "",
            "birthdate": None,
            "locale": "fr",
            "role": role["type"],
            "role_data": dict(role),
            "group_id": group_id,
            "selected_group_id": [group_id],
            "created_at": f"2024-0{user_id - 499}-01T00:00:00Z",
            "updated_at": "2024-06-01T00:00:00Z",
        }
    cy = {"id": 502, "firstname": "Cy", "surname": "User", "mail": "cy@org.example"}
    space.teams[600] = {
        "id": 600,
        "name": "Canvassers",
        "description": "",
        "private": False,
        "hide_users": False,
        "leaders": [],
        "users": [cy],
        "address": address("Paris", "75001", "Rue de Rivoli"),
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
    }
    space.teams[601] = {
        "id": 601,
        "name": "Board",
        "description": "",
        "private": True,
        "hide_users": True,
        "leaders": [],
        "users": [],
        "address": None,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
    }
    space.transaction_settings = {
        "payment_method_kinds": ["CB", "cheque"],
        "default_status_id": 1,
        "default_membership_price_id": 10,
        "default_donation_price_id": 20,
        "currency": "eur",
    }
    space.transaction_statuses = [
        {"id": 1, "name": "Valid", "color": "green", "kind": "valid", "archived": False},
        {"id": 2, "name": "Reimbursed", "color": "orange", "kind": "reimbursed", "archived": False},
    ]
    space.code_campaigns = [{"code": "SPRING"}]
    space.membership_prices = [{"id": 10, "name": "Standard", "amount": 2000, "currency": "eur"}]
    space.donation_prices = [{"id": 20, "name": "Free", "amount": 0, "currency": "eur"}]
    return space


def build_sandbox(**kwargs: Any) -> Sandbox:
    spaces = {
        KEY: build_space(),
        US_KEY: build_space(group_id=43, region="us"),
        NO_FUNDRAISING_KEY: build_space(group_id=44, fundraising=False),
    }
    kwargs.setdefault("upsert_delay", 0.0)
    return Sandbox(spaces, **kwargs)


def client(sandbox: Sandbox, key: str | None = KEY) -> httpx2.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx2.AsyncClient(transport=sandbox.transport(), base_url=BASE_URL, headers=headers)


def transaction(**overrides: Any) -> Record:
    item = {
        "contact_id": 1,
        "amount": 2000,
        "currency": "eur",
        "payment_method_kind": "CB",
        "date": "2026-03-29T12:59:52+02:00",
    }
    item.update(overrides)
    return item


def membership(**overrides: Any) -> Record:
    item = {
        "contact_id": 1,
        "membership_price_id": 10,
        "start_date": "2026-01-01T00:00:00Z",
        "end_date": "2026-12-31T00:00:00Z",
        "amount": 2000,
        "amount_initial": 2000,
        "currency": "eur",
    }
    item.update(overrides)
    return item


def donation(**overrides: Any) -> Record:
    item = {
        "contact_id": 1,
        "donation_price_id": 20,
        "date": "2026-03-29T12:59:52+02:00",
        "amount": 500,
        "currency": "eur",
    }
    item.update(overrides)
    return item
