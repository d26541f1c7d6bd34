"""One Redis-compatible server per test session (per xdist worker), emptied before each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.shared_state.redis_server import RedisServer, redis_server


@pytest.fixture(scope="session")
def redis_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(Path(tmp_path_factory.mktemp("redis"))) as server:
        yield server


@pytest.fixture
async def redis(redis_process: RedisServer) -> AsyncIterator[Redis]:
    if redis_process.process is None:  # a test that stopped it and failed before starting it again
        redis_process.start()
    client = Redis.from_url(redis_process.url)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.aclose()
