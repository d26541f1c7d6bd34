"""The demo space in the shapes Qomon's reference gives (shapes file, "Types and rules")."""

from __future__ import annotations

import pytest

from qomon_mcp.sandbox.rules.contacts import ADDRESS_FIELDS
from qomon_mcp.sandbox.seed.demo import build_demo_space
from qomon_mcp.sandbox.space import Space


@pytest.fixture(scope="module", params=["eu", "us"])
def space(request: pytest.FixtureRequest) -> Space:
    return build_demo_space(region=request.param, contacts=600)


def test_transaction_settings_periods_and_additional_settings_are_objects(space: Space) -> None:
    settings = space.transaction_settings
    assert isinstance(settings["open_periods"], dict) and settings["open_periods"]
    assert isinstance(settings["additional_settings"], dict)


def test_action_goal_forms_is_an_integer(space: Space) -> None:
    goals = [a["goal_forms"] for a in space.actions.values()]
    assert all(isinstance(g, int) and not isinstance(g, bool) for g in goals)
    assert any(g > 0 for g in goals) and 0 in goals


def test_membership_price_kind_and_periods_are_strings(space: Space) -> None:
    prices = space.membership_prices + [p for g in space.membership_price_groups for p in g["membership_prices"]]
    assert {p["kind"] for p in prices} == {"", "multi"}
    assert {p["rolling_period"] for p in prices} == {p["duration"] for p in prices} == {"", "Y"}


def test_donation_price_kinds_are_the_reference_ones(space: Space) -> None:
    kinds = {p["kind"] for p in space.donation_prices}
    assert "donation" in kinds and kinds <= {"federation", "elected", "donation"}


def test_transaction_status_kinds_include_the_reference_ones(space: Space) -> None:
    # The reference's five kinds; the docs' "Reference data" table adds cancel.
    kinds = {s["kind"] for s in space.transaction_statuses}
    assert (
        {"valid", "unpaid", "reimbursed", "bank_error", "other"}
        <= kinds
        <= {
            "valid",
            "unpaid",
            "reimbursed",
            "bank_error",
            "other",
            "cancel",
        }
    )


def test_team_addresses_are_address_objects_and_leaders_are_users(space: Space) -> None:
    addresses = [t["address"] for t in space.teams.values() if t["address"] is not None]
    assert addresses and all(set(a) == set(ADDRESS_FIELDS) for a in addresses)
    assert len({a["id"] for a in addresses}) == len(addresses)
    for team in space.teams.values():
        assert {m["id"] for m in team["leaders"]} <= {m["id"] for m in team["users"]}


def test_invitation_roles_are_role_objects(space: Space) -> None:
    assert space.invitations
    for invitation in space.invitations.values():
        assert invitation["role"] == space.roles[invitation["role_id"]]


def test_a_refund_logs_a_transaction_status_entry(space: Space) -> None:
    changes = [e for entries in space.bundle_history.values() for e in entries if e["kind"] == "transaction_status"]
    assert changes
    statuses = {s["id"]: s["kind"] for s in space.transaction_statuses}
    for entry in changes:
        [tx] = [
            t for t in space.bundles[entry["transaction_bundle_id"]]["transactions"] if t["id"] == entry["target_id"]
        ]
        assert entry["new"] == {"status_id": tx["status_id"]}
        assert statuses[entry["old"]["status_id"]] == "valid" and statuses[tx["status_id"]] == "reimbursed"
