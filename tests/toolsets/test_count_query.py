"""count_contacts advertises its query as "the same query as search_contacts" instead of
repeating the schema; it must then refuse exactly what search_contacts refuses, in the same
words, and send nothing to Qomon."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox, create_demo_sandbox
from tests.toolsets.conftest import make_settings
from tests.toolsets.test_search import MALFORMED, SEARCH_ROUTES

pytestmark = pytest.mark.anyio


def _query_only(params: list[Any]) -> list[Any]:
    """The malformed cases that are about the query alone, once each."""
    seen, kept = [], []
    for param in params:
        _, arguments = param.values
        if set(arguments) == {"query"} and arguments["query"] not in seen:
            seen.append(arguments["query"])
            kept.append(pytest.param(arguments["query"], id=param.id))
    return kept


EXTRA = [
    pytest.param([{"attr": "address.city", "ope": "lte", "value": "Paris"}], id="flat-list-wrong-operator"),
    pytest.param(["mobile"], id="list-of-text"),
    pytest.param({"conditions": "mobile"}, id="conditions-not-a-list"),
    pytest.param(True, id="query-is-a-boolean"),
]


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    # Nothing here reaches the space: one sandbox serves the whole module.
    return create_demo_sandbox(contacts=200, burst=1000, rate=1000.0)


@pytest.fixture
async def mcp(sandbox: Sandbox) -> AsyncIterator[Client]:
    async with Client(create_server(make_settings(), transport=sandbox.transport())) as client:
        yield client


def test_the_shared_cases_cover_the_query_checks() -> None:
    assert len(_query_only(MALFORMED)) >= 40


@pytest.mark.parametrize("query", _query_only(MALFORMED) + EXTRA)
async def test_count_refuses_what_search_refuses_in_the_same_words(mcp: Client, sandbox: Sandbox, query: Any) -> None:
    start = len(sandbox.request_log)
    searched = await mcp.call_tool("search_contacts", {"query": query})
    counted = await mcp.call_tool("count_contacts", {"query": query})
    assert searched.is_error and counted.is_error
    assert counted.content[0].text == searched.content[0].text
    assert not SEARCH_ROUTES & {entry.route for entry in sandbox.request_log[start:]}


async def test_a_valid_query_counts_what_search_finds(mcp: Client) -> None:
    query = {"conditions": [{"attr": "mobile", "ope": "ext"}]}
    counted = await mcp.call_tool("count_contacts", {"query": query})
    searched = await mcp.call_tool("search_contacts", {"query": query, "limit": 1000, "fields": []})
    assert not counted.is_error and not searched.is_error
    assert counted.structured_content["total"] == searched.structured_content["count"] > 0
