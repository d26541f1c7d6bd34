"""HTTP plumbing shared by the routes: the envelope, errors, bodies, ids and paging.

Route handlers raise `ApiError`; one exception handler turns it into Qomon's
error bodies: `{"status": "fail", "data": {field: problem}}` for 400/403/422 and
`{"status": "error", "message": ...}` for 404. Checks raise 422 by default;
the routes of the users API (users, roles, invitations, teams, global message)
are wrapped in `invalid_is_400`, as Qomon answers 400 there.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from qomon_mcp.sandbox.space import Space

__all__ = [
    "SANDBOX_SCOPE_KEY",
    "SPACE_SCOPE_KEY",
    "ApiError",
    "api_error_response",
    "data_object",
    "envelope",
    "fail",
    "invalid_is_400",
    "json_body",
    "no_content",
    "not_found",
    "page_params",
    "path_id",
    "query_int",
    "space_of",
    "success",
]

SPACE_SCOPE_KEY = "qomon.space"
SANDBOX_SCOPE_KEY = "qomon.sandbox"


class ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def fail(status: int = 422, **problems: str) -> ApiError:
    """A 400/403/422 in the users API's shape: each field with its problem."""
    return ApiError(status, {"status": "fail", "data": problems})


def not_found() -> ApiError:
    return ApiError(404, {"status": "error", "message": "record not found"})


Handler = Callable[[Request], Awaitable[Response]]


def invalid_is_400(handler: Handler) -> Handler:
    """The handler, with its validation failures (422) answered as 400."""

    # shapes file, "Types and rules" (status codes): validation failures on users,
    # teams, invitations and global messages answer 400, not 422.
    @functools.wraps(handler)
    async def answer(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as error:
            if error.status != 422:
                raise
            raise ApiError(400, error.body) from None

    return answer


async def api_error_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body, status_code=exc.status)


def envelope(data: Any, **extra: Any) -> dict[str, Any]:
    return {"status": "success", "data": data, **extra}


def success(data: Any, status: int = 200, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    return JSONResponse(envelope(data, **extra), status_code=status, headers=headers)


def no_content() -> Response:
    return Response(status_code=204)


def space_of(request: Request) -> Space:
    """The space of the API key that authenticated the request (set by the gate)."""
    space: Space = request.scope[SPACE_SCOPE_KEY]
    return space


async def json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise fail(400, body="the request body is not valid JSON") from None


async def data_object(request: Request) -> dict[str, Any]:
    """The `data` object of a `{"data": {...}}` request body."""
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise fail(422, data='required: the body must be {"data": {...}}')
    data: dict[str, Any] = body["data"]
    return data


def path_id(request: Request, name: str = "id") -> int:
    raw = request.path_params[name]
    if not raw.isdigit():
        raise fail(400, **{name: "must be a numeric id"})
    return int(raw)


def _query_int(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise fail(422, **{name: "must be an integer"}) from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise fail(422, **{name: f"must be {bound}"})
    return value


def page_params(request: Request, *, default_limit: int = 100, max_limit: int = 1000) -> tuple[int, int]:
    """`limit` (at least 1, capped at max_limit) and `offset` (>= 0) from the query string."""
    # shapes file, "Types and rules": a `limit` above 1000 is capped at 1000, not
    # refused (stated for GET /v1/transaction_bundles; no paged list documents a refusal).
    limit = min(_query_int(request, "limit", default_limit, 1, None), max_limit)
    offset = _query_int(request, "offset", 0, 0, None)
    return limit, offset


def query_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise fail(422, **{name: "must be a numeric id"})
    return int(raw)
