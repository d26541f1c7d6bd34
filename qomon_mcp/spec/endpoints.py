"""The 38 documented endpoints of the Qomon Public API, as one table.

The client reads its HTTP verb, rate-limit cost and retry policy from here; the
sandbox logs requests by these route templates; the coverage test checks that
the tool suite reaches every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ENDPOINTS", "Endpoint", "endpoint"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    method: str
    route: str
    cost: int = 1
    # Safe to send again after a connection error or a 502/503/504: reads,
    # search, kpi, deletes and full-replace PATCHes. Creations and messages are not.
    retry_safe: bool = True

    @property
    def is_write(self) -> bool:
        """Whether the request changes the space (search and kpi are reads sent as POST)."""
        return self.method != "GET" and self.route not in ("/search", "/kpi")


ENDPOINTS: tuple[Endpoint, ...] = (
    # Contacts
    Endpoint("create_contact", "POST", "/contacts", cost=5, retry_safe=False),
    Endpoint("get_contact", "GET", "/contacts/{id}"),
    Endpoint("replace_contact", "PATCH", "/contacts/{id}", cost=5),
    Endpoint("delete_contact", "DELETE", "/contacts/{id}"),
    # A record with no id, mail or surname always creates a contact: a repeat could duplicate it.
    Endpoint("upsert_contact", "POST", "/contacts/upsert", retry_safe=False),
    # Search
    Endpoint("search_contacts", "POST", "/search"),
    Endpoint("count_contacts", "POST", "/kpi"),
    # Forms
    Endpoint("list_forms", "GET", "/v1/forms/type/{type}"),
    Endpoint("get_form", "GET", "/forms/{id}"),
    # Actions
    Endpoint("list_actions", "GET", "/actions"),
    # Users and roles
    Endpoint("list_users", "GET", "/users"),
    Endpoint("get_user", "GET", "/users/{id}"),
    Endpoint("update_user", "PATCH", "/users/{id}"),
    Endpoint("delete_user", "DELETE", "/users/{id}"),
    Endpoint("change_user_role", "PATCH", "/users/role"),
    Endpoint("list_roles", "GET", "/roles"),
    # Invitations
    Endpoint("list_invitations", "GET", "/users/invitation"),
    Endpoint("invite_users", "POST", "/users/invitation", retry_safe=False),
    Endpoint("delete_invitation", "DELETE", "/users/invitation/{id}"),
    # Teams
    Endpoint("list_teams", "GET", "/teams"),
    Endpoint("list_public_teams", "GET", "/teams/public"),
    Endpoint("get_team", "GET", "/teams/{id}"),
    Endpoint("create_team", "POST", "/teams", retry_safe=False),
    Endpoint("replace_team", "PATCH", "/teams"),
    Endpoint("delete_team", "DELETE", "/teams/{id}"),
    # Notifications
    Endpoint("send_global_message", "POST", "/global-message", retry_safe=False),
    # Fundraising: transaction bundles
    Endpoint("create_bundle", "POST", "/v1/transaction_bundles", retry_safe=False),
    Endpoint("list_bundles", "GET", "/v1/transaction_bundles"),
    Endpoint("get_bundle", "GET", "/v1/transaction_bundles/{id}"),
    # Additive PATCH: items without an id are appended, so a repeat could add twice.
    Endpoint("update_bundle", "PATCH", "/v1/transaction_bundles/{id}", retry_safe=False),
    Endpoint("delete_bundle", "DELETE", "/v1/transaction_bundles/{id}"),
    Endpoint("get_bundle_history", "GET", "/v1/transaction_bundles/{id}/history"),
    # Fundraising: reference data
    Endpoint("get_transaction_settings", "GET", "/v1/transaction_settings"),
    Endpoint("list_transaction_statuses", "GET", "/v1/transaction_statuses"),
    Endpoint("list_code_campaigns", "GET", "/v1/code_campaigns"),
    Endpoint("list_membership_prices", "GET", "/v1/membership_prices"),
    Endpoint("list_membership_price_groups", "GET", "/v1/membership_price_groups"),
    Endpoint("list_donation_prices", "GET", "/v1/donation_prices"),
)

_BY_NAME = {e.name: e for e in ENDPOINTS}


def endpoint(name: str) -> Endpoint:
    """The endpoint a client method is named after."""
    return _BY_NAME[name]
