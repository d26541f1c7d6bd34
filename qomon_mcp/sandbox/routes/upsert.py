"""POST /contacts/upsert: 202 with an empty body, applied later by the upsert queue."""

from __future__ import annotations

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response

from qomon_mcp.sandbox.rules.upsert import validate_upsert
from qomon_mcp.sandbox.web import SANDBOX_SCOPE_KEY, json_body, space_of

__all__ = ["HANDLERS"]


async def upsert_contact(request: Request) -> Response:
    space = space_of(request)
    record = validate_upsert(await json_body(request), space)
    queue = request.scope[SANDBOX_SCOPE_KEY].upserts
    # Scheduled as a background task, so that even a zero delay applies after the 202 is sent.
    return Response(status_code=202, background=BackgroundTask(queue.schedule, space, record))


HANDLERS = {"upsert_contact": upsert_contact}
