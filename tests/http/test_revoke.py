"""`/revoke` (RFC 7009) over loopback: a public client sends `token` and `client_id`, nothing else."""

from __future__ import annotations

import httpx2
import pytest

from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from tests.http.flows import Flow
from tests.http.support import rpc

pytestmark = pytest.mark.anyio

EU = DEMO_KEYS["eu"]


async def _revoke(flow: Flow, **fields: str) -> httpx2.Response:
    return await flow.http.post(f"{flow.served.url}/revoke", data=fields)


@pytest.mark.parametrize("which", ["access_token", "refresh_token"], ids=["access", "refresh"])
async def test_a_public_client_revokes_with_token_and_client_id_and_the_grant_ends(flow: Flow, which: str) -> None:
    tokens = await flow.tokens(EU)
    before = await rpc(flow.served, tokens["access_token"])
    revoked = await _revoke(flow, token=tokens[which], client_id=flow.client_id)
    after = await rpc(flow.served, tokens["access_token"])
    refreshed = await flow.refresh(tokens["refresh_token"])
    assert before.status_code == 200
    assert revoked.status_code == 200, revoked.text
    assert revoked.headers["cache-control"] == "no-store"
    assert after.status_code == 401
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


async def test_a_type_hint_that_names_the_other_kind_still_finds_the_token(flow: Flow) -> None:
    tokens = await flow.tokens(EU)
    revoked = await _revoke(
        flow, token=tokens["access_token"], token_type_hint="refresh_token", client_id=flow.client_id
    )
    after = await rpc(flow.served, tokens["access_token"])
    assert revoked.status_code == 200
    assert after.status_code == 401


async def test_an_unknown_token_is_answered_200_as_rfc_7009_asks(flow: Flow) -> None:
    answer = await _revoke(flow, token="not-a-token", client_id=flow.client_id)
    assert answer.status_code == 200


async def test_another_client_cannot_revoke_a_token_it_was_not_given(flow: Flow) -> None:
    tokens = await flow.tokens(EU)
    other = Flow(flow.served, flow.http)
    assert (await other.register()).status_code == 201
    answer = await _revoke(other, token=tokens["access_token"], client_id=other.client_id)
    still = await rpc(flow.served, tokens["access_token"])
    assert answer.status_code == 200
    assert still.status_code == 200


@pytest.mark.parametrize(
    ("fields", "status", "error"),
    [
        ({"client_id": "{client_id}"}, 400, "invalid_request"),
        ({"token": "t"}, 400, "invalid_request"),
        ({"token": "t", "client_id": "unregistered-client"}, 401, "invalid_client"),
    ],
    ids=["no-token", "no-client-id", "unknown-client"],
)
async def test_incomplete_or_unknown_requests_are_refused(
    flow: Flow, fields: dict[str, str], status: int, error: str
) -> None:
    data = {key: value.format(client_id=flow.client_id) for key, value in fields.items()}
    answer = await _revoke(flow, **data)
    assert answer.status_code == status
    assert answer.json()["error"] == error


async def test_a_confidential_client_must_still_send_its_secret(flow: Flow) -> None:
    confidential = Flow(flow.served, flow.http)
    registered = await confidential.register(token_endpoint_auth_method="client_secret_post")
    assert registered.status_code == 201, registered.text
    secret = registered.json()["client_secret"]
    without = await _revoke(confidential, token="t", client_id=confidential.client_id)
    wrong = await _revoke(confidential, token="t", client_id=confidential.client_id, client_secret="nope")
    right = await _revoke(confidential, token="t", client_id=confidential.client_id, client_secret=secret)
    assert (without.status_code, wrong.status_code, right.status_code) == (401, 401, 200)


async def test_metadata_says_public_clients_may_revoke(flow: Flow) -> None:
    metadata = (await flow.http.get(f"{flow.served.url}/.well-known/oauth-authorization-server")).json()
    assert "none" in metadata["revocation_endpoint_auth_methods_supported"]
