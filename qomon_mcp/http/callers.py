"""Who is calling: each request's Qomon client and access, from its token and its own narrowing.

A 2026 client has no session id, so everything per caller is keyed by the
token's subject (a keyed digest of region and API key). `CallerMiddleware`
runs after authentication and before the MCP endpoint and puts the caller in a
context variable that the SDK carries into the tool handler.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import parse_qs

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.mcpserver.exceptions import ToolError
from starlette.types import ASGIApp, Receive, Scope, Send

from qomon_mcp.auth.tokens import QomonAccessToken
from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.server.app import Access
from qomon_mcp.toolset_table import DEFAULT_TOOLSETS, TOOLSETS

__all__ = [
    "Caller",
    "CallerMiddleware",
    "ClientCache",
    "Narrowing",
    "current_access",
    "current_client",
    "current_subject",
]

ClientFactory = Callable[[str, str, bool], QomonClient]

_current: ContextVar[Caller | None] = ContextVar("qomon_mcp_caller", default=None)
_NOTHING = Access(read_only=True, toolsets=frozenset())
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_HEADER_PREFIX = b"x-qomon-"


@dataclass(frozen=True, slots=True)
class Caller:
    subject: str
    client: QomonClient
    access: Access


def current_client() -> QomonClient:
    caller = _current.get()
    if caller is None:
        raise ToolError("This request carries no Qomon connection; reconnect the application.")
    return caller.client


def current_subject() -> str:
    """Who is calling, as the digest their token names (what confirmation tokens are bound to)."""
    caller = _current.get()
    return caller.subject if caller is not None else ""


def current_access() -> Access:
    caller = _current.get()
    return caller.access if caller is not None else _NOTHING


class ClientCache:
    """The Qomon clients of recent callers, least recently used dropped first.

    Clients share one transport (connection pool), so dropping one frees only
    its own small state; the key stays inside the client and the sealed token.
    """

    def __init__(self, size: int, factory: ClientFactory) -> None:
        self._size = size
        self._factory = factory
        self._clients: OrderedDict[tuple[str, bool], QomonClient] = OrderedDict()

    def __len__(self) -> int:
        return len(self._clients)

    def get(self, token: QomonAccessToken, read_only: bool) -> QomonClient:
        key = (token.subject or "", read_only)
        client = self._clients.get(key)
        if client is None:
            client = self._factory(token.api_key.get_secret_value(), token.region, read_only)
            self._clients[key] = client
            if len(self._clients) > self._size:
                self._clients.popitem(last=False)
        else:
            self._clients.move_to_end(key)
        return client


class NarrowingError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Narrowing:
    """What a connection asks for on top of its token: fewer toolsets, read-only, masked details. Never more."""

    toolsets: frozenset[str] | None = None
    read_only: bool = False
    masked: bool = False

    @classmethod
    def from_scope(cls, scope: Scope) -> Narrowing:
        query_string = scope.get("query_string", b"")
        # Only the X-Qomon-* headers are read; a request with none and no query (most of them) asks nothing.
        asked = [(k, v) for k, v in scope.get("headers") or [] if k[:8].lower() == _HEADER_PREFIX]
        if not query_string and not asked:
            return _ASKS_NOTHING
        query = parse_qs(query_string.decode("latin-1"))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in asked}
        raw_toolsets = query.get("toolsets", [None])[-1] or headers.get("x-qomon-toolsets")
        raw_read_only = query.get("read_only", [None])[-1] or headers.get("x-qomon-read-only")
        raw_privacy = query.get("privacy", [None])[-1] or headers.get("x-qomon-privacy")
        toolsets = None
        if raw_toolsets is not None:
            # Checked against what the server offers in `refusal`, not against every toolset there is.
            toolsets = frozenset(part.strip() for part in raw_toolsets.split(",") if part.strip())
        read_only = False
        if raw_read_only is not None:
            value = raw_read_only.strip().lower()
            if value not in _TRUE | _FALSE:
                raise NarrowingError("read_only must be true or false: connect with ?read_only=true or leave it out")
            read_only = value in _TRUE
        privacy = (raw_privacy or "full").strip().lower()
        if privacy not in ("full", "masked"):
            raise NarrowingError("privacy must be full or masked: connect with ?privacy=masked or leave it out")
        # `full` asks for nothing: on a masked server it changes nothing (a connection never loosens).
        return cls(toolsets, read_only, privacy == "masked")

    def refusal(self, server: Access) -> str | None:
        """Why this connection cannot be served as asked (a toolset the server does not offer), or None."""
        missing = sorted(self.toolsets - server.toolsets) if self.toolsets is not None else []
        if not missing:
            return None
        offered = ", ".join(name for name in TOOLSETS if name in server.toolsets)
        return (
            f"this server does not offer the toolsets {', '.join(missing)}; it offers {offered}: "
            "ask for some of those in ?toolsets= (or the X-Qomon-Toolsets header), or leave it out"
        )

    def apply(self, server: Access, token_read_only: bool, token_masked: bool = False) -> Access:
        if self.toolsets is not None:
            toolsets = server.toolsets & self.toolsets
        else:
            # A toolset off by default (ChatGPT's `search`/`fetch`) goes only to connections that ask for
            # it, so that one server can carry a ChatGPT connector without adding two redundant tools to
            # every other client.
            toolsets = (server.toolsets & frozenset(DEFAULT_TOOLSETS)) or server.toolsets
        return Access(
            read_only=server.read_only or token_read_only or self.read_only,
            toolsets=toolsets,
            masked=server.masked or token_masked or self.masked,
        )


_ASKS_NOTHING = Narrowing()


class CallerMiddleware:
    def __init__(self, app: ASGIApp, *, cache: ClientCache, server_access: Access) -> None:
        self.app = app
        self.cache = cache
        self.server_access = server_access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user = scope.get("user")
        token = user.access_token if isinstance(user, AuthenticatedUser) else None
        if not isinstance(token, QomonAccessToken):
            await self.app(scope, receive, send)
            return
        try:
            narrowing = Narrowing.from_scope(scope)
        except NarrowingError as error:
            await _bad_request(send, str(error))
            return
        refusal = narrowing.refusal(self.server_access)
        if refusal:
            # An empty tool list would leave the user guessing; the answer says what this server has.
            await _bad_request(send, refusal)
            return
        access = narrowing.apply(self.server_access, token.access != "write", token.masked)
        caller = Caller(token.subject or "", self.cache.get(token, access.read_only), access)
        reset = _current.set(caller)
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(reset)


async def _bad_request(send: Send, message: str) -> None:
    body = json.dumps({"error": "invalid_request", "error_description": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})
