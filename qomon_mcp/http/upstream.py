"""Where callers' requests to Qomon go: one shared connection pool, or the embedded sandbox spaces.

Every caller's client uses the same transport, so a cached caller costs a few
objects, not a connection pool and a TLS context. The app closes the transport
once, at shutdown; a client dropped from the cache must not close it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx2

from qomon_mcp.settings import REGION_URLS

__all__ = ["RegionRouter", "SharedTransport", "network_transport", "sandbox_upstream"]


class SharedTransport(httpx2.AsyncBaseTransport):
    """A transport many clients use; closing one client leaves it open."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        pass

    async def shutdown(self) -> None:
        await self.inner.aclose()


class RegionRouter(httpx2.AsyncBaseTransport):
    """Sends each request to the transport of its host: a stand-in for the two Qomon regions."""

    def __init__(self, routes: Mapping[str, httpx2.AsyncBaseTransport]) -> None:
        self.routes = dict(routes)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        route = self.routes.get(request.url.host)
        if route is None:
            raise httpx2.ConnectError(f"no route to {request.url.host}", request=request)
        return await route.handle_async_request(request)

    async def aclose(self) -> None:
        for route in self.routes.values():
            await route.aclose()


def network_transport() -> SharedTransport:
    limits = httpx2.Limits(max_connections=200, max_keepalive_connections=50)
    return SharedTransport(httpx2.AsyncHTTPTransport(limits=limits, retries=0))


def sandbox_upstream(
    *,
    now: datetime | None = None,
    spaces: Mapping[str, Any] | None = None,
    sandbox_file: str | None = None,
    **sandbox_options: Any,
) -> tuple[SharedTransport, list[Any]]:
    """The EU and US demo spaces, each reachable only at its own region's URL, and the sandboxes.

    Without `now` the spaces are dated from today and read real time (`serve --sandbox`);
    with `now` they are laid out around it and their clock is pinned there. With
    `sandbox_file` they are read from and saved to that file (`SandboxFileError` if unusable).
    """
    from qomon_mcp.sandbox.app import Sandbox
    from qomon_mcp.sandbox.seed.demo import build_demo_spaces
    from qomon_mcp.sandbox.space import real_clock

    def build() -> dict[str, Any]:
        return build_demo_spaces(now=now, clock=None if now else real_clock)

    store = None
    if sandbox_file is not None and spaces is None:
        from qomon_mcp.sandbox.persist import DEMO_SPACE_KEYS, PersistedSandbox, SpaceFile

        store = SpaceFile(sandbox_file)
        spaces = store.load(DEMO_SPACE_KEYS, build)
    spaces = spaces or build()
    sandboxes = []
    routes: dict[str, httpx2.AsyncBaseTransport] = {}
    for region, url in REGION_URLS.items():
        sandbox = Sandbox({key: s for key, s in spaces.items() if s.region == region}, **sandbox_options)
        sandboxes.append(sandbox)
        transport = PersistedSandbox(sandbox, store).transport() if store else sandbox.transport()
        routes[urlsplit(url).hostname or ""] = transport
    return SharedTransport(RegionRouter(routes)), sandboxes
