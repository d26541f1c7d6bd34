"""What the sandbox saw: one entry per request, keyed by a hash of the API key, never the key."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_LOGGED", "LoggedRequest", "RequestLog", "key_hash"]

# A sandbox served for days must not grow without end: the log keeps the newest requests only.
MAX_LOGGED = 10_000


def key_hash(key: str | None) -> str:
    """A short, stable fingerprint of an API key ("" when none was sent)."""
    if not key:
        return ""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    method: str
    # The endpoint template from endpoints.py ("/contacts/{id}"), or the raw path when unmatched.
    route: str
    # The status the sandbox produced; 0 when a fault dropped the connection before any processing.
    status: int
    key_hash: str
    at: float
    # The injected fault that shaped this exchange, if any ("status", "delay", "drop", "malformed").
    fault: str | None = None


class RequestLog(list[LoggedRequest]):
    """The newest `limit` requests, oldest first; a list in every other way (tests read it as one).

    The oldest entry is dropped as a new one comes in past the limit: a memmove of at most
    `limit` pointers, far below the cost of the request itself."""

    def __init__(self, limit: int = MAX_LOGGED) -> None:
        if limit < 1:
            raise ValueError("the request log must keep at least one request")
        super().__init__()
        self.limit = limit

    def append(self, entry: LoggedRequest) -> None:
        super().append(entry)
        if len(self) > self.limit:
            del self[: len(self) - self.limit]

    def extend(self, entries: Iterable[LoggedRequest]) -> None:
        for entry in entries:
            self.append(entry)

    def tail(self, count: int) -> list[dict[str, Any]]:
        """The newest `count` entries as plain dicts (for the admin route)."""
        newest = self[-count:] if count > 0 else []
        return [
            {"method": e.method, "route": e.route, "status": e.status, "key_hash": e.key_hash, "fault": e.fault}
            for e in newest
        ]
