"""Checks a running image from the host, as a remote MCP client would meet it.

`python -m tests.image.check_image http://127.0.0.1:PORT` (scripts/image_test.sh runs it against
`qomon-mcp serve --sandbox` in a container): /healthz answers, /mcp challenges with its
resource_metadata, then one whole sign-in (discovery, registration, the connect page filled in
with the EU demo key, the code exchange) and tools/list with the token. Exits non-zero on the
first check that fails. Not a pytest module: it needs the container that the script starts.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass

import anyio
import httpx2

from qomon_mcp.assemble import all_tool_specs
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.server.app import Access
from qomon_mcp.settings import Settings
from tests.http.flows import Flow
from tests.http.support import mcp_client

__all__ = ["Remote", "check", "main"]

STARTUP_SECONDS = 90.0


@dataclass
class Remote:
    """The server in the container: what `Flow` needs of `Served` (its URLs), nothing in-process."""

    url: str

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"


def say(line: str) -> None:
    print(f"check_image: {line}", file=sys.stderr)


async def wait_for_health(http: httpx2.AsyncClient, url: str) -> httpx2.Response:
    # The container needs a few seconds to build its demo space before uvicorn listens.
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            return await http.get(f"{url}/healthz")
        except httpx2.TransportError:
            if time.monotonic() > deadline:
                raise
            await anyio.sleep(0.5)


async def check(url: str) -> None:
    remote = Remote(url.rstrip("/"))
    async with httpx2.AsyncClient(timeout=30) as http:
        health = await wait_for_health(http, remote.url)
        assert health.status_code == 200, f"/healthz answered {health.status_code}"
        say(f"GET /healthz -> 200 {health.json()}")

        challenge = await http.get(remote.mcp_url)
        header = challenge.headers.get("www-authenticate", "")
        assert challenge.status_code == 401, f"/mcp without a token answered {challenge.status_code}"
        found = re.search(r'resource_metadata="([^"]+)"', header)
        assert found, f"no resource_metadata in WWW-Authenticate: {header!r}"
        say(f"GET /mcp -> 401, resource_metadata={found.group(1)}")

        resource = (await http.get(found.group(1))).json()
        assert resource["resource"] == remote.mcp_url, resource
        issuer = resource["authorization_servers"][0]
        server = (await http.get(f"{issuer}/.well-known/oauth-authorization-server")).json()
        assert server["issuer"] == remote.url, server
        assert server["registration_endpoint"] == f"{remote.url}/register", server
        say(f"discovery: issuer {issuer}, registration at {server['registration_endpoint']}")

        flow = Flow(remote, http)  # type: ignore[arg-type]  # Flow reads only .url and .mcp_url
        registered = await flow.register(client_name="make image-test")
        assert registered.status_code == 201, registered.text
        tokens = await flow.tokens(DEMO_KEYS["eu"])
        assert tokens["token_type"].lower() == "bearer" and tokens["access_token"], tokens
        say("sign-in: client registered, connect page accepted the EU demo key, code exchanged for a token")

    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    async with mcp_client(remote.mcp_url, headers=bearer) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
    # The connect page defaults to read access: exactly the read tools of the default toolsets.
    read_only = Access(read_only=True, toolsets=frozenset(Settings().toolsets))
    expected = {spec.name for spec in all_tool_specs() if read_only.allows(spec)}
    assert listed and listed == expected, f"tools/list: missing {expected - listed}, unexpected {listed - expected}"
    say(f"tools/list -> {len(listed)} tools")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.image.check_image http://127.0.0.1:PORT", file=sys.stderr)
        return 2
    try:
        anyio.run(check, argv[0])
    except AssertionError as failed:
        say(f"FAILED: {failed}")
        return 1
    say("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
