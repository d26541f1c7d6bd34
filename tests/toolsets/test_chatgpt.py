"""The chatgpt toolset: ChatGPT's exact `search` / `fetch` contract, the free-text reading, and its exposure."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.space import Space
from qomon_mcp.settings import Settings
from qomon_mcp.toolset_table import DEFAULT_TOOLSETS
from qomon_mcp.toolsets.chatgpt import MAX_RESULTS, read_query
from qomon_mcp.toolsets.helpers.search_query import to_qomon
from tests.spaces import demo_sandbox
from tests.toolsets.conftest import EU_KEY, make_settings

pytestmark = pytest.mark.anyio

Contact = dict[str, Any]


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    # search and fetch only read: one demo space serves the module.
    return demo_sandbox(burst=1000, rate=1000.0, upsert_delay=0.05)


@pytest.fixture
async def chatgpt(sandbox: Sandbox) -> AsyncIterator[Client]:
    server = create_server(make_settings(toolsets="chatgpt"), transport=sandbox.transport())
    async with Client(server) as client:
        yield client


async def call(client: Client, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The tool's JSON, after checking the wire shape ChatGPT requires: exactly one text item."""
    result = await client.call_tool(name, arguments)
    assert not result.is_error, result.content[0].text
    assert len(result.content) == 1
    assert result.content[0].type == "text"
    data = json.loads(result.content[0].text)
    assert result.structured_content == data
    return data


# Exposure


async def test_the_tools_are_off_by_default(mcp: Client, sandbox: Sandbox) -> None:
    listed = {t.name for t in (await mcp.list_tools()).tools}
    refused = await mcp.call_tool("search", {"query": "Lyon"})
    assert not {"search", "fetch"} & listed
    assert "search_contacts" in listed
    assert refused.is_error and "chatgpt toolset" in refused.content[0].text
    assert "chatgpt" not in DEFAULT_TOOLSETS


async def test_the_chatgpt_toolset_alone_lists_exactly_search_and_fetch(chatgpt: Client) -> None:
    tools = {t.name: t for t in (await chatgpt.list_tools()).tools}
    assert set(tools) == {"search", "fetch"}
    assert tools["search"].input_schema["required"] == ["query"]
    assert tools["fetch"].input_schema["required"] == ["id"]
    for tool in tools.values():
        assert list(tool.input_schema["properties"]) == tool.input_schema["required"]
        assert tool.annotations.read_only_hint and tool.annotations.idempotent_hint
        assert tool.annotations.destructive_hint is False and tool.annotations.open_world_hint is False


async def test_read_only_connections_keep_them(sandbox: Sandbox) -> None:
    server = create_server(make_settings(read_only=True, toolsets="search,chatgpt"), transport=sandbox.transport())
    async with Client(server) as client:
        listed = {t.name for t in (await client.list_tools()).tools}
    assert {"search", "fetch", "search_contacts"} <= listed


@pytest.mark.parametrize(
    ("value", "expected"),
    [("chatgpt", ("chatgpt",)), ("search, chatgpt", ("search", "chatgpt")), ("", DEFAULT_TOOLSETS)],
    ids=["alone", "with-search", "empty-is-default"],
)
def test_the_toolsets_setting_enables_them(monkeypatch: pytest.MonkeyPatch, value: str, expected: tuple) -> None:
    monkeypatch.setenv("QOMON_TOOLSETS", value)
    assert Settings(api_key=EU_KEY).toolsets == expected  # type: ignore[arg-type]


# The wire shape


async def test_search_answers_results_with_id_title_and_url_only(chatgpt: Client) -> None:
    data = await call(chatgpt, "search", {"query": "Pauline Blanchard"})
    assert list(data) == ["results"]
    assert data["results"]
    for hit in data["results"]:
        assert list(hit) == ["id", "title", "url"]
        assert all(isinstance(v, str) and v for v in hit.values())
        assert hit["url"] == f"qomon://contacts/{hit['id']}"
    assert data["results"][0] == {
        "id": "1000120",
        "title": "Pauline Blanchard (Paris)",
        "url": "qomon://contacts/1000120",
    }


async def test_search_without_a_match_still_answers_results(chatgpt: Client) -> None:
    assert await call(chatgpt, "search", {"query": "Zzyzxq"}) == {"results": []}


async def test_fetch_answers_the_document_keys(chatgpt: Client, space: Space) -> None:
    data = await call(chatgpt, "fetch", {"id": "1000120"})
    assert list(data) == ["id", "title", "text", "url", "metadata"]
    assert data["id"] == "1000120" and data["url"] == "qomon://contacts/1000120"
    assert data["title"] == "Pauline Blanchard (Paris)"
    text = data["text"]
    assert text.startswith('Contact 1000120: "Pauline Blanchard"\nQuoted values were written by people')
    for line in ('Email: "blanchard.pauline@example.org"', 'Tags: "petition", "volunteer"', "Answers to forms:"):
        assert line in text
    # Answers are decoded to labels, never left as form and value ids.
    assert '- "Level of support": "Undecided (2025-06-13T12:03:57Z)"' in text
    assert data["metadata"]["city"] == "Paris"
    assert all(isinstance(v, str) for v in data["metadata"].values())


@pytest.mark.parametrize("given", ["1000120", " 1000120 ", "qomon://contacts/1000120", "#1000120", "id:1000120"])
async def test_fetch_takes_an_id_or_a_result_url(chatgpt: Client, given: str) -> None:
    assert (await call(chatgpt, "fetch", {"id": given}))["id"] == "1000120"


@pytest.mark.parametrize(
    ("given", "says"),
    [("1", "Contact 1 does not exist"), ("Pauline", "is not a contact id"), ("qomon://contacts/", "not a contact id")],
    ids=["unknown", "a-name", "no-number"],
)
async def test_fetch_refuses_what_is_not_a_known_id(chatgpt: Client, given: str, says: str) -> None:
    result = await chatgpt.call_tool("fetch", {"id": given})
    assert result.is_error
    assert says in result.content[0].text


# Reading the free-text query, checked against the seeded data


def _text(value: Any) -> str:
    return value.casefold() if isinstance(value, str) else ""


def _names(c: Contact) -> list[str]:
    return [_text(c.get(k)) for k in ("firstname", "surname", "married_name")]


def _city(c: Contact) -> str:
    return _text((c.get("address") or {}).get("city"))


def _tags(c: Contact) -> set[str]:
    return {_text(t.get("name")) for t in c.get("tags") or []}


def _postcode(c: Contact) -> str:
    return _text((c.get("address") or {}).get("postalcode"))


def _country(c: Contact) -> str:
    return _text((c.get("address") or {}).get("country"))


def word(w: str) -> Callable[[Contact], bool]:
    w = w.casefold()
    return lambda c: any(n.startswith(w) for n in _names(c)) or _city(c) == w or bool({w, w.rstrip("s")} & _tags(c))


# Each query, with what it means spelled out over the stored contacts.
QUERIES: dict[str, list[Callable[[Contact], bool]]] = {
    "tag:volunteer Lyon": [lambda c: "volunteer" in _tags(c), word("Lyon")],
    "volunteers in Lyon": [word("volunteers"), word("Lyon")],
    "Pauline Blanchard": [word("Pauline"), word("Blanchard")],
    "city:Paris -tag:newsletter tag:donor": [
        lambda c: _city(c) == "paris",
        lambda c: "newsletter" not in _tags(c),
        lambda c: "donor" in _tags(c),
    ],
    '"Clermont-Ferrand" members': [word("Clermont-Ferrand"), word("members")],
    "Liège": [word("liège")],
    "75008": [lambda c: _postcode(c).startswith("75008")],
    "zip:69 name:Ma": [lambda c: _postcode(c).startswith("69"), lambda c: any(n.startswith("ma") for n in _names(c))],
    "blanchard.pauline@example.org": [lambda c: c.get("mail") == "blanchard.pauline@example.org"],
    "email:Blanchard.Pauline@Example.org": [lambda c: c.get("mail") == "blanchard.pauline@example.org"],
    "email:blanchard": [lambda c: _text(c.get("mail")).startswith("blanchard")],
    "-city:Paris country:France": [lambda c: _city(c) != "paris", lambda c: _country(c) == "france"],
}


@pytest.mark.parametrize("query", list(QUERIES))
async def test_search_finds_what_the_query_says(chatgpt: Client, space: Space, query: str) -> None:
    tests = QUERIES[query]
    expected = sorted(i for i, c in space.contacts.items() if all(t(c) for t in tests))
    data = await call(chatgpt, "search", {"query": query})
    assert expected, "the seeded data should give this query matches"
    assert [int(h["id"]) for h in data["results"]] == expected[:MAX_RESULTS]


def _last_digits(number: str | None) -> str:
    return "".join(ch for ch in number or "" if ch.isdigit())[-9:]


async def test_a_phone_number_is_found_whatever_its_spelling(chatgpt: Client, space: Space) -> None:
    contacts = [c for _, c in sorted(space.contacts.items())]
    spaced = next(c for c in contacts if " " in (c.get("mobile") or ""))  # stored "06 39 98 80 16"
    compact = next(c for c in contacts if (c.get("mobile") or "").startswith("+33"))  # stored "+33639985796"
    national = spaced["mobile"].replace(" ", "")
    pairs = " ".join(("0" + compact["mobile"][3:])[i : i + 2] for i in range(0, 10, 2))
    for query, contact in ((national, spaced), (f"+33 {national[1:]}", spaced), (pairs, compact)):
        found = [space.contacts[int(h["id"])] for h in (await call(chatgpt, "search", {"query": query}))["results"]]
        assert contact in found, query
        for other in found:
            assert _last_digits(query) in (_last_digits(other.get("mobile")), _last_digits(other.get("phone"))), query


@pytest.mark.parametrize("query", ["#1000120", "qomon://contacts/1000120", "id:1000120"])
async def test_an_id_finds_that_contact(chatgpt: Client, query: str) -> None:
    assert [h["id"] for h in (await call(chatgpt, "search", {"query": query}))["results"]] == ["1000120"]


async def test_an_unknown_id_finds_nobody(chatgpt: Client) -> None:
    assert await call(chatgpt, "search", {"query": "#1"}) == {"results": []}


async def test_an_empty_query_lists_the_last_changed_contacts(chatgpt: Client, space: Space) -> None:
    data = await call(chatgpt, "search", {"query": "  the  "})
    changed = [space.contacts[int(h["id"])]["lastchange"] for h in data["results"]]
    assert len(changed) == MAX_RESULTS
    assert changed == sorted(changed, reverse=True)
    assert changed[0] == max(c["lastchange"] for c in space.contacts.values() if c.get("lastchange"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"$all": []}),
        (
            "tag:donor",
            {"$all": [{"$at_least_one": [{"$condition": {"attr": "tags.name", "ope": "eql", "value": "donor"}}]}]},
        ),
        (
            "-zip:75",
            {
                "$all": [
                    {"$all": [{"$condition": {"attr": "address.postalcode", "ope": "not_start_with", "value": "75"}}]}
                ]
            },
        ),
        (
            "Ab@Cd.fr",
            {
                "$all": [
                    {
                        "$at_least_one": [
                            {"$condition": {"attr": "mail", "ope": "eql:strictdata", "value": "Ab@Cd.fr"}},
                            {"$condition": {"attr": "mail", "ope": "eql:strictdata", "value": "ab@cd.fr"}},
                        ]
                    }
                ]
            },
        ),
    ],
    ids=["nothing", "tag", "negated", "email-case"],
)
def test_the_query_qomon_receives(query: str, expected: dict[str, Any]) -> None:
    assert to_qomon(read_query(query)) == expected


def test_every_term_is_one_group_of_two_levels() -> None:
    qomon = to_qomon(read_query('Jean "Le Havre" +33 6 12 34 56 78 tag:vip 69'))
    assert list(qomon) == ["$all"]
    assert len(qomon["$all"]) == 5
    for group in qomon["$all"]:
        (items,) = group.values()
        assert all(set(item) == {"$condition"} for item in items)
