"""Three `qomon-mcp serve` processes sharing one secret and one Redis, used in turn: what one replica
spent or revoked holds on the others at once, and Redis going away and coming back follows the
failure rules of README, Deployment (503 on /token and /revoke, tool calls go on, no restart)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import httpx2
import pytest

from tests.http.flows import Flow
from tests.http.support import rpc
from tests.shared_state.redis_server import RedisServer
from tests.shared_state.replicas import Replica, replicas

pytestmark = pytest.mark.slow

KEY = "sandbox-eu-demo-key"  # the EU demo space's key (the sandbox seed's DEMO_KEYS["eu"])


@pytest.fixture(scope="module")
def three(redis_process: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Replica]]:
    with replicas(redis_process.url, Path(tmp_path_factory.mktemp("replicas"))) as started:
        yield started


@pytest.fixture
async def flows(three: list[Replica], redis_process: RedisServer) -> AsyncIterator[dict[str, Flow]]:
    """One registered client, as seen through each replica (the registration is sealed, not stored)."""
    if redis_process.process is None:
        redis_process.start()
    async with httpx2.AsyncClient(timeout=30) as http:
        first = Flow(three[0].served, http)
        assert (await first.register()).status_code == 201
        yield {replica.name: Flow(replica.served, http, client_id=first.client_id) for replica in three}


async def _tokens(flows: dict[str, Flow], on: str) -> dict[str, str]:
    """Sign in (the authorization request names the public resource, replica A's address) and redeem on `on`."""
    code, verifier = await flows["A"].code(KEY)
    answer = await flows[on].exchange(code, verifier)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _tools_list(flow: Flow, access_token: str) -> int:
    return (await rpc(flow.served, access_token)).status_code


async def _count_contacts(flow: Flow, access_token: str) -> httpx2.Response:
    return await rpc(flow.served, access_token, "tools/call", {"name": "count_contacts", "arguments": {}})


@pytest.mark.anyio
async def test_a_code_redeemed_on_a_is_refused_on_b_and_ends_the_grant(
    flows: dict[str, Flow], three: list[Replica], redis_process: RedisServer
) -> None:
    for replica in three:
        assert "shared with other replicas on Redis" in replica.log()
        assert str(redis_process.port) not in replica.log()
    code, verifier = await flows["A"].code(KEY)
    first = await flows["A"].exchange(code, verifier)
    assert first.status_code == 200
    replay = await flows["B"].exchange(code, verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # The replay may come from a thief: the tokens the first use got are ended too, on every replica.
    assert await _tools_list(flows["C"], first.json()["access_token"]) == 401
    assert (await flows["C"].refresh(first.json()["refresh_token"])).status_code == 400


@pytest.mark.anyio
async def test_a_refresh_token_rotated_on_b_and_reused_on_c_ends_the_grant_everywhere(flows: dict[str, Flow]) -> None:
    tokens = await flows["A"].tokens(KEY)
    rotated = await flows["B"].refresh(tokens["refresh_token"])
    assert rotated.status_code == 200
    assert await _tools_list(flows["A"], rotated.json()["access_token"]) == 200
    reuse = await flows["C"].refresh(tokens["refresh_token"])
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    # Both holders lose the grant: the rotated pair is refused on every replica.
    for name in ("A", "B", "C"):
        assert await _tools_list(flows[name], rotated.json()["access_token"]) == 401
    assert (await flows["A"].refresh(rotated.json()["refresh_token"])).status_code == 400


@pytest.mark.anyio
async def test_a_revocation_on_a_is_honoured_by_c_at_once(flows: dict[str, Flow]) -> None:
    tokens = await _tokens(flows, on="B")
    assert await _tools_list(flows["C"], tokens["access_token"]) == 200  # C has it verified and cached
    revoked = await flows["A"].http.post(
        f"{flows['A'].served.url}/revoke", data={"token": tokens["refresh_token"], "client_id": flows["A"].client_id}
    )
    assert revoked.status_code == 200
    assert await _tools_list(flows["C"], tokens["access_token"]) == 401
    assert (await flows["B"].refresh(tokens["refresh_token"])).status_code == 400


@pytest.mark.anyio
async def test_redis_stopped_and_started_again_mid_run(
    flows: dict[str, Flow], three: list[Replica], redis_process: RedisServer
) -> None:
    tokens = await flows["A"].tokens(KEY)
    code, verifier = await flows["A"].code(KEY)  # the connect page needs no Redis: codes are sealed
    redis_process.stop()
    try:
        # /token and /revoke fail closed, with a JSON error that says what happened.
        for name, answer in [
            ("B", await flows["B"].exchange(code, verifier)),
            ("C", await flows["C"].refresh(tokens["refresh_token"])),
            (
                "A",
                await flows["A"].http.post(
                    f"{flows['A'].served.url}/revoke",
                    data={"token": tokens["access_token"], "client_id": flows["A"].client_id},
                ),
            ),
        ]:
            assert answer.status_code == 503, (name, answer.text)
            assert answer.json()["error"] == "temporarily_unavailable"
            assert answer.headers["Retry-After"]
        # A browser client (MCP Inspector) can read that answer too.
        from_browser = await flows["B"].http.post(
            f"{flows['B'].served.url}/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
            | {"client_id": flows["B"].client_id},
            headers={"Origin": "http://localhost:6274"},
        )
        assert from_browser.status_code == 503 and from_browser.headers["Access-Control-Allow-Origin"] == "*"
        # Tool calls go on, paced by each replica's local bucket, with one warning in its log.
        for _ in range(5):
            answer = await _count_contacts(flows["C"], tokens["access_token"])
            assert answer.status_code == 200 and not answer.json()["result"].get("isError"), answer.text
        warnings = three[2].log().count("Redis is unreachable")
        assert warnings == 1, three[2].log()
        warning = next(line for line in three[2].log().splitlines() if "Redis is unreachable" in line)
        assert KEY not in warning and str(redis_process.port) not in warning  # neither key nor Redis address
    finally:
        redis_process.start()
    # Back without a restart: the code kept aside is redeemed (that Redis kept nothing: see README).
    redeemed = await flows["B"].exchange(code, verifier)
    assert redeemed.status_code == 200, redeemed.text
    assert (await flows["C"].exchange(code, verifier)).status_code == 400
    await anyio.sleep(1.1)  # the buckets try Redis again one second after a failure
    assert (await _count_contacts(flows["C"], tokens["access_token"])).status_code == 200
    assert "Redis answers again" in three[2].log()


@pytest.mark.anyio
async def test_a_slow_redis_makes_token_fail_closed_quickly(flows: dict[str, Flow], redis_process: RedisServer) -> None:
    tokens = await flows["A"].tokens(KEY)
    redis_process.pause()
    try:
        started = time.monotonic()
        answer = await flows["B"].refresh(tokens["refresh_token"])
        assert answer.status_code == 503
        assert time.monotonic() - started < 5  # the 1 s Redis timeout, not a hang
    finally:
        redis_process.resume()
    assert (await flows["B"].refresh(tokens["refresh_token"])).status_code == 200
