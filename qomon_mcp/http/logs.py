"""One structured log line per request: method, path, JSON-RPC method, tool, status, latency, caller.

The caller is a short digest of the token's subject (itself a keyed digest),
enough to follow one caller through the log and useless to anyone else. No
header, query string or body value other than the JSON-RPC method and tool
name is ever written: keys and tokens travel in exactly those.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qomon_mcp.http.limits import WHOLE_BODY

__all__ = ["RequestLog", "caller_tag"]

logger = logging.getLogger("qomon_mcp.http")

PEEK_LIMIT = 64 * 1024
_NAME_LIMIT = 64
# One encoder for every line: json.dumps with separators builds a new one per call.
_encode_line = json.JSONEncoder(separators=(",", ":")).encode


def caller_tag(subject: str | None) -> str | None:
    return _tag(subject) if subject else None


# A caller sends many requests with one subject: the digest is worked out once per subject.
@functools.lru_cache(maxsize=4096)
def _tag(subject: str) -> str:
    return hashlib.sha256(subject.encode()).hexdigest()[:12]


def _rpc(body: bytes) -> tuple[str | None, str | None]:
    try:
        message: Any = json.loads(body)
    except ValueError:
        return None, None
    if isinstance(message, list):
        message = message[0] if message else None
    if not isinstance(message, dict):
        return None, None
    method = message.get("method")
    params = message.get("params")
    tool = params.get("name") if method == "tools/call" and isinstance(params, dict) else None
    # Names come from the caller: keep them short and printable, never a payload.
    clean = [str(v)[:_NAME_LIMIT] if isinstance(v, str) and v.isprintable() else None for v in (method, tool)]
    return clean[0], clean[1]


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 0}
        rpc: tuple[str | None, str | None] = (None, None)
        if scope["method"] == "POST" and scope["path"] == "/mcp":
            whole = scope.get(WHOLE_BODY)
            if whole is None:
                receive, rpc = await _peek(scope, receive)
            elif len(whole) <= PEEK_LIMIT:
                # Read whole by the body limits in front, Content-Length included: what _peek would read.
                rpc = _rpc(whole)

        async def recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            user = scope.get("user")
            subject = user.access_token.subject if isinstance(user, AuthenticatedUser) else None
            line = {
                "method": scope["method"],
                "path": scope["path"],
                "rpc": rpc[0],
                "tool": rpc[1],
                "status": status["code"] or 500,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "caller": caller_tag(subject),
            }
            logger.info(_encode_line({k: v for k, v in line.items() if v is not None}))


async def _peek(scope: Scope, receive: Receive) -> tuple[Receive, tuple[str | None, str | None]]:
    """Read a small body to name the call, then hand the same body on; large ones are not read here."""
    declared = dict(scope.get("headers") or []).get(b"content-length", b"")
    if not declared.isdigit() or int(declared) > PEEK_LIMIT:
        return receive, (None, None)
    messages: list[Message] = []
    body = b""
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if not message.get("more_body") or len(body) > PEEK_LIMIT:
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay, _rpc(body)
