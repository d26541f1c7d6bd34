"""Faults injected by tests: what a flaky network or an overloaded Qomon would do.

A fault is matched against each incoming request (method and endpoint template,
both optional) before anything else happens, and is used up after `times`
matches (`times=None`: never used up). Kinds:

- "status":    answer `status` (429, 500, 502, 503, 504, ...) without processing the
               request; a 429 carries `Retry-After` (default 1 s), others only when
               `retry_after` is given.
- "delay":     sleep `delay` seconds, then process the request normally.
- "drop":      the connection drops: the client sees `httpx2.ConnectError`, and the
               request is not processed; with `after=True` it IS processed and the
               response is lost (`httpx2.RemoteProtocolError`), the case where a retry
               of a creation duplicates it. Only the sandbox's transport can show a
               drop; over a real socket (uvicorn) it degrades to a 500.
- "malformed": a 200 whose body is not valid JSON; processed only with `after=True`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["FAULT_KINDS", "ConnectionDropped", "Fault", "Faults"]

FaultKind = Literal["status", "delay", "drop", "malformed"]
FAULT_KINDS: tuple[str, ...] = ("status", "delay", "drop", "malformed")


class ConnectionDropped(Exception):
    """Raised out of the ASGI app so that the sandbox transport can fail like a socket."""

    def __init__(self, *, processed: bool) -> None:
        super().__init__("connection dropped" + (" after processing" if processed else ""))
        self.processed = processed


@dataclass(slots=True)
class Fault:
    kind: FaultKind
    times: int | None = 1
    route: str | None = None
    method: str | None = None
    status: int | None = None
    delay: float = 0.0
    after: bool = False
    retry_after: int | None = None

    def matches(self, method: str, route: str) -> bool:
        return (self.route is None or self.route == route) and (self.method is None or self.method == method)


class Faults:
    """The faults waiting to happen, in the order they were added."""

    def __init__(self) -> None:
        self._pending: list[Fault] = []

    def add(
        self,
        kind: FaultKind,
        *,
        times: int | None = 1,
        route: str | None = None,
        method: str | None = None,
        status: int | None = None,
        delay: float = 0.0,
        after: bool = False,
        retry_after: int | None = None,
    ) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if kind == "status" and (status is None or not 400 <= status <= 599):
            raise ValueError("a status fault needs an error status (400-599)")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for a permanent fault)")
        if kind == "status" and status == 429 and retry_after is None:
            retry_after = 1
        fault = Fault(
            kind=kind,
            times=times,
            route=route,
            method=method.upper() if method else None,
            status=status,
            delay=delay,
            after=after,
            retry_after=retry_after,
        )
        self._pending.append(fault)
        return fault

    def clear(self) -> None:
        self._pending.clear()

    @property
    def pending(self) -> list[Fault]:
        return list(self._pending)

    def take(self, method: str, route: str) -> Fault | None:
        """The first fault matching this request, used up by one."""
        for fault in self._pending:
            if fault.matches(method, route):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times == 0:
                        self._pending.remove(fault)
                return fault
        return None
