"""The endpoint table, pinned row by row against Qomon's public docs.

Each expected row is written out here from the docs' API reference headers
("<method> <path>") and their "Rate limits" page (cost 5 for the two synchronous
contact writes, 1 for everything else), not read from `spec.endpoints`, so that
a slip in the table cannot pass both sides of a test at once.
"""

from __future__ import annotations

import re

import pytest

from qomon_mcp.spec.endpoints import ENDPOINTS

# (method, path as the docs spell it, rate-limit cost)
DOCS_ROWS: tuple[tuple[str, str, int], ...] = (
    ("GET", "/actions", 1),
    ("POST", "/contacts", 5),
    ("DELETE", "/contacts/{contactId}", 1),
    ("GET", "/contacts/{contactId}", 1),
    ("PATCH", "/contacts/{contactId}", 5),
    ("POST", "/contacts/upsert", 1),
    ("GET", "/forms/{id}", 1),
    ("GET", "/v1/forms/type/{type}", 1),
    ("DELETE", "/users/invitation/{id}", 1),
    ("POST", "/users/invitation", 1),
    ("GET", "/users/invitation", 1),
    ("POST", "/global-message", 1),
    ("GET", "/roles", 1),
    ("POST", "/kpi", 1),
    ("POST", "/search", 1),
    ("GET", "/v1/transaction_settings", 1),
    ("GET", "/v1/code_campaigns", 1),
    ("GET", "/v1/donation_prices", 1),
    ("GET", "/v1/membership_price_groups", 1),
    ("GET", "/v1/membership_prices", 1),
    ("GET", "/v1/transaction_statuses", 1),
    ("POST", "/teams", 1),
    ("DELETE", "/teams/{id}", 1),
    ("GET", "/teams/{id}", 1),
    ("GET", "/teams", 1),
    ("GET", "/teams/public", 1),
    ("PATCH", "/teams", 1),
    ("POST", "/v1/transaction_bundles", 1),
    ("DELETE", "/v1/transaction_bundles/{id}", 1),
    ("GET", "/v1/transaction_bundles/{id}", 1),
    ("GET", "/v1/transaction_bundles/{id}/history", 1),
    ("GET", "/v1/transaction_bundles", 1),
    ("PATCH", "/v1/transaction_bundles/{id}", 1),
    ("DELETE", "/users/{id}", 1),
    ("PATCH", "/users/role", 1),
    ("GET", "/users/{id}", 1),
    ("GET", "/users", 1),
    ("PATCH", "/users/{id}", 1),
)


def _shape(path: str) -> str:
    """A path with its placeholders blanked: the docs name them `{contactId}`, the table `{id}`."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def _table_rows() -> dict[tuple[str, str], int]:
    return {(e.method, _shape(e.route)): e.cost for e in ENDPOINTS}


def test_the_table_has_exactly_the_documented_endpoints() -> None:
    documented = {(method, _shape(path)) for method, path, _ in DOCS_ROWS}
    assert len(documented) == len(DOCS_ROWS) == 38
    assert set(_table_rows()) == documented


@pytest.mark.parametrize(("method", "path", "cost"), DOCS_ROWS, ids=[f"{m} {p}" for m, p, _ in DOCS_ROWS])
def test_each_endpoint_has_its_documented_method_path_and_cost(method: str, path: str, cost: int) -> None:
    assert _table_rows()[(method, _shape(path))] == cost


def test_names_are_unique() -> None:
    assert len({e.name for e in ENDPOINTS}) == len(ENDPOINTS)


@pytest.mark.parametrize(
    ("name", "is_write"),
    [
        pytest.param("search_contacts", False, id="search-is-a-read"),
        pytest.param("count_contacts", False, id="kpi-is-a-read"),
        pytest.param("list_users", False, id="get"),
        pytest.param("upsert_contact", True, id="upsert"),
        pytest.param("replace_team", True, id="patch"),
        pytest.param("delete_bundle", True, id="delete"),
    ],
)
def test_reads_sent_as_post_are_not_writes(name: str, is_write: bool) -> None:
    # The read-only guard lets through GET plus the two searches the docs send as POST.
    assert next(e for e in ENDPOINTS if e.name == name).is_write is is_write
