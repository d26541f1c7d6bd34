import dataclasses
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from qomon_mcp.sandbox.seed.demo import (
    DEFAULT_NOW,
    DEMO_KEYS,
    NO_FUNDRAISING_KEY,
    build_demo_space,
    build_demo_spaces,
)
from qomon_mcp.sandbox.space import FORM_TYPES, Space

CONTACT_KEYS = {
    "id",
    "group_id",
    "CreatedAt",
    "UpdatedAt",
    "lastchange",
    "firstname",
    "surname",
    "married_name",
    "gender",
    "birthdate",
    "age_category",
    "birthdept",
    "birthcity",
    "birthcountry",
    "nationality",
    "mail",
    "phone",
    "mobile",
    "address",
    "tags",
    "actions_ids",
    "user_id",
    "user_contact_id",
    "black_list",
    "notes",
    "formdatas",
    "customfields",
}
OPTIONAL_CONTACT_KEYS = {"married_name", "birthdept", "birthcity", "birthcountry", "nationality"}
DATE_KEYS = {
    "CreatedAt",
    "UpdatedAt",
    "lastchange",
    "birthdate",
    "date",
    "donedate",
    "created_at",
    "updated_at",
    "deleted_at",
    "start",
    "end",
    "start_date",
    "end_date",
    "last_sent",
    "delivered_at",
    "opened_at",
    "clicked_at",
    "bounced_at",
    "unsubscribed_at",
    "blacklisted_at",
    "abuse_report_at",
}
FUNDRAISING_FIELDS = (
    "bundles",
    "bundle_history",
    "transaction_settings",
    "transaction_statuses",
    "code_campaigns",
    "membership_prices",
    "membership_price_groups",
    "donation_prices",
)


@pytest.fixture(scope="module")
def eu() -> Space:
    return build_demo_space()


@pytest.fixture(scope="module")
def us() -> Space:
    return build_demo_space(region="us")


@pytest.fixture(params=["eu", "us"])
def space(request: pytest.FixtureRequest) -> Space:
    return request.getfixturevalue(request.param)


def snapshot(space: Space) -> dict[str, Any]:
    state = {f.name: getattr(space, f.name) for f in dataclasses.fields(space) if f.name != "_ids"}
    # The counter compares by identity; its repr carries the next id.
    state["_ids"] = repr(space._ids)
    return state


def bundle_items(space: Space, kind: str) -> list[dict[str, Any]]:
    return [item for bundle in space.bundles.values() for item in bundle[kind]]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value[:-1] + "+00:00")


def walk_dates(node: Any, where: str = ""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in DATE_KEYS and isinstance(value, str):
                yield f"{where}.{key}", value
            else:
                yield from walk_dates(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk_dates(value, f"{where}[{index}]")


def all_ids(space: Space) -> list[int]:
    ids: list[int] = []
    for form in space.forms.values():
        ids.append(form["id"])
        ids += [r["id"] for r in form["refvalues"]]
    for contact in space.contacts.values():
        ids.append(contact["id"])
        if contact.get("address"):
            ids.append(contact["address"]["id"])
        ids += [a["id"] for a in contact["formdatas"] + contact["customfields"] + contact["notes"]]
    ids += [i["id"] for items in space.interactions.values() for i in items]
    for records in (space.actions, space.users, space.roles, space.invitations, space.teams, space.bundles):
        ids += list(records)
    for kind in ("transactions", "memberships", "donations"):
        ids += [item["id"] for item in bundle_items(space, kind)]
    ids += [entry["id"] for entries in space.bundle_history.values() for entry in entries]
    for records in (space.transaction_statuses, space.membership_price_groups, space.donation_prices):
        ids += [r["id"] for r in records]
    ids += [p["id"] for p in space.membership_prices]
    return ids


def test_same_seed_builds_identical_spaces(eu: Space) -> None:
    assert snapshot(build_demo_space()) == snapshot(eu)


def test_a_different_seed_builds_a_different_space(eu: Space) -> None:
    other = build_demo_space(seed=1)
    assert other.contacts != eu.contacts
    assert other.forms == eu.forms, "form ids and labels do not depend on the seed"


def test_builds_quickly() -> None:
    started = time.perf_counter()
    build_demo_space(contacts=3000)
    elapsed = time.perf_counter() - started
    print(f"build_demo_space(contacts=3000): {elapsed:.3f} s")
    assert elapsed < 3


def test_every_form_type_is_present(space: Space) -> None:
    assert set(space.form_types.values()) == set(FORM_TYPES)
    assert set(space.form_types) == set(space.forms)
    for form_type in FORM_TYPES:
        assert space.forms_of_type(form_type)


def test_the_docs_consent_form_is_present(space: Space) -> None:
    form = space.forms[4530]
    assert space.form_types[4530] == "consent"
    assert form["label"] == "General communication"
    assert {"id": 7486, "value": "consent_email"}.items() <= next(
        r for r in form["refvalues"] if r["id"] == 7486
    ).items()
    answered = [c for c in space.contacts.values() if any(f["form_ref_id"] == 7486 for f in c["formdatas"])]
    assert len(answered) > 100


def test_only_comments_is_a_shared_label(space: Space) -> None:
    labels = Counter(form["label"] for form in space.forms.values())
    assert {label for label, n in labels.items() if n > 1} == {"Comments"}
    assert labels["Comments"] == 2


def test_answers_match_their_forms(space: Space) -> None:
    for contact in space.contacts.values():
        for key, answers in (("formdatas", contact["formdatas"]), ("customfields", contact["customfields"])):
            for answer in answers:
                form = space.forms[answer["form_id"]]
                assert (space.form_types[form["id"]] == "custom_fields") == (key == "customfields")
                ref = next(r for r in form["refvalues"] if r["id"] == answer["form_ref_id"])
                if form["type"] in ("radio", "checkbox"):
                    assert answer["data"] == ref["value"]
                assert answer["contact_id"] == contact["id"]
                assert answer["deleted_at"] is None


def test_contacts_have_the_read_shape(space: Space) -> None:
    contacts = list(space.contacts.values())
    for contact in contacts:
        assert CONTACT_KEYS - OPTIONAL_CONTACT_KEYS <= contact.keys() <= CONTACT_KEYS
        assert contact["gender"] in ("M", "F", "O")
        assert contact["age_category"] is None or 0 <= contact["age_category"] <= 6
    assert any(c.keys() != CONTACT_KEYS for c in contacts), "some optional keys are absent"
    for key in ("mail", "mobile", "address", "birthdate"):
        assert any(c[key] is None for c in contacts) and any(c[key] for c in contacts), key
    assert any(c["black_list"] for c in contacts)
    assert any(c.get("married_name") for c in contacts)
    assert any(c["user_contact_id"] for c in contacts)


def test_tag_counts_are_consistent(space: Space) -> None:
    counts = Counter(t["name"] for c in space.contacts.values() for t in c["tags"])
    assert {"volunteer", "donor", "member", "newsletter", "event-2026", "vip"} <= counts.keys()
    for contact in space.contacts.values():
        for tag in contact["tags"]:
            assert tag["appearance_count"] == counts[tag["name"]]


def test_paris_or_lyon_with_a_mobile(eu: Space) -> None:
    found = [
        c for c in eu.contacts.values() if c["mobile"] and c["address"] and c["address"]["city"] in ("Paris", "Lyon")
    ]
    assert len(found) > 100
    assert all(c["address"]["postalcode"][:2] in ("75", "69") for c in found)


def test_us_contacts_live_in_us_cities(us: Space) -> None:
    addresses = [c["address"] for c in us.contacts.values() if c["address"]]
    assert {a["country"] for a in addresses} == {"United States"}
    assert all(a["state"] and len(a["postalcode"]) == 5 for a in addresses)
    assert us.transaction_settings["currency"] == "usd"


def test_a_handful_of_contacts_changed_recently(space: Space) -> None:
    day_ago = iso(DEFAULT_NOW - timedelta(days=1))
    week_ago = iso(DEFAULT_NOW - timedelta(days=7))
    last_day = [c for c in space.contacts.values() if c["UpdatedAt"] >= day_ago]
    last_week = [c for c in space.contacts.values() if c["UpdatedAt"] >= week_ago]
    assert 3 <= len(last_day) < len(last_week) < 100
    assert max(c["UpdatedAt"] for c in space.contacts.values()) <= iso(DEFAULT_NOW)


def test_now_moves_the_anchor() -> None:
    now = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
    space = build_demo_space(contacts=300, now=now)
    latest = max(parse(c["UpdatedAt"]) for c in space.contacts.values())
    assert now - timedelta(days=1) <= latest <= now
    years = {parse(m["start_date"]).year for m in bundle_items(space, "memberships")}
    assert years <= {2028, 2029, 2030}


def test_campaign_42_has_opened_and_unopened_deliveries(space: Space) -> None:
    records = [e for emails in space.emails.values() for e in emails if e["campaign_id"] == 42]
    assert any(e["delivered_at"] and not e["opened_at"] for e in records)
    assert any(e["opened_at"] for e in records)
    assert any(e["clicked_urls"] for e in records)
    assert len({e["campaign_id"] for emails in space.emails.values() for e in emails}) >= 5
    assert set(space.emails) <= set(space.contacts)


def test_sanctions_are_ongoing_and_ended(space: Space) -> None:
    anchor = iso(DEFAULT_NOW)
    sanctions = [s for items in space.sanctions.values() for s in items]
    assert any(s["end_date"] is None or s["end_date"] > anchor for s in sanctions)
    assert any(s["end_date"] and s["end_date"] < anchor for s in sanctions)
    assert set(space.sanctions) <= set(space.contacts)


def test_interactions_and_action_stats_follow_the_actions(space: Space) -> None:
    assert 20 <= len(space.actions) <= 30
    assert {"canvassing", "calling", "event", "gotvcanvassing", "mail", "sharing", "other"} <= {
        a["type_data"] for a in space.actions.values()
    }
    assert {a["status"] for a in space.actions.values()} == {"todo", "finished"}
    reached = Counter(a for c in space.contacts.values() for a in c["actions_ids"])
    assert set(space.action_stats) == set(space.actions)
    for action_id, stats in space.action_stats.items():
        assert stats["NbContacts"] == reached[action_id] <= stats["NbVisites"]
    keys = {"id", "created_at", "type", "sub_type", "title", "comments", "files", "user_id", "action_id"}
    types = set()
    for contact_id, interactions in space.interactions.items():
        for interaction in interactions:
            # The reference's interaction record: type letter|call.
            assert set(interaction) == keys
            types.add(interaction["type"])
            assert interaction["action_id"] in space.contacts[contact_id]["actions_ids"]
            assert interaction["title"] == space.actions[interaction["action_id"]]["name"]
            assert interaction["user_id"] in space.users
    assert types == {"letter", "call"}


def test_every_role_is_held(space: Space) -> None:
    types = {r["type"]: r for r in space.roles.values()}
    assert set(types) == {"superadmin", "admin", "manager", "user", "custom"}
    assert types["superadmin"]["name"] == "Administrator"
    assert {u["role"] for u in space.users.values()} == set(types)
    for user in space.users.values():
        assert user["role_data"] == space.roles[user["role_data"]["id"]]
    for invitation in space.invitations.values():
        assert invitation["role_id"] in space.roles and invitation["user_id"] in space.users


def test_teams_reference_users(space: Space) -> None:
    assert len(space.live_teams()) == 8
    assert any(t["private"] for t in space.live_teams())
    assert any(t["hide_users"] for t in space.live_teams())
    for team in space.teams.values():
        for member in team["leaders"] + team["users"]:
            assert space.users[member["id"]]["mail"] == member["mail"]


def test_ids_are_unique_and_below_the_counter(space: Space) -> None:
    ids = all_ids(space)
    assert len(ids) == len(set(ids))
    assert max(ids) < space.next_id()


def test_dates_are_iso_8601(space: Space) -> None:
    records = [
        space.contacts,
        space.emails,
        space.sanctions,
        space.interactions,
        space.actions,
        space.users,
        space.invitations,
        space.teams,
        space.bundles,
        space.bundle_history,
    ]
    checked = 0
    for where, value in walk_dates(records):
        assert parse(value), where
        checked += 1
    assert checked > 10_000


def test_financial_items_reference_existing_records(space: Space) -> None:
    statuses = {s["id"]: s for s in space.transaction_statuses}
    kinds = {s["kind"] for s in statuses.values()}
    assert kinds == {"valid", "unpaid", "reimbursed", "bank_error", "cancel", "other"}
    assert any(s["archived"] for s in statuses.values())
    membership_prices = {p["id"] for p in space.membership_prices}
    donation_prices = {p["id"] for p in space.donation_prices}
    codes = {c["code"] for c in space.code_campaigns}
    settings = space.transaction_settings
    assert settings["default_status_id"] in statuses
    assert settings["default_membership_price_id"] in membership_prices
    assert settings["default_donation_price_id"] in donation_prices
    for group in space.membership_price_groups:
        assert all(p["membership_price_group_id"] == group["id"] for p in group["membership_prices"])
    for tx in bundle_items(space, "transactions"):
        assert tx["contact_id"] in space.contacts and tx["status_id"] in statuses
        assert tx["payment_method_kind"] in settings["payment_method_kinds"]
        assert tx["code_campaign"] is None or tx["code_campaign"] in codes
    for membership in bundle_items(space, "memberships"):
        assert membership["contact_id"] in space.contacts
        assert membership["membership_price_id"] in membership_prices
    for donation in bundle_items(space, "donations"):
        assert donation["contact_id"] in space.contacts
        assert donation["donation_price_id"] in donation_prices


def test_bundles_are_consistent(space: Space) -> None:
    assert 500 <= len(space.bundles) <= 700
    for bundle_id, bundle in space.bundles.items():
        products = bundle["memberships"] + bundle["donations"]
        assert bundle["transactions"]
        assert sum(t["amount"] for t in bundle["transactions"]) == sum(p["amount_initial"] for p in products)
        assert bundle["summary"] == {
            "transactions_count": len(bundle["transactions"]),
            "memberships_count": len(bundle["memberships"]),
            "donations_count": len(bundle["donations"]),
        }
        created = {(e["kind"], e["target_id"]) for e in space.bundle_history[bundle_id] if e["old"] is None}
        items = [("transaction", t) for t in bundle["transactions"]] + [
            ("membership" if "membership_price_id" in p else "donation", p) for p in products
        ]
        assert created == {(kind, item["id"]) for kind, item in items}
    created_order = [b["created_at"] for _, b in sorted(space.bundles.items())]
    assert created_order == sorted(created_order)


def test_fundraising_covers_the_interesting_cases(space: Space) -> None:
    statuses = {s["id"]: s["kind"] for s in space.transaction_statuses}
    transactions = bundle_items(space, "transactions")
    refunded = [t for t in transactions if statuses[t["status_id"]] == "reimbursed"]
    assert refunded and all(t["reimbursed_amount"] > 0 for t in refunded)
    assert any(t["unpaid_amount"] for t in transactions)
    assert any(t["external_transaction_id"] for t in transactions)
    memberships = bundle_items(space, "memberships")
    assert {parse(m["start_date"]).year for m in memberships if not m["rolling_year"]} == {2024, 2025, 2026}
    per_year = Counter((m["contact_id"], parse(m["start_date"]).year) for m in memberships)
    assert any(n > 1 for n in per_year.values()), "someone holds two memberships in one year"
    third_party = [
        b
        for b in space.bundles.values()
        if {p["contact_id"] for p in b["memberships"] + b["donations"]} - {t["contact_id"] for t in b["transactions"]}
    ]
    assert third_party


def test_reference_data_keeps_the_docs_ids(space: Space) -> None:
    statuses = {s["id"]: s["kind"] for s in space.transaction_statuses}
    assert statuses[1] == "valid" and statuses[2] == "reimbursed"
    assert {p["id"] for p in space.membership_prices} == set(range(10, 17))
    assert {p["id"] for p in space.donation_prices} == set(range(20, 25))
    assert sorted(space.roles) == [101, 102, 103, 104, 105]
    settings = space.transaction_settings
    assert (settings["default_status_id"], settings["default_membership_price_id"]) == (1, 10)
    assert settings["default_donation_price_id"] == 20


def test_fundraising_is_empty_without_the_add_on() -> None:
    space = build_demo_space(contacts=200, fundraising=False)
    assert not space.fundraising
    for name in FUNDRAISING_FIELDS:
        assert not getattr(space, name), name
    with_add_on = build_demo_space(contacts=200)
    assert space.contacts == with_add_on.contacts


def test_demo_keys_map_to_their_spaces() -> None:
    spaces = build_demo_spaces()
    assert set(spaces) == {DEMO_KEYS["eu"], DEMO_KEYS["us"], NO_FUNDRAISING_KEY}
    assert spaces[DEMO_KEYS["eu"]].region == "eu" and spaces[DEMO_KEYS["eu"]].fundraising
    assert spaces[DEMO_KEYS["us"]].region == "us" and spaces[DEMO_KEYS["us"]].fundraising
    small = spaces[NO_FUNDRAISING_KEY]
    assert small.region == "eu" and not small.fundraising and len(small.contacts) == 200
    assert len({s.group_id for s in spaces.values()}) == 3


@pytest.mark.parametrize("region", ["eu", "us"], ids=["eu", "us"])
def test_tiny_spaces_build(region: str) -> None:
    space = build_demo_space(region=region, contacts=5)
    assert len(space.contacts) == 5
    assert build_demo_space(region=region, contacts=0).contacts == {}


def test_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match="region"):
        build_demo_space(region="apac")
