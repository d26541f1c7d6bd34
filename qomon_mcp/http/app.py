"""`create_http_app(settings)`: the remote connector as one ASGI app.

/mcp                      Streamable HTTP, stateless, bearer token required (401 names the metadata)
/.well-known/...          RFC 9728 resource and RFC 8414 authorization-server metadata
/authorize /token /register /revoke   the SDK's OAuth endpoints over `auth.provider`
/connect                  the page where a user pastes a Qomon API key
/healthz                  liveness, no auth

On loopback without a public URL, each loopback name gets its own copy of these routes
(its own issuer and resource), chosen by the Host header: see `http/origins.py`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
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
from starlette.types import ASGIApp

from qomon_mcp import __version__
from qomon_mcp.assemble import build_server
from qomon_mcp.auth.clients import ClientRegistry
from qomon_mcp.auth.connect import ConnectPage, KeyCheck
from qomon_mcp.auth.documents import MetadataDocuments
from qomon_mcp.auth.keys import Keyring
from qomon_mcp.auth.provider import QomonAuthProvider
from qomon_mcp.auth.routes import auth_routes, resource_metadata_url
from qomon_mcp.http.callers import CallerMiddleware, ClientCache, current_access, current_client, current_subject
from qomon_mcp.http.limits import BodyLimits, RequestLimits
from qomon_mcp.http.logs import RequestLog
from qomon_mcp.http.noauth import DEMO_REGION, DemoCallerMiddleware, demo_token, no_auth_problem
from qomon_mcp.http.origins import LOOPBACK, ByHost, public_origins, public_url_problem
from qomon_mcp.http.upstream import SharedTransport, network_transport
from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.errors import AuthenticationFailed, PermissionDenied, QomonError
from qomon_mcp.server.app import Access, QomonServer
from qomon_mcp.server.confirm_tokens import Confirmations
from qomon_mcp.settings import REGION_URLS, Settings
from qomon_mcp.shared_state import SharedState, shared_state

__all__ = ["HttpApp", "create_http_app", "public_url_problem"]

MAX_MCP_BODY = BodyLimits.mcp


@dataclass
class HttpApp:
    """The ASGI app and the parts tests and benchmarks look at."""

    app: ASGIApp
    server: QomonServer
    # The default origin's (`public_url`); every origin's provider shares its keyring and ledger.
    provider: QomonAuthProvider
    cache: ClientCache
    public_url: str
    # Every origin the server answers as (more than one on loopback without a public URL).
    origins: list[str] = field(default_factory=list)
    # The ledger and the bucket source: in this process, or on Redis (QOMON_REDIS_URL).
    shared: SharedState | None = None
    # The body size and time limits in front of every route (see http/limits.py).
    limits: RequestLimits | None = None


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
    no_auth_key: str | None = None,
    **provider_options: Any,
) -> HttpApp:
    origins = public_origins(settings)
    public_url = origins[0]
    secret = settings.mcp_secret.get_secret_value() if settings.mcp_secret else None
    keyring = keyring or Keyring.from_setting(secret)
    transport = upstream or network_transport()
    region_urls = {region: settings.base_url or url for region, url in REGION_URLS.items()}
    clock = provider_options.get("clock", time.time)
    shared = shared_state(settings, clock=clock)

    def make_client(api_key: str, region: str, read_only: bool) -> QomonClient:
        return QomonClient(
            api_key,
            base_url=region_urls[region],
            read_only=read_only,
            request_timeout=settings.request_timeout,
            deadline=settings.deadline,
            max_retries=settings.max_retries,
            transport=transport,
            buckets=shared.buckets,
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

    clients = ClientRegistry(keyring, documents if documents is not None else MetadataDocuments())
    # One ledger for every origin: a grant revoked under one name is revoked under all.
    ledger = provider_options.pop("ledger", None) or shared.ledger
    cache = ClientCache(settings.client_cache_size, make_client)
    server = build_server(
        client=current_client,
        access=current_access,
        log_level=settings.log_level,
        audit_log=settings.audit_log,
        views=settings.mcp_views,
    )
    # Confirmation tokens are sealed with the server's keys and bound to the token's subject.
    server.confirmations = Confirmations(keyring, caller=current_subject, clock=clock)
    # Builds the session manager; its own Starlette wrapper is not used, the routes below replace it.
    server.streamable_http_app(
        stateless_http=True,
        json_response=True,
        transport_security=_security(public_url),
        max_request_body_size=MAX_MCP_BODY,
    )
    server_access = Access(
        read_only=settings.read_only, toolsets=frozenset(settings.toolsets), masked=settings.privacy == "masked"
    )
    callers = CallerMiddleware(StreamableHTTPASGIApp(server.session_manager), cache=cache, server_access=server_access)
    if no_auth_key:
        # `serve --sandbox --no-auth` only (see http/noauth.py): every request is the demo caller.
        if problem := no_auth_problem(sandbox=True, host=settings.host, public_url=public_url):
            raise ValueError(problem)
        token = demo_token(no_auth_key, keyring.subject(DEMO_REGION, no_auth_key))

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__}, headers={"Cache-Control": "no-store"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            async with server.session_manager.run():
                yield
        finally:
            await transport.shutdown()
            await shared.aclose()

    def origin_app(origin: str) -> tuple[Starlette, QomonAuthProvider]:
        """The OAuth server and /mcp as seen from one origin: its own issuer, resource and metadata."""
        resource = f"{origin}/mcp"
        provider = QomonAuthProvider(
            keyring=keyring,
            issuer=origin,
            resource=resource,
            clients=clients,
            ledger=ledger,
            aliases=[f"{other}/mcp" for other in origins],
            **provider_options,
        )
        connect = ConnectPage(provider, verify, read_only=settings.read_only)
        if no_auth_key:
            mcp_endpoint: ASGIApp = DemoCallerMiddleware(callers, token)
        else:
            mcp_endpoint = RequireAuthMiddleware(callers, [], resource_metadata_url(resource))
        # /mcp first: the router tries the routes in order, and nearly every request is for /mcp
        # (no two routes share a path, so the order changes nothing else).
        routes = [
            Route("/mcp", mcp_endpoint, methods=["GET", "POST", "DELETE"]),
            *auth_routes(provider, connect),
            Route("/healthz", healthz, methods=["GET", "HEAD"]),
        ]
        # The provider refuses tokens bound to a resource that is none of this server's names itself,
        # so the backend's per-request URL parsing of the same check is left out.
        # ProviderTokenVerifier calls only load_access_token, but the SDK annotates it with the base token
        # models, which our provider's narrower code and refresh-token types cannot match.
        backend = BearerAuthBackend(ProviderTokenVerifier(provider))  # type: ignore[arg-type]
        app = Starlette(
            routes=routes,
            middleware=[
                Middleware(RequestLog),
                Middleware(AuthenticationMiddleware, backend=backend),
                Middleware(AuthContextMiddleware),
            ],
            # Only the default origin's app receives the lifespan (see ByHost).
            lifespan=lifespan if origin == public_url else None,
        )
        return app, provider

    apps = {origin: origin_app(origin) for origin in origins}
    default, provider = apps[public_url]
    app: ASGIApp = default
    if len(origins) > 1:
        app = ByHost({urlsplit(origin).netloc: each for origin, (each, _) in apps.items()}, default)
    limits = RequestLimits(app)
    return HttpApp(
        app=limits,
        server=server,
        provider=provider,
        cache=cache,
        public_url=public_url,
        origins=origins,
        limits=limits,
        shared=shared,
    )
