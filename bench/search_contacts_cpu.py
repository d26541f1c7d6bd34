"""The server's own CPU per `search_contacts` call of 50 contacts: calls/s against a canned upstream.

    .venv/bin/python bench/search_contacts_cpu.py [--runs 5] [--calls 400] [--baseline REV]

The upstream is an httpx2 `MockTransport` replaying answers recorded once from the demo EU
space of the sandbox (the raw `POST /search` answer of 50 contacts, and the forms the tool
reads to decode answers), so neither Qomon nor the sandbox is measured: what remains is the
MCP round trip through an in-memory client, the query checks, reading Qomon's answer into
models, the contact view, the table and the shaping of the result.

With `--baseline REV` (for instance `main`, or the commit before a change) the same measure
runs alternately on that revision's `qomon_mcp` (exported with `git archive` into a temporary
directory and put first on the path of a subprocess) and on this checkout's, and the script
prints both rates, their ratio, and whether both answered with the same bytes.
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
    from qomon_mcp.sandbox.seed import DEMO_KEYS
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
            started = time.perf_counter()
            for _ in range(calls):
                await client.call_tool("search_contacts", ARGUMENTS)
            elapsed = time.perf_counter() - started
            last = await client.call_tool("search_contacts", ARGUMENTS)
            same = last.content[0].text == text
        return {
            "rate": calls / elapsed,
            "sha": hashlib.sha256(text.encode()).hexdigest()[:16],
            "bytes": len(text.encode()),
            "stable": same,
            "upstream": len(recorded),
        }

    return anyio.run(run)


def _export(revision: str, into: Path) -> None:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "qomon_mcp"],
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
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.calls)))
        return
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as scratch:
        baseline = None
        if args.baseline:
            baseline = Path(scratch)
            _export(args.baseline, baseline)
        ours_rates, base_rates = [], []
        for run in range(1, args.runs + 1):
            line = f"run {run}:"
            if baseline is not None:
                base = _subprocess(args.calls, baseline)
                base_rates.append(base["rate"])
                line += f" {args.baseline} {base['rate']:,.0f} calls/s ({base['bytes']:,} B, sha {base['sha']});"
            ours = _subprocess(args.calls, None)
            ours_rates.append(ours["rate"])
            line += f" this checkout {ours['rate']:,.0f} calls/s ({ours['bytes']:,} B, sha {ours['sha']})"
            if baseline is not None:
                line += f"; ratio {ours['rate'] / base['rate']:.2f}; same result: {ours['sha'] == base['sha']}"
            print(line, flush=True)
        summary = f"median: this checkout {statistics.median(ours_rates):,.0f} calls/s"
        if base_rates:
            ratio = statistics.median(o / b for o, b in zip(ours_rates, base_rates, strict=True))
            summary += f", {args.baseline} {statistics.median(base_rates):,.0f} calls/s; median ratio {ratio:.2f} (goal >= 2)"
        print(summary + f"; {args.calls} calls per measure, 50 contacts per call")


if __name__ == "__main__":
    main()
