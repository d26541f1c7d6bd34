"""Every read tool of the real MCP server against Qomon's answers as its reference shapes them.

A fake Qomon (`httpx2.MockTransport`, the network boundary) serves the hand-written fixtures of
`tests/qomon/fixtures/` whole, without their optional fields, and with unknown fields added at
every level: each tool must answer, and show the values the answer holds.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.settings import Settings
from tests.calls import contacts_in, payload
from tests.qomon.fixtures import ROUTES, fundraising, serve, stripped, with_extras

pytestmark = pytest.mark.anyio

KEY = "qk_live_reference_answers_0123456789"
ALL_TOOLSETS = "contacts,search,forms,actions,team,fundraising,chatgpt"
VARIANTS: dict[str, Callable[[Any], Any]] = {"whole": lambda body: body, "stripped": stripped, "extras": with_extras}


@asynccontextmanager
async def connected(routes: dict[Any, Any]) -> AsyncIterator[Client]:
    settings = Settings(api_key=KEY, toolsets=ALL_TOOLSETS)  # type: ignore[arg-type]
    server = create_server(settings, transport=httpx2.MockTransport(serve(routes)))
    async with Client(server) as client:
        yield client


def _only(data: dict[str, Any], key: str) -> Any:
    (item,) = data[key]
    return item


def _contact(data: dict[str, Any]) -> None:
    assert (data["id"], data["firstname"], data["surname"], data["mail"]) == (
        42,
        "Camille",
        "Martin",
        "camille.martin@example.org",
    )
    assert data["address"].startswith("12 Rue des Lilas") and "69003 Lyon" in data["address"]
    assert data["tags"] == ["volunteer"] and data["action_ids"] == [5, 6]
    assert data["answers"]["Priority issue"].startswith("Housing")
    assert data["custom_fields"]["Diet"].startswith("Vegetarian")


def _searched(data: dict[str, Any]) -> None:
    (contact,) = contacts_in(data)
    _contact(contact)
    (interaction,) = contact["interactions"]
    assert (interaction["id"], interaction["type"], interaction["sub_type"]) == (880, "call", "answered")
    assert (interaction["title"], interaction["action_id"]) == ("Phone bank, October", 5)


def _form(data: dict[str, Any]) -> None:
    form = _only(data, "forms")
    assert (form["id"], form["label"], form["form_type"]) == (10, "Priority issue", "survey")
    assert [(v["id"], v["label"]) for v in form["values"]] == [(101, "Housing"), (102, "Transport")]


def _action(data: dict[str, Any]) -> None:
    action = _only(data, "actions")
    assert (action["id"], action["name"], action["goal"], action["goal_forms"]) == (
        5,
        "Door to door, Croix-Rousse",
        300,
        120,
    )
    assert action["participation"] == {"visits": 88, "contacts_reached": 61, "visits_declared": 4}
    assert action["teams"] == [{"id": 7, "name": "Lyon Nord"}] and action["created_by"] == "Alex Bernard"


def _user(user: dict[str, Any]) -> None:
    assert (user["id"], user["name"], user["role"], user["role_type"]) == (3, "Alex Bernard", "Administrator", "admin")


def _invitation(data: dict[str, Any]) -> None:
    invitation = _only(data, "invitations")
    assert (invitation["id"], invitation["email"], invitation["role_id"]) == (31, "new.volunteer@example.org", 4)
    assert invitation["role"] in ("manager", "Field manager")  # the Role object's type (or name), not dropped


def _teams(data: dict[str, Any]) -> None:
    team = _only(data, "teams")
    assert (team["id"], team["name"], team["member_count"]) == (7, "Lyon Nord", 2)
    assert team["leaders"] == [{"id": 3, "name": "Alex Bernard"}]


def _team(data: dict[str, Any]) -> None:
    team = data["team"]
    assert (team["id"], team["name"]) == (7, "Lyon Nord")
    assert "12 Rue des Lilas" in team["address"] and "69003 Lyon" in team["address"]
    assert [m["name"] for m in team["members"]] == ["Alex Bernard", "Sam Petit"]


def _reference(data: dict[str, Any]) -> None:
    assert data["payment_method_kinds"] == ["check", "card", "transfer"] and data["currency"] == "eur"
    assert [(s["name"], s["kind"]) for s in data["statuses"]][2] == ("Refunded", "reimbursed")
    assert data["code_campaigns"] == ["AUTUMN26"]
    price = _only(data, "membership_prices")
    assert (price["name"], price["kind"], price["amount"]) == ("Couple", "multi", "50.00 EUR")
    assert price["group"] == "Standard"
    assert [(p["name"], p["kind"]) for p in data["donation_prices"]] == [("Free gift", "donation")]


def _settings(data: dict[str, Any]) -> None:
    settings = data["settings"]
    assert settings["open_periods"]["membership"]["start"] == "2026-01-01"
    assert settings["additional_settings"]["receipts"] is True and settings["max_batch_size"] == 50


def _bundles(data: dict[str, Any]) -> None:
    bundle = _only(data, "bundles")
    transaction, donation = bundle["transactions"][0], bundle["donations"][0]
    assert (bundle["id"], transaction["amount"], transaction["status"]) == (501, "75.00 EUR", "Received (valid)")
    assert bundle["memberships"][0]["price"] == "Couple"
    assert (donation["amount"], donation["amount_initial_cents"], donation["price"]) == ("25.00 EUR", 2000, "Free gift")


def _history(data: dict[str, Any]) -> None:
    _bundles(data)
    entry = _only(data, "history")
    assert (entry["kind"], entry["target_id"], entry["change"]) == ("transaction_status", 601, "updated")
    assert entry["fields"] == {"status_id": {"from": 2, "to": 1}}


ROLES = [("Administrator", "admin"), ("Field manager", "manager")]

# (tool, arguments, what the whole answer must show, the ids every variant must show)
READS: list[tuple[str, dict[str, Any], Callable[[dict[str, Any]], None], Callable[[dict[str, Any]], Any], Any]] = [
    ("get_contact", {"contact_id": 42}, _contact, lambda d: d["id"], 42),
    ("search_contacts", {"include_interactions": True}, _searched,
     lambda d: [(c["id"], [i["id"] for i in c["interactions"]]) for c in contacts_in(d)], [(42, [880])]),
    ("count_contacts", {}, lambda d: None, lambda d: d["total"], 1284),
    ("get_forms", {"form_type": "survey"}, _form, lambda d: [f["id"] for f in d["forms"]], [10]),
    ("get_forms", {"form_id": 10}, _form, lambda d: [v["id"] for f in d["forms"] for v in f["values"]], [101, 102]),
    ("get_actions", {}, _action, lambda d: [a["id"] for a in d["actions"]], [5]),
    ("get_actions", {"action_id": 5}, _action, lambda d: [a["id"] for a in d["actions"]], [5]),
    ("get_users", {}, lambda d: _user(_only(d, "users")), lambda d: [u["id"] for u in d["users"]], [3]),
    ("get_users", {"user_id": 3}, lambda d: _user(d["user"]), lambda d: d["user"]["id"], 3),
    ("get_users", {"view": "roles"},
     lambda d: [(r["name"], r["type"]) for r in d["roles"]] == ROLES,
     lambda d: [r["id"] for r in d["roles"]], [2, 4]),
    ("get_users", {"view": "invitations"}, _invitation, lambda d: [i["id"] for i in d["invitations"]], [31]),
    ("get_teams", {}, _teams, lambda d: [t["id"] for t in d["teams"]], [7]),
    ("get_teams", {"public_only": True}, _teams, lambda d: [t["id"] for t in d["teams"]], [7]),
    ("get_teams", {"team_id": 7}, _team, lambda d: [m["id"] for m in d["team"]["members"]], [3, 8]),
    ("get_fundraising_reference", {}, _reference, lambda d: [s["id"] for s in d["statuses"]], [1, 2, 3]),
    ("get_fundraising_reference", {"kind": "settings"}, _settings, lambda d: "payment_method_kinds" in d, None),
    ("get_fundraising_reference", {"kind": "membership_price_groups"},
     lambda d: _only(d, "membership_price_groups")["name"] == "Standard",
     lambda d: [(g["id"], g["price_ids"]) for g in d["membership_price_groups"]], [(41, [21])]),
    ("get_bundles", {}, _bundles, lambda d: [b["id"] for b in d["bundles"]], [501]),
    ("get_bundles", {"bundle_id": 501, "include_history": True}, _history,
     lambda d: ([t["id"] for b in d["bundles"] for t in b["transactions"]], len(d.get("history", []))), ([601], 1)),
    ("search", {"query": "Martin"}, lambda d: _only(d, "results")["title"] == "Camille Martin (Lyon)",
     lambda d: [r["id"] for r in d["results"]], ["42"]),
    ("fetch", {"id": "42"},
     lambda d: "Camille Martin" in d["text"] and '"Priority issue": "Housing' in d["text"] and d["url"].endswith("/42"),
     lambda d: d["id"], "42"),
]  # fmt: skip
READ_IDS = [f"{tool}-{'-'.join(f'{k}={v}' for k, v in args.items()) or 'default'}" for tool, args, *_ in READS]
# What the stripped answers leave of the ids above, where it differs: settings have no id at all,
# and a history entry reduced to its id has nothing to show (the view leaves entry ids out).
STRIPPED_IDS = {
    "get_fundraising_reference-kind=settings": False,
    "get_bundles-bundle_id=501-include_history=True": ([601], 0),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize(("tool", "arguments", "check", "ids", "expected_ids"), READS, ids=READ_IDS)
async def test_every_read_tool_answers_every_variant(
    variant: str, tool: str, arguments: dict[str, Any], check: Any, ids: Any, expected_ids: Any
) -> None:
    routes = {route: VARIANTS[variant](body) for route, body in ROUTES.items()}
    async with connected(routes) as mcp:
        data = payload(await mcp.call_tool(tool, arguments))
    if variant == "stripped":
        case = READ_IDS[[r[:2] for r in READS].index((tool, arguments))]
        assert ids(data) == STRIPPED_IDS.get(case, expected_ids)
        return
    assert check(data) in (None, True)
    assert ids(data) == (True if expected_ids is None else expected_ids)


@pytest.mark.parametrize("history", [fundraising.HISTORY_OBJECT, fundraising.HISTORY_LIST], ids=["object", "list"])
async def test_a_bundle_history_shows_whether_sent_as_one_object_or_a_list(history: dict[str, Any]) -> None:
    routes = {**ROUTES, ("GET", "/v1/transaction_bundles/501/history"): history}
    async with connected(routes) as mcp:
        _history(payload(await mcp.call_tool("get_bundles", {"bundle_id": 501, "include_history": True})))


def _changed(
    route: tuple[str, str], change: Callable[[Any], None], routes: dict[Any, Any] | None = None
) -> dict[Any, Any]:
    """`routes` (the whole answers by default) with `change` applied to a copy of the body of `route`."""
    routes = dict(ROUTES if routes is None else routes)
    routes[route] = copy.deepcopy(routes[route])
    change(routes[route])
    return routes


def _goal_forms(value: Any) -> Callable[[Any], None]:
    return lambda body: body["data"]["ActionsAggreg"][0]["Action"].update(goal_forms=value)


@pytest.mark.parametrize(
    ("value", "shown"), [("abc", None), ([10, 11], [10, 11]), (None, None)], ids=["undocumented", "list", "null"]
)
async def test_get_actions_shows_goal_forms_in_any_shape(value: Any, shown: Any) -> None:
    async with connected(_changed(("GET", "/actions"), _goal_forms(value))) as mcp:
        action = _only(payload(await mcp.call_tool("get_actions", {"action_id": 5})), "actions")
    assert action["name"] == "Door to door, Croix-Rousse" and action["participation"]["visits"] == 88
    assert action.get("goal_forms") == shown


async def test_settings_in_an_undocumented_shape_are_still_shown() -> None:
    def change(body: Any) -> None:
        body["data"].update(open_periods="2026", max_batch_size={"per_day": 3})

    async with connected(_changed(("GET", "/v1/transaction_settings"), change)) as mcp:
        data = payload(await mcp.call_tool("get_fundraising_reference", {"kind": "settings"}))
    assert data["payment_method_kinds"] == ["check", "card", "transfer"]
    assert data["settings"]["open_periods"] == "2026" and data["settings"]["max_batch_size"] == {"per_day": 3}


async def test_a_legacy_team_address_and_invitation_role_string_are_shown() -> None:
    routes = _changed(("GET", "/teams/7"), lambda b: b["data"]["team"].update(address="1 Place Bellecour, Lyon"))
    routes = _changed(
        ("GET", "/users/invitation"), lambda b: b["data"]["invitations"][0].update(role="manager"), routes
    )
    async with connected(routes) as mcp:
        team = payload(await mcp.call_tool("get_teams", {"team_id": 7}))["team"]
        invitation = _only(payload(await mcp.call_tool("get_users", {"view": "invitations"})), "invitations")
    assert team["address"] == "1 Place Bellecour, Lyon"
    assert invitation["role"] == "manager"
