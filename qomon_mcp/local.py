"""Local use: the stdio server, `tools` and `call`, against a real space or the embedded sandbox."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr, ValidationError

from qomon_mcp.assemble import create_server
from qomon_mcp.server.app import QomonServer
from qomon_mcp.settings import Settings, settings_problem

if TYPE_CHECKING:
    import httpx2

__all__ = ["Demo", "build_server", "call_and_print", "open_demo", "print_tools", "serve_stdio"]


@dataclass(frozen=True)
class Demo:
    """The embedded demo spaces as the server reaches them, and what to do before the process exits."""

    transport: httpx2.AsyncBaseTransport
    # With a sandbox file: apply (and so save) the upserts still waiting for their delay.
    settle: Callable[[], Awaitable[None]] | None = None


def open_demo(sandbox_file: str | None = None) -> Demo:
    """Fresh demo spaces, or those kept in `sandbox_file` (raises `SandboxFileError` when unusable)."""
    # Imported here so that the stdio path against a real space never pays for the sandbox.
    from qomon_mcp.sandbox.app import Sandbox, create_demo_sandbox
    from qomon_mcp.sandbox.space import real_clock

    # Dated from today and reading real time, so that "changed since yesterday" finds something.
    if sandbox_file is None:
        return Demo(create_demo_sandbox(clock=real_clock, lazy=True).transport())
    from qomon_mcp.sandbox.persist import DEMO_SPACE_KEYS, PersistedSandbox, SpaceFile
    from qomon_mcp.sandbox.seed.demo import build_demo_spaces

    store = SpaceFile(sandbox_file)
    spaces = store.load(DEMO_SPACE_KEYS, lambda: build_demo_spaces(clock=real_clock))
    persisted = PersistedSandbox(Sandbox(spaces), store)
    return Demo(persisted.transport(), persisted.drain)


def build_server(*, sandbox: bool, demo: Demo | None = None, **flags: Any) -> QomonServer:
    """The server the flags describe; flags left unset fall back to QOMON_* variables."""
    try:
        settings = Settings(**{name: value for name, value in flags.items() if value is not None})
    except ValidationError as error:
        raise ValueError(settings_problem(error)) from None
    if not sandbox:
        return create_server(settings)

    from qomon_mcp.sandbox.seed.demo import DEMO_KEYS

    demo = demo or open_demo()
    settings = settings.model_copy(update={"api_key": SecretStr(DEMO_KEYS[settings.region]), "base_url": None})
    return create_server(settings, transport=demo.transport)


def serve_stdio(server: QomonServer) -> None:
    """MCP over stdin and stdout, every request answered (see stdio_guard.py)."""
    import anyio

    from qomon_mcp.heap import settle_heap
    from qomon_mcp.settings import Settings
    from qomon_mcp.stdio_guard import run_guarded_stdio

    settle_heap(Settings().gc_freeze)
    anyio.run(run_guarded_stdio, server)


def print_tools(server: QomonServer) -> int:
    import anyio

    tools = anyio.run(server.list_tools)
    width = max(len(t.name) for t in tools)
    for tool in tools:
        listed = server.listing[tool.name]
        access = "read " if listed.read_only else "write"
        print(f"{tool.name:<{width}}  {listed.toolset:<11}  {access}  {tool.title}")
    return 0


def call_and_print(server: QomonServer, tool: str, arguments: str, *, demo: Demo | None = None) -> int:
    import anyio
    from mcp import Client

    try:
        parsed = json.loads(arguments)
    except json.JSONDecodeError as error:
        print(
            f"qomon-mcp: the arguments are not valid JSON ({error.msg}): pass one JSON object in single quotes, "
            """e.g. '{"contact_id": 42}'.""",
            file=sys.stderr,
        )
        return 2
    if not isinstance(parsed, dict):
        print(
            """qomon-mcp: the arguments must be a JSON object, e.g. '{"contact_id": 42}' (or '{}' for none).""",
            file=sys.stderr,
        )
        return 2

    async def call() -> int:
        if tool not in server.listing:
            print(f"qomon-mcp: there is no tool {tool!r}: `qomon-mcp tools` lists them.", file=sys.stderr)
            return 2
        async with Client(server) as client:
            result = await client.call_tool(tool, parsed)
        if demo is not None and demo.settle is not None:
            await demo.settle()
        text = "\n".join(getattr(block, "text", "") for block in result.content)
        if result.is_error:
            print(text, file=sys.stderr)
            return 1
        if result.structured_content is not None:
            text = json.dumps(result.structured_content, ensure_ascii=False, indent=2)
        print(text)
        return 0

    return anyio.run(call)
