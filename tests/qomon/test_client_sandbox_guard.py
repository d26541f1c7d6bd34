"""The read-only guard and the key's secrecy, checked on what reaches the sandbox."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from qomon_mcp.qomon import errors
from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.spec.endpoints import ENDPOINTS, endpoint
from tests.qomon.sandbox_client import connect, exchanges, fresh_key, small_sandbox
from tests.sandbox.app_support import build_space

Call = Callable[[QomonClient], Awaitable[Any]]

# The read-only guard

TX = {"contact_id": 1, "amount": 100, "currency": "eur", "payment_method_kind": "CB", "date": "2026-01-01"}
ANY = {"$all": []}
EVERY_ENDPOINT: dict[str, Call] = {
    "create_contact": lambda c: c.create_contact({"surname": "X"}),
    "get_contact": lambda c: c.get_contact(1),
    "replace_contact": lambda c: c.replace_contact(1, {"surname": "X"}),
    "delete_contact": lambda c: c.delete_contact(1),
    "upsert_contact": lambda c: c.upsert_contact({"id": 1, "phone": "1"}),
    "search_contacts": lambda c: c.search_contacts(ANY),
    "count_contacts": lambda c: c.count_contacts(ANY),
    "list_forms": lambda c: c.list_forms("consent"),
    "get_form": lambda c: c.get_form(10),
    "list_actions": lambda c: c.list_actions(),
    "list_users": lambda c: c.list_users(),
    "get_user": lambda c: c.get_user(500),
    "update_user": lambda c: c.update_user(502, {"mail": "cy2@org.example"}),
    "delete_user": lambda c: c.delete_user(502),
    "change_user_role": lambda c: c.change_user_role(502, 901),
    "list_roles": lambda c: c.list_roles(),
    "list_invitations": lambda c: c.list_invitations(),
    "invite_users": lambda c: c.invite_users([{"email": "new@org.example", "role_id": 902}]),
    "delete_invitation": lambda c: c.delete_invitation(1),
    "list_teams": lambda c: c.list_teams(),
    "list_public_teams": lambda c: c.list_public_teams(),
    "get_team": lambda c: c.get_team(600),
    "create_team": lambda c: c.create_team({"name": "New"}),
    "replace_team": lambda c: c.replace_team({"id": 600, "name": "X"}),
    "delete_team": lambda c: c.delete_team(600),
    "send_global_message": lambda c: c.send_global_message("Hi", "Body", [600]),
    "create_bundle": lambda c: c.create_bundle([TX]),
    "list_bundles": lambda c: c.list_bundles(),
    "get_bundle": lambda c: c.get_bundle(1),
    "update_bundle": lambda c: c.update_bundle(1, transactions=[TX]),
    "delete_bundle": lambda c: c.delete_bundle(1),
    "get_bundle_history": lambda c: c.get_bundle_history(1),
    "get_transaction_settings": lambda c: c.get_transaction_settings(),
    "list_transaction_statuses": lambda c: c.list_transaction_statuses(),
    "list_code_campaigns": lambda c: c.list_code_campaigns(),
    "list_membership_prices": lambda c: c.list_membership_prices(),
    "list_membership_price_groups": lambda c: c.list_membership_price_groups(),
    "list_donation_prices": lambda c: c.list_donation_prices(),
}
WRITES = sorted(e.name for e in ENDPOINTS if e.is_write)
READS = sorted(e.name for e in ENDPOINTS if not e.is_write)


def test_the_read_only_table_covers_every_endpoint() -> None:
    assert set(EVERY_ENDPOINT) == {e.name for e in ENDPOINTS}
    assert {"search_contacts", "count_contacts"} <= set(READS)


@pytest.mark.anyio
@pytest.mark.parametrize("name", WRITES)
async def test_read_only_refuses_every_write_without_sending_it(name: str) -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    before = repr(sandbox.space_for(key))
    async with connect(sandbox, key, read_only=True) as client:
        with pytest.raises(errors.ReadOnlyError):
            await EVERY_ENDPOINT[name](client)
    await sandbox.drain()
    assert sandbox.request_log == []
    assert repr(sandbox.space_for(key)) == before


@pytest.mark.anyio
@pytest.mark.parametrize("name", READS)
async def test_read_only_lets_reads_search_and_kpi_through(name: str) -> None:
    key = fresh_key()
    sandbox = small_sandbox(key)
    async with connect(sandbox, key, read_only=True) as client:
        with contextlib.suppress(errors.NotFound):  # a missing bundle still went through
            await EVERY_ENDPOINT[name](client)
    ep = endpoint(name)
    assert [(m, r) for m, r, _ in exchanges(sandbox)] == [(ep.method, ep.route)]


# The key stays secret


@pytest.mark.anyio
async def test_the_key_never_appears_in_errors_logs_or_the_request_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    key = fresh_key("secret")
    sandbox = small_sandbox(key)
    no_fundraising = small_sandbox(key)
    no_fundraising.spaces[key] = build_space(fundraising=False)
    sandbox.faults.add("malformed", route="/forms/{id}")
    sandbox.faults.add("drop", route="/contacts", method="POST", after=True)
    sandbox.faults.add("status", status=500, route="/roles")
    sandbox.faults.add("delay", delay=1.0, route="/actions")
    raised: list[BaseException] = []
    calls: list[tuple[Sandbox, str, Call]] = [
        (sandbox, key, lambda c: c.get_contact(999_999)),
        (sandbox, key, lambda c: c.search_contacts({"$all": [{"$condition": {"attr": "mail", "ope": "ext"}}]})),
        (sandbox, key, lambda c: c.update_user(500, {})),
        (sandbox, key, lambda c: c.get_form(10)),
        (sandbox, key, lambda c: c.create_contact({"surname": "Lost"})),
        (sandbox, key, lambda c: c.list_roles()),
        (sandbox, key, lambda c: c.list_actions()),
        (no_fundraising, key, lambda c: c.list_bundles()),
        (sandbox, key + "-revoked", lambda c: c.get_contact(1)),
    ]
    for target, used_key, call in calls:
        async with connect(target, used_key, deadline=0.3) as client:
            assert used_key not in repr(client)
            with pytest.raises(errors.QomonError) as caught:
                await call(client)
            raised.append(caught.value)
    kinds = {type(e) for e in raised}
    assert {errors.NotFound, errors.InvalidInput, errors.MalformedResponse, errors.ConnectionFailed} <= kinds
    assert {errors.ServerError, errors.RequestTimeout, errors.PermissionDenied, errors.AuthenticationFailed} <= kinds
    secret = key.split("_SECRET_")[1]  # the part a cut or partly masked key would still show
    texts = []
    for error in raised:
        chained: BaseException | None = error
        while chained is not None:
            texts += [str(chained), repr(chained)]
            chained = chained.__cause__ or chained.__context__
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(entry) for entry in sandbox.request_log + no_fundraising.request_log]
    assert caplog.records, "the client logs its requests at DEBUG"
    assert not [text for text in texts if secret in text or key in text]
