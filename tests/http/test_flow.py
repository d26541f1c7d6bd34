"""The whole remote-connector flow over uvicorn on loopback, driven by the SDK's own OAuth client."""

from __future__ import annotations

import logging
import time

import httpx2
import pytest

from qomon_mcp.assemble import all_tool_specs
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.server.app import Access
from qomon_mcp.settings import Settings
from tests.http.support import SERVER_THREAD, Browser, MemoryStorage, connected, mcp_client, oauth, rpc, served

pytestmark = pytest.mark.anyio

DEFAULT_TOOLSETS = frozenset(Settings().toolsets)
READ_TOOLS = {s.name for s in all_tool_specs() if Access(read_only=True, toolsets=DEFAULT_TOOLSETS).allows(s)}
ALL_TOOLS = {s.name for s in all_tool_specs() if Access(read_only=False, toolsets=DEFAULT_TOOLSETS).allows(s)}


async def test_discovery_names_the_issuer_and_the_resource_exactly() -> None:
    with served() as s:
        async with httpx2.AsyncClient() as http:
            unauthorized = await http.post(s.mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
            resource = (await http.get(f"{s.url}/.well-known/oauth-protected-resource/mcp")).json()
            server = (await http.get(f"{s.url}/.well-known/oauth-authorization-server")).json()
    assert unauthorized.status_code == 401
    challenge = unauthorized.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{s.url}/.well-known/oauth-protected-resource/mcp"' in challenge
    assert resource["resource"] == s.mcp_url
    assert resource["authorization_servers"] == [s.url]
    assert server["issuer"] == s.url
    assert server["code_challenge_methods_supported"] == ["S256"]
    assert server["client_id_metadata_document_supported"] is True
    assert {"authorization_code", "refresh_token"} <= set(server["grant_types_supported"])
    assert server["registration_endpoint"] == f"{s.url}/register"
    assert server["revocation_endpoint"] == f"{s.url}/revoke"


async def test_healthz_answers_without_auth() -> None:
    with served() as s:
        async with httpx2.AsyncClient() as http:
            answer = await http.get(f"{s.url}/healthz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


@pytest.mark.parametrize("mode", ["auto", "legacy"], ids=["2026-07-28", "2025-11-25"])
async def test_sdk_client_connects_calls_refreshes_and_revokes(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    storage = MemoryStorage()
    browser = Browser(api_key=DEMO_KEYS["us"], region="us")
    with served() as s:
        auth = oauth(s, browser, storage)
        async with mcp_client(s.mcp_url, auth, mode=mode) as client:
            listed = {t.name for t in (await client.list_tools()).tools}
            result = await client.call_tool("get_fundraising_reference", {})
            assert storage.tokens is not None
            first = storage.tokens
            # The access token has run out: the SDK refreshes it on the next call.
            auth.context.token_expiry_time = time.time() - 1
            again = await client.call_tool("get_teams", {})
        assert storage.tokens is not None and storage.tokens.access_token != first.access_token
        assert storage.tokens.refresh_token != first.refresh_token
        client_id = storage.client.client_id if storage.client else ""
        async with httpx2.AsyncClient() as http:
            # RFC 7009 from a public client: the token and the client_id, no secret.
            revoked = await http.post(
                f"{s.url}/revoke", data={"token": storage.tokens.access_token, "client_id": client_id}
            )
            after = await http.post(
                s.mcp_url,
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                headers={"Authorization": f"Bearer {storage.tokens.access_token}", "Accept": "application/json"},
            )
            refresh_after = await http.post(
                f"{s.url}/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": storage.tokens.refresh_token or "",
                    "client_id": client_id,
                },
            )
    assert listed == READ_TOOLS
    assert not result.is_error and result.structured_content is not None
    assert result.structured_content["currency"] == "usd"
    assert not again.is_error
    assert "Downtown" in again.content[0].text
    assert browser.result is not None and browser.result.state  # the state came back
    assert revoked.status_code == 200
    assert after.status_code == 401
    assert refresh_after.status_code == 400
    secrets = {DEMO_KEYS["us"], first.access_token, first.refresh_token, storage.tokens.access_token}
    secrets.add(browser.result.code)
    server_side = [r.getMessage() for r in caplog.records if r.threadName == SERVER_THREAD]
    assert any("/connect" in line for line in server_side)
    assert [line for line in server_side if any(x and x in line for x in secrets)] == []
    requests = [r.getMessage() for r in caplog.records if r.name == "qomon_mcp.http"]
    assert any('"tool":"get_fundraising_reference"' in line and '"caller":' in line for line in requests)


async def test_write_access_sees_and_calls_write_tools() -> None:
    browser = Browser(api_key=DEMO_KEYS["eu"], access="write")
    with served() as s:
        async with mcp_client(s.mcp_url, oauth(s, browser)) as client:
            listed = {t.name for t in (await client.list_tools()).tools}
            created = await client.call_tool("save_team", {"name": "Brest Nord"})
    assert listed == ALL_TOOLS
    assert not created.is_error, created.content


@pytest.mark.parametrize(
    ("suffix", "headers"),
    [
        ("?toolsets=contacts,search&read_only=true", None),
        ("", {"X-Qomon-Toolsets": "contacts,search", "X-Qomon-Read-Only": "true"}),
    ],
    ids=["query", "headers"],
)
async def test_a_connection_narrows_itself(suffix: str, headers: dict[str, str] | None) -> None:
    browser = Browser(api_key=DEMO_KEYS["eu"], access="write")
    with served() as s:
        async with mcp_client(s.mcp_url + suffix, oauth(s, browser), headers=headers) as client:
            listed = {t.name for t in (await client.list_tools()).tools}
            refused = await client.call_tool("save_contact", {"contact": {"firstname": "Ada"}})
            outside = await client.call_tool("get_teams", {})
    assert listed == {"get_contact", "search_contacts", "count_contacts"}
    assert refused.is_error and "read-only" in refused.content[0].text
    assert outside.is_error and "toolset" in outside.content[0].text


async def test_a_connection_cannot_widen_the_server_setting() -> None:
    browser = Browser(api_key=DEMO_KEYS["eu"], access="read")
    with served(toolsets="search,contacts") as s:
        async with mcp_client(f"{s.mcp_url}?toolsets=search,contacts&read_only=false", oauth(s, browser)) as client:
            listed = {t.name for t in (await client.list_tools()).tools}
            refused = await client.call_tool("save_contact", {"contact": {"firstname": "Ada"}})
    # A read-only sign-in stays read-only whatever the connection asks.
    assert listed == {"get_contact", "search_contacts", "count_contacts"}
    assert refused.is_error and "read-only" in refused.content[0].text


@pytest.mark.parametrize(
    ("server_toolsets", "asked", "refusal"),
    [
        ("search", "contacts,search", "the toolsets contacts; it offers search: ask for some of those"),
        (
            ",".join(DEFAULT_TOOLSETS),
            "chatgpt",
            "the toolsets chatgpt; it offers contacts, search, forms, actions, team, fundraising: ask",
        ),
    ],
    ids=["narrower-server", "chatgpt-not-enabled"],
)
async def test_a_toolset_the_server_does_not_offer_is_refused_with_what_it_offers(
    server_toolsets: str, asked: str, refusal: str
) -> None:
    with served(toolsets=server_toolsets) as s:
        tokens, _ = await connected(s, DEMO_KEYS["eu"])
        answer = await rpc(s, tokens.access_token, suffix=f"?toolsets={asked}")
    assert answer.status_code == 400
    assert answer.json()["error_description"].startswith(f"this server does not offer {refusal}")


async def test_chatgpt_tools_go_only_to_connections_that_ask_for_them() -> None:
    browser = Browser(api_key=DEMO_KEYS["eu"], access="read")
    with served(toolsets="contacts,search,chatgpt") as s:
        async with mcp_client(s.mcp_url, oauth(s, browser)) as client:
            plain = {t.name for t in (await client.list_tools()).tools}
        async with mcp_client(f"{s.mcp_url}?toolsets=chatgpt", oauth(s, browser)) as client:
            chatgpt = {t.name for t in (await client.list_tools()).tools}
    assert plain == {"get_contact", "search_contacts", "count_contacts"}
    assert chatgpt == {"search", "fetch"}


async def test_unknown_toolset_in_the_narrowing_is_a_clear_error() -> None:
    with served() as s:
        tokens, _ = await connected(s, DEMO_KEYS["eu"])
        answer = await rpc(s, tokens.access_token, suffix="?toolsets=everything")
    assert answer.status_code == 400
    assert answer.json()["error_description"].startswith(
        "this server does not offer the toolsets everything; it offers contacts, search"
    )


async def test_callers_share_a_bounded_client_cache() -> None:
    with served(client_cache_size=1) as s:
        for region in ("eu", "us"):
            async with mcp_client(s.mcp_url, oauth(s, Browser(api_key=DEMO_KEYS[region], region=region))) as client:
                assert not (await client.call_tool("get_teams", {})).is_error
        assert len(s.http.cache) == 1


async def test_a_foreign_host_header_is_refused() -> None:
    storage = MemoryStorage()
    with served() as s:
        async with mcp_client(s.mcp_url, oauth(s, Browser(api_key=DEMO_KEYS["eu"]), storage)) as client:
            await client.list_tools()
        assert storage.tokens is not None
        async with httpx2.AsyncClient() as http:
            answer = await http.post(
                s.mcp_url,
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                headers={
                    "Authorization": f"Bearer {storage.tokens.access_token}",
                    "Host": "attacker.example",
                    "Accept": "application/json, text/event-stream",
                },
            )
    assert answer.status_code in (403, 421)
