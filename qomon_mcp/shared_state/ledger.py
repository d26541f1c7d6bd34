"""The ledger of spent and revoked tokens on Redis, shared by every replica.

Same interface as `auth.tokens.Ledger`. Each entry is one key named after a digest of
the token id or grant id (never a token), expiring when the token it guards would
have expired anyway, so Redis needs no cleaning:

    qomon-mcp:spent:<sha256 of the code's or refresh token's jti>
    qomon-mcp:revoked:<sha256 of the grant id>

Spending is one `SET NX`: of two replicas redeeming the same code at the same moment,
exactly one wins. When Redis cannot be reached, spending and revoking raise
`LedgerUnavailable` (the token endpoints answer 503: a replay cannot slip through), while
`is_revoked(fail_closed=False)`, asked on every MCP request, answers from the revocations
this replica has seen, so tool calls go on.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from redis.asyncio import Redis

from qomon_mcp.auth.tokens import Ledger, LedgerUnavailable
from qomon_mcp.shared_state.health import RedisAway, RedisHealth

__all__ = ["NAMESPACE", "RedisLedger", "digest"]

NAMESPACE = "qomon-mcp:"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class RedisLedger:
    def __init__(
        self, redis: Redis, *, health: RedisHealth | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self._redis = redis
        self._health = health or RedisHealth()
        self._clock = clock
        # What this replica has seen revoked, for MCP requests while Redis is away.
        self._local = Ledger(clock=clock)

    def _seconds_until(self, until: float) -> int:
        return max(1, math.ceil(until - self._clock()))

    async def spend(self, jti: str, until: float) -> bool:
        key = f"{NAMESPACE}spent:{digest(jti)}"
        ttl = self._seconds_until(until)
        try:
            first = await self._health.call(lambda: self._redis.set(key, b"1", nx=True, ex=ttl), "spend")
        except RedisAway:
            raise LedgerUnavailable("the shared ledger (Redis) is unreachable") from None
        return bool(first)

    async def revoke(self, gid: str, until: float) -> None:
        self._local.revoke_now(gid, until)
        key = f"{NAMESPACE}revoked:{digest(gid)}"
        ttl = self._seconds_until(until)

        async def store() -> None:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(key, b"1", nx=True, ex=ttl)
                # A second revocation of the same grant may only lengthen the first one's life.
                pipe.expire(key, ttl, gt=True)
                await pipe.execute()

        try:
            await self._health.call(store, "revoke")
        except RedisAway:
            raise LedgerUnavailable("the shared ledger (Redis) is unreachable") from None

    async def is_revoked(self, gid: str, *, fail_closed: bool = True) -> bool:
        if self._local.revoked_now(gid):
            return True
        if not fail_closed and self._health.away:
            return False
        key = f"{NAMESPACE}revoked:{digest(gid)}"
        try:
            ttl = await self._health.call(lambda: self._redis.pttl(key), "is_revoked")
        except RedisAway:
            if fail_closed:
                raise LedgerUnavailable("the shared ledger (Redis) is unreachable") from None
            return False
        if ttl is None or ttl < 0:
            return False  # -2: no such key; -1 cannot happen, every entry is written with a lifetime
        # Remembered here too: it stays refused while Redis is away, until it would have expired.
        self._local.revoke_now(gid, self._clock() + ttl / 1000)
        return True
