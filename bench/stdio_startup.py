"""Process start to `initialize` answered over stdio: qomon-mcp versus a minimal SDK echo server.

    .venv/bin/python bench/stdio_startup.py [--runs 15]

Both are measured alternately in the same run; the figure is the ratio of medians (goal <= 1.2).
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


def time_to_initialize(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    )
    assert process.stdin and process.stdout
    process.stdin.write(INITIALIZE + "\n")
    process.stdin.flush()
    line = process.stdout.readline()
    elapsed = time.perf_counter() - start
    process.kill()
    process.wait()
    if '"result"' not in line:
        raise RuntimeError(f"{command[-1]} did not answer initialize: {line[:200]!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {**os.environ, "QOMON_API_KEY": "bench-key-not-used"}
    qomon = [sys.executable, "-m", "qomon_mcp.cli"]
    echo = [sys.executable, str(HERE / "echo_server.py")]
    for command in (qomon, echo):  # warm the file cache once
        time_to_initialize(command, env)
    timings: dict[str, list[float]] = {"qomon-mcp": [], "echo": []}
    for _ in range(args.runs):
        timings["qomon-mcp"].append(time_to_initialize(qomon, env))
        timings["echo"].append(time_to_initialize(echo, env))
    medians = {name: statistics.median(values) for name, values in timings.items()}
    for name, value in medians.items():
        print(f"{name:>10}: median {value * 1000:.0f} ms over {args.runs} runs")
    print(f"ratio qomon-mcp / echo: {medians['qomon-mcp'] / medians['echo']:.2f} (goal <= 1.2)")


if __name__ == "__main__":
    main()
