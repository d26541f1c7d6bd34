"""`create_http_app(settings)`: the remote connector as one ASGI app.

/mcp                      Streamable HTTP, stateless, bearer token required (401 names the metadata)
/.well-known/...          RFC 9728 resource and RFC 8414 authorization-server metadata
/authorize /token /register /revoke   the SDK's OAuth endpoints over `auth.provider`
/connect                  the page where a user pastes a Qomon API key
/healthz                  liveness, no auth
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
from mcp.server.auth.provider import ProviderTokenVerifier
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from qomon_mcp import __version__
from qomon_mcp.auth.clients import ClientRegistry
from qomon_mcp.auth.connect import ConnectPage, KeyCheck
from qomon_mcp.auth.documents import MetadataDocuments
from qomon_mcp.auth.keys import Keyring
from qomon_mcp.auth.provider import QomonAuthProvider
from qomon_mcp.auth.routes import auth_routes, resource_metadata_url
from qomon_mcp.http.callers import CallerMiddleware, ClientCache, current_access, current_client
from qomon_mcp.http.logs import RequestLog
from qomon_mcp.http.upstream import SharedTransport, network_transport
from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.errors import AuthenticationFailed, PermissionDenied, QomonError
from qomon_mcp.server.app import Access, QomonServer, all_tool_specs
from qomon_mcp.settings import REGION_URLS, Settings

__all__ = ["HttpApp", "create_http_app", "public_url_problem"]

MAX_MCP_BODY = 1024 * 1024
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class HttpApp:
    """The ASGI app and the parts tests and benchmarks look at."""

    app: Starlette
    server: QomonServer
    provider: QomonAuthProvider
    cache: ClientCache
    public_url: str


def public_url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "the public URL must be an http(s) URL such as https://mcp.example.org"
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        return "the public URL must use https (plain http is allowed only on the loopback interface)"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "the public URL must be an origin, without path, query or fragment"
    return None


def _security(public_url: str) -> TransportSecuritySettings:
    parts = urlsplit(public_url)
    hosts = [parts.netloc]
    origins = [f"{parts.scheme}://{parts.netloc}"]
    if parts.hostname in LOOPBACK:
        hosts += ["127.0.0.1:*", "localhost:*", "[::1]:*"]
        origins += ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    return TransportSecuritySettings(allowed_hosts=hosts, allowed_origins=origins)


def create_http_app(
    settings: Settings,
    *,
    upstream: SharedTransport | None = None,
    documents: MetadataDocuments | None = None,
    keyring: Keyring | None = None,
    **provider_options: Any,
) -> HttpApp:
    public_url = settings.public_url or f"http://{settings.host}:{settings.port}"
    problem = public_url_problem(public_url)
    if problem:
        raise ValueError(problem)
    public_url = public_url.rstrip("/")
    resource = f"{public_url}/mcp"
    secret = settings.mcp_secret.get_secret_value() if settings.mcp_secret else None
    keyring = keyring or Keyring.from_setting(secret)
    transport = upstream or network_transport()
    region_urls = {region: settings.base_url or url for region, url in REGION_URLS.items()}

    def make_client(api_key: str, region: str, read_only: bool) -> QomonClient:
        return QomonClient(
            api_key,
            base_url=region_urls[region],
            read_only=read_only,
            request_timeout=settings.request_timeout,
            deadline=settings.deadline,
            max_retries=settings.max_retries,
            transport=transport,
        )

    async def verify(api_key: str, region: str) -> KeyCheck:
        # Not retried for long: the user is waiting on the page.
        client = QomonClient(
            api_key, base_url=region_urls[region], request_timeout=10, deadline=15, max_retries=1, transport=transport
        )
        try:
            await client.list_roles()
        except (AuthenticationFailed, PermissionDenied):
            return "rejected"
        except QomonError:
            return "unreachable"
        finally:
            await client.aclose()
        return "ok"

    provider = QomonAuthProvider(
        keyring=keyring,
        issuer=public_url,
        resource=resource,
        clients=ClientRegistry(keyring, documents if documents is not None else MetadataDocuments()),
        **provider_options,
    )
    connect = ConnectPage(provider, verify, read_only=settings.read_only)
    cache = ClientCache(settings.client_cache_size, make_client)
    server = QomonServer(all_tool_specs, client=current_client, access=current_access, log_level=settings.log_level)
    # Builds the session manager; its own Starlette wrapper is not used, the routes below replace it.
    server.streamable_http_app(
        stateless_http=True,
        json_response=True,
        transport_security=_security(public_url),
        max_request_body_size=MAX_MCP_BODY,
    )
    server_access = Access(read_only=settings.read_only, toolsets=frozenset(settings.toolsets))
    mcp_endpoint = RequireAuthMiddleware(
        CallerMiddleware(StreamableHTTPASGIApp(server.session_manager), cache=cache, server_access=server_access),
        [],
        resource_metadata_url(resource),
    )

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__}, headers={"Cache-Control": "no-store"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            async with server.session_manager.run():
                yield
        finally:
            await transport.shutdown()

    routes = [
        *auth_routes(provider, connect),
        Route("/mcp", mcp_endpoint, methods=["GET", "POST", "DELETE"]),
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
    ]
    # The provider refuses tokens bound to another resource itself (exact comparison), so the
    # backend's per-request URL parsing of the same check is left out.
    backend = BearerAuthBackend(ProviderTokenVerifier(provider))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestLog),
            Middleware(AuthenticationMiddleware, backend=backend),
            Middleware(AuthContextMiddleware),
        ],
        lifespan=lifespan,
    )
    return HttpApp(app=app, server=server, provider=provider, cache=cache, public_url=public_url)
