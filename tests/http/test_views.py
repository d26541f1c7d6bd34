"""The remote connector honours QOMON_MCP_VIEWS: tools link their views over HTTP only when it is on."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from qomon_mcp.http.app import create_http_app
from qomon_mcp.http.upstream import sandbox_upstream
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.settings import Settings
from tests.http.support import demo_spaces

pytestmark = pytest.mark.anyio


async def listed(views: bool, method: str) -> list[dict[str, Any]]:
    """One 2026-07-28 `tools/list` or `resources/list` of the demo caller (`serve --sandbox --no-auth`)."""
    upstream, _ = sandbox_upstream(spaces=demo_spaces())
    http = create_http_app(Settings(mcp_views=views), upstream=upstream, no_auth_key=DEMO_KEYS["eu"])
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {"_meta": meta}}
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2026-07-28"}
    async with http.server.session_manager.run():
        transport = httpx2.ASGITransport(app=http.app)
        async with httpx2.AsyncClient(transport=transport, base_url=http.public_url) as client:
            answer = await client.post("/mcp", json=body, headers={**headers, "Mcp-Method": method})
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]["tools" if method == "tools/list" else "resources"]


@pytest.mark.parametrize("views", [True, False], ids=["on", "off"])
async def test_tools_link_their_views_over_http_only_when_views_are_on(views: bool) -> None:
    linked = {t["name"]: t["_meta"]["ui"]["resourceUri"] for t in await listed(views, "tools/list") if "_meta" in t}
    pages = {r["uri"] for r in await listed(views, "resources/list") if r["uri"].startswith("ui://")}
    expected = {
        "count_contacts": "ui://qomon/breakdown.html",
        "search_contacts": "ui://qomon/table.html",
        "get_contact": "ui://qomon/card.html",
        "get_bundles": "ui://qomon/receipt.html",
    }
    assert linked == (expected if views else {})
    assert pages == (set(expected.values()) if views else set())
