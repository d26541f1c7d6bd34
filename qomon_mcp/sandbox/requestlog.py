"""What the sandbox saw: one entry per request, keyed by a hash of the API key, never the key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["LoggedRequest", "key_hash"]


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
