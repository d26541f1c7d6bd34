"""Tool calls per second over HTTP with concurrent callers, as a ratio to the SDK's echo server,
and memory per cached caller.

Throughput: two uvicorn servers in their own processes, measured in the same run
by the same load generator (50 callers, each its own connection; 2026-07-28
requests, JSON answers):

- echo: the SDK's `MCPServer` with one `echo` tool, stateless, no auth;
- qomon: `qomon-mcp serve` as built by `create_http_app`: bearer token decrypted
  per request, caller cache, narrowing, request log, the real `get_teams` tool.
  Each caller has its own API key and token. Upstream answers come from a canned
  transport (one sandbox answer replayed), so the figure is this server's own
  cost, not Qomon's or the sandbox's; `--upstream sandbox` uses the sandbox.

Memory: in process, 1,000 distinct tokens loaded and their clients cached;
tracemalloc's net allocation divided by the number of callers.

    .venv/bin/python bench/http_throughput.py [--callers 50] [--calls 3000] [--runs 3] [--tokens 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from typing import Any

import httpx2

SECRET = "bench:" + "b" * 48
META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}


def _bench_key(index: int) -> str:
    return f"bench-key-{index:05d}"


def _upstream(kind: str, keys: int) -> Any:
    """The EU demo space under `keys` bench keys, replayed (canned) or live (sandbox)."""
    from qomon_mcp.http.upstream import RegionRouter, SharedTransport
    from qomon_mcp.sandbox.app import Sandbox
    from qomon_mcp.sandbox.seed.demo import DEMO_KEYS, build_demo_spaces

    space = build_demo_spaces()[DEMO_KEYS["eu"]]
    sandbox = Sandbox({_bench_key(i): space for i in range(keys)}, burst=10**9, rate=1e9, upsert_delay=0.01)
    if kind == "sandbox":
        return SharedTransport(RegionRouter({"incoming.qomon.app": sandbox.transport()}))
    canned: dict[str, tuple[bytes, dict[str, str]]] = {}

    async def capture() -> None:
        async with httpx2.AsyncClient(transport=sandbox.transport(), base_url="https://incoming.qomon.app") as http:
            for path in ("/teams", "/roles"):
                answer = await http.get(path, headers={"Authorization": f"Bearer {_bench_key(0)}"})
                # The rate-limit headers come too: they tell the client the (huge) bucket it may use.
                headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
                canned[path] = (answer.content, headers)

    asyncio.run(capture())

    def replay(request: httpx2.Request) -> httpx2.Response:
        content, headers = canned[request.url.path]
        return httpx2.Response(200, content=content, headers=headers)

    return SharedTransport(httpx2.MockTransport(replay))


def serve(kind: str, port: int, upstream: str, keys: int) -> None:
    import logging

    import uvicorn

    if kind == "echo":
        from mcp.server import MCPServer

        echo = MCPServer("echo")

        @echo.tool(name="echo")
        async def echo_tool(text: str) -> str:
            return text

        app = echo.streamable_http_app(stateless_http=True, json_response=True)
    else:
        from pydantic import SecretStr

        from qomon_mcp.http.app import create_http_app
        from qomon_mcp.settings import Settings

        settings = Settings(public_url=f"http://127.0.0.1:{port}", mcp_secret=SecretStr(SECRET))
        http = create_http_app(settings, upstream=_upstream(upstream, keys))

        async def echo(text: str) -> str:
            return text

        # The same echo tool behind this server's whole stack isolates what the connector adds.
        http.server.add_tool(echo, name="echo")
        app = http.app
        # The request log is part of the cost measured: one line per request, set up as `serve` sets it up
        # (not passed on to the root logger, where the SDK puts a rich handler when rich is installed).
        try:
            from qomon_mcp.http.serve import log_requests
        except ImportError:  # a revision from before log_requests
            handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115
            logging.getLogger("qomon_mcp.http").addHandler(handler)
            logging.getLogger("qomon_mcp.http").setLevel(logging.INFO)
            logging.getLogger("qomon_mcp.http").propagate = False
        else:
            log_requests("INFO", open(os.devnull, "w"))  # noqa: SIM115
        if os.environ.get("BENCH_GC_LOG"):
            _log_collections(os.environ["BENCH_GC_LOG"])
        # What `qomon-mcp serve` does before uvicorn starts (QOMON_GC_FREEZE=false turns it off).
        try:
            from qomon_mcp.heap import settle_heap
        except ImportError:  # a revision from before qomon_mcp/heap.py
            pass
        else:
            settle_heap(settings.gc_freeze)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, ws="none", http="h11")


def _log_collections(path: str) -> None:
    """Write each garbage collection's generation and pause (ms) to `path` as it ends, one line each
    (line-buffered: uvicorn ends the process by its signal, so nothing would run at exit)."""
    out = open(path, "w", buffering=1)  # noqa: SIM115
    started = [0.0]

    def observe(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            out.write(f"{info['generation']} {(time.perf_counter() - started[0]) * 1000:.3f}\n")

    gc.callbacks.append(observe)


def _tokens(port: int, count: int) -> list[str]:
    from qomon_mcp.auth.keys import Keyring
    from qomon_mcp.auth.tokens import Grant

    keyring = Keyring.parse(SECRET)
    now = time.time()
    tokens = []
    for index in range(count):
        key = _bench_key(index)
        grant = Grant(key, "eu", "read", keyring.subject("eu", key), "bench", f"http://127.0.0.1:{port}/mcp", gid="g")
        tokens.append(keyring.seal(grant.claims("access", 3600, now)))
    return tokens


def call_headers(tool: str, token: str | None) -> dict[str, str]:
    """The headers of one Streamable HTTP tools/call (2026-07-28), with the bearer token if any."""
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "tools/call",
        "Mcp-Name": tool,
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


async def _load(url: str, tool: str, arguments: dict[str, Any], tokens: list[str | None], calls: int) -> float:
    """Calls per second with one connection per caller, all callers busy until `calls` are done."""
    remaining = calls
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments, "_meta": META},
    }
    payload = json.dumps(body).encode()

    async def caller(token: str | None) -> None:
        nonlocal remaining
        headers = call_headers(tool, token)
        async with httpx2.AsyncClient(timeout=60, limits=httpx2.Limits(max_connections=1)) as http:
            while remaining > 0:
                remaining -= 1
                answer = await http.post(url, content=payload, headers=headers)
                result = answer.json().get("result")
                if answer.status_code != 200 or not result or result.get("isError"):
                    raise RuntimeError(f"{tool}: HTTP {answer.status_code} {answer.text[:200]}")

    warm = calls
    remaining = min(200, warm)
    await asyncio.gather(*(caller(t) for t in tokens))
    remaining = calls
    started = time.perf_counter()
    await asyncio.gather(*(caller(t) for t in tokens))
    return calls / (time.perf_counter() - started)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(kind: str, upstream: str, keys: int) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    command = [
        sys.executable,
        __file__,
        "--serve",
        kind,
        "--port",
        str(port),
        "--upstream",
        upstream,
        "--keys",
        str(keys),
    ]
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"the {kind} server did not start")


def throughput(callers: int, calls: int, runs: int, upstream: str) -> None:
    echo, echo_port = _start("echo", upstream, callers)
    qomon, qomon_port = _start("qomon", upstream, callers)
    try:
        tokens: list[str | None] = list(_tokens(qomon_port, callers))
        echo_url, qomon_url = f"http://127.0.0.1:{echo_port}/mcp", f"http://127.0.0.1:{qomon_port}/mcp"
        connector, teams = [], []
        for run in range(1, runs + 1):
            base = asyncio.run(_load(echo_url, "echo", {"text": "hello"}, [None] * callers, calls))
            ours = asyncio.run(_load(qomon_url, "echo", {"text": "hello"}, tokens, calls))
            real = asyncio.run(_load(qomon_url, "get_teams", {}, tokens, calls))
            connector.append(ours / base)
            teams.append(real / base)
            print(
                f"run {run}: SDK echo server {base:,.0f} calls/s; qomon-mcp: echo {ours:,.0f} calls/s "
                f"(ratio {ours / base:.3f}), get_teams {real:,.0f} calls/s (ratio {real / base:.3f})"
            )
        print(
            f"median ratio, echo through the connector: {statistics.median(connector):.3f} (goal >= 0.9); "
            f"get_teams: {statistics.median(teams):.3f}; {callers} callers, {calls} calls per measure"
        )
    finally:
        for process in (echo, qomon):
            process.terminate()
            process.wait(timeout=10)


def memory(count: int) -> None:
    from pydantic import SecretStr

    from qomon_mcp.http.app import create_http_app
    from qomon_mcp.settings import Settings

    settings = Settings(public_url="http://127.0.0.1:8000", mcp_secret=SecretStr(SECRET), client_cache_size=count)
    http = create_http_app(settings, upstream=_upstream("canned", 1))
    tokens = _tokens(8000, count)

    async def fill() -> None:
        for token in tokens:
            access = await http.provider.load_access_token(token)
            assert access is not None
            http.cache.get(access, True)

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    asyncio.run(fill())
    gc.collect()
    after = tracemalloc.take_snapshot()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    tracemalloc.stop()
    print(
        f"{len(http.cache)} cached callers: {grown / 1024:,.0f} KiB, "
        f"{grown / count / 1024:.1f} KiB per caller (goal <= 20 KB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--callers", type=int, default=50)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--upstream", choices=("canned", "sandbox"), default="canned")
    parser.add_argument("--serve", choices=("echo", "qomon"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--keys", type=int, default=50, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.upstream, args.keys)
        return
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    throughput(args.callers, args.calls, args.runs, args.upstream)
    memory(args.tokens)


if __name__ == "__main__":
    main()
