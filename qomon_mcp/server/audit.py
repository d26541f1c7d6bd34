"""The audit trail: one JSON line per write attempt, on stderr or appended to `QOMON_AUDIT_LOG`.

A write attempt is a call of a write tool (one not marked read-only) that ends: it
changed the space (`ok`), was refused before anything was sent (`refused`: a read-only
connection, a toolset not enabled, unknown or invalid arguments, a missing or wrong
confirmation, a check of the tool's own), was turned down by the user (`declined`),
or failed (`error`: Qomon answered with an error or not at all, or the server broke).
A call that pauses to ask its user (an `InputRequiredResult`) ends only when it comes
back with the answer, and that call is the one written.

A line holds the time, the caller (a digest of the token's subject over HTTP, "local"
over stdio), the tool, the ids it targeted (arguments named `id`, `*_id` or `*_ids`,
and the ids its result names), the outcome, the last Qomon status the call received
and the JSON-RPC request id. Never a field value, an error message, a key or a token:
ids are kept only when they are ids (integers, or strings of digits), and nothing else
of the arguments or the result is read.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, InputRequiredResult
from pydantic import ValidationError

from qomon_mcp.qomon.errors import APIError, QomonError, ReadOnlyError

__all__ = ["Attempt", "AuditTrail", "target_ids"]

# Qomon ids are integers; some results carry them as strings of digits.
_ID = re.compile(r"[0-9]{1,20}")
_MAX_IDS = 50
# The sentence `require_approval` (server/confirm.py) opens with when the user says no.
_DECLINED = ("The user declined", "The user cancelled")


@dataclass
class Attempt:
    """One write attempt under way; `finish` records how it ended."""

    tool: str
    caller: str
    request_id: str | None
    targets: dict[str, Any]
    statuses: list[int] = field(default_factory=list)
    outcome: str | None = None
    error_status: int | None = None

    def finish(self, result: CallToolResult | InputRequiredResult) -> None:
        if isinstance(result, InputRequiredResult):
            return  # the user is being asked: the call that brings the answer is the attempt
        self.outcome = "ok"
        data = result.structured_content
        if isinstance(data, dict):
            self.targets = {**target_ids(data, nested=True), **self.targets}

    def fail(self, error: BaseException) -> None:
        self.outcome, self.error_status = _outcome(error)

    def line(self, now: float) -> str:
        statuses = [*self.statuses, *([self.error_status] if self.error_status else [])]
        record = {
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            "caller": self.caller,
            "tool": self.tool,
            "targets": self.targets or None,
            "outcome": self.outcome,
            "qomon_status": statuses[-1] if statuses else None,
            "request_id": self.request_id,
        }
        return json.dumps({k: v for k, v in record.items() if v is not None}, separators=(",", ":"))


class AuditTrail:
    """Where write attempts are written: `path` (appended to, one line each), or stderr."""

    def __init__(self, path: str | None = None, *, clock: Any = time.time) -> None:
        self.path = path
        self._clock = clock

    @contextmanager
    def attempt(self, tool: str, arguments: dict[str, Any], context: Any) -> Iterator[Attempt]:
        # Imported on the first write, not at start-up: the transport loads every Qomon model.
        from qomon_mcp.qomon.transport import heard_statuses

        caller, request_id = _caller_and_request(context)
        attempt = Attempt(tool=tool, caller=caller, request_id=request_id, targets=target_ids(arguments or {}))
        listening = heard_statuses.set(attempt.statuses)
        try:
            yield attempt
        except BaseException as error:
            attempt.fail(error)
            raise
        finally:
            heard_statuses.reset(listening)
            if attempt.outcome is not None:
                self.write(attempt.line(self._clock()))

    def write(self, line: str) -> None:
        if self.path:
            with open(self.path, "a", encoding="utf-8") as log:
                log.write(line + "\n")
        else:
            print(line, file=sys.stderr, flush=True)


def target_ids(values: dict[str, Any], *, nested: bool = False) -> dict[str, Any]:
    """The ids among `values`: keys `id`, `*_id`, `*_ids`; with `nested`, also the `id` of each
    object in a list (`invited[].id`), under the list's name. Anything not shaped like an id is left out."""
    found: dict[str, Any] = {}
    for key, value in values.items():
        if key == "id" or key.endswith("_id"):
            if _is_id(value):
                found[key] = value
        elif key.endswith("_ids") and isinstance(value, list):
            ids = [v for v in value[:_MAX_IDS] if _is_id(v)]
            if ids:
                found[key] = ids
        elif nested and isinstance(value, list):
            ids = [item["id"] for item in value[:_MAX_IDS] if isinstance(item, dict) and _is_id(item.get("id"))]
            if ids:
                found[f"{key}.id"] = ids
    return found


def _is_id(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and _ID.fullmatch(value) is not None)


def _outcome(error: BaseException) -> tuple[str, int | None]:
    """(outcome, Qomon's status if it answered with an error) for a call that raised `error`."""
    chain = _chain(error)
    qomon = next((e for e in chain if isinstance(e, QomonError)), None)
    if isinstance(qomon, ReadOnlyError):
        return "refused", None
    if qomon is not None:
        return "error", qomon.status if isinstance(qomon, APIError) else None
    if not isinstance(error, ToolError):
        return "error", None  # a crash, or an MCP error the SDK raised
    if any(isinstance(e, ValidationError) for e in chain):
        return "refused", None
    if any(str(e).startswith(_DECLINED) for e in chain if isinstance(e, ToolError)):
        return "declined", None
    # The tool's own error outside a Qomon failure: a check it made before sending anything.
    return "refused", None


def _chain(error: BaseException) -> list[BaseException]:
    """`error` and what caused it, following both `from` and the exception being handled (`from None` too)."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [current.__cause__, current.__context__]
    return seen


def _caller_and_request(context: Any) -> tuple[str, str | None]:
    """The caller's digest (HTTP) or "local" (stdio), and the JSON-RPC request id, when there is a request."""
    try:
        request_context = context.request_context
    except (AttributeError, ValueError):  # no request: a direct call
        return "local", None
    request_id = getattr(request_context, "request_id", None)
    scope = getattr(getattr(request_context, "request", None), "scope", None)
    user = scope.get("user") if isinstance(scope, dict) else None
    subject = getattr(getattr(user, "access_token", None), "subject", None)
    # The same digest as the HTTP request log (http/logs.py) gives, so the two can be joined.
    caller = hashlib.sha256(subject.encode()).hexdigest()[:12] if subject else "local"
    return caller, None if request_id is None else str(request_id)[:64]
