"""Local use: the stdio server, `tools` and `call`, against a real space or the embedded sandbox."""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import SecretStr, ValidationError

from qomon_mcp.server.app import QomonServer, create_server
from qomon_mcp.settings import Settings

__all__ = ["build_server", "call_and_print", "print_tools"]


def build_server(*, sandbox: bool, **flags: Any) -> QomonServer:
    """The server the flags describe; flags left unset fall back to QOMON_* variables."""
    try:
        settings = Settings(**{name: value for name, value in flags.items() if value is not None})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ValueError(f"invalid settings ({problems})") from None
    if not sandbox:
        return create_server(settings)

    # Imported here so that the stdio path against a real space never pays for the sandbox.
    from qomon_mcp.sandbox.app import create_demo_sandbox
    from qomon_mcp.sandbox.seed import DEMO_KEYS
    from qomon_mcp.sandbox.space import real_clock

    # Dated from today and reading real time, so that "changed since yesterday" finds something.
    demo = create_demo_sandbox(clock=real_clock)
    settings = settings.model_copy(update={"api_key": SecretStr(DEMO_KEYS[settings.region]), "base_url": None})
    return create_server(settings, transport=demo.transport())


def print_tools(server: QomonServer) -> int:
    import anyio

    tools = anyio.run(server.list_tools)
    width = max(len(t.name) for t in tools)
    for tool in tools:
        spec = server.specs[tool.name]
        access = "read " if spec.read_only else "write"
        print(f"{tool.name:<{width}}  {spec.toolset:<11}  {access}  {tool.title}")
    return 0


def call_and_print(server: QomonServer, tool: str, arguments: str) -> int:
    import anyio
    from mcp import Client

    try:
        parsed = json.loads(arguments)
    except json.JSONDecodeError as error:
        print(f"qomon-mcp: the arguments are not valid JSON ({error.msg})", file=sys.stderr)
        return 2
    if not isinstance(parsed, dict):
        print("qomon-mcp: the arguments must be a JSON object", file=sys.stderr)
        return 2

    async def call() -> int:
        async with Client(server) as client:
            result = await client.call_tool(tool, parsed)
        text = "\n".join(getattr(block, "text", "") for block in result.content)
        if result.is_error:
            print(text, file=sys.stderr)
            return 1
        if result.structured_content is not None:
            text = json.dumps(result.structured_content, ensure_ascii=False, indent=2)
        print(text)
        return 0

    return anyio.run(call)
