"""One deadline for a whole tool call, however many requests, waits and retries it makes.

The client's `deadline` setting bounds one client call. A tool reads, merges and
writes, pages through results or loads a directory: several client calls. The tool
wrapper opens a `call_deadline()` scope around the tool; every request sent inside
it (child tasks included: they copy the context, and so share the scope) ends by
the earlier of its own deadline and the scope's. The scope starts its clock at its
first request, on the sender's clock, so that tests driving a fake clock stay exact.

`step("reading the bundle before the update")` names what the tool is doing, for
the error that says which step did not finish; without it, the request's method
and route name the step. Outside a scope (doctor, CLI) each call keeps its own deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["CallDeadline", "call_deadline", "current_deadline", "step"]


@dataclass(slots=True)
class CallDeadline:
    """The absolute end of a tool call (None until its first request) and the step under way."""

    ends_at: float | None = None
    step: str | None = None

    def start(self, now: float, seconds: float) -> float:
        """The end of the call, fixed by its first request: `now + seconds`."""
        if self.ends_at is None:
            self.ends_at = now + seconds
        return self.ends_at


_current: ContextVar[CallDeadline | None] = ContextVar("qomon_call_deadline", default=None)


def current_deadline() -> CallDeadline | None:
    return _current.get()


@contextmanager
def call_deadline() -> Iterator[CallDeadline]:
    """Every request sent inside shares one deadline; a scope inside a scope joins the outer one."""
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    scope = CallDeadline()
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


@contextmanager
def step(description: str) -> Iterator[None]:
    """Name what the requests inside are for ("reading the bundle before the update")."""
    scope = _current.get()
    if scope is None:
        yield
        return
    previous, scope.step = scope.step, description
    try:
        yield
    finally:
        scope.step = previous
