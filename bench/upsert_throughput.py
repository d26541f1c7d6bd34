"""1,000 upserts through the client against the sandbox, with a scaled token bucket.

    .venv/bin/python bench/upsert_throughput.py [--count 1000] [--workers 8] [--burst 100] [--rate 1000] [--runs 1]

The sandbox (in process, over its ASGI transport) meters the demo EU key with a
bucket of `--burst` tokens refilled at `--rate` per second. The client starts
with Qomon's default shape (burst 100, 10/s) and must learn the scaled one from
the `X-Ratelimit-*` headers, else it would crawl at 10/s. `--workers` tasks share
the one client, as the MCP server's concurrent tool calls do.

Figures: `elapsed` runs from the first request sent to the last answer. The bucket
ceiling is the most requests per second the server can accept over that time,
starting full: (burst + rate * elapsed) / elapsed. Throughput / ceiling is the
share of it the client used (goal >= 0.95); 429s are counted in the sandbox's
request log (goal 0). The sandbox applies upserts 2 s after accepting them, after
the measured window; the script then applies them at once and counts them.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import anyio

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.sandbox.app import create_demo_sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS

KEY = DEMO_KEYS["eu"]


def records(contact_ids: list[int], count: int) -> list[dict[str, Any]]:
    """Updates of existing contacts by id, the bulk-sync case upsert is recommended for."""
    return [
        {"id": contact_ids[i % len(contact_ids)], "birthcity": f"Bench-{i}", "tags": [{"name": "bench"}]}
        for i in range(count)
    ]


async def run(count: int, workers: int, burst: int, rate: float) -> tuple[float, int]:
    """One run: prints its figures, returns (throughput / ceiling, 429s received)."""
    sandbox = create_demo_sandbox(burst=burst, rate=rate)
    space = sandbox.space_for(KEY)
    todo = records(sorted(space.contacts), count)
    send, receive = anyio.create_memory_object_stream[dict[str, Any]](count)
    for record in todo:
        send.send_nowait(record)
    send.close()

    async def worker(client: QomonClient) -> None:
        async for record in receive.clone():
            await client.upsert_contact(record)

    async with QomonClient(KEY, base_url="https://incoming.qomon.app", transport=sandbox.transport()) as client:
        start_shape = (client.rate_limit.burst, client.rate_limit.rate)
        started, cpu_started = time.perf_counter(), time.process_time()
        async with anyio.create_task_group() as tg:
            for _ in range(workers):
                tg.start_soon(worker, client)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        learned_shape = (client.rate_limit.burst, client.rate_limit.rate)
    receive.close()

    await sandbox.drain(fast_forward=True)
    applied = sum(1 for c in space.contacts.values() if str(c.get("birthcity", "")).startswith("Bench-"))
    statuses = [entry.status for entry in sandbox.request_log]
    throughput = count / elapsed
    ceiling = (burst + rate * elapsed) / elapsed
    print(f"upserts            {count} with {workers} workers sharing one client")
    print(f"sandbox bucket     burst {burst}, rate {rate:g}/s")
    print(
        f"client bucket      burst {start_shape[0]:g}, rate {start_shape[1]:g}/s at start; "
        f"burst {learned_shape[0]:g}, rate {learned_shape[1]:g}/s learned"
    )
    print(f"elapsed            {elapsed:.3f} s (the bucket allows no less than {(count - burst) / rate:.3f} s)")
    print(f"throughput         {throughput:.0f} requests/s")
    # Client and sandbox share one thread, so each request must cost well under 1 / rate of CPU.
    print(
        f"cpu per request    {cpu / count * 1000:.2f} ms, client and sandbox together (1 / rate = {1000 / rate:.2f} ms)"
    )
    print(f"bucket ceiling     {ceiling:.0f} requests/s = (burst + rate * elapsed) / elapsed")
    print(f"throughput/ceiling {throughput / ceiling:.3f} (goal >= 0.95)")
    print(f"429s received      {statuses.count(429)} (goal 0)")
    print(f"202s               {statuses.count(202)}; contacts updated once the delay passed: {applied}")
    return throughput / ceiling, statuses.count(429)


async def runs(times: int, count: int, workers: int, burst: int, rate: float) -> None:
    results = []
    for index in range(times):
        if times > 1:
            print(f"-- run {index + 1} of {times}")
        results.append(await run(count, workers, burst, rate))
    if times > 1:
        ratios = [ratio for ratio, _ in results]
        print(
            f"-- throughput/ceiling: median {statistics.median(ratios):.3f}, min {min(ratios):.3f}, "
            f"max {max(ratios):.3f}; 429s in all runs: {sum(r for _, r in results)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--runs", type=int, default=1, help="repeat, and print the median ratio")
    args = parser.parse_args()
    anyio.run(runs, args.runs, args.count, args.workers, args.burst, args.rate)


if __name__ == "__main__":
    main()
