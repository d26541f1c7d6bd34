"""Size and time limits on requests (http/limits.py, uvicorn's header bound) over loopback,
and one JSON-RPC answer for every hostile body on /mcp."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import httpx2
import pytest

from qomon_mcp.http.limits import MAX_HEADER_BYTES, BodyLimits
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from tests.http.flows import Flow
from tests.http.support import served

pytestmark = pytest.mark.anyio

EU = DEMO_KEYS["eu"]


def _mcp_headers(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
    }


async def test_a_2_mb_body_on_mcp_is_refused_with_413_before_it_is_read(flow: Flow) -> None:
    token = (await flow.tokens(EU))["access_token"]
    answer = await flow.http.post(flow.served.mcp_url, content=b"[" * (2 * 1024 * 1024), headers=_mcp_headers(token))
    assert answer.status_code == 413
    assert answer.json()["error"]["message"] == "The request body is larger than 1024 KB."


async def test_a_chunked_body_without_length_is_cut_at_the_limit(flow: Flow) -> None:
    token = (await flow.tokens(EU))["access_token"]

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b" " * 64 * 1024

    answer = await flow.http.post(flow.served.mcp_url, content=chunks(), headers=_mcp_headers(token))
    assert answer.status_code == 413


@pytest.mark.parametrize("path", ["/token", "/register", "/revoke", "/authorize"], ids=str)
async def test_the_oauth_endpoints_take_much_smaller_bodies(flow: Flow, path: str) -> None:
    answer = await flow.http.post(
        flow.served.url + path,
        content=b"a=" + b"b" * (BodyLimits.form + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413
    assert answer.json()["error"] == "invalid_request"


def _raw_request(port: int, path: str, length: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n"
    )
    sock.sendall(head.encode())
    return sock


def _answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_a_trickled_body_is_cut_off_within_the_time_limit() -> None:
    with served() as s:
        assert s.http.limits is not None
        s.http.limits.limits = replace(s.http.limits.limits, body_timeout=0.6)
        port = int(s.url.rsplit(":", 1)[1])
        sock = _raw_request(port, "/token", length=1000)
        started = time.monotonic()
        try:
            for _ in range(20):
                # A byte every 0.1 s: the body would need 100 s to arrive.
                try:
                    sock.sendall(b"a")
                except OSError:
                    break
                time.sleep(0.1)
            answer = _answer(sock)
        finally:
            sock.close()
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"did not arrive within 0.6 seconds" in answer
    assert elapsed < 3


def test_a_slow_body_that_arrives_in_time_is_served() -> None:
    with served() as s:
        assert s.http.limits is not None
        s.http.limits.limits = replace(s.http.limits.limits, body_timeout=5)
        port = int(s.url.rsplit(":", 1)[1])
        body = b"grant_type=refresh_token&refresh_token=x&client_id=unknown"
        sock = _raw_request(port, "/token", length=len(body))
        try:
            for start in range(0, len(body), 20):
                sock.sendall(body[start : start + 20])
                time.sleep(0.1)
            sock.shutdown(socket.SHUT_WR)
            answer = _answer(sock)
        finally:
            sock.close()
    # The token endpoint read the whole body and answered it (the client is unknown).
    assert answer.split(b"\r\n", 1)[0] in (b"HTTP/1.1 400 Bad Request", b"HTTP/1.1 401 Unauthorized")


@pytest.fixture
def serve_process() -> Iterator[int]:
    """`qomon-mcp serve --sandbox` as a real process, with uvicorn as serve.py configures it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "qomon_mcp.cli", "serve", "--sandbox", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_oversized_headers_are_refused_by_the_server(serve_process: int) -> None:
    url = f"http://127.0.0.1:{serve_process}/healthz"
    small = httpx2.get(url, headers={"X-Padding": "a" * 1000}, timeout=5)
    large = httpx2.get(url, headers={"X-Padding": "a" * (2 * MAX_HEADER_BYTES)}, timeout=5)
    assert small.status_code == 200
    # 431 from http/limits.py; 400 from h11 itself when the headers happen to arrive in pieces.
    assert large.status_code in (400, 431)


CALL = b'{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"get_contact","arguments":%s}}'
HOSTILE = {
    "lone-surrogate": CALL % (1, b'{"contact_id":"\\ud800"}'),
    "5000-digits": CALL % (2, b'{"contact_id":' + b"9" * 5000 + b"}"),
    "deep": b'{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"x":' + b"[" * 300 + b"]" * 300 + b"}}",
    "raw-nul": b'{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"x":"a\x00b"}}',
    "params-not-object": b'{"jsonrpc":"2.0","id":5,"method":"tools/call","params":"x"}',
    "not-json": b"not json",
}


@pytest.mark.parametrize("body", list(HOSTILE.values()), ids=list(HOSTILE))
async def test_every_hostile_body_on_mcp_gets_one_json_rpc_error(flow: Flow, body: bytes) -> None:
    token = (await flow.tokens(EU))["access_token"]
    answer = await flow.http.post(flow.served.mcp_url, content=body, headers=_mcp_headers(token))
    error = json.loads(answer.text)
    assert answer.status_code == 400
    assert error["jsonrpc"] == "2.0" and error["error"]["code"] in (-32700, -32600, -32602)
    assert len(answer.content) < 2000
