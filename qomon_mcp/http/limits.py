"""Time and size limits on request bodies, as one ASGI middleware around the whole app.

A body larger than its path allows is refused with 413, from its Content-Length before a byte
is read, or as soon as the bytes received pass the limit. A body that has not fully arrived
within `body_timeout` seconds of the request's start (a client trickling it, a byte at a time)
is cut off with 408 and the connection closed: without it, one slow client holds a worker task
and its buffers for as long as it likes. Headers past `MAX_HEADER_BYTES` are refused with 431
(uvicorn's h11 bound, set in http/serve.py, covers only headers that arrive in pieces).

The body is read before the app runs and replayed to it; after that `receive` is passed
through untouched: a streaming response waits on it for the client's disconnect, which no
body timeout may cut.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import anyio
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_HEADER_BYTES", "WHOLE_BODY", "BodyLimits", "RequestLimits"]

# Request line and headers together; uvicorn (h11) answers 400 and closes past it.
MAX_HEADER_BYTES = 16 * 1024
# The scope key under which a body that arrived whole, as long as its Content-Length said, is handed
# on: the request log names the JSON-RPC call from it instead of reading the body a second time.
WHOLE_BODY = "qomon_mcp.whole_body"


@dataclass(frozen=True)
class BodyLimits:
    """The largest body each path takes, and the time a whole body has to arrive."""

    # JSON-RPC over /mcp: tool arguments are small, but a batch of upserts is not.
    mcp: int = 1024 * 1024
    # The OAuth forms (/token, /register, /revoke, /authorize, /connect) and anything else.
    form: int = 64 * 1024
    body_timeout: float = 20.0
    paths_with_large_bodies: tuple[str, ...] = field(default=("/mcp",))

    def largest(self, path: str) -> int:
        return self.mcp if path.rstrip("/") in self.paths_with_large_bodies else self.form


def _refusal(status: int, path: str, sentence: str) -> tuple[dict[str, object], bytes]:
    if path.rstrip("/") == "/mcp":
        # A JSON-RPC client reads errors as JSON-RPC; the request's id is unknown here.
        body = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": sentence}}
    else:
        body = {"error": "invalid_request", "error_description": sentence}
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    if status == 408:
        # The slow client is cut off; after a 413 uvicorn reads and drops the rest of the body itself,
        # so that the client, still sending, sees the answer rather than a reset connection.
        headers.append((b"connection", b"close"))
    return {"type": "http.response.start", "status": status, "headers": headers}, payload


class RequestLimits:
    """ASGI middleware: 431 past the header bound, 413 past a path's body size, 408 for a body slower than
    `body_timeout`."""

    def __init__(self, app: ASGIApp, limits: BodyLimits | None = None) -> None:
        self.app = app
        # Replaceable at run time (tests shorten the timeout on a running server).
        self.limits = limits or BodyLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limits = self.limits
        path = scope.get("path", "")
        # h11 bounds only headers that arrive in pieces; a header block sent at once is checked here.
        if sum(len(name) + len(value) for name, value in scope.get("headers", [])) > MAX_HEADER_BYTES:
            await self._refuse(send, 431, path, f"The request headers are larger than {MAX_HEADER_BYTES // 1024} KB.")
            return
        largest = limits.largest(path)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > largest:
            await self._refuse(send, 413, path, f"The request body is larger than {largest // 1024} KB.")
            return
        # The body is read whole before the app runs (at most `largest` bytes, so memory stays bounded):
        # a refusal then never races a response the app has begun.
        chunks: list[bytes] = []
        received = 0
        trailing: Message | None = None
        complete = False
        with anyio.move_on_after(limits.body_timeout):
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    trailing = message
                    break
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > largest:
                    await self._refuse(send, 413, path, f"The request body is larger than {largest // 1024} KB.")
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    complete = True
                    break
        if not complete and trailing is None:
            seconds = f"{limits.body_timeout:g}"
            await self._refuse(send, 408, path, f"The request body did not arrive within {seconds} seconds.")
            return
        body = b"".join(chunks)
        if complete and declared.isdigit() and int(declared) == len(body):
            scope[WHOLE_BODY] = body
        replay: list[Message] = [{"type": "http.request", "body": body, "more_body": not complete}]
        if trailing is not None:
            replay.append(trailing)

        async def replayed_receive() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app(scope, replayed_receive, send)

    @staticmethod
    async def _refuse(send: Send, status: int, path: str, sentence: str) -> None:
        start, payload = _refusal(status, path, sentence)
        await send(start)
        await send({"type": "http.response.body", "body": payload})
