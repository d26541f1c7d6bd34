"""Fuzz qomon-mcp over stdio: every request answered once, a clean stdout, the process alive.

    .venv/bin/python bench/fuzz_stdio.py [--calls 1000] [--seed 13] [--window 16]

Starts `qomon-mcp --sandbox` with every toolset as a real subprocess, lists its tools, then
sends `--calls` `tools/call` requests per tool: arguments drawn from the tool's input schema,
most of them mutated (wrong types, booleans and floats for integers, 100,000-character strings,
30-digit and negative numbers, deep nesting, unknown keys, missing fields), and one in twenty a
hostile line (a lone surrogate escape, a 5,000-digit integer, nesting 300 deep, a raw NUL, a raw
carriage return, invalid UTF-8, a cut-off line) that still carries its id. Up to `--window`
requests are in flight at once.

Prints: calls sent, crashes (the process gone, or a traceback on stderr), unanswered ids, ids
answered more than once, stdout lines that are not JSON-RPC, and results whose text is over the
48 KB cap. Exit status 1 when any of those is not 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qomon_mcp.server.shaping import MAX_RESULT_BYTES  # noqa: E402
from qomon_mcp.settings import TOOLSETS  # noqa: E402

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "0"}},
}
WORDS = [
    "",
    "a",
    "volunteer",
    "Paris",
    "2024-05-01",
    "now-30d",
    "2024-05-01T10:00:00Z",
    "CB",
    "EUR",
    "x@example.org",
    "+33612345678",
    "é🙂",
    "'; DROP TABLE contacts;--",
    "<script>",
    "null",
    "0",
    "-1",
    "all",
    "eq",
    "gte",
]
ODD = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    2**31,
    10**30,
    -(10**30),
    "",
    "x" * 100_000,
    [],
    {},
    [1, "a", None],
    {"unexpected": 1},
    "\u0000",
    "\u202e",
    "9" * 40,
]


class Fuzzer:
    def __init__(self, rng: random.Random, defs: dict[str, Any]) -> None:
        self.rng = rng
        self.defs = defs

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return self.defs.get(ref.removeprefix("#/$defs/"), {})
        return schema

    def plausible(self, schema: dict[str, Any], depth: int = 0) -> Any:
        schema = self.resolve(schema)
        if "anyOf" in schema:
            return self.plausible(self.rng.choice(schema["anyOf"]), depth)
        if "enum" in schema:
            return self.rng.choice(schema["enum"])
        kind = schema.get("type")
        if kind == "integer":
            low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
            return self.rng.choice([low, low + 1, 1, 42, 1000, 1000120, self.rng.randint(0, 5000)])
        if kind == "number":
            return self.rng.choice([0, 1, 12.5, 75])
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "string":
            return self.rng.choice(WORDS)
        if kind == "array":
            if depth > 3:
                return []
            return [self.plausible(schema.get("items", {}), depth + 1) for _ in range(self.rng.randint(0, 3))]
        if kind == "object" or "properties" in schema:
            return self.object(schema, depth + 1)
        return self.rng.choice([*WORDS, 1, True])

    def object(self, schema: dict[str, Any], depth: int = 0) -> dict[str, Any]:
        schema = self.resolve(schema)
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        chosen = [name for name in properties if name in required or self.rng.random() < 0.4]
        return {name: self.value(properties[name], depth) for name in chosen}

    def odd(self, depth: int) -> Any:
        roll = self.rng.random()
        if roll < 0.1 and depth < 3:
            nested: Any = "deep"
            for _ in range(self.rng.randint(10, 60)):
                nested = [nested] if self.rng.random() < 0.5 else {"k": nested}
            return nested
        if roll < 0.2:
            return "".join(chr(self.rng.randint(1, 0xD7FF)) for _ in range(self.rng.randint(1, 50)))
        return self.rng.choice(ODD)

    def value(self, schema: dict[str, Any], depth: int = 0) -> Any:
        return self.odd(depth) if self.rng.random() < 0.3 else self.plausible(schema, depth)

    def arguments(self, schema: dict[str, Any]) -> Any:
        roll = self.rng.random()
        if roll < 0.03:
            return self.rng.choice([None, [], "text", 12])
        arguments = self.object(schema)
        if roll < 0.10:
            arguments[self.rng.choice(["id", "confirm", "x" * 60, "__proto__"])] = self.odd(0)
        if roll < 0.15 and arguments:
            arguments.pop(self.rng.choice(list(arguments)))
        return arguments


def hostile_line(rng: random.Random, request_id: int, tool: str) -> bytes:
    head = f'{{"jsonrpc":"2.0","id":{request_id},"method":"tools/call","params":{{"name":"{tool}","arguments":'
    bodies = [
        head + '{"x":"\\ud800"}}}',
        head + '{"contact_id":' + "9" * 5000 + "}}}",
        head + '{"x":' + "[" * 300 + "]" * 300 + "}}}",
        head + '{"x":"a\x00b"}}}',
        head + '{"x":"a\rb"}}}',
        head + '{"x":"',  # cut off: the rest never comes
        head + '{"x":1e99999}}}',
    ]
    line = rng.choice(bodies).encode()
    if rng.random() < 0.15:
        line = line.replace(b'"x":', b'"x":"\xff\xfe",') if b'"x":' in line else line
    return line


async def run(calls_per_tool: int, seed: int, window: int) -> int:
    with tempfile.TemporaryFile() as stderr:
        return await fuzz(calls_per_tool, random.Random(seed), window, stderr)


async def fuzz(calls_per_tool: int, rng: random.Random, window: int, stderr: Any) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "qomon_mcp.cli",
        "--sandbox",
        "--toolsets",
        ",".join(TOOLSETS),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=stderr,
        limit=64 * 1024 * 1024,
        cwd=ROOT,
    )
    assert process.stdin and process.stdout
    answers: Counter[Any] = Counter()
    waiting: dict[Any, asyncio.Future[dict[str, Any]]] = {}
    stats = Counter()

    async def read() -> None:
        assert process.stdout
        while line := await process.stdout.readline():
            try:
                message = json.loads(line)
                assert isinstance(message, dict) and message.get("jsonrpc") == "2.0"
            except (ValueError, AssertionError):
                stats["non-protocol lines"] += 1
                continue
            request_id = message.get("id")
            answers[json.dumps(request_id)] += 1
            for block in (message.get("result") or {}).get("content", []):
                if len(str(block.get("text", "")).encode()) > MAX_RESULT_BYTES:
                    stats["over cap"] += 1
            future = waiting.pop(json.dumps(request_id), None)
            if future is not None and not future.done():
                future.set_result(message)

    async def send(line: bytes, request_id: Any, timeout: float = 120) -> dict[str, Any] | None:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        waiting[json.dumps(request_id)] = future
        assert process.stdin
        process.stdin.write(line + b"\n")
        await process.stdin.drain()
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None

    reader = asyncio.create_task(read())
    await send(json.dumps(INITIALIZE).encode(), 0)
    process.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    listed = await send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode(), 1)
    assert listed is not None, "tools/list was not answered"
    tools = listed["result"]["tools"]
    sent: list[Any] = []
    slots = asyncio.Semaphore(window)
    started = time.perf_counter()

    async def one(line: bytes, request_id: int) -> None:
        async with slots:
            await send(line, request_id)
            stats["done"] += 1
            if stats["done"] % 2000 == 0:
                print(f"  {stats['done']} calls answered, {time.perf_counter() - started:.0f} s", file=sys.stderr)

    tasks = []
    next_id = 100
    for tool in tools:
        fuzzer = Fuzzer(rng, tool["inputSchema"].get("$defs", {}))
        for _ in range(calls_per_tool):
            next_id += 1
            if rng.random() < 0.05:
                line = hostile_line(rng, next_id, tool["name"])
                stats["hostile lines"] += 1
            else:
                arguments = fuzzer.arguments(tool["inputSchema"])
                message = {
                    "jsonrpc": "2.0",
                    "id": next_id,
                    "method": "tools/call",
                    "params": {"name": tool["name"], "arguments": arguments},
                }
                line = json.dumps(message, allow_nan=True).encode()
            sent.append(next_id)
            tasks.append(asyncio.create_task(one(line, next_id)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    alive = process.returncode is None
    # A last request after everything: the process still answers.
    pong = await send(b'{"jsonrpc":"2.0","id":"last","method":"ping"}', "last", timeout=30)
    process.stdin.close()
    try:
        await asyncio.wait_for(process.wait(), 30)
    except TimeoutError:
        process.kill()
    await reader
    stderr.seek(0)
    tracebacks = stderr.read().decode(errors="replace").count("Traceback (most recent call last)")
    unanswered = sum(1 for request_id in sent if answers[json.dumps(request_id)] == 0)
    twice = sum(1 for request_id in sent if answers[json.dumps(request_id)] > 1)
    crashes = (0 if alive and pong is not None else 1) + tracebacks
    figures = {
        "tools": len(tools),
        "calls": len(sent),
        "hostile lines": stats["hostile lines"],
        "crashes": crashes,
        "tracebacks on stderr": tracebacks,
        "unanswered": unanswered,
        "answered twice": twice,
        "non-protocol lines": stats["non-protocol lines"],
        "over cap": stats["over cap"],
        "seconds": round(elapsed, 1),
    }
    for name, value in figures.items():
        print(f"{name:>22}: {value}")
    bad = crashes + unanswered + twice + stats["non-protocol lines"] + stats["over cap"]
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000, help="tools/call requests per tool")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--window", type=int, default=16, help="requests in flight at once")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(run(args.calls, args.seed, args.window)))


if __name__ == "__main__":
    main()
