"""The one place the shared state is chosen: in process by default, on Redis with QOMON_REDIS_URL."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from qomon_mcp.auth.tokens import Ledger
from qomon_mcp.qomon.ratelimit import TokenBucket, bucket_for
from qomon_mcp.settings import Settings, settings_problem
from qomon_mcp.shared_state import shared_state
from qomon_mcp.shared_state.bucket import RedisBucket
from qomon_mcp.shared_state.ledger import RedisLedger
from tests.shared_state.redis_server import RedisServer


def test_without_a_redis_url_state_stays_in_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QOMON_REDIS_URL", raising=False)
    shared = shared_state(Settings())
    assert shared.kind == "memory"
    assert isinstance(shared.ledger, Ledger)
    assert shared.buckets is bucket_for
    assert isinstance(shared.buckets("some-key"), TokenBucket)


@pytest.mark.anyio
async def test_with_a_redis_url_ledger_and_buckets_are_on_redis(redis_process: RedisServer) -> None:
    shared = shared_state(Settings(redis_url=redis_process.url))
    try:
        assert shared.kind == "redis"
        assert isinstance(shared.ledger, RedisLedger)
        bucket = shared.buckets("some-key")
        assert isinstance(bucket, RedisBucket)
        assert shared.buckets("some-key") is bucket  # one bucket per key in a process, as in memory
        assert await bucket.acquire(1) == 0 and bucket.shared_acquires == 1
    finally:
        await shared.aclose()


def test_an_unusable_redis_url_is_refused_without_repeating_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QOMON_REDIS_URL", "http://user:hunter2-secret@redis:6379")
    with pytest.raises(ValidationError) as refused:
        Settings()
    problem = settings_problem(refused.value)
    assert "QOMON_REDIS_URL must be a redis://" in problem
    assert "hunter2" not in problem


def test_an_empty_redis_url_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QOMON_REDIS_URL", " ")
    assert Settings().redis_url is None
