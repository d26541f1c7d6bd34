"""Process start to `initialize` answered over stdio: qomon-mcp versus a minimal SDK echo server.

    .venv/bin/python bench/stdio_startup.py [--runs 15] [--first-call]

Both are measured alternately in the same run; the figure is the ratio of medians (goal <= 1.2).
qomon-mcp builds its tools on first use, so the time to the first `tools/list` answer is
printed too: that is where the deferred cost lands. On a machine shared with other jobs the wall
times also wait for a CPU, so the CPU time each process used until that answer is printed as well
(its own user + system time, read when it is reaped).

qomon-mcp answers tools/list from a stored listing and builds a tool on its first call, so
`--first-call` also times, in separate processes, a first `tools/call` after that list: one whose
arguments are refused (no network needed), so it costs what building the tool and validating cost.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
INITIALIZED = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})
LIST_TOOLS = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
# A first call each server refuses for its arguments, before any network: a string for an integer id.
REFUSED_CALLS = {
    "qomon-mcp": {"name": "get_contact", "arguments": {"contact_id": "not-an-id"}},
    "echo": {"name": "echo", "arguments": {"text": 42}},
}
INITIALIZE = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "0"},
        },
    }
)


def time_to_answers(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Seconds from process start to the `initialize` answer, and to the first `tools/list` answer;
    and the CPU seconds the process used until it was killed right after that answer."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    )
    assert process.stdin and process.stdout
    process.stdin.write(INITIALIZE + "\n")
    process.stdin.flush()
    line = process.stdout.readline()
    initialized = time.perf_counter() - start
    process.stdin.write(INITIALIZED + "\n" + LIST_TOOLS + "\n")
    process.stdin.flush()
    listed_line = process.stdout.readline()
    listed = time.perf_counter() - start
    process.kill()
    # Its CPU time: on a machine shared with other jobs, the wall times above wait for CPUs too.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    if '"result"' not in line or '"tools"' not in listed_line:
        raise RuntimeError(f"{command[-1]} did not answer: {line[:120]!r} {listed_line[:120]!r}")
    return initialized, listed, cpu


def time_to_first_call(command: list[str], env: dict[str, str], call: dict[str, object]) -> float:
    """Seconds from the first `tools/list` answer to the answer of a first (refused) `tools/call`."""
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    )
    assert process.stdin and process.stdout
    process.stdin.write(INITIALIZE + "\n")
    process.stdin.flush()
    process.stdout.readline()
    process.stdin.write(INITIALIZED + "\n" + LIST_TOOLS + "\n")
    process.stdin.flush()
    process.stdout.readline()
    start = time.perf_counter()
    process.stdin.write(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": call}) + "\n")
    process.stdin.flush()
    answer = process.stdout.readline()
    called = time.perf_counter() - start
    process.kill()
    process.wait()
    if '"isError":true' not in answer:
        raise RuntimeError(f"{command[-1]} did not refuse the call: {answer[:120]!r}")
    return called


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--first-call", action="store_true", help="also time a first tools/call")
    args = parser.parse_args()
    env = {**os.environ, "QOMON_API_KEY": "bench-key-not-used"}
    qomon = [sys.executable, "-m", "qomon_mcp.cli"]
    echo = [sys.executable, str(HERE / "echo_server.py")]
    for command in (qomon, echo):  # warm the file cache once
        time_to_answers(command, env)
    timings: dict[str, list[tuple[float, float, float]]] = {"qomon-mcp": [], "echo": []}
    for _ in range(args.runs):
        timings["qomon-mcp"].append(time_to_answers(qomon, env))
        timings["echo"].append(time_to_answers(echo, env))
    medians = {
        name: tuple(statistics.median(v[i] for v in values) for i in range(3)) for name, values in timings.items()
    }
    for name, (initialized, listed, cpu) in medians.items():
        print(
            f"{name:>10}: initialize {initialized * 1000:.0f} ms, first tools/list {listed * 1000:.0f} ms, "
            f"CPU until then {cpu * 1000:.0f} ms (medians)"
        )
    ratio = medians["qomon-mcp"][0] / medians["echo"][0]
    print(f"ratio qomon-mcp / echo, start to initialize answered: {ratio:.2f} (goal <= 1.2)")
    ratio = medians["qomon-mcp"][1] / medians["echo"][1]
    print(f"ratio qomon-mcp / echo, start to first tools/list answered: {ratio:.2f}")
    ratio = medians["qomon-mcp"][2] / medians["echo"][2]
    print(f"ratio qomon-mcp / echo, CPU time to first tools/list answered: {ratio:.2f}")
    if args.first_call:
        calls: dict[str, list[float]] = {"qomon-mcp": [], "echo": []}
        for _ in range(args.runs):
            calls["qomon-mcp"].append(time_to_first_call(qomon, env, REFUSED_CALLS["qomon-mcp"]))
            calls["echo"].append(time_to_first_call(echo, env, REFUSED_CALLS["echo"]))
        for name, values in calls.items():
            median = statistics.median(values) * 1000
            print(f"{name:>10}: first tools/call (refused arguments) {median:.0f} ms (median)")


if __name__ == "__main__":
    main()
