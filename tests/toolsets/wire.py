"""What reached the emulator, as sent: a transport that keeps each request before passing it on.

The sandbox's own request log keeps routes and statuses, not bodies or query strings; the
request tests need those. Nothing is faked: every request still goes to the emulator.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox
from tests.toolsets.conftest import make_settings

__all__ = ["Sent", "Wire", "recorded_client"]


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    params: dict[str, str]
    body: Any


@dataclass
class Wire(httpx2.AsyncBaseTransport):
    inner: httpx2.AsyncBaseTransport
    sent: list[Sent] = field(default_factory=list)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        content = await request.aread()
        body = json.loads(content) if content else None
        self.sent.append(Sent(request.method, request.url.path, dict(request.url.params), body))
        return await self.inner.handle_async_request(request)

    def to(self, method: str, path: str) -> list[Sent]:
        return [s for s in self.sent if (s.method, s.path) == (method, path)]


@asynccontextmanager
async def recorded_client(sandbox: Sandbox) -> AsyncIterator[tuple[Client, Wire]]:
    """An MCP client of qomon-mcp whose requests to `sandbox` are kept in the Wire."""
    wire = Wire(sandbox.transport())
    async with Client(create_server(make_settings(), transport=wire)) as client:
        yield client, wire
