"""An httpx2 transport onto the sandbox app that fails like a socket when a fault drops the connection."""

from __future__ import annotations

import httpx2
from starlette.types import ASGIApp

from qomon_mcp.sandbox.faults import ConnectionDropped

__all__ = ["SandboxTransport"]


class SandboxTransport(httpx2.AsyncBaseTransport):
    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx2.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            return await self._inner.handle_async_request(request)
        except ConnectionDropped as dropped:
            if dropped.processed:
                # The server did the work and the answer was lost: a retry would repeat it.
                raise httpx2.RemoteProtocolError(
                    "Server disconnected without sending a response.", request=request
                ) from None
            raise httpx2.ConnectError("Connection reset by peer", request=request) from None
