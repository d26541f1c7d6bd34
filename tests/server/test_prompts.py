"""Workflow prompts: the catalogue files, listing and rendering, and argument completions, in both eras."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import PromptReference, ResourceTemplateReference

from qomon_mcp.assemble import all_tool_specs, create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.server.completions import KINDS
from qomon_mcp.server.prompts import load_prompts, parse_prompt
from qomon_mcp.settings import Settings
from qomon_mcp.toolsets.helpers.breakdown_plan import BREAKDOWN_KEYS
from tests.spaces import demo_sandbox

pytestmark = pytest.mark.anyio

ERAS = {"2025-11-25": "legacy", "2026-07-28": "2026-07-28"}
PROMPTS = load_prompts()
TOOL_NAMES = {s.name for s in all_tool_specs()}


@pytest.fixture
def sandbox() -> Sandbox:
    return demo_sandbox(contacts=100, burst=1000, rate=1000.0, upsert_delay=0.01)


@pytest.fixture(params=ERAS, ids=list(ERAS))
async def mcp(request: pytest.FixtureRequest, sandbox: Sandbox) -> AsyncIterator[Client]:
    server = create_server(Settings(api_key=DEMO_KEYS["eu"]), transport=sandbox.transport())
    async with Client(server, mode=ERAS[request.param]) as client:
        yield client


# The catalogue


def test_there_are_at_least_six_workflow_prompts() -> None:
    assert len(PROMPTS) >= 6
    assert {"build_segment", "sync_changed_contacts", "record_payment", "refund_payment"} <= set(PROMPTS)
    assert {"onboard_volunteers", "debrief_action"} <= set(PROMPTS)


@pytest.mark.parametrize("spec", PROMPTS.values(), ids=PROMPTS)
def test_each_prompt_is_described_and_names_real_tools(spec: Any) -> None:
    assert spec.title and spec.description.endswith(".")
    assert all(a.description for a in spec.arguments)
    assert any(a.required for a in spec.arguments)
    assert all(a.kind is None or a.kind in KINDS for a in spec.arguments)
    named = set(re.findall(r"\b([a-z]+_[a-z_]+)\b", spec.text)) - {a.name for a in spec.arguments}
    tools = {
        n
        for n in named
        if n.split("_", 1)[0]
        in {"get", "search", "count", "record", "refund", "update", "create", "delete", "invite", "send", "upsert"}
    }
    assert tools, "a workflow names the tools it uses"
    assert tools <= TOOL_NAMES, tools - TOOL_NAMES


@pytest.mark.parametrize(
    ("name", "arguments", "keys"),
    [
        pytest.param("build_segment", {"description": "supporters by city"}, set(BREAKDOWN_KEYS), id="build_segment"),
        pytest.param("review_form_answers", {"form_type": "level_of_support"}, {"form_id"}, id="review_form_answers"),
    ],
)
async def test_counting_workflows_split_counts_with_the_breakdown(
    mcp: Client, name: str, arguments: dict[str, str], keys: set[str]
) -> None:
    text = (await mcp.get_prompt(name, arguments)).messages[0].content.text  # type: ignore[union-attr]
    assert "count_contacts with `breakdown`" in text or "in the same call with `breakdown`" in text
    named = set(re.findall(r"`([a-z_]+)`", text))
    assert keys <= named, keys - named
    assert "`none_of_the_parts`" in text and "in its row" in text


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("title: T\n---\nText", "must open with a header"),
        ("---\ntitle: T\n---\nText", "needs a title and a description"),
        ("---\ntitle: T\ndescription: D.\n---\nHello {who}", "undeclared arguments ['who']"),
        ("---\ntitle: T\ndescription: D.\nargument who (colours): Who.\n---\n{who}", "unknown flags ['colours']"),
    ],
    ids=["no-header", "no-description", "undeclared", "unknown-kind"],
)
def test_a_malformed_prompt_file_is_named(source: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)) as raised:
        parse_prompt("broken", source)
    assert "prompts/broken.md" in str(raised.value)


# Listing and rendering


async def test_prompts_are_listed_with_typed_arguments(mcp: Client) -> None:
    listed = {p.name: p for p in (await mcp.list_prompts()).prompts}
    assert set(listed) == set(PROMPTS)
    segment = listed["build_segment"]
    assert segment.title == "Build a segment, count it, then list it"
    arguments = {a.name: a for a in segment.arguments or []}
    assert arguments["description"].required
    assert not arguments["tag"].required
    assert arguments["tag"].description == "Only contacts with this tag."


async def test_a_prompt_renders_its_arguments_and_drops_lines_of_missing_ones(mcp: Client) -> None:
    result = await mcp.get_prompt("build_segment", {"description": "volunteers who gave this year", "tag": "donor"})
    [message] = result.messages
    assert message.role == "user"
    text = message.content.text  # type: ignore[union-attr]
    assert text.startswith("Build a Qomon contact segment for this description: volunteers who gave this year")
    assert 'Limit it to contacts tagged "donor".' in text
    assert "living in" not in text  # no city given: its line is gone
    assert "qomon://forms/{type}" in text  # escaped braces stay literal
    assert "{" not in text.replace("{type}", "")


@pytest.mark.parametrize("name", PROMPTS)
async def test_every_prompt_renders_with_only_its_required_arguments(mcp: Client, name: str) -> None:
    values = {a.name: "consent" for a in PROMPTS[name].arguments if a.required}
    text = (await mcp.get_prompt(name, values)).messages[0].content.text  # type: ignore[union-attr]
    assert text and not re.search(r"\{[a-z_]+\}", text.replace("{type}", ""))


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("review_form_answers", {}, "review_form_answers needs form_type (The kind of form:"),
        ("review_form_answers", {"form_type": "poll"}, "form_type must be one of: consent, survey,"),
        ("debrief_action", {"action": "Door to door", "action_type": "dance"}, "action_type must be one of:"),
        ("build_segment", {"description": "x", "colour": "red"}, "build_segment takes no argument colour"),
        ("build_segment", {"description": "a\nb"}, "description must be one line"),
    ],
    ids=["missing", "form-type", "action-type", "unknown-argument", "multi-line"],
)
async def test_a_wrong_argument_is_refused_in_one_sentence(
    mcp: Client, name: str, arguments: dict[str, str], message: str
) -> None:
    with pytest.raises(MCPError) as raised:
        await mcp.get_prompt(name, arguments)
    assert str(raised.value).startswith(message)


# Completions


@pytest.mark.parametrize(
    ("prompt", "argument", "typed", "expected"),
    [
        ("review_form_answers", "form_type", "", ["consent", "survey", "level_of_support"]),
        ("review_form_answers", "form_type", "SUR", ["survey"]),
        ("debrief_action", "action_type", "gotv", ["gotvcanvassing", "gotvcalling"]),
        ("record_payment", "kind", "m", ["membership"]),
    ],
    ids=["form-types", "case-insensitive", "action-types", "payment-kinds"],
)
async def test_fixed_lists_complete(mcp: Client, prompt: str, argument: str, typed: str, expected: list[str]) -> None:
    completion = (await mcp.complete(PromptReference(name=prompt), {"name": argument, "value": typed})).completion
    assert completion.values[: len(expected)] == expected
    assert completion.total == len(completion.values)


async def test_team_names_come_from_the_space(mcp: Client, sandbox: Sandbox) -> None:
    space = sandbox.space_for(DEMO_KEYS["eu"])
    team = space.live_teams()[0]["name"]
    typed = team[:3].lower()
    completion = await mcp.complete(PromptReference(name="onboard_volunteers"), {"name": "team", "value": typed})
    assert team in completion.completion.values
    assert all(typed in v.casefold() for v in completion.completion.values)
    assert [(r.method, r.route) for r in sandbox.request_log] == [("GET", "/teams")]


@pytest.mark.parametrize(("argument", "field"), [("tag", "tags"), ("city", "address")], ids=["tags", "cities"])
async def test_tags_and_cities_come_from_the_latest_contacts(
    mcp: Client, sandbox: Sandbox, argument: str, field: str
) -> None:
    space = sandbox.space_for(DEMO_KEYS["eu"])
    completion = (await mcp.complete(PromptReference(name="build_segment"), {"name": argument, "value": ""})).completion
    if field == "tags":
        known = {t["name"] for c in space.contacts.values() for t in c.get("tags") or []}
    else:
        known = {(c.get("address") or {}).get("city") for c in space.contacts.values()}
    assert completion.values
    assert set(completion.values) <= known
    assert completion.values == sorted(completion.values, key=str.casefold)


async def test_action_names_and_ids_come_from_the_space(mcp: Client, sandbox: Sandbox) -> None:
    space = sandbox.space_for(DEMO_KEYS["eu"])
    names = (await mcp.complete(PromptReference(name="debrief_action"), {"name": "action", "value": ""})).completion
    ids = await mcp.complete(ResourceTemplateReference(uri="qomon://actions/{id}"), {"name": "id", "value": ""})
    assert set(names.values) <= {a["name"] for a in space.actions.values()}
    assert {int(v) for v in ids.completion.values} <= set(space.actions)
    assert names.values and ids.completion.values


async def test_an_argument_without_known_values_completes_to_nothing(mcp: Client, sandbox: Sandbox) -> None:
    completion = await mcp.complete(PromptReference(name="build_segment"), {"name": "description", "value": "vo"})
    assert completion.completion.values == []
    assert sandbox.request_log == []


async def test_completions_stay_empty_when_qomon_fails(sandbox: Sandbox) -> None:
    server = create_server(Settings(api_key="sandbox-unknown-key"), transport=sandbox.transport())
    async with Client(server) as mcp:
        completion = await mcp.complete(PromptReference(name="onboard_volunteers"), {"name": "team", "value": ""})
    assert completion.completion.values == []


# Prompts follow the caller's access


async def test_read_only_callers_are_offered_only_workflows_they_can_run(sandbox: Sandbox) -> None:
    server = create_server(Settings(api_key=DEMO_KEYS["eu"], read_only=True), transport=sandbox.transport())
    writes = {s.name for s in all_tool_specs() if not s.read_only}
    async with Client(server) as client:
        offered = {p.name for p in (await client.list_prompts()).prompts}
        with pytest.raises(MCPError, match="needs tools this connection does not allow"):
            await client.get_prompt("record_payment", {"contact": "Jane Doe"})
    assert "build_segment" in offered
    assert "record_payment" not in offered
    for name in offered:
        assert not PROMPTS[name].tools(writes), name


async def test_a_narrowed_toolset_hides_the_workflows_it_cannot_serve(sandbox: Sandbox) -> None:
    settings = Settings(api_key=DEMO_KEYS["eu"], toolsets="contacts,search,forms")
    server = create_server(settings, transport=sandbox.transport())
    async with Client(server) as client:
        offered = {p.name for p in (await client.list_prompts()).prompts}
    assert "build_segment" in offered
    assert not {"record_payment", "refund_payment", "onboard_volunteers"} & offered
