"""What stands in front of every route: faults, the API key, the rate limit, the add-on, the log.

In order: an injected fault (it stands for the network, so it comes first);
the API key (401, not rate limited, no rate-limit headers); the key's token
bucket (429 with Retry-After, nothing processed); an unknown route (404); the
fundraising add-on (403); then the route. Every answer after the key check
carries the X-Ratelimit-* headers of the request just evaluated.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qomon_mcp.sandbox.faults import ConnectionDropped, Fault, drift_body
from qomon_mcp.sandbox.requestlog import LoggedRequest, key_hash
from qomon_mcp.sandbox.search.index import space_changed
from qomon_mcp.sandbox.web import SANDBOX_SCOPE_KEY, SPACE_SCOPE_KEY
from qomon_mcp.spec.endpoints import Endpoint, endpoint

if TYPE_CHECKING:
    from qomon_mcp.sandbox.app import Sandbox

__all__ = ["FUNDRAISING_PREFIXES", "Gate"]

FUNDRAISING_PREFIXES = ("/v1/transaction_", "/v1/code_campaigns", "/v1/membership_", "/v1/donation_prices")
MALFORMED_BODY = b'{"status": "success", "data": {"contact'


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or []:
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer":
                return None
            return token.strip() or None
    return None


async def _answer(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    raw = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    header_list = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    header_list += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": header_list})
    await send({"type": "http.response.body", "body": raw})


def _drifting(send: Send, fault: Fault) -> Send:
    """A `send` that holds the answer back, alters one field of its JSON body, and sends it on."""
    held: dict[str, Any] = {"start": None, "body": b""}

    async def hold(message: Message) -> None:
        if message["type"] == "http.response.start":
            held["start"] = message
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        held["body"] += message.get("body", b"")
        if message.get("more_body"):
            return
        body: bytes = held["body"]
        start = held["start"]
        try:
            # Only a successful answer drifts: an error answer says nothing about the shape of data.
            decoded = json.loads(body) if 200 <= start["status"] < 300 else None
        except ValueError:
            decoded = None
        if decoded is not None:
            assert fault.path is not None
            body = json.dumps(drift_body(decoded, fault.path, fault.value)).encode()
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return hold


class Gate:
    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    def _resolve(self, scope: Scope) -> Endpoint | None:
        for route in self.sandbox.app.router.routes:
            if isinstance(route, Route) and route.matches(scope)[0] is Match.FULL:
                return endpoint(route.name)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        found = self._resolve(scope)
        route = found.route if found else scope["path"]
        key = _bearer(scope)
        seen = {"status": 0}

        async def recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            await send(message)

        fault = self.sandbox.faults.take(method, route)
        try:
            if fault is None or fault.kind == "delay":
                if fault is not None:
                    await asyncio.sleep(fault.delay)
                await self._serve(scope, receive, recording, found, key)
            else:
                await self._fault(fault, scope, receive, recording, found, key, seen)
        finally:
            self.sandbox.request_log.append(
                LoggedRequest(
                    method,
                    route,
                    seen["status"],
                    key_hash(key),
                    self.sandbox.clock(),
                    fault.kind if fault else None,
                )
            )

    async def _fault(
        self,
        fault: Fault,
        scope: Scope,
        receive: Receive,
        send: Send,
        found: Endpoint | None,
        key: str | None,
        seen: dict[str, int],
    ) -> None:
        if fault.kind == "drift":
            await self._serve(scope, receive, _drifting(send, fault), found, key)
            return
        if fault.after:
            # The request is processed and its own answer thrown away: what the client gets
            # instead (a drop, a broken body, an error status) hides that the work was done.

            async def swallow(message: Message) -> None:
                if message["type"] == "http.response.start":
                    seen["status"] = message["status"]

            await self._serve(scope, receive, swallow, found, key)
        if fault.kind == "status":
            assert fault.status is not None
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            body = {"status": "fail" if fault.status < 500 else "error", "message": "injected fault"}
            await _answer(send, fault.status, body, headers)
            return
        if fault.kind == "drop":
            raise ConnectionDropped(processed=fault.after)
        await _answer(send, 200, MALFORMED_BODY)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, found: Endpoint | None, key: str | None) -> None:
        space = self.sandbox.spaces.get(key) if key else None
        if space is None:
            await _answer(send, 401, {"status": "fail", "data": {"authorization": "missing or unknown API key"}})
            return
        decision = self.sandbox.limiter.take(key_hash(key), found.cost if found else 1)
        headers = decision.headers()
        if not decision.allowed:
            problem = f"rate limit exceeded; retry in {decision.retry_after} s"
            await _answer(send, 429, {"status": "fail", "data": {"rate_limit": problem}}, headers)
            return
        if found is None:
            await _answer(send, 404, {"status": "error", "message": "route not found"}, headers)
            return
        if not space.fundraising and found.route.startswith(FUNDRAISING_PREFIXES):
            body = {
                "status": "fail",
                "data": {"fundraising": "this space does not have the fundraising add-on"},
            }
            await _answer(send, 403, body, headers)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        *((k.lower().encode(), v.encode()) for k, v in headers.items()),
                    ],
                }
            await send(message)

        scope = {**scope, SPACE_SCOPE_KEY: space, SANDBOX_SCOPE_KEY: self.sandbox}
        if not found.is_write:
            await self.app(scope, receive, with_headers)
            return
        # Searches keep an index of the space between requests (search_index.py): a write marks it
        # stale when it starts and again when it ends, so a search during the write never keeps it.
        space_changed(space)
        try:
            await self.app(scope, receive, with_headers)
        finally:
            space_changed(space)
