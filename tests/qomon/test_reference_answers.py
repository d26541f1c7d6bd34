"""Every read method of the client against Qomon's answers as its reference shapes them.

The answers are the hand-written fixtures in `tests/qomon/fixtures/`, served by a fake Qomon at
the network boundary, in three variants: whole, with every optional field left out, and with
fields nobody documented added at every depth. A field in a shape nobody documented is kept as
raw data with one DEBUG line naming its place, and never fails the call.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
import pytest

from qomon_mcp.qomon import errors
from qomon_mcp.qomon.client import QomonClient
from tests.qomon.client_support import make_client
from tests.qomon.fixtures import NOT_FOUND_BODIES, ROUTES, fundraising, serve, stripped, with_extras

Read = Callable[[QomonClient], Awaitable[Any]]


def _contact(contact: Any) -> None:
    assert (contact.id, contact.firstname, contact.surname, contact.created_at) == (
        42,
        "Camille",
        "Martin",
        "2026-09-01T08:00:00Z",
    )
    assert contact.address.city == "Lyon" and contact.address.latitude == 45.7597
    assert contact.tags[0].name == "volunteer" and contact.actions_ids == [5, 6]
    assert contact.formdatas[0].form_ref_id == 101
    assert contact.customfields[0].data == "Vegetarian"


def _search(contacts: list[Any]) -> None:
    _contact(contacts[0])
    interaction = contacts[0].interactions[0]
    assert (interaction.id, interaction.type, interaction.sub_type) == (880, "call", "answered")
    assert (interaction.user_id, interaction.action_id, interaction.files) == (3, 5, [])
    assert interaction.created_at == "2026-10-05T18:30:00Z" and interaction.comments == "Will come to the meeting"


def _form(form: Any) -> None:
    assert (form.id, form.label, form.type, form.group_id) == (10, "Priority issue", "radio", [77])
    assert [r.label for r in form.refvalues] == ["Housing", "Transport"] and form.refvalues[0].followed is True


def _actions(aggregates: list[Any]) -> None:
    action = aggregates[0].action
    assert (action.id, action.name, action.type_data, action.goal, action.goal_forms) == (
        5,
        "Door to door, Croix-Rousse",
        "canvassing",
        300,
        120,
    )
    assert action.teams[0]["name"] == "Lyon Nord" and action.created_by_detail["last_name"] == "Bernard"
    assert (aggregates[0].nb_visites, aggregates[0].nb_contacts, aggregates[0].nb_visites_declared) == (88, 61, 4)


def _user(user: Any) -> None:
    assert (user.id, user.firstname, user.role, user.selected_group_id) == (3, "Alex", "admin", [77])
    assert user.role_data.name == "Administrator" and user.role_data.order == 1


def _invitations(invitations: list[Any]) -> None:
    invitation = invitations[0]
    assert (invitation.id, invitation.email, invitation.role_id) == (31, "new.volunteer@example.org", 4)
    assert (invitation.role.id, invitation.role.name, invitation.role.type) == (4, "Field manager", "manager")


def _team(team: Any) -> None:
    assert (team.id, team.name, team.private) == (7, "Lyon Nord", False)
    assert [u.id for u in team.users] == [3, 8] and team.leaders[0].surname == "Bernard"
    assert team.address["city"] == "Lyon" and team.address["postalcode"] == "69003"


def _bundle(bundle: Any) -> None:
    transaction, membership, donation = bundle.transactions[0], bundle.memberships[0], bundle.donations[0]
    assert (bundle.id, transaction.amount, transaction.status_id) == (501, 7500, 1)
    assert (transaction.delivery_token, transaction.comment_date) == ("tok-601", "2026-10-10T18:00:00Z")
    assert (membership.membership_price_id, membership.rolling_year) == (21, True)
    assert (donation.amount, donation.amount_initial) == (2500, 2000)
    assert bundle.summary.donations_count == 1


def _history(entries: list[Any]) -> None:
    assert [(e.id, e.kind, e.target_id, e.created_at) for e in entries] == [
        (9100, "transaction_status", 601, "2026-10-12T08:00:00Z")
    ]
    assert entries[0].new["status_id"] == 1


def _settings(settings: Any) -> None:
    assert settings.payment_method_kinds == ["check", "card", "transfer"]
    assert settings.open_periods["membership"]["end"] == "2026-12-31"
    assert settings.additional_settings["receipts"] is True and settings.batch_serial == 18


def _membership_price(price: Any) -> None:
    assert (price.id, price.kind, price.rolling_period, price.duration, price.amount) == (21, "multi", "Y", "Y", 5000)


ROLES = [("Administrator", "admin", 1), ("Field manager", "manager", 2)]


def _all(*outcomes: Any) -> bool:
    return all(o is None or o for o in outcomes)


# (name, call, what the whole answer must read as, the ids it holds, their values)
CASES: list[tuple[str, Read, Callable[[Any], Any], Callable[[Any], Any], Any]] = [
    ("get_contact", lambda c: c.get_contact(42), _contact, lambda r: r.id, 42),
    ("search_contacts", lambda c: c.search_contacts({"$all": []}, include_interactions=True),
     _search, lambda r: [(x.id, [i.id for i in x.interactions]) for x in r], [(42, [880])]),
    ("list_forms", lambda c: c.list_forms("survey"),
     lambda r: _form(r[0]), lambda r: [f.id for f in r], [10]),
    ("get_form", lambda c: c.get_form(10), _form, lambda r: [v.id for v in r.refvalues],
     [101, 102]),
    ("list_actions", lambda c: c.list_actions(), _actions, lambda r: [a.action.id for a in r],
     [5]),
    ("list_users", lambda c: c.list_users(), lambda r: _all(_user(r.users[0]), r.count == 1),
     lambda r: [u.id for u in r.users], [3]),
    ("get_user", lambda c: c.get_user(3), _user, lambda r: (r.id, r.role_data.id), (3, 2)),
    ("list_roles", lambda c: c.list_roles(),
     lambda r: [(x.name, x.type, x.order) for x in r] == ROLES,
     lambda r: [x.id for x in r], [2, 4]),
    ("list_invitations", lambda c: c.list_invitations(), _invitations,
     lambda r: [(i.id, i.role.id) for i in r], [(31, 4)]),
    ("list_teams", lambda c: c.list_teams(), lambda r: _team(r[0]), lambda r: [t.id for t in r],
     [7]),
    ("list_public_teams", lambda c: c.list_public_teams(), lambda r: _team(r[0]),
     lambda r: [t.id for t in r], [7]),
    ("get_team", lambda c: c.get_team(7), _team, lambda r: [u.id for u in r.users], [3, 8]),
    ("list_bundles", lambda c: c.list_bundles(),
     lambda r: _all(_bundle(r.bundles[0]), r.total == 1), lambda r: [b.id for b in r.bundles], [501]),
    ("get_bundle", lambda c: c.get_bundle(501), _bundle,
     lambda r: [t.id for t in r.transactions], [601]),
    ("get_bundle_history", lambda c: c.get_bundle_history(501),
     _history, lambda r: [e.id for e in r], [9100]),
    ("get_transaction_settings", lambda c: c.get_transaction_settings(),
     _settings, lambda r: r.payment_method_kinds, ["check", "card", "transfer"]),
    ("list_transaction_statuses", lambda c: c.list_transaction_statuses(),
     lambda r: [(s.name, s.kind) for s in r][2] == ("Refunded", "reimbursed"), lambda r: [s.id for s in r], [1, 2, 3]),
    ("list_code_campaigns", lambda c: c.list_code_campaigns(),
     lambda r: [x.code for x in r] == ["AUTUMN26"], lambda r: [x.code for x in r], ["AUTUMN26"]),
    ("list_membership_prices", lambda c: c.list_membership_prices(),
     lambda r: _membership_price(r[0]), lambda r: [p.id for p in r], [21]),
    ("list_membership_price_groups", lambda c: c.list_membership_price_groups(),
     lambda r: _membership_price(r[0].membership_prices[0]),
     lambda r: [(g.id, [p.id for p in g.membership_prices]) for g in r], [(41, [21])]),
    ("list_donation_prices", lambda c: c.list_donation_prices(),
     lambda r: [(p.name, p.kind, p.allow_custom_amount) for p in r] == [("Free gift", "donation", True)],
     lambda r: [p.id for p in r], [31]),
]  # fmt: skip
IDS = [case[0] for case in CASES]
# Answers whose items carry no id: what is left of them once stripped.
STRIPPED_IDS = {"get_transaction_settings": [], "list_code_campaigns": [None]}


async def _read(call: Read, routes: dict[Any, Any]) -> Any:
    async with make_client(serve(routes)) as client:
        return await call(client)


def _checked(check: Callable[[Any], Any], result: Any) -> None:
    outcome = check(result)  # a check asserts inside (None) or returns what must hold
    assert outcome is None or outcome is True


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "call", "check", "ids", "expected_ids"), CASES, ids=IDS)
async def test_each_whole_answer_is_read(name, call, check, ids, expected_ids) -> None:
    result = await _read(call, ROUTES)
    _checked(check, result)
    assert ids(result) == expected_ids


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "call", "check", "ids", "expected_ids"), CASES, ids=IDS)
async def test_each_answer_without_its_optional_fields_is_read(name, call, check, ids, expected_ids) -> None:
    routes = {r: stripped(body) for r, body in ROUTES.items()}
    result = await _read(call, routes)
    assert ids(result) == STRIPPED_IDS.get(name, expected_ids)


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "call", "check", "ids", "expected_ids"), CASES, ids=IDS)
async def test_each_answer_with_unknown_fields_is_read(name, call, check, ids, expected_ids) -> None:
    routes = {r: with_extras(body) for r, body in ROUTES.items()}
    result = await _read(call, routes)
    _checked(check, result)
    assert ids(result) == expected_ids


def _with(route: tuple[str, str], change: Callable[[Any], None]) -> dict[Any, Any]:
    """The whole answers, with `change` applied to (a copy of) the body of `route`."""
    routes = dict(ROUTES)
    routes[route] = copy.deepcopy(routes[route])
    change(routes[route])
    return routes


def _action(body: Any) -> Any:
    return body["data"]["ActionsAggreg"][0]["Action"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "variant"),
    [(fundraising.HISTORY_OBJECT, "one-object"), (fundraising.HISTORY_LIST, "list"),
     ({"status": "success", "data": {"history": [fundraising.HISTORY_ENTRY]}}, "wrapped-list"),
     ({"status": "success", "data": {"history": fundraising.HISTORY_ENTRY}}, "wrapped-object")],
    ids=lambda v: v if isinstance(v, str) else "",
)  # fmt: skip
async def test_a_bundle_history_is_read_as_one_object_or_a_list(body: Any, variant: str) -> None:
    routes = {**ROUTES, ("GET", "/v1/transaction_bundles/501/history"): body}
    _history(await _read(lambda c: c.get_bundle_history(501), routes))


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("route", "change", "call", "read", "path"),
    [
        (("GET", "/actions"), lambda b: _action(b).update(goal_forms="abc"), lambda c: c.list_actions(),
         lambda r: (r[0].action.goal_forms, r[0].action.raw_fields["goal_forms"], r[0].action.name),
         "ActionsAggreg[0].Action.goal_forms (str)"),
        (("GET", "/contacts/42"), lambda b: b["data"]["contact"].update(firstname={"given": "Camille"}),
         lambda c: c.get_contact(42), lambda r: (r.firstname, r.raw_fields["firstname"], r.surname),
         "contact.firstname (dict)"),
        (("GET", "/contacts/42"), lambda b: b["data"]["contact"]["address"].update(city=["Lyon"]),
         lambda c: c.get_contact(42), lambda r: (r.address.city, r.address.raw_fields["city"], r.address.street),
         "contact.address.city (list)"),
        (("GET", "/v1/transaction_settings"), lambda b: b["data"].update(payment_method_kinds=["check", {"k": 1}]),
         lambda c: c.get_transaction_settings(),
         lambda r: (r.payment_method_kinds, r.raw_fields["payment_method_kinds[1]"], r.currency),
         "TransactionSettings.payment_method_kinds[1] (dict)"),
        (("GET", "/v1/transaction_bundles/501"), lambda b: b["data"]["transactions"][0].update(amount="lots"),
         lambda c: c.get_bundle(501),
         lambda r: (r.transactions[0].amount, r.transactions[0].raw_fields["amount"], r.transactions[0].currency),
         "Bundle.transactions[0].amount (str)"),
        (("GET", "/users/invitation"), lambda b: b["data"]["invitations"][0].update(role=[4]),
         lambda c: c.list_invitations(), lambda r: (r[0].role, r[0].raw_fields["role"], r[0].email),
         "invitations[0].role (list)"),
    ],
    ids=["action-goal-forms-text", "contact-name-object", "address-city-list", "settings-kind-object",
         "transaction-amount-text", "invitation-role-list"],
)  # fmt: skip
async def test_an_undocumented_shape_is_kept_raw_with_one_debug_line(
    route: Any, change: Any, call: Read, read: Any, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="qomon_mcp.qomon")
    routes = _with(route, change)
    typed, raw, neighbour = read(await _read(call, routes))
    assert typed in (None, [], ["check"])  # the typed field keeps its default, or its readable items
    assert raw not in (None, [])
    assert neighbour  # the rest of the object is read as usual
    lines = [r.getMessage() for r in caplog.records if "not documented" in r.getMessage()]
    assert len(lines) == 1 and lines[0].endswith(path)


@pytest.mark.anyio
async def test_the_debug_line_never_shows_the_value(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="qomon_mcp.qomon")
    routes = _with(("GET", "/contacts/42"), lambda b: b["data"]["contact"].update(mail={"home": "secret@x.org"}))
    contact = await _read(lambda c: c.get_contact(42), routes)
    assert contact.raw_fields == {"mail": {"home": "secret@x.org"}}
    assert "contact.mail (dict)" in caplog.text
    assert "secret" not in caplog.text and "home" not in caplog.text


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("route", "change", "call", "read", "expected"),
    [
        (("GET", "/actions"), lambda b: _action(b).update(goal_forms=[10, 11]), lambda c: c.list_actions(),
         lambda r: r[0].action.goal_forms, [10, 11]),
        (("GET", "/v1/transaction_settings"), lambda b: b["data"].update(open_periods=[{"start": "2026-01-01"}]),
         lambda c: c.get_transaction_settings(), lambda r: r.open_periods, [{"start": "2026-01-01"}]),
        (("GET", "/users/invitation"), lambda b: b["data"]["invitations"][0].update(role="manager"),
         lambda c: c.list_invitations(), lambda r: r[0].role, "manager"),
        (("GET", "/teams/7"), lambda b: b["data"]["team"].update(address="1 Place Bellecour, Lyon"),
         lambda c: c.get_team(7), lambda r: r.address, "1 Place Bellecour, Lyon"),
        (("GET", "/v1/donation_prices"), lambda b: b["data"][0].update(kind="elected"),
         lambda c: c.list_donation_prices(), lambda r: r[0].kind, "elected"),
        (("GET", "/v1/membership_prices"), lambda b: b["data"][0].update(kind="", rolling_period=True, duration=12),
         lambda c: c.list_membership_prices(), lambda r: (r[0].kind, r[0].rolling_period, r[0].duration),
         ("", True, "12")),
        (("GET", "/v1/transaction_bundles/501"), lambda b: b["data"]["donations"][0].update(amount_initial=1500),
         lambda c: c.get_bundle(501), lambda r: r.donations[0].amount_initial, 1500),
        (("GET", "/users/3"), lambda b: b.update(data={"user": b["data"]["User"]}),
         lambda c: c.get_user(3), lambda r: r.surname, "Bernard"),
        (("GET", "/contacts/42"), lambda b: b["data"]["contact"].update(tags=["donor", {"name": "vip"}]),
         lambda c: c.get_contact(42), lambda r: [t.name for t in r.tags], ["donor", "vip"]),
        (("GET", "/teams/7"), lambda b: b["data"]["team"].update(leaders=[3]),
         lambda c: c.get_team(7), lambda r: [u.id for u in r.leaders], [3]),
        (("GET", "/v1/transaction_bundles/501"), lambda b: b.update(data=[b["data"]]),
         lambda c: c.get_bundle(501), lambda r: r.id, 501),
        (("POST", "/search"), lambda b: b["data"]["contacts"].insert(0, None),
         lambda c: c.search_contacts({"$all": []}), lambda r: [x.id for x in r], [42]),
    ],
    ids=["goal-forms-list", "open-periods-list", "invitation-role-string", "team-address-line",
         "donation-kind-elected", "membership-older-shapes", "donation-amount-initial", "user-lowercase",
         "tags-as-names", "leaders-as-ids", "bundle-in-a-list", "null-contact-left-out"],
)  # fmt: skip
async def test_the_other_documented_shapes_are_read(
    route: Any, change: Any, call: Read, read: Any, expected: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="qomon_mcp.qomon")
    assert read(await _read(call, _with(route, change))) == expected
    assert "not documented" not in caplog.text


@pytest.mark.anyio
@pytest.mark.parametrize("body", list(NOT_FOUND_BODIES.values()), ids=list(NOT_FOUND_BODIES))
async def test_every_404_body_is_not_found(body: Any) -> None:
    async with make_client(lambda request: httpx2.Response(404, json=body)) as client:
        with pytest.raises(errors.NotFound):
            await client.get_contact(404)
