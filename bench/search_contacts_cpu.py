"""The server's own CPU per `search_contacts` call of 50 contacts: calls/s against a canned upstream.

    .venv/bin/python bench/search_contacts_cpu.py [--runs 5] [--calls 400] [--baseline REV]
        [--revision REV]

The upstream is an httpx2 `MockTransport` replaying answers recorded once from the demo EU
space of the sandbox (the raw `POST /search` answer of 50 contacts, and the forms the tool
reads to decode answers), so neither Qomon nor the sandbox is measured: what remains is the
MCP round trip through an in-memory client, the query checks, reading Qomon's answer into
models, the contact view, the table and the shaping of the result.

Three rates: calls per second of wall time; calls per second of the process's CPU time
(`time.process_time`, client and server together), which a machine shared with other jobs
disturbs far less; and calls per CPU second spent inside the server's tools/call handler
(`QomonServer.call_tool`: the tool, its upstream call through the client, reading and shaping
the answer), the server's own cost without the JSON-RPC envelope and the in-memory client.

With `--baseline REV` (for instance `main`, or the commit before a change) the same measure
runs alternately on that revision's `qomon_mcp` (exported with `git archive` into a temporary
directory and put first on the path of a subprocess) and on this checkout's, and the script
prints both, their ratio, and whether both answered with the same bytes. `--revision REV`
measures another revision instead of the checkout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ARGUMENTS: dict[str, Any] = {"query": {"conditions": [{"attr": "address.city", "ope": "ext"}]}, "per_page": 50}


def measure(calls: int) -> dict[str, Any]:
    """In this process, on whatever `qomon_mcp` is first on the path: calls/s and the result's hash."""
    import anyio
    import httpx2
    from mcp import Client

    from qomon_mcp.sandbox.app import create_demo_sandbox
    from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
    from qomon_mcp.server.app import create_server
    from qomon_mcp.settings import Settings

    key = DEMO_KEYS["eu"]
    sandbox = create_demo_sandbox(burst=10**9, rate=1e9)
    recorded: dict[tuple[str, str, bytes], tuple[int, bytes, dict[str, str]]] = {}
    live = sandbox.transport()

    async def record_or_replay(request: httpx2.Request) -> httpx2.Response:
        slot = (request.method, str(request.url), request.content)
        if slot not in recorded:
            answer = await live.handle_async_request(request)
            body = await answer.aread()
            headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
            recorded[slot] = (answer.status_code, body, headers)
        status, body, headers = recorded[slot]
        return httpx2.Response(status, content=body, headers=headers)

    server = create_server(Settings(api_key=key), transport=httpx2.MockTransport(record_or_replay))
    # The server's own share: CPU time inside its tools/call handler (the query checks, the upstream
    # call through the client, reading the answer, the view, the table and the shaping), without
    # the JSON-RPC envelope the SDK handles alike for every tool, nor the in-memory client.
    inside = [0.0]
    handle = server.call_tool

    async def timed_call_tool(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return await handle(*args, **kwargs)
        finally:
            inside[0] += time.process_time() - started

    server.call_tool = timed_call_tool  # type: ignore[method-assign]

    async def run() -> dict[str, Any]:
        async with Client(server) as client:
            first = await client.call_tool("search_contacts", ARGUMENTS)  # records the upstream answers
            assert not first.is_error, first.content
            text = first.content[0].text
            assert len(json.loads(text)["rows"]) == 50, "the canned answer must hold 50 contacts"

            # The first call was checked against the output schema by the client. That check
            # (jsonschema over every cell: about 70 % of the process's time) is the host's cost,
            # not the server's, so the timed calls skip it.
            async def unchecked(name: str, result: Any) -> None:
                return None

            client.session.validate_tool_result = unchecked  # type: ignore[method-assign]
            for _ in range(20):  # warm-up on the canned answers
                await client.call_tool("search_contacts", ARGUMENTS)
            inside[0] = 0.0
            started, cpu_started = time.perf_counter(), time.process_time()
            for _ in range(calls):
                await client.call_tool("search_contacts", ARGUMENTS)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            last = await client.call_tool("search_contacts", ARGUMENTS)
            same = last.content[0].text == text
        return {
            "rate": calls / elapsed,
            "cpu_rate": calls / cpu,
            "server_ms": inside[0] / calls * 1000,
            "server_calls": calls / inside[0],
            "sha": hashlib.sha256(text.encode()).hexdigest()[:16],
            "bytes": len(text.encode()),
            "stable": same,
            "upstream": len(recorded),
        }

    return anyio.run(run)


def _export(revision: str, into: Path) -> None:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "qomon_mcp", "tools", "prompts"],
        check=True,
        capture_output=True,
    ).stdout
    with tempfile.TemporaryFile() as handle:
        handle.write(archive)
        handle.seek(0)
        with tarfile.open(fileobj=handle) as tar:
            tar.extractall(into, filter="data")


def _subprocess(calls: int, path: Path | None) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(path or ROOT)
    output = subprocess.run(
        [sys.executable, __file__, "--measure", "--calls", str(calls)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=str(path or ROOT),
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--baseline", help="a git revision to measure alternately against this checkout")
    parser.add_argument("--revision", help="measure this git revision instead of the checkout's files")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.calls)))
        return
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as scratch:
        baseline = revision = None
        if args.baseline:
            baseline = Path(scratch) / "baseline"
            _export(args.baseline, baseline)
        if args.revision:
            revision = Path(scratch) / "revision"
            _export(args.revision, revision)
        ours_name = args.revision or "this checkout"
        ours: list[dict[str, Any]] = []
        base: list[dict[str, Any]] = []
        for run in range(1, args.runs + 1):
            line = f"run {run}:"
            if baseline is not None:
                base.append(_subprocess(args.calls, baseline))
                line += f" {args.baseline} {_rates(base[-1])};"
            ours.append(_subprocess(args.calls, revision))
            line += f" {ours_name} {_rates(ours[-1])}"
            if baseline is not None:
                same = ours[-1]["sha"] == base[-1]["sha"] and ours[-1]["stable"] and base[-1]["stable"]
                line += f"; ratio {ours[-1]['cpu_rate'] / base[-1]['cpu_rate']:.2f} (CPU), same result: {same}"
            print(line, flush=True)
        print(f"result: {ours[-1]['bytes']:,} B of text, 50 contacts, sha256 {ours[-1]['sha']}")
        for kind, label in (
            ("cpu_rate", "per CPU second"),
            ("rate", "per second (wall)"),
            ("server_calls", "per CPU second inside the server's tools/call"),
        ):
            summary = f"median calls {label}: {ours_name} {statistics.median(r[kind] for r in ours):,.1f}"
            if base:
                ratio = statistics.median(o[kind] / b[kind] for o, b in zip(ours, base, strict=True))
                summary += f", {args.baseline} {statistics.median(r[kind] for r in base):,.1f}; ratio {ratio:.2f}"
            print(summary)
        print(f"{args.calls} calls per measure; goal: ratio >= 2")


def _rates(measured: dict[str, Any]) -> str:
    return (
        f"{measured['cpu_rate']:,.1f} calls/CPU s ({measured['rate']:,.1f}/s wall; "
        f"server's tools/call {measured['server_ms']:.2f} ms CPU; sha {measured['sha']})"
    )


if __name__ == "__main__":
    main()
