"""What the replicas of `qomon-mcp serve` remember, chosen in one place from the settings.

Without `QOMON_REDIS_URL`: the in-process `Ledger` and `bucket_for`, as ever. With it: the
same interfaces on Redis (`ledger.py`, `bucket.py`), so that a code or refresh token spent
on one replica is spent on all, a revocation holds everywhere at once, and the replicas
together pace one API key within Qomon's one bucket. redis-py is imported only then.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from qomon_mcp.auth.tokens import GrantLedger, Ledger
from qomon_mcp.qomon.ratelimit import BucketSource, bucket_for
from qomon_mcp.settings import Settings

__all__ = ["SharedState", "shared_state"]


async def _nothing() -> None:
    return None


@dataclass
class SharedState:
    ledger: GrantLedger
    buckets: BucketSource
    # "memory" or "redis", for the start-up line and the tests.
    kind: str = "memory"
    aclose: Callable[[], Awaitable[None]] = field(default=_nothing)


def shared_state(settings: Settings, *, clock: Callable[[], float] = time.time) -> SharedState:
    """The ledger and the bucket source for these settings (the one place they are chosen)."""
    if settings.redis_url is None:
        return SharedState(ledger=Ledger(clock=clock), buckets=bucket_for)
    from qomon_mcp.shared_state.bucket import RedisBuckets
    from qomon_mcp.shared_state.health import RedisHealth, connect
    from qomon_mcp.shared_state.ledger import RedisLedger

    redis = connect(settings.redis_url.get_secret_value())
    health = RedisHealth()
    return SharedState(
        ledger=RedisLedger(redis, health=health, clock=clock),
        buckets=RedisBuckets(redis, health=health).bucket_for,
        kind="redis",
        aclose=redis.aclose,
    )
