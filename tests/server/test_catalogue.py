"""The catalogue as a whole: metadata rules, the tools/list snapshots and the README table."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from mcp import Client

from qomon_mcp.assemble import all_tool_specs, create_server
from qomon_mcp.docs import END, START, render_tool_table
from qomon_mcp.server.catalogue import catalogue_dir
from qomon_mcp.settings import Settings
from qomon_mcp.toolset_table import DEFAULT_TOOLSETS, TOOLSETS

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
VERBS = {"get", "search", "count", "save", "update", "upsert", "delete", "refund", "invite", "revoke", "change", "send"}
SPECS = all_tool_specs()
# ChatGPT connectors call only tools with exactly these names (the opt-in chatgpt toolset).
CHATGPT_NAMES = {"search", "fetch"}


async def listed_tools() -> list[dict]:
    """Every tool, the opt-in toolsets included, so that each one is checked and snapshotted."""
    server = create_server(Settings(api_key="sandbox-eu-demo-key", toolsets=",".join(TOOLSETS)))
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]


def test_the_tool_budget_is_kept() -> None:
    """What a client lists by default; the chatgpt toolset is off unless asked for."""
    default = [s for s in SPECS if s.toolset in DEFAULT_TOOLSETS]
    assert 0 < len(default) <= 25
    assert not CHATGPT_NAMES & {s.name for s in default}


def test_names_are_unique_verb_noun() -> None:
    names = [s.name for s in SPECS]
    assert len(names) == len(set(names))
    for name in set(names) - CHATGPT_NAMES:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)+", name), name
        assert name.split("_", 1)[0] in VERBS, name


def test_every_tool_has_a_description_file_and_every_file_a_tool() -> None:
    files = {p.stem for p in catalogue_dir("tools").glob("*.md")}
    assert files == {s.name for s in SPECS}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_descriptions_follow_the_house_format(spec) -> None:
    text = spec.description
    assert "Example" in text, "one example"
    assert "Related:" in text, "the related tools"
    for related in re.findall(r"\b([a-z]+_[a-z_]+)\b", text.split("Related:", 1)[1]):
        assert related in {s.name for s in SPECS}, f"{spec.name} names unknown tool {related}"


async def test_all_four_annotations_are_explicit_and_consistent() -> None:
    for tool in await listed_tools():
        annotations = tool["annotations"]
        for hint in ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"):
            assert isinstance(annotations.get(hint), bool), (tool["name"], hint)
        if annotations["readOnlyHint"]:
            assert not annotations["destructiveHint"], tool["name"]
            assert annotations["idempotentHint"], tool["name"]
        if tool["name"].split("_", 1)[0] in {"get", "search", "count"}:
            assert annotations["readOnlyHint"], tool["name"]
        if tool["name"].startswith(("delete_", "revoke_")):
            assert annotations["destructiveHint"], tool["name"]
        assert tool.get("title"), tool["name"]
        assert "outputSchema" in tool, tool["name"]


async def test_no_input_schema_has_a_top_level_combinator() -> None:
    for tool in await listed_tools():
        schema = tool["inputSchema"]
        assert schema.get("type") == "object", tool["name"]
        assert not {"anyOf", "oneOf", "allOf"} & set(schema), tool["name"]


async def test_tools_list_matches_the_snapshots() -> None:
    """A schema or description change shows up as a diff; UPDATE_SNAPSHOTS=1 rewrites them."""
    tools = {t["name"]: t for t in await listed_tools()}
    SNAPSHOTS.mkdir(exist_ok=True)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        for old in SNAPSHOTS.glob("*.json"):
            old.unlink()
        for name, tool in tools.items():
            (SNAPSHOTS / f"{name}.json").write_text(json.dumps(tool, indent=2, ensure_ascii=False) + "\n")
    stored = {p.stem: json.loads(p.read_text()) for p in SNAPSHOTS.glob("*.json")}
    assert sorted(stored) == sorted(tools), "run UPDATE_SNAPSHOTS=1 pytest tests/server to add or drop snapshots"
    for name, tool in tools.items():
        assert tool == stored[name], f"{name} changed; review it, then rewrite with UPDATE_SNAPSHOTS=1"


def test_readme_tool_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    current = readme.split(START, 1)[1].split(END, 1)[0].strip()
    assert current == render_tool_table(SPECS), "run: python -m qomon_mcp.docs"
