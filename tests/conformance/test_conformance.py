"""The MCP conformance suite (`@modelcontextprotocol/conformance` from npm, pinned in package-lock.json)
against `qomon-mcp serve --sandbox --no-auth`, started as a user would start it.

Its scenarios cannot sign in, hence the no-auth mode. Every scenario of the pinned version runs
(`--suite all`); the ones that need the suite's own fixture tools, resources or prompts, or HTTP
sessions, are listed with their reasons in expected-failures.yml, and the suite fails the run both
when another scenario fails and when a listed one starts to pass. node_modules is installed by
`npm ci` on the first run and kept (git-ignored) while package-lock.json is unchanged (tests/node.py).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.node import Node, find_node, npm_ci, wheel_node

HERE = Path(__file__).parent
SUITE = HERE / "node_modules" / "@modelcontextprotocol" / "conformance"
EXPECTED_FAILURES = HERE / "expected-failures.yml"
# The suite declares no engine but needs Node.js 22+ (it imports fs.globSync).
NODE_MAJOR = 22
# Scenarios that exercise qomon-mcp's own answers; each must report at least one success.
PRODUCT_SCENARIOS = (
    "server-initialize",
    "ping",
    "logging-set-level",
    "completion-complete",
    "tools-list",
    "resources-list",
    "prompts-list",
    "dns-rebinding-protection",
)


def conformance_node() -> Node:
    """The tests' Node.js (tests/node.py), or the wheel's when that one is older than the suite needs."""
    node = find_node()
    if int(node.version.lstrip("v").split(".")[0]) < NODE_MAJOR:
        node = wheel_node() or node
    assert int(node.version.lstrip("v").split(".")[0]) >= NODE_MAJOR, (
        f"the conformance suite needs Node.js {NODE_MAJOR}+, found {node.version}: install the test extra"
    )
    return node


@pytest.fixture(scope="module")
def node() -> Node:
    node = conformance_node()
    npm_ci(HERE, node)
    return node


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def no_auth_server(log: Path) -> Iterator[str]:
    """`qomon-mcp serve --sandbox --no-auth` on a free loopback port until the block ends; stderr to `log`."""
    port = _free_port()
    command = [sys.executable, "-m", "qomon_mcp.cli", "serve", "--sandbox", "--no-auth", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as stderr, subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr) as server:
        try:
            deadline = time.monotonic() + 30
            while server.poll() is None and time.monotonic() < deadline:
                with contextlib.suppress(httpx2.TransportError):
                    if httpx2.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                time.sleep(0.1)
            assert server.poll() is None, f"the server stopped: {log.read_text()}"
            yield f"{url}/mcp"
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def _checks_by_scenario(results: Path) -> dict[str, list[dict[str, object]]]:
    """The suite's checks.json files, by scenario (their folders are `server-<scenario>-<time>`)."""
    checks: dict[str, list[dict[str, object]]] = {}
    for file in results.glob("server-*/checks.json"):
        scenario = re.sub(r"-\d{4}-\d{2}-\d{2}T[\d-]+Z$", "", file.parent.name.removeprefix("server-"))
        checks.setdefault(scenario, []).extend(json.loads(file.read_text()))
    return checks


@pytest.mark.slow
def test_the_conformance_suite_passes_but_for_its_expected_failures(node: Node, tmp_path: Path) -> None:
    with no_auth_server(tmp_path / "server.log") as url:
        run = subprocess.run(
            [
                node.node,
                str(SUITE / "dist" / "index.js"),
                "server",
                "--url",
                url,
                "--suite",
                "all",
                "--expected-failures",
                str(EXPECTED_FAILURES),
                "--output-dir",
                str(tmp_path / "results"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env=node.env(),
        )
    report = run.stdout[-4000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    assert "Baseline check passed" in run.stdout, report
    checks = _checks_by_scenario(tmp_path / "results")
    for scenario in PRODUCT_SCENARIOS:
        statuses = {check["status"] for check in checks.get(scenario, [])}
        assert statuses == {"SUCCESS"}, f"{scenario}: {statuses or 'did not run'}\n{report}"
