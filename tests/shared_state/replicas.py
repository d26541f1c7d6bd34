"""Three `qomon-mcp serve --sandbox` processes behind one public URL, sharing one secret and one Redis,
as replicas behind a load balancer are; the tests address each one by its own port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx2

from tests.http.support import SECRET, Served

__all__ = ["Replica", "replicas"]


@dataclass
class Replica:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    stderr: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def served(self) -> Served:
        """What the flow helpers of tests/http need: where to send requests (no app in this process)."""
        return Served(self.url, cast(Any, None), [])

    def log(self) -> str:
        return self.stderr.read_text()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(replica: Replica) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if replica.process.poll() is not None:
            raise RuntimeError(f"replica {replica.name} exited: {replica.log()[-2000:]}")
        with contextlib.suppress(httpx2.TransportError):
            if httpx2.get(f"{replica.url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"replica {replica.name} did not start")


@contextlib.contextmanager
def replicas(redis_url: str | None, workdir: Path, names: tuple[str, ...] = ("A", "B", "C")) -> Iterator[list[Replica]]:
    ports = [_free_port() for _ in names]
    env = {
        **os.environ,
        "QOMON_MCP_SECRET": SECRET,
        # One issuer and one resource for all, as behind a load balancer: replica A's address stands for it.
        "QOMON_PUBLIC_URL": f"http://127.0.0.1:{ports[0]}",
        "QOMON_LOG_LEVEL": "WARNING",
    }
    env.pop("QOMON_REDIS_URL", None)
    if redis_url:
        env["QOMON_REDIS_URL"] = redis_url
    started: list[Replica] = []
    try:
        for name, port in zip(names, ports, strict=True):
            stderr = workdir / f"replica-{name}.log"
            with stderr.open("wb") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "qomon_mcp.cli", "serve", "--sandbox", "--port", str(port)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
            started.append(Replica(name, port, process, stderr))
        for replica in started:
            _wait_healthy(replica)
        yield started
    finally:
        for replica in started:
            replica.process.terminate()
        for replica in started:
            replica.process.wait(timeout=15)
