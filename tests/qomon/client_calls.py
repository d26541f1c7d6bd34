"""One call per client method, with the request it must send: the table the client tests share."""

from typing import Any

from qomon_mcp.spec.endpoints import endpoint
from tests.qomon.client_support import Call

QUERY = {"$all": [{"$all": [{"$condition": {"attr": "address.city", "ope": "eql", "value": "Paris"}}]}]}
TX = [{"amount": 2000, "currency": "eur", "payment_method_kind": "CB", "contact_id": 1, "date": "2025-01-01"}]
CALLS: list[tuple[str, Call, str, dict[str, str], Any]] = [
    (
        "create_contact",
        lambda c: c.create_contact({"surname": "Doe"}),
        "/contacts",
        {},
        {"data": {"contact": {"surname": "Doe"}}},
    ),
    ("get_contact", lambda c: c.get_contact(7), "/contacts/7", {}, None),
    (
        "replace_contact",
        lambda c: c.replace_contact(7, {"surname": "Doe"}),
        "/contacts/7",
        {},
        {"data": {"contact": {"surname": "Doe"}}},
    ),
    ("delete_contact", lambda c: c.delete_contact(7), "/contacts/7", {}, None),
    (
        "upsert_contact",
        lambda c: c.upsert_contact({"mail": "a@b.c"}),
        "/contacts/upsert",
        {},
        {"kind": "contact", "data": {"mail": "a@b.c"}},
    ),
    (
        "search_contacts",
        lambda c: c.search_contacts(
            QUERY, per_page=50, page=2, sort_attr="surname", sort_asc=True, include_interactions=True
        ),
        "/search",
        {},
        {
            "data": {
                "advanced_search": {
                    "query": QUERY,
                    "per_page": 50,
                    "page": 2,
                    "sort_attr": "surname",
                    "sort_asc": True,
                },
                "include_interactions": True,
            }
        },
    ),
    (
        "count_contacts",
        lambda c: c.count_contacts(QUERY),
        "/kpi",
        {},
        {"data": {"advanced_search": {"query": QUERY, "per_page": 1}}},
    ),
    ("list_forms", lambda c: c.list_forms("consent"), "/v1/forms/type/consent", {}, None),
    ("get_form", lambda c: c.get_form(9), "/forms/9", {}, None),
    ("list_actions", lambda c: c.list_actions(), "/actions", {}, None),
    (
        "list_users",
        lambda c: c.list_users(limit=10, offset=20, ascending=False),
        "/users",
        {"limit": "10", "offset": "20", "sort": "false"},
        None,
    ),
    ("get_user", lambda c: c.get_user(3), "/users/3", {}, None),
    (
        "update_user",
        lambda c: c.update_user(3, {"mail": "a@b.c"}),
        "/users/3",
        {},
        {"data": {"mail": "a@b.c"}},
    ),
    ("delete_user", lambda c: c.delete_user(3), "/users/3", {}, None),
    (
        "change_user_role",
        lambda c: c.change_user_role(3, 2),
        "/users/role",
        {},
        {"data": {"user_id": 3, "role_id": 2}},
    ),
    ("list_roles", lambda c: c.list_roles(), "/roles", {}, None),
    ("list_invitations", lambda c: c.list_invitations(), "/users/invitation", {}, None),
    (
        "invite_users",
        lambda c: c.invite_users([{"email": "a@b.c", "role_id": 2}]),
        "/users/invitation",
        {},
        {"data": {"invitations": [{"email": "a@b.c", "role_id": 2}]}},
    ),
    ("delete_invitation", lambda c: c.delete_invitation(5), "/users/invitation/5", {}, None),
    ("list_teams", lambda c: c.list_teams(user_id=3), "/teams", {"user_id": "3"}, None),
    ("list_public_teams", lambda c: c.list_public_teams(), "/teams/public", {}, None),
    ("get_team", lambda c: c.get_team(4), "/teams/4", {}, None),
    (
        "create_team",
        lambda c: c.create_team({"name": "Paris"}),
        "/teams",
        {},
        {"data": {"team": {"name": "Paris"}}},
    ),
    (
        "replace_team",
        lambda c: c.replace_team({"id": 4, "name": "Paris"}),
        "/teams",
        {},
        {"data": {"team": {"id": 4, "name": "Paris"}}},
    ),
    ("delete_team", lambda c: c.delete_team(4), "/teams/4", {}, None),
    (
        "send_global_message",
        lambda c: c.send_global_message("Hi", "Tonight 7pm", [4]),
        "/global-message",
        {},
        {"data": {"title": "Hi", "body": "Tonight 7pm", "team_ids": [4]}},
    ),
    (
        "create_bundle",
        lambda c: c.create_bundle(TX),
        "/v1/transaction_bundles",
        {},
        {"data": {"transactions": TX}},
    ),
    (
        "list_bundles",
        lambda c: c.list_bundles(limit=10, offset=5),
        "/v1/transaction_bundles",
        {"limit": "10", "offset": "5"},
        None,
    ),
    ("get_bundle", lambda c: c.get_bundle(42), "/v1/transaction_bundles/42", {}, None),
    (
        "update_bundle",
        lambda c: c.update_bundle(42, donations=[{"amount": 5}]),
        "/v1/transaction_bundles/42",
        {},
        {"id": 42, "data": {"donations": [{"amount": 5}]}},
    ),
    ("delete_bundle", lambda c: c.delete_bundle(42), "/v1/transaction_bundles/42", {}, None),
    (
        "get_bundle_history",
        lambda c: c.get_bundle_history(42),
        "/v1/transaction_bundles/42/history",
        {},
        None,
    ),
    (
        "get_transaction_settings",
        lambda c: c.get_transaction_settings(),
        "/v1/transaction_settings",
        {},
        None,
    ),
    (
        "list_transaction_statuses",
        lambda c: c.list_transaction_statuses(limit=5),
        "/v1/transaction_statuses",
        {"limit": "5"},
        None,
    ),
    ("list_code_campaigns", lambda c: c.list_code_campaigns(), "/v1/code_campaigns", {}, None),
    (
        "list_membership_prices",
        lambda c: c.list_membership_prices(offset=3),
        "/v1/membership_prices",
        {"offset": "3"},
        None,
    ),
    (
        "list_membership_price_groups",
        lambda c: c.list_membership_price_groups(),
        "/v1/membership_price_groups",
        {},
        None,
    ),
    ("list_donation_prices", lambda c: c.list_donation_prices(), "/v1/donation_prices", {}, None),
]
CALL_IDS = [name for name, *_ in CALLS]
# An answer every method can read, so one fake serves the whole table.
ANY_DATA = {
    **{key: {"id": 1} for key in ("contact", "form", "User", "team", "bundle", "transaction_settings")},
    **{
        key: []
        for key in (
            "contacts",
            "forms",
            "ActionsAggreg",
            "users",
            "roles",
            "invitations",
            "teams",
            "bundles",
            "history",
            "transaction_statuses",
            "code_campaigns",
            "membership_prices",
            "membership_price_groups",
            "donation_prices",
        )
    },
    "total": 1,
    "count": 1,
    "accepted": True,
}
WRITES = [case for case in CALLS if endpoint(case[0]).is_write]
READS = [case for case in CALLS if not endpoint(case[0]).is_write]
