"""Views (MCP Apps) as the protocol shows them: linked from tools, listed and read as ui:// resources,
only where views are on and their tool is visible; tool results the same with or without them."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.settings import DEFAULT_TOOLSETS, Settings
from qomon_mcp.views import VIEWS, view_html
from tests.spaces import demo_sandbox

pytestmark = pytest.mark.anyio

MIME = "text/html;profile=mcp-app"
SOURCES = Path(__file__).resolve().parents[2] / "qomon_mcp" / "views"
URIS = {view.tool: view.uri for view in VIEWS}


@pytest.fixture
def sandbox() -> Sandbox:
    return demo_sandbox(contacts=100, burst=1000, rate=1000.0, upsert_delay=0.01)


@asynccontextmanager
async def connected(sandbox: Sandbox | None = None, **settings: Any) -> AsyncIterator[Client]:
    transport = sandbox.transport() if sandbox else None
    server = create_server(Settings(api_key=DEMO_KEYS["eu"], **settings), transport=transport)
    async with Client(server) as client:
        yield client


async def linked_views(client: Client) -> dict[str, str]:
    """Tool name -> the view its definition links, for every listed tool that links one."""
    tools = (await client.list_tools()).tools
    return {t.name: t.meta["ui"]["resourceUri"] for t in tools if t.meta and "ui" in t.meta}


async def listed_views(client: Client) -> set[str]:
    return {str(r.uri) for r in (await client.list_resources()).resources if str(r.uri).startswith("ui://")}


async def test_each_view_is_linked_from_its_tool_and_listed_as_an_mcp_app() -> None:
    async with connected() as client:
        assert await linked_views(client) == URIS
        resources = {str(r.uri): r for r in (await client.list_resources()).resources}
        for uri in URIS.values():
            assert resources[uri].mime_type == MIME and resources[uri].title and resources[uri].description


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.file)
async def test_a_view_reads_as_one_html_document_with_a_csp_naming_no_domain(view: Any) -> None:
    async with connected() as client:
        [content] = (await client.read_resource(view.uri)).contents
    assert content.mime_type == MIME and str(content.uri) == view.uri
    csp = content.meta["ui"]["csp"]
    assert csp == {"connectDomains": [], "resourceDomains": [], "frameDomains": []}
    page = content.text  # type: ignore[union-attr]
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    # The shared bridge and style are written in: no marker is left, the handshake is there.
    assert "/*@" not in page and '"ui/initialize"' in page and "prefers-color-scheme: dark" in page
    assert page == view_html(view.file)


async def test_views_off_leave_tools_and_resources_as_without_them() -> None:
    async with connected(mcp_views=False) as client:
        assert await linked_views(client) == {}
        assert await listed_views(client) == set()
        assert all(not t.meta for t in (await client.list_tools()).tools)
        with pytest.raises(MCPError, match="views are turned off or its tool is not enabled"):
            await client.read_resource("ui://qomon/table.html")


@pytest.mark.parametrize(
    ("read_only", "toolsets"),
    [
        (False, DEFAULT_TOOLSETS),
        (True, DEFAULT_TOOLSETS),
        (False, ("contacts",)),
        (True, ("search", "forms")),
        (False, ("fundraising", "team")),
        (True, ("team", "actions")),
    ],
    ids=["all", "read-only", "contacts", "read-only-search", "fundraising", "read-only-team"],
)
async def test_a_view_is_offered_only_where_its_tool_is_visible(read_only: bool, toolsets: tuple[str, ...]) -> None:
    async with connected(read_only=read_only, toolsets=toolsets) as client:
        visible = {t.name for t in (await client.list_tools()).tools}
        offered = {tool: uri for tool, uri in URIS.items() if tool in visible}
        assert await linked_views(client) == offered
        assert await listed_views(client) == set(offered.values())
        for tool, uri in URIS.items():
            if tool not in visible:
                with pytest.raises(MCPError, match="not offered on this connection"):
                    await client.read_resource(uri)


async def test_tool_results_are_the_same_with_views_on_or_off(sandbox: Sandbox) -> None:
    calls = [
        ("search_contacts", {"per_page": 5}),
        ("count_contacts", {}),
        ("get_bundles", {"limit": 3}),
    ]
    answers: dict[bool, list[Any]] = {}
    for views in (True, False):
        async with connected(sandbox, mcp_views=views) as client:
            results = [await client.call_tool(name, arguments) for name, arguments in calls]
        answers[views] = [(r.content[0].text, r.structured_content, r.meta) for r in results]
    assert answers[True] == answers[False]
    assert json.loads(answers[True][1][0])["total"] == 100


# Anything that would make a page reach beyond itself: a URL with a host, a loaded stylesheet,
# script, frame or font, or a network API.
OUTSIDE = re.compile(
    r"https?:|wss?:|//[a-z0-9.-]+\.[a-z]{2,}|@import|url\(|<link|<iframe|src\s*=|href\s*=|\bfetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon",
    re.IGNORECASE,
)


PAGE_SOURCES = sorted(p for p in SOURCES.iterdir() if p.suffix in (".html", ".js", ".css"))


def test_every_view_and_its_shared_parts_are_checked() -> None:
    assert {p.name for p in PAGE_SOURCES} == {v.file for v in VIEWS} | {"_bridge.js", "_base.css"}


@pytest.mark.parametrize("path", PAGE_SOURCES, ids=lambda p: p.name)
def test_no_view_source_reaches_outside_or_writes_html_from_data(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not OUTSIDE.search(text), OUTSIDE.search(text)
    assert "innerHTML" not in text and "outerHTML" not in text and "insertAdjacentHTML" not in text
    assert "document.write" not in text and "eval(" not in text
