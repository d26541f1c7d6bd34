"""Errors raised by the Qomon client.

Every failure of a client call is one of these, so callers catch `QomonError`
or one branch of it and never an `httpx2` exception:

    QomonError
    ├── ReadOnlyError ......... a write refused by a read-only client; nothing was sent
    ├── TransportError ........ no usable answer from Qomon
    │   ├── RequestTimeout .... the call's deadline or a request's timeout ran out (`.step`)
    │   │   └── RateLimitHeld . the client's own pacing would hold the call past its deadline
    │   └── ConnectionFailed .. the connection could not be made or broke mid-request
    └── APIError .............. Qomon answered with an error (`.status`, `.endpoint`, `.detail`)
        ├── InvalidInput ........ 400 / 422, with `.problems` {field: problem}
        ├── AuthenticationFailed  401: the API key is missing, wrong or revoked
        ├── PermissionDenied .... 403: the key's space may not do this (e.g. no fundraising add-on)
        ├── NotFound ............ 404
        ├── RateLimited ......... 429, with `.retry_after` seconds
        ├── ServerError ......... 5xx
        └── MalformedResponse ... a body that is not JSON or not the expected shape

Messages are one short line. They never hold the API key, and upstream text
(`message`, `detail`) is cut to `MAX_DETAIL` characters: it is untrusted and may be long.
"""

from __future__ import annotations

import builtins
import json
from typing import Any

__all__ = [
    "MAX_DETAIL",
    "APIError",
    "AuthenticationFailed",
    "ConnectionFailed",
    "InvalidInput",
    "MalformedResponse",
    "NotFound",
    "PermissionDenied",
    "QomonError",
    "RateLimitHeld",
    "RateLimited",
    "ReadOnlyError",
    "RequestTimeout",
    "ServerError",
    "TransportError",
    "error_for_status",
    "truncate",
]

MAX_DETAIL = 200


def truncate(text: str, limit: int = MAX_DETAIL) -> str:
    """Collapse whitespace and cut `text` to `limit` characters, marking the cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class QomonError(Exception):
    """Base class of every error raised by the Qomon client."""


class ReadOnlyError(QomonError):
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        super().__init__(f"{endpoint}: refused, the client is read-only and this call would change the space")


class TransportError(QomonError):
    """No usable answer: the request timed out or the connection failed."""

    def __init__(self, endpoint: str, message: str) -> None:
        self.endpoint = endpoint
        super().__init__(f"{endpoint}: {message}")


class RequestTimeout(TransportError, builtins.TimeoutError):
    """The call ran past its deadline (retries and waits included) or a request past its timeout.

    `step` says what did not finish (a tool's own words, else the request's method and
    route); `slow` is True when a request was sent and its answer did not come in time,
    False when the deadline had already run out before the step could send anything.
    """

    def __init__(self, endpoint: str, message: str, *, step: str | None = None, slow: bool = True) -> None:
        self.step = step or endpoint
        self.slow = slow
        super().__init__(endpoint, message)


class RateLimitHeld(RequestTimeout):
    """Not sent: the space's token bucket (held back after a 429) would make the call wait
    `retry_after` seconds, past its deadline. Qomon refused nothing; the client's pacing did."""

    def __init__(self, endpoint: str, retry_after: float, *, step: str | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(
            endpoint,
            f"the rate limit would hold the call {retry_after:.1f} s, past its deadline",
            step=step,
            slow=False,
        )


class ConnectionFailed(TransportError):
    """Qomon could not be reached, or the connection broke before an answer arrived."""


class APIError(QomonError):
    """Qomon answered with an error status; `detail` is the (cut) upstream explanation, if any."""

    reason = "Qomon answered with an error"

    def __init__(self, endpoint: str, status: int, detail: str | None = None) -> None:
        self.endpoint = endpoint
        self.status = status
        self.detail = truncate(detail) if detail else None
        message = f"{endpoint}: {self.reason} (HTTP {status})"
        super().__init__(f"{message}: {self.detail}" if self.detail else message)


class InvalidInput(APIError):
    reason = "Qomon rejected the input"

    def __init__(
        self, endpoint: str, status: int, detail: str | None = None, problems: dict[str, str] | None = None
    ) -> None:
        self.problems = {truncate(k, 80): truncate(v) for k, v in (problems or {}).items()}
        if not detail and self.problems:
            detail = "; ".join(f"{k}: {v}" for k, v in self.problems.items())
        super().__init__(endpoint, status, detail)


class AuthenticationFailed(APIError):
    reason = "the API key was refused"


class PermissionDenied(APIError):
    reason = "the API key's space is not allowed to do this"


class NotFound(APIError):
    reason = "not found"


class RateLimited(APIError):
    reason = "rate limited"

    def __init__(self, endpoint: str, status: int, detail: str | None = None, retry_after: float = 1.0) -> None:
        self.retry_after = retry_after
        super().__init__(endpoint, status, detail or f"retry after {retry_after:g} s")


class ServerError(APIError):
    reason = "Qomon failed"


class MalformedResponse(APIError):
    reason = "Qomon sent an unexpected response"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _explain(body: Any) -> tuple[str | None, dict[str, str]]:
    """The explanation and per-field problems in any of the error bodies Qomon sends.

    `{"status": "fail", "data": {field: problem}}`, `{"status": "error", "message": ...}`,
    problem-JSON `{"title", "status", "detail"}` (with `errors` or `invalid-params`
    on some servers), or a bare `{"status": "fail"}`.
    """
    if not isinstance(body, dict):
        return None, {}
    problems: dict[str, str] = {}
    data = body.get("data")
    if isinstance(data, dict):
        problems = {str(k): _text(v) for k, v in data.items()}
    for key in ("errors", "invalid-params", "invalid_params"):
        items = body.get(key)
        if isinstance(items, dict):
            problems.update({str(k): _text(v) for k, v in items.items()})
        elif isinstance(items, list):
            for item in items:
                if isinstance(item, dict):
                    field = item.get("field") or item.get("name") or item.get("pointer") or "request"
                    problems[str(field)] = _text(item.get("message") or item.get("reason") or item.get("detail"))
    detail = next(
        (body[k] for k in ("detail", "message", "error", "title") if isinstance(body.get(k), str) and body[k]),
        None,
    )
    if detail is None and isinstance(data, str) and data:
        detail = data
    if detail and not problems and "detail" in body:
        problems = {"detail": detail}
    return detail, problems


def error_for_status(
    endpoint: str, status: int, body: Any, *, retry_after: float = 1.0, scrub: str | None = None
) -> APIError:
    """The error that an error answer (`status`, decoded JSON `body` or None) stands for.

    `scrub` is a secret to blank out of the upstream text, should the server echo it.
    """
    detail, problems = _explain(body)
    if scrub:
        detail = detail.replace(scrub, "***") if detail else detail
        problems = {k.replace(scrub, "***"): v.replace(scrub, "***") for k, v in problems.items()}
    if status in (400, 422):
        return InvalidInput(endpoint, status, detail, problems)
    if not detail and problems:
        detail = "; ".join(f"{k}: {v}" for k, v in problems.items())
    if status == 429:
        return RateLimited(endpoint, status, detail, retry_after=retry_after)
    kind = {401: AuthenticationFailed, 403: PermissionDenied, 404: NotFound}.get(status)
    if kind is None:
        kind = ServerError if status >= 500 else APIError
    return kind(endpoint, status, detail)
