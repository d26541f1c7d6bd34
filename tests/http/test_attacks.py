"""Refused attacks on the OAuth flow and the MCP endpoint, each on its own, over loopback."""

from __future__ import annotations

import time

import httpx2
import pytest

from qomon_mcp.auth.keys import Keyring
from qomon_mcp.auth.tokens import Grant
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.spec.endpoints import ENDPOINTS
from tests.http.flows import Flow, pkce, query_of
from tests.http.support import rpc, served

pytestmark = pytest.mark.anyio

EU = DEMO_KEYS["eu"]
WRITE_ROUTES = {(e.method, e.route) for e in ENDPOINTS if e.is_write}


def minted(flow: Flow, *, ttl: int = 3600, resource: str | None = None, access: str = "read") -> str:
    """An access token sealed with the server's own keys, for claims the flow would never produce."""
    provider = flow.served.http.provider
    grant = Grant(
        api_key=EU,
        region="eu",
        access=access,  # type: ignore[arg-type]
        subject=provider.keyring.subject("eu", EU),
        client_id=flow.client_id,
        resource=resource or provider.resource,
        gid="g",
    )
    return provider.keyring.seal(grant.claims("access", ttl, time.time()))


async def test_wrong_pkce_verifier_is_refused(flow: Flow) -> None:
    code, _ = await flow.code(EU)
    answer = await flow.exchange(code, pkce()[0])
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


async def test_code_replay_is_refused_and_ends_the_first_grant(flow: Flow) -> None:
    code, verifier = await flow.code(EU)
    first = await flow.exchange(code, verifier)
    replay = await flow.exchange(code, verifier)
    after = await rpc(flow.served, first.json()["access_token"])
    assert first.status_code == 200
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert after.status_code == 401


async def test_unregistered_redirect_uri_is_refused_without_redirecting(flow: Flow) -> None:
    answer = await flow.authorize(pkce()[1], redirect_uri="https://attacker.example/callback")
    assert answer.status_code == 400
    assert "location" not in answer.headers


async def test_redirect_uri_differing_at_the_token_endpoint_is_refused(flow: Flow) -> None:
    code, verifier = await flow.code(EU)
    answer = await flow.exchange(code, verifier, redirect_uri="http://127.0.0.1:33418/other")
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    "client_id",
    [
        "not-a-client",
        Keyring.parse("other:" + "o" * 40).seal(
            {"u": "client", "m": {"redirect_uris": ["http://127.0.0.1:33418/callback"]}}
        ),
    ],
    ids=["unknown", "sealed-by-another-server"],
)
async def test_unknown_or_forged_client_id_is_refused(flow: Flow, client_id: str) -> None:
    flow.client_id = client_id
    answer = await flow.authorize(pkce()[1])
    assert answer.status_code == 400
    assert "location" not in answer.headers


async def test_a_token_cannot_pose_as_a_client_id(flow: Flow) -> None:
    tokens = await flow.tokens(EU)
    flow.client_id = tokens["access_token"]
    answer = await flow.authorize(pkce()[1])
    assert answer.status_code == 400


async def test_tampered_token_is_refused(flow: Flow) -> None:
    token = (await flow.tokens(EU))["access_token"]
    middle = len(token) // 2
    tampered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    answer = await rpc(flow.served, tampered)
    assert answer.status_code == 401
    assert "resource_metadata=" in answer.headers["www-authenticate"]


async def test_expired_token_is_refused(flow: Flow) -> None:
    answer = await rpc(flow.served, minted(flow, ttl=-1))
    assert answer.status_code == 401


async def test_token_minted_for_another_resource_is_refused(flow: Flow) -> None:
    answer = await rpc(flow.served, minted(flow, resource="https://other.example/mcp"))
    assert answer.status_code == 401


async def test_authorization_for_another_resource_is_refused(flow: Flow) -> None:
    answer = await flow.authorize(pkce()[1], resource="https://other.example/mcp")
    assert answer.status_code == 302
    assert query_of(answer.headers["location"])["error"] == "invalid_target"


async def test_refresh_token_reuse_is_refused_and_ends_the_grant(flow: Flow) -> None:
    tokens = await flow.tokens(EU)
    rotated = await flow.refresh(tokens["refresh_token"])
    reused = await flow.refresh(tokens["refresh_token"])
    after = await rpc(flow.served, rotated.json()["access_token"])
    assert rotated.status_code == 200 and rotated.json()["refresh_token"] != tokens["refresh_token"]
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert after.status_code == 401


async def test_an_access_token_is_not_a_refresh_token(flow: Flow) -> None:
    tokens = await flow.tokens(EU)
    answer = await flow.refresh(tokens["access_token"])
    assert answer.status_code == 400


async def test_write_tool_with_a_read_token_is_refused_and_sends_nothing(flow: Flow) -> None:
    token = (await flow.tokens(EU, access="read"))["access_token"]
    listed = await rpc(flow.served, token)
    called = await rpc(flow.served, token, "tools/call", {"name": "save_team", "arguments": {"name": "X"}})
    names = {tool["name"] for tool in listed.json()["result"]["tools"]}
    assert "save_team" not in names
    assert called.json()["result"]["isError"] is True
    assert "read-only" in called.json()["result"]["content"][0]["text"]
    sent = [r for sandbox in flow.served.sandboxes for r in sandbox.request_log]
    assert not [r for r in sent if (r.method, r.route) in WRITE_ROUTES]


async def test_write_access_on_a_read_only_server_is_refused() -> None:
    with served(read_only=True) as s:
        async with httpx2.AsyncClient() as http:
            flow = Flow(s, http)
            await flow.register()
            page = await flow.connect_page(pkce()[1])
            answer = await flow.submit(page, api_key=EU, access="write")
    assert answer.status_code == 403
    assert "read-only" in answer.text
    assert 'value="write" disabled' in page.text


@pytest.mark.parametrize("csrf", [None, "0" * 64], ids=["missing", "wrong"])
async def test_missing_or_wrong_csrf_token_is_refused(flow: Flow, csrf: str | None) -> None:
    page = await flow.connect_page(pkce()[1])
    answer = await flow.submit(page, api_key=EU, csrf=csrf)  # type: ignore[arg-type]
    assert answer.status_code == 403
    assert "location" not in answer.headers


async def test_csrf_token_without_its_cookie_is_refused(flow: Flow) -> None:
    page = await flow.connect_page(pkce()[1])
    flow.http.cookies.clear()
    answer = await flow.submit(page, api_key=EU)
    assert answer.status_code == 403


async def test_script_in_client_name_and_state_is_shown_escaped(flow: Flow) -> None:
    script = '<script>alert("x")</script>'
    await flow.register(client_name=script)
    page = await flow.connect_page(pkce()[1], state=script)
    answer = await flow.submit(page, api_key=EU)
    assert script not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert query_of(answer.headers["location"])["state"] == script


@pytest.mark.parametrize(
    "redirect_uri",
    ["javascript:alert(1)", "http://attacker.example/callback", "https://app.example/cb#fragment", "data:text/html,x"],
    ids=["javascript", "plain-http-remote", "fragment", "data"],
)
async def test_dangerous_redirect_uris_cannot_be_registered(flow: Flow, redirect_uri: str) -> None:
    answer = await flow.register(redirect_uris=[redirect_uri])
    assert answer.status_code == 400


async def test_a_tampered_connect_request_cannot_redirect_anywhere(flow: Flow) -> None:
    page = await flow.connect_page(pkce()[1])
    answer = await flow.submit(page, api_key=EU, request="x" + page.url.params["request"][1:])
    assert answer.status_code == 400
    assert "location" not in answer.headers


async def test_invalid_region_issues_nothing(flow: Flow) -> None:
    page = await flow.connect_page(pkce()[1])
    answer = await flow.submit(page, api_key=EU, region="mars")
    assert answer.status_code == 400
    assert "Choose the region" in answer.text


@pytest.mark.parametrize(("key", "region"), [("wrong-key", "eu"), (EU, "us")], ids=["wrong-key", "wrong-region"])
async def test_wrong_api_key_or_region_re_renders_and_issues_nothing(flow: Flow, key: str, region: str) -> None:
    page = await flow.connect_page(pkce()[1])
    answer = await flow.submit(page, api_key=key, region=region)
    assert answer.status_code == 400
    assert "did not accept this API key" in answer.text
    assert key not in answer.text
    assert 'name="api_key"' in answer.text


@pytest.mark.parametrize(
    ("path", "size", "content_type"),
    [
        ("/register", 5 * 1024 * 1024, "application/json"),
        ("/mcp", 2 * 1024 * 1024, "application/json"),
        ("/connect", 64 * 1024, "application/x-www-form-urlencoded"),
        ("/token", 5 * 1024 * 1024, "application/x-www-form-urlencoded"),
    ],
    ids=["register", "mcp", "connect", "token"],
)
async def test_oversized_bodies_are_refused(flow: Flow, path: str, size: int, content_type: str) -> None:
    token = minted(flow)
    answer = await flow.http.post(
        flow.served.url + path,
        content=b"a" * size,
        headers={
            "Content-Type": content_type,
            "Authorization": f"Bearer {token}",
            "Accept": "application/json, text/event-stream",
        },
    )
    assert answer.status_code == 413


@pytest.mark.parametrize(
    "client_id",
    [
        "https://127.0.0.1/client.json",
        "https://10.0.0.8/client.json",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/client.json",
        "http://client.example/client.json",
    ],
    ids=["loopback", "private", "link-local", "loopback-v6", "plain-http"],
)
async def test_metadata_document_url_at_a_private_address_is_refused(flow: Flow, client_id: str) -> None:
    flow.client_id = client_id
    answer = await flow.authorize(pkce()[1])
    assert answer.status_code == 400
    assert "location" not in answer.headers


async def test_a_code_of_one_client_is_refused_to_another(flow: Flow) -> None:
    code, verifier = await flow.code(EU)
    thief = Flow(flow.served, flow.http)
    await thief.register()
    answer = await thief.exchange(code, verifier)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
