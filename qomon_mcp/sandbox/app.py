"""The sandbox: a faithful local Qomon Public API over a set of spaces, one per API key.

`Sandbox(spaces)` builds the Starlette app (`.app`), an httpx2 transport onto it
(`.transport()`), the request log (`.request_log`), the injectable faults
(`.faults`) and the upsert worker (`await .drain()` waits for pending upserts).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, MutableMapping
from datetime import datetime
from typing import Any

import httpx2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from qomon_mcp.sandbox.faults import Faults
from qomon_mcp.sandbox.gate import Gate
from qomon_mcp.sandbox.ratelimit import RateLimiter
from qomon_mcp.sandbox.requestlog import MAX_LOGGED, RequestLog
from qomon_mcp.sandbox.routes import contacts, forms_actions, fundraising, search, teams, upsert, users
from qomon_mcp.sandbox.rules.upsert import UpsertQueue
from qomon_mcp.sandbox.seed.lazy_spaces import LazySpaces
from qomon_mcp.sandbox.space import Now, Space
from qomon_mcp.sandbox.transport import SandboxTransport
from qomon_mcp.sandbox.web import ApiError, api_error_response
from qomon_mcp.spec.endpoints import ENDPOINTS

__all__ = ["Sandbox", "create_demo_sandbox"]


def _handlers() -> dict[str, Any]:
    handlers: dict[str, Any] = {}
    for module in (
        contacts,
        upsert,
        search,
        forms_actions,
        users,
        teams,
        fundraising,
    ):
        handlers.update(module.HANDLERS)
    missing = {e.name for e in ENDPOINTS} - set(handlers)
    if missing:
        raise RuntimeError(f"endpoints without a sandbox route: {sorted(missing)}")
    return handlers


def _routes() -> list[Route]:
    handlers = _handlers()
    # Literal paths first, so that /users/role and /teams/public are not read as /users/{id}, /teams/{id}.
    ordered = sorted(ENDPOINTS, key=lambda e: "{" in e.route)
    return [Route(e.route, handlers[e.name], methods=[e.method], name=e.name) for e in ordered]


class Sandbox:
    def __init__(
        self,
        spaces: Mapping[str, Space],
        *,
        burst: int = 100,
        rate: float = 10.0,
        upsert_delay: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        log_limit: int = MAX_LOGGED,
    ) -> None:
        # Lazy spaces stay lazy (a stdio server seeds only the space it reads); others are copied.
        self.spaces: MutableMapping[str, Space] = spaces if isinstance(spaces, LazySpaces) else dict(spaces)
        self.clock = clock
        self.limiter = RateLimiter(burst=burst, rate=rate, clock=clock)
        self.faults = Faults()
        self.upserts = UpsertQueue(delay=upsert_delay)
        self.request_log = RequestLog(log_limit)
        self.app = Starlette(
            routes=_routes(),
            middleware=[Middleware(Gate, sandbox=self)],
            exception_handlers={ApiError: api_error_response},
        )

    def transport(self) -> httpx2.AsyncBaseTransport:
        """An in-memory transport onto the app; dropped-connection faults raise as on a socket."""
        return SandboxTransport(self.app)

    def space_for(self, key: str) -> Space:
        return self.spaces[key]

    async def drain(self, *, fast_forward: bool = False) -> None:
        """Wait until every accepted upsert is applied (`fast_forward`: apply them now)."""
        await self.upserts.drain(fast_forward=fast_forward)


def create_demo_sandbox(
    seed: int = 0,
    *,
    now: datetime | None = None,
    clock: Now | None = None,
    contacts: int = 3000,
    lazy: bool = False,
    **kwargs: Any,
) -> Sandbox:
    """A sandbox over the demo spaces (keys in `seed.DEMO_KEYS`), all on one clock.

    Without `now` or `clock` the spaces are laid out around `seed.DEFAULT_NOW` and their
    clock is pinned there (tests); `clock=real_clock` dates them from today and keeps
    reading real time (a sandbox for people). `lazy` seeds each space on its first request.
    """
    from qomon_mcp.sandbox.seed.demo import build_demo_spaces, lazy_demo_spaces

    build = lazy_demo_spaces if lazy else build_demo_spaces
    return Sandbox(build(seed=seed, now=now, clock=clock, contacts=contacts), **kwargs)
