"""The sandbox's admin routes: faults armed and the request log read from outside its process.

They exist only when `qomon-mcp sandbox --admin` asks for them, which is refused
unless the sandbox listens on a loopback interface, and they answer loopback
clients only (anyone else gets the 404 of a route that does not exist). They are
not part of Qomon's API, so they need no API key and are not in the request log.

    GET    /_sandbox/faults          the faults waiting to happen
    POST   /_sandbox/faults          add faults: one object or a list, as in `--faults FILE`
    DELETE /_sandbox/faults          remove every waiting fault
    GET    /_sandbox/requests?last=N the newest N logged requests (default 100)
"""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from qomon_mcp.sandbox.app import Sandbox

__all__ = ["ADMIN_PREFIX", "Admin", "is_loopback"]

ADMIN_PREFIX = "/_sandbox/"
_DEFAULT_LAST = 100


def is_loopback(host: str | None) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


class Admin:
    """ASGI wrapper answering the admin routes and passing every other request to `app`."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        request = Request(scope, receive)
        if not client or not is_loopback(client[0]):
            response = _json(404, {"status": "error", "message": "route not found"})
        else:
            response = await self._answer(request)
        await response(scope, receive, send)

    async def _answer(self, request: Request) -> JSONResponse:
        path, method = request.url.path, request.method
        faults = self.sandbox.faults
        if path == ADMIN_PREFIX + "faults":
            if method == "GET":
                return _json(200, {"faults": faults.described()})
            if method == "DELETE":
                faults.clear()
                return _json(200, {"faults": []})
            if method == "POST":
                try:
                    added = faults.load(json.loads(await request.body()))
                except ValueError as error:  # bad JSON or a bad fault: nothing was added
                    return _json(400, {"status": "fail", "data": {"faults": str(error)[:300]}})
                return _json(201, {"added": len(added), "faults": faults.described()})
            return _json(405, {"status": "error", "message": "use GET, POST or DELETE"})
        if path == ADMIN_PREFIX + "requests" and method == "GET":
            try:
                last = int(request.query_params.get("last", _DEFAULT_LAST))
            except ValueError:
                return _json(400, {"status": "fail", "data": {"last": "must be an integer"}})
            log = self.sandbox.request_log
            return _json(200, {"requests": log.tail(last), "kept": len(log), "limit": log.limit})
        return _json(404, {"status": "error", "message": "route not found"})


def _json(status: int, body: Any) -> JSONResponse:
    return JSONResponse(body, status_code=status)
