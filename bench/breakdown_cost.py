"""What a count_contacts breakdown costs: calls to Qomon and wall time under Qomon's bucket.

    .venv/bin/python bench/breakdown_cost.py [--parts 10 25 50] [--latency 0.1]

Measured, not computed: an in-memory MCP client calls qomon-mcp, which talks to the
sandbox in process over its ASGI transport. The sandbox meters the demo key with
Qomon's real bucket (burst 100, 10 tokens/s, its defaults), and the MCP server's
client paces itself on its own copy of that shape. The bench holds the client's
bucket (one per space, shared by every client of the key) to see its level: a
"full" run waits until it is full again; an "empty" run first spends it with real
requests (two 50-part breakdowns), so that both buckets start near zero, as after
a large export or another integration's burst.

Each breakdown is by postal code (any kind costs the same; a form breakdown also
reads the forms once, 6 more calls at most every 5 minutes). Columns:

- calls: requests the sandbox received for the measured call (the total, one per
  part, one for none of the parts), and 429s among them.
- full, 0 ms: full bucket, the sandbox answering at once (CPU time only).
- full, L ms: full bucket, every count delayed by `--latency` seconds in the
  sandbox (a network round trip plus Qomon's own time).
- by hand, L ms: the same counts as separate count_contacts calls one after
  another, what a model does without `breakdown` (its own turns not counted).
- empty, L ms: about empty bucket (tokens left: what it held when the call began), same
  latency; floor: (calls - tokens left) / 10 s, the least time the bucket imposes.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from typing import Any

import anyio
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.qomon.ratelimit import bucket_for
from qomon_mcp.sandbox.app import Sandbox, create_demo_sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.settings import Settings

KEY = DEMO_KEYS["eu"]


def postal_codes(sandbox: Sandbox, count: int) -> list[str]:
    codes = Counter((c.get("address") or {}).get("postalcode") for c in sandbox.space_for(KEY).contacts.values())
    chosen = [code for code, _ in codes.most_common() if code][:count]
    assert len(chosen) == count, f"the demo space has only {len(chosen)} postal codes"
    return chosen


async def refilled() -> None:
    """Wait until the client's bucket (the one the server's client shares) is full."""
    bucket = bucket_for(KEY)
    await anyio.sleep(max(0.0, (bucket.burst - bucket.level) / bucket.rate) + 0.05)


async def measured(sandbox: Sandbox, client: Client, codes: list[str], *, by_hand: bool) -> tuple[float, int, int]:
    """Seconds, requests and 429s of one breakdown (or of the same counts one by one)."""
    start = len(sandbox.request_log)
    began = time.perf_counter()
    if by_hand:
        await count(client, {})
        for code in codes:
            await count(client, {"query": {"conditions": [condition("eql", code)]}})
        await count(client, {"query": {"conditions": [condition("not_eql", code) for code in codes]}})
    else:
        result = await count(client, {"breakdown": {"postal_codes": codes}})
        assert len(result["breakdown"]["parts"]) == len(codes) and "none_of_the_parts" in result["breakdown"]
    elapsed = time.perf_counter() - began
    entries = sandbox.request_log[start:]
    return elapsed, len(entries), sum(e.status == 429 for e in entries)


def condition(ope: str, code: str) -> dict[str, str]:
    return {"attr": "address.postalcode", "ope": ope, "value": code}


async def count(client: Client, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool("count_contacts", arguments)
    assert not result.is_error, result.content[0].text
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def scenario(
    parts: int, *, latency: float, empty: bool = False, by_hand: bool = False
) -> tuple[float, int, int, float]:
    """Seconds, requests and 429s of the measured call, and the tokens the client's bucket held before it."""
    sandbox = create_demo_sandbox(contacts=1000)  # Qomon's bucket: burst 100, 10 tokens/s
    codes = postal_codes(sandbox, parts)
    async with Client(create_server(Settings(api_key=KEY), transport=sandbox.transport())) as client:
        await count(client, {})  # the first call imports and registers what later calls reuse
        await refilled()
        if latency:
            sandbox.faults.add("delay", delay=latency, method="POST", route="/kpi", times=None)
        if empty:
            # Until fewer than 5 tokens are left (half a second of refill): the last requests waited for
            # theirs, so both buckets are about empty; the refill during the last round trips stays.
            spend = postal_codes(sandbox, 50)
            while bucket_for(KEY).level >= 5:
                await count(client, {"breakdown": {"postal_codes": spend}})
        level = bucket_for(KEY).level
        return (*await measured(sandbox, client, codes, by_hand=by_hand), level)


async def main(parts: list[int], latency: float) -> None:
    bucket = bucket_for(KEY)  # held, so that every server's client shares it and its level shows
    ms = f"{latency * 1000:.0f} ms"
    print(f"bucket: burst {bucket.burst:g}, {bucket.rate:g} tokens/s; latency per count: {ms}")
    print(f"| parts | calls | 429s | full, 0 ms | full, {ms} | by hand, {ms} | empty, {ms} | tokens left | floor |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in parts:
        fast, calls, refused, _ = await scenario(n, latency=0)
        paced, _, refused_paced, _ = await scenario(n, latency=latency)
        by_hand, hand_calls, _, _ = await scenario(n, latency=latency, by_hand=True)
        drained, drained_calls, refused_drained, left = await scenario(n, latency=latency, empty=True)
        assert calls == hand_calls == drained_calls == n + 2
        # The least time the bucket imposes from `left` tokens: the calls it cannot pay for, at the refill rate.
        floor = max(0.0, calls - left) / bucket.rate
        print(
            f"| {n} | {calls} | {refused + refused_paced + refused_drained} | {fast:.2f} s | {paced:.2f} s "
            f"| {by_hand:.2f} s | {drained:.2f} s | {left:.1f} | {floor:.2f} s |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--latency", type=float, default=0.1)
    arguments = parser.parse_args()
    anyio.run(main, arguments.parts, arguments.latency)
