"""The ledger on Redis: spent once across replicas, revocations seen by all, digests only,
entries that expire with their tokens, and the failure rules while Redis is away."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import anyio
import pytest
from redis.asyncio import Redis

from qomon_mcp.auth.tokens import LedgerUnavailable
from qomon_mcp.shared_state.health import RedisHealth, connect
from qomon_mcp.shared_state.ledger import RedisLedger
from tests.shared_state.redis_server import RedisServer

NOW = 1_800_000_000.0
Ledgers = Callable[[int], list[RedisLedger]]


@pytest.fixture
async def ledgers(redis_process: RedisServer, redis: Redis) -> AsyncIterator[Ledgers]:
    """`count` replicas' ledgers on one Redis, each with its own connections; the clock pinned."""
    clients: list[Redis] = []

    def make(count: int) -> list[RedisLedger]:
        clients.extend(connect(redis_process.url) for _ in range(count))
        return [RedisLedger(client, health=RedisHealth(), clock=lambda: NOW) for client in clients[-count:]]

    try:
        yield make
    finally:
        for client in clients:
            await client.aclose()


@pytest.mark.anyio
async def test_of_many_replicas_spending_one_code_at_once_exactly_one_wins(ledgers: Ledgers) -> None:
    replicas = ledgers(3)
    wins: list[bool] = []

    async def spend(ledger: RedisLedger) -> None:
        wins.append(await ledger.spend("code-jti", until=NOW + 120))

    async with anyio.create_task_group() as group:
        for index in range(30):
            group.start_soon(spend, replicas[index % 3])
    assert wins.count(True) == 1 and len(wins) == 30


@pytest.mark.anyio
async def test_a_revocation_on_one_replica_holds_on_the_others(ledgers: Ledgers) -> None:
    first, second = ledgers(2)
    assert not await second.is_revoked("grant-1")
    await first.revoke("grant-1", until=NOW + 3600)
    assert await second.is_revoked("grant-1")
    assert not await second.is_revoked("grant-2")


@pytest.mark.anyio
async def test_redis_holds_digests_that_expire_with_their_tokens(ledgers: Ledgers, redis: Redis) -> None:
    (ledger,) = ledgers(1)
    await ledger.spend("the-jti", until=NOW + 120)
    await ledger.revoke("the-gid", until=NOW + 3600)
    await ledger.revoke("the-gid", until=NOW + 60)  # a shorter second revocation does not shorten the first
    keys = sorted(key.decode() for key in await redis.keys("*"))
    assert [key.rsplit(":", 1)[0] for key in keys] == ["qomon-mcp:revoked", "qomon-mcp:spent"]
    assert not any("the-jti" in key or "the-gid" in key for key in keys)
    assert 3590 <= await redis.ttl(keys[0]) <= 3600
    assert 110 <= await redis.ttl(keys[1]) <= 120


@pytest.mark.anyio
async def test_redis_away_fails_closed_for_tokens_and_open_for_known_revocations(
    ledgers: Ledgers, redis_process: RedisServer
) -> None:
    first, second = ledgers(2)
    await first.revoke("seen-here", until=NOW + 3600)
    assert await second.is_revoked("seen-here")  # now known to the second replica too
    redis_process.stop()
    try:
        with pytest.raises(LedgerUnavailable):
            await second.spend("a-jti", until=NOW + 120)
        with pytest.raises(LedgerUnavailable):
            await second.revoke("another", until=NOW + 3600)
        with pytest.raises(LedgerUnavailable):
            await second.is_revoked("unknown")
        # An MCP request goes on, answered from what this replica has seen.
        assert await second.is_revoked("seen-here", fail_closed=False)
        assert not await second.is_revoked("unknown", fail_closed=False)
    finally:
        redis_process.start()  # empty: a Redis restarted without persistence has forgotten everything
    assert await second.spend("a-jti", until=NOW + 120)
    assert not await first.spend("a-jti", until=NOW + 120)
