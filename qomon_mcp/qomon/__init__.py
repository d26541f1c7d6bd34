"""The Qomon Public API client: `QomonClient` and the errors its calls raise.

`QomonClient` is imported on first use, so that importing the endpoint table or
the errors (as the sandbox does) does not load the HTTP stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    APIError,
    AuthenticationFailed,
    ConnectionFailed,
    InvalidInput,
    MalformedResponse,
    NotFound,
    PermissionDenied,
    QomonError,
    RateLimited,
    RateLimitHeld,
    ReadOnlyError,
    RequestTimeout,
    ServerError,
    TransportError,
)

if TYPE_CHECKING:
    from .client import QomonClient

__all__ = [
    "APIError",
    "AuthenticationFailed",
    "ConnectionFailed",
    "InvalidInput",
    "MalformedResponse",
    "NotFound",
    "PermissionDenied",
    "QomonClient",
    "QomonError",
    "RateLimitHeld",
    "RateLimited",
    "ReadOnlyError",
    "RequestTimeout",
    "ServerError",
    "TransportError",
]


def __getattr__(name: str) -> Any:
    if name == "QomonClient":
        from .client import QomonClient

        return QomonClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
