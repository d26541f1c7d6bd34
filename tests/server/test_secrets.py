"""The API key never shows: not in results, errors, log lines or snapshots."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from mcp import Client

from qomon_mcp.assemble import all_tool_specs, create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import build_demo_space
from qomon_mcp.settings import Settings

pytestmark = pytest.mark.anyio

KEY = "qk-Zs8vQm2LxP7dT4rN9wKc"  # a made-up key, distinctive enough to find anywhere
WRONG_KEY = "qk-Wr0ngWr0ngWr0ngWr0ng"


def texts(result) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content) + str(result.structured_content)


@pytest.mark.parametrize("key", [KEY, WRONG_KEY], ids=["accepted-key", "refused-key"])
async def test_the_key_appears_in_no_result_error_or_log_line(key: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox = Sandbox({KEY: build_demo_space(contacts=50)}, burst=1000, rate=1000.0, upsert_delay=0.01)
    server = create_server(Settings(api_key=key, log_level="DEBUG"), transport=sandbox.transport())
    seen: list[str] = []
    async with Client(server) as client:
        for spec in all_tool_specs():
            seen.append(texts(await client.call_tool(spec.name, {})))
        seen.append(texts(await client.call_tool("get_contact", {"contact_id": 1})))
        seen.append(texts(await client.call_tool("get_contact", {"contact_id": "not a number"})))
    if key == WRONG_KEY:
        assert any("refused the API key" in text for text in seen)
    everything = "\n".join(seen) + "\n".join(r.getMessage() for r in caplog.records) + repr(sandbox.request_log)
    assert key not in everything
    assert key[-8:] not in everything


def test_no_snapshot_holds_a_key() -> None:
    for path in (Path(__file__).parent / "snapshots").glob("*.json"):
        text = path.read_text()
        assert "sandbox-" not in text and "qk-" not in text, path.name
