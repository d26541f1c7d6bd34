"""Faults injected by tests: what a flaky network or an overloaded Qomon would do.

A fault is matched against each incoming request (method and endpoint template,
both optional) before anything else happens, and is used up after `times`
matches (`times=None`: never used up). Kinds:

- "status":    answer `status` (429, 500, 502, 503, 504, ...) without processing the
               request; a 429 carries `Retry-After` (default 1 s), others only when
               `retry_after` is given. With `after=True` the request IS processed and
               the status replaces its answer: a gateway failing after the work was done.
- "delay":     sleep `delay` seconds, then process the request normally.
- "drop":      the connection drops: the client sees `httpx2.ConnectError`, and the
               request is not processed; with `after=True` it IS processed and the
               response is lost (`httpx2.RemoteProtocolError`), the case where a retry
               of a creation duplicates it. Only the sandbox's transport can show a
               drop; over a real socket (uvicorn) it degrades to a 500.
- "malformed": a 200 whose body is not valid JSON; processed only with `after=True`.
- "drift":     the request is processed normally, then one field of the JSON answer
               takes another shape: the value at `path` is replaced by `value`. A path
               is dotted keys from the body's root, `[]` for every item of a list or
               `[N]` for one ("data.ActionsAggreg[].Action.goal_forms",
               "data.contacts[0].tags"); a path that finds nothing leaves the body as it
               is. It stands for Qomon answering in a shape the client did not expect,
               which `qomon-mcp doctor` must report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["FAULT_FIELDS", "FAULT_KINDS", "ConnectionDropped", "Fault", "Faults", "drift_body"]

FaultKind = Literal["status", "delay", "drop", "malformed", "drift"]
FAULT_KINDS: tuple[str, ...] = ("status", "delay", "drop", "malformed", "drift")
# The keys of one fault written as JSON (`qomon-mcp sandbox --faults FILE`, POST /_sandbox/faults).
FAULT_FIELDS: tuple[str, ...] = (
    "kind", "times", "route", "method", "status", "delay", "after", "retry_after", "path", "value",
)  # fmt: skip
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d*)\]")


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
    path: str | None = None
    value: Any = None

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
        path: str | None = None,
        value: Any = None,
    ) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if kind == "drift":
            _parse_path(path)
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
            path=path,
            value=value,
        )
        self._pending.append(fault)
        return fault

    def clear(self) -> None:
        self._pending.clear()

    def load(self, written: Any) -> list[Fault]:
        """Add the faults written as JSON: one object or a list of them, keys from FAULT_FIELDS.

        Every fault is checked before any is added, so a bad entry adds nothing (ValueError)."""
        items = written if isinstance(written, list) else [written]
        checked = Faults()
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise ValueError(f"fault {index} is not an object")
            unknown = sorted(set(item) - set(FAULT_FIELDS))
            if unknown:
                raise ValueError(f"fault {index} has unknown keys {unknown}; keys are {', '.join(FAULT_FIELDS)}")
            if "kind" not in item:
                raise ValueError(f"fault {index} needs a kind, one of {', '.join(FAULT_KINDS)}")
            fields = dict(item)
            _check_types(index, fields)
            try:
                checked.add(fields.pop("kind"), **fields)
            except ValueError as error:
                raise ValueError(f"fault {index}: {error}") from None
        self._pending.extend(checked.pending)
        return checked.pending

    def described(self) -> list[dict[str, Any]]:
        """The pending faults as JSON objects (the keys that are set)."""

        def shown(name: str, value: Any) -> bool:
            return value is not None and not (name in ("delay", "after") and not value)

        return [{n: getattr(f, n) for n in FAULT_FIELDS if shown(n, getattr(f, n))} for f in self._pending]

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


_TYPES: dict[str, tuple[type, ...]] = {
    "kind": (str,), "times": (int, type(None)), "route": (str, type(None)), "method": (str, type(None)),
    "status": (int, type(None)), "delay": (int, float), "after": (bool,), "retry_after": (int, type(None)),
    "path": (str, type(None)),
}  # fmt: skip


def _check_types(index: int, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        allowed = _TYPES.get(name)
        # JSON has no separate booleans for numbers: true is refused where a number is expected.
        wrong = allowed is not None and (
            not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed)
        )
        if wrong:
            raise ValueError(f"fault {index}: {name} has the wrong type ({type(value).__name__})")


def _parse_path(path: str | None) -> list[str | int | None]:
    """ "data.contacts[].tags" -> ["data", "contacts", None, "tags"] (None: every item)."""
    if not path:
        raise ValueError("a drift fault needs the path of the field to alter")
    parts: list[str | int | None] = []
    position = 0
    for match in _PATH_PART.finditer(path):
        gap = path[position : match.start()]
        if gap not in ("", "."):
            break
        key, index = match.groups()
        parts.append(key if key is not None else int(index) if index else None)
        position = match.end()
    if position != len(path) or not parts:
        raise ValueError(f"cannot read the drift path {path!r}; write it like data.contacts[].tags")
    return parts


def drift_body(body: Any, path: str, value: Any) -> Any:
    """`body` with the value at `path` replaced by `value` (in place); unchanged where the path finds nothing."""
    parts = _parse_path(path)

    def walk(node: Any, rest: list[str | int | None]) -> None:
        head, tail = rest[0], rest[1:]
        indexes: Iterable[int | str]
        if head is None or isinstance(head, int):
            if not isinstance(node, list):
                return
            indexes = range(len(node)) if head is None else [head] if head < len(node) else []
        else:
            if not isinstance(node, dict) or head not in node:
                return
            indexes = [head]
        for index in indexes:
            if tail:
                walk(node[index], tail)
            else:
                node[index] = value

    walk(body, parts)
    return body
