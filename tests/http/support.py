"""The remote connector over uvicorn on loopback, a browser that fills in the connect page, and
the SDK's own OAuth client driving the flow.

The server runs in a thread with its own event loop on a port bound before the
app is built (the issuer must name it); it stops when the `served` block ends.
Upstream, the EU and US demo spaces answer at their regions' URLs through an
in-process transport: the only fake is the network to Qomon.
"""

from __future__ import annotations

import contextlib
import functools
import html
import pickle
import re
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import uvicorn
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from pydantic import AnyUrl, SecretStr

from qomon_mcp.auth.documents import MetadataDocuments
from qomon_mcp.http.app import HttpApp, create_http_app
from qomon_mcp.http.upstream import sandbox_upstream
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import build_demo_spaces
from qomon_mcp.settings import Settings

SECRET = "test:" + "s" * 48
REDIRECT_URI = "http://127.0.0.1:33418/callback"
SERVER_THREAD = "qomon-mcp-under-test"


@dataclass
class Served:
    url: str
    http: HttpApp
    sandboxes: list[Sandbox]

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"


@functools.cache
def _pickled_spaces() -> bytes:
    return pickle.dumps(build_demo_spaces())


def demo_spaces() -> dict[str, Any]:
    """Fresh demo spaces for one server: unpickling a built set is three times faster than building."""
    return pickle.loads(_pickled_spaces())


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@contextlib.contextmanager
def served(documents: MetadataDocuments | None = None, **settings: Any) -> Iterator[Served]:
    """A running server; `settings` override `Settings` fields (read_only, toolsets, public_url...)."""
    sock = _free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    upstream, sandboxes = sandbox_upstream(spaces=demo_spaces(), burst=100_000, rate=100_000.0, upsert_delay=0.01)
    # `public_url=None` serves as `qomon-mcp serve` does without one: every loopback name of the port.
    defaults = {"public_url": url, "host": "127.0.0.1", "port": sock.getsockname()[1], "mcp_secret": SecretStr(SECRET)}
    config = Settings(**{**defaults, **settings})
    http = create_http_app(config, upstream=upstream, documents=documents)
    server = uvicorn.Server(
        uvicorn.Config(http.app, log_level="warning", access_log=False, ws="none", http="h11", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=SERVER_THREAD)
    thread.start()
    try:
        for _ in range(500):
            if server.started or not thread.is_alive():
                break
            threading.Event().wait(0.01)
        assert server.started, "uvicorn did not start"
        yield Served(url, http, sandboxes)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def hidden_fields(page: str) -> dict[str, str]:
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', page)
    }


@dataclass
class Browser:
    """What the user does in the OAuth popup: open the authorize URL, fill in the connect page."""

    api_key: str
    region: str = "eu"
    access: str = "read"
    privacy: str = "full"
    result: AuthorizationCodeResult | None = None
    pages: list[str] = field(default_factory=list)

    async def open(self, authorization_url: str) -> None:
        async with httpx2.AsyncClient(follow_redirects=True, timeout=10) as browser:
            page = await browser.get(authorization_url)
            assert page.status_code == 200, page.text
            self.pages.append(page.text)
            form = hidden_fields(page.text)
            answer = await browser.post(
                str(page.url).split("?")[0],
                data={**form, "api_key": self.api_key, "region": self.region, "access": self.access}
                | {"privacy": self.privacy},
                follow_redirects=False,
            )
        assert answer.status_code == 303, answer.text
        query = parse_qs(urlsplit(answer.headers["location"]).query)
        self.result = AuthorizationCodeResult(code=query["code"][0], state=query.get("state", [None])[0])

    async def callback(self) -> AuthorizationCodeResult:
        assert self.result is not None
        return self.result


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def oauth(
    served_: Served, browser: Browser, storage: MemoryStorage | None = None, client_metadata_url: str | None = None
) -> OAuthClientProvider:
    return OAuthClientProvider(
        served_.mcp_url,
        OAuthClientMetadata(
            client_name="Test client", redirect_uris=[AnyUrl(REDIRECT_URI)], token_endpoint_auth_method="none"
        ),
        storage or MemoryStorage(),
        redirect_handler=browser.open,
        callback_handler=browser.callback,
        client_metadata_url=client_metadata_url,
    )


@contextlib.asynccontextmanager
async def mcp_client(
    url: str, auth: httpx2.Auth | None = None, *, mode: str = "auto", headers: dict[str, str] | None = None
) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(auth=auth, headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,  # type: ignore[arg-type]
    ):
        yield client


async def connected(
    served_: Served, api_key: str, region: str = "eu", access: str = "read"
) -> tuple[OAuthToken, OAuthClientInformationFull]:
    """Tokens and client registration of a caller that went through the whole flow once."""
    storage = MemoryStorage()
    browser = Browser(api_key=api_key, region=region, access=access)
    async with mcp_client(served_.mcp_url, oauth(served_, browser, storage)) as client:
        await client.list_tools()
    assert storage.tokens is not None and storage.client is not None
    return storage.tokens, storage.client


async def rpc(
    served_: Served,
    token: str,
    method: str = "tools/list",
    params: dict[str, Any] | None = None,
    *,
    suffix: str = "",
    headers: dict[str, str] | None = None,
) -> httpx2.Response:
    """One JSON-RPC request as a 2026-07-28 client sends it."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {**(params or {}), "_meta": meta}}
    async with httpx2.AsyncClient(timeout=30) as http:
        return await http.post(
            served_.mcp_url + suffix,
            json=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json, text/event-stream",
                "MCP-Protocol-Version": "2026-07-28",
                "Mcp-Method": method,
                **({"Mcp-Name": str(params["name"])} if params and "name" in params else {}),
                **(headers or {}),
            },
        )
