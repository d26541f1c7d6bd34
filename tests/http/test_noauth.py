"""`serve --sandbox --no-auth`: MCP without sign-in on loopback, refused anywhere else."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from qomon_mcp.cli import main
from qomon_mcp.http.app import HttpApp, create_http_app
from qomon_mcp.http.upstream import sandbox_upstream
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.settings import Settings
from tests.http.support import demo_spaces


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["serve", "--no-auth"], id="serve-without-sandbox"),
        pytest.param(["serve", "--no-auth", "--host", "127.0.0.1"], id="loopback-without-sandbox"),
    ],
)
def test_no_auth_is_refused_without_the_sandbox(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "add --sandbox" in error


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["serve", "--sandbox", "--no-auth", "--host", "0.0.0.0"], id="all-interfaces"),
        pytest.param(["serve", "--sandbox", "--no-auth", "--host", "192.168.1.20"], id="lan-address"),
        pytest.param(["--sandbox", "serve", "--no-auth", "--host", "0.0.0.0"], id="sandbox-before-serve"),
        pytest.param(["serve", "--sandbox", "--no-auth", "--public-url", "https://mcp.example.org"], id="public-url"),
    ],
)
def test_no_auth_is_refused_off_loopback(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "loopback only" in error and "--host 127.0.0.1" in error


def test_the_app_itself_refuses_no_auth_behind_a_public_url() -> None:
    upstream, _ = sandbox_upstream(spaces=demo_spaces())
    with pytest.raises(ValueError, match="loopback only"):
        create_http_app(Settings(public_url="https://mcp.example.org"), upstream=upstream, no_auth_key=DEMO_KEYS["eu"])


async def _tools_list(http: HttpApp) -> httpx2.Response:
    """One 2026-07-28 `tools/list` without any Authorization header, through the ASGI app."""
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta}}
    headers = {
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "tools/list",
    }
    async with http.server.session_manager.run():
        transport = httpx2.ASGITransport(app=http.app)
        async with httpx2.AsyncClient(transport=transport, base_url=http.public_url) as client:
            return await client.post("/mcp", json=body, headers=headers)


@pytest.mark.anyio
async def test_no_auth_serves_every_caller_as_the_eu_demo_space() -> None:
    upstream, _ = sandbox_upstream(spaces=demo_spaces())
    http = create_http_app(Settings(), upstream=upstream, no_auth_key=DEMO_KEYS["eu"])
    answer = await _tools_list(http)
    assert answer.status_code == 200, answer.text
    names = {tool["name"] for tool in answer.json()["result"]["tools"]}
    # Write access: the demo caller sees the write tools too.
    assert {"search_contacts", "save_contact"} <= names


@pytest.mark.anyio
async def test_without_no_auth_the_same_request_must_sign_in() -> None:
    upstream, _ = sandbox_upstream(spaces=demo_spaces())
    http = create_http_app(Settings(), upstream=upstream)
    answer = await _tools_list(http)
    assert answer.status_code == 401
    assert "resource_metadata" in answer.headers["www-authenticate"]
