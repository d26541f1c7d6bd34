"""wrk against Streamable HTTP: the connector's overhead in calls/s, and p50/p99 latency with and
without the heap settling of `qomon_mcp/heap.py`.

    apt-get install -y wrk   # Debian's wrk: a C load generator, so that it is not the bottleneck
    .venv/bin/python bench/http_latency.py [--runs 3] [--seconds 10]

Servers (started as bench/http_throughput.py starts them, in their own processes):

- the SDK's minimal `MCPServer` with one `echo` tool, stateless, JSON answers (the yardstick);
- qomon-mcp as `create_http_app` builds it for `serve` (bearer token per request, caller cache,
  request log), with the same `echo` tool added and the real `get_teams` on a canned upstream;
  it settles its heap as `serve` does, or not when started with QOMON_GC_FREEZE=false.

Overhead: wrk with 2 threads and 50 connections, the SDK server and qomon-mcp's echo measured
alternately, `--runs` times; the ratio of calls/s (goal >= 0.9), and the ratio of each server's CPU
time per call (from /proc, Linux only), which other sessions' load disturbs less.
Latency: `get_teams` at 1 and 8 connections (wrk --latency), on a server with the heap settled
and on one started with QOMON_GC_FREEZE=false, alternately; p50, p99 and p99 / p50 (goal <= 3).
Both servers are warmed first (3 s at 8 connections) and log their garbage collections
(gc.callbacks): count and pauses per generation.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_throughput import META, _start, _tokens, call_headers

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _script(folder: Path, tool: str, arguments: dict[str, object], token: str | None) -> Path:
    params = {"name": tool, "arguments": arguments, "_meta": META}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}
    headers = call_headers(tool, token)
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(json.dumps(body))}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    # A non-200 answer or a tool error would make the rates meaningless: count them, print them.
    lines += [
        "errors = 0",
        "response = function(status, headers, body)",
        "  if status ~= 200 or string.find(body, '\"isError\":true', 1, true) then errors = errors + 1 end",
        "end",
        "done = function(summary, latency, requests)",
        '  io.write(string.format("bad answers: %d\\n", errors))',
        "end",
    ]
    path = folder / f"{tool}-{'auth' if token else 'open'}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def _wrk(url: str, script: Path, connections: int, seconds: int) -> dict[str, float]:
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    bad = int(re.search(r"bad answers: (\d+)", output).group(1))  # type: ignore[union-attr]
    if bad or "Non-2xx" in output:
        raise RuntimeError(f"wrk saw {bad} bad answers:\n{output}")
    result = {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}  # type: ignore[union-attr]
    for percent in ("50", "99"):
        value, unit = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
        result[f"p{percent}"] = float(value) * _UNITS[unit]
    return result


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _loaded(url: str, script: Path, seconds: int, pid: int) -> tuple[float, float]:
    """Calls/s at 50 connections, and the server's CPU ms per call (less disturbed by other load)."""
    before = _cpu_seconds(pid)
    rate = _wrk(url, script, 50, seconds)["rate"]
    return rate, (_cpu_seconds(pid) - before) * 1000 / (rate * seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--skip-overhead", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    processes = []
    try:
        echo, echo_port = _start("echo", "canned", 1)
        processes.append(echo)
        qomon, qomon_port = _start("qomon", "canned", 1)
        processes.append(qomon)
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            # Two more servers for the latencies, each logging its garbage collections.
            os.environ["BENCH_GC_LOG"] = str(folder / "settled.gc")
            settled, settled_port = _start("qomon", "canned", 1)
            processes.append(settled)
            os.environ.update(BENCH_GC_LOG=str(folder / "plain.gc"), QOMON_GC_FREEZE="false")
            plain, plain_port = _start("qomon", "canned", 1)
            processes.append(plain)
            del os.environ["QOMON_GC_FREEZE"], os.environ["BENCH_GC_LOG"]
            echo_open = _script(folder, "echo", {"text": "hello"}, None)
            if not args.skip_overhead:
                ratios, cpu_ratios = [], []
                for run in range(1, args.runs + 1):
                    token = _tokens(qomon_port, 1)[0]
                    echo_auth = _script(folder, "echo", {"text": "hello"}, token)
                    base, base_cpu = _loaded(f"http://127.0.0.1:{echo_port}/mcp", echo_open, args.seconds, echo.pid)
                    ours, ours_cpu = _loaded(f"http://127.0.0.1:{qomon_port}/mcp", echo_auth, args.seconds, qomon.pid)
                    ratios.append(ours / base)
                    cpu_ratios.append(base_cpu / ours_cpu if ours_cpu else 0.0)
                    print(
                        f"overhead run {run}: SDK echo {base:,.0f} calls/s ({base_cpu:.3f} CPU ms/call), "
                        f"qomon-mcp echo {ours:,.0f} calls/s ({ours_cpu:.3f} CPU ms/call), ratio {ours / base:.3f} "
                        f"(CPU: {cpu_ratios[-1]:.3f}), load {os.getloadavg()[0]:.2f}",
                        flush=True,
                    )
                print(
                    f"median ratio, echo through the connector: {statistics.median(ratios):.3f} (goal >= 0.9); "
                    f"by server CPU per call: {statistics.median(cpu_ratios):.3f}"
                )
            if not args.skip_latency:
                # Fresh servers: their first calls build the tools and the caller's client. Warm them.
                for port in (settled_port, plain_port):
                    warm = _script(folder, "get_teams", {}, _tokens(port, 1)[0])
                    _wrk(f"http://127.0.0.1:{port}/mcp", warm, 8, 3)
                for connections in (1, 8):
                    figures: dict[str, list[dict[str, float]]] = {"settled": [], "python defaults": []}
                    for run in range(1, args.runs + 1):
                        for label, port in (("settled", settled_port), ("python defaults", plain_port)):
                            token = _tokens(port, 1)[0]
                            teams = _script(folder, "get_teams", {}, token)
                            measured = _wrk(f"http://127.0.0.1:{port}/mcp", teams, connections, args.seconds)
                            figures[label].append(measured)
                            print(
                                f"latency c{connections} run {run}, {label}: {measured['rate']:,.0f} calls/s, "
                                f"p50 {measured['p50']:.2f} ms, p99 {measured['p99']:.2f} ms, "
                                f"p99/p50 {measured['p99'] / measured['p50']:.2f}",
                                flush=True,
                            )
                    for label, runs in figures.items():
                        print(
                            f"c{connections} {label}: median p50 {statistics.median(r['p50'] for r in runs):.2f} ms, "
                            f"p99 {statistics.median(r['p99'] for r in runs):.2f} ms, p99/p50 "
                            f"{statistics.median(r['p99'] / r['p50'] for r in runs):.2f} (goal <= 3)"
                        )
            for process in processes:
                process.terminate()
                process.wait(timeout=10)
            if not args.skip_latency:
                for label, name in (("settled", "settled.gc"), ("python defaults", "plain.gc")):
                    print(f"garbage collections while serving, {label}: {_collections(folder / name)}")
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)


def _collections(path: Path) -> str:
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    for line in path.read_text().splitlines():
        generation, pause = line.split()
        pauses[int(generation)].append(float(pause))
    return "; ".join(
        f"generation {g}: {len(p)}, longest {max(p, default=0):.1f} ms, total {sum(p):.0f} ms"
        for g, p in pauses.items()
    )


if __name__ == "__main__":
    main()
