"""`serve` on loopback without a public URL answers as whichever local name the client used.

An OAuth client (mcp-remote, the Inspector, the SDK's) refuses a server whose
protected-resource metadata names another URL than the one it connected to, so
`http://localhost:PORT/mcp` and `http://127.0.0.1:PORT/mcp` must both describe themselves.
"""

from __future__ import annotations

import dataclasses

import httpx2
import pytest

from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from tests.http.support import Browser, Served, connected, mcp_client, oauth, rpc, served

pytestmark = pytest.mark.anyio


def _as(s: Served, name: str) -> Served:
    """The same server, reached under another loopback name."""
    port = s.url.rsplit(":", 1)[1]
    return dataclasses.replace(s, url=f"http://{name}:{port}")


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1"], ids=["localhost", "ip"])
async def test_discovery_and_tools_list_work_under_either_loopback_name(name: str) -> None:
    with served(public_url=None) as s:
        reached = _as(s, name)
        browser = Browser(api_key=DEMO_KEYS["eu"])
        async with mcp_client(reached.mcp_url, oauth(reached, browser)) as client:
            tools = (await client.list_tools()).tools
        async with httpx2.AsyncClient() as http:
            resource = (await http.get(f"{reached.url}/.well-known/oauth-protected-resource/mcp")).json()
            issuer = (await http.get(f"{reached.url}/.well-known/oauth-authorization-server")).json()["issuer"]
    assert "search_contacts" in {t.name for t in tools}
    assert resource["resource"] == reached.mcp_url
    assert resource["authorization_servers"] == [reached.url]
    assert issuer == reached.url


async def test_the_metadata_follows_the_host_header_for_ipv6_loopback_too() -> None:
    with served(public_url=None) as s:
        port = s.url.rsplit(":", 1)[1]
        async with httpx2.AsyncClient() as http:
            answer = await http.get(
                f"{s.url}/.well-known/oauth-protected-resource/mcp", headers={"Host": f"[::1]:{port}"}
            )
    assert answer.json()["resource"] == f"http://[::1]:{port}/mcp"


async def test_a_token_issued_under_one_loopback_name_works_under_the_other() -> None:
    with served(public_url=None) as s:
        tokens, _ = await connected(_as(s, "localhost"), DEMO_KEYS["eu"])
        answer = await rpc(_as(s, "127.0.0.1"), tokens.access_token)
    assert answer.status_code == 200, answer.text
    assert any(tool["name"] == "search_contacts" for tool in answer.json()["result"]["tools"])


async def test_with_a_public_url_the_server_answers_as_that_url_only() -> None:
    with served() as s:
        async with httpx2.AsyncClient() as http:
            answer = await http.get(f"{_as(s, 'localhost').url}/.well-known/oauth-protected-resource/mcp")
    assert answer.json()["resource"] == s.mcp_url
