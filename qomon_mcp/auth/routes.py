"""The OAuth routes: the SDK's endpoints and metadata around our provider, plus the connect page."""

from __future__ import annotations

from mcp.server.auth.handlers.metadata import MetadataHandler
from mcp.server.auth.routes import (
    build_metadata,
    build_resource_metadata_url,
    cors_middleware,
    create_auth_routes,
    create_protected_resource_routes,
)
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from pydantic import AnyHttpUrl
from starlette.routing import Route

from qomon_mcp.auth.connect import ConnectPage
from qomon_mcp.auth.provider import QomonAuthProvider
from qomon_mcp.auth.revoke import LedgerGuard, RevocationEndpoint

__all__ = ["METADATA_PATH", "auth_routes", "resource_metadata_url"]

METADATA_PATH = "/.well-known/oauth-authorization-server"
REVOCATION_PATH = "/revoke"
TOKEN_PATH = "/token"


def _urls(provider: QomonAuthProvider) -> AuthSettings:
    # AuthSettings keeps a path-less issuer without a trailing slash: RFC 8414 compares issuers exactly.
    return AuthSettings(issuer_url=provider.issuer, resource_server_url=provider.resource, validate_token_resource=True)


def resource_metadata_url(resource: str) -> AnyHttpUrl:
    return build_resource_metadata_url(AnyHttpUrl(resource))


def auth_routes(provider: QomonAuthProvider, connect: ConnectPage) -> list[Route]:
    urls = _urls(provider)
    issuer = urls.issuer_url
    registration = ClientRegistrationOptions(enabled=True)
    revocation = RevocationOptions(enabled=True)
    routes = [
        route
        for route in create_auth_routes(
            provider, issuer, client_registration_options=registration, revocation_options=revocation
        )
        if route.path not in (METADATA_PATH, REVOCATION_PATH)
    ]
    for index, route in enumerate(routes):
        if route.path == TOKEN_PATH:
            # With the ledger on Redis and Redis away, /token answers 503 instead of the SDK's 500.
            routes[index] = Route(TOKEN_PATH, LedgerGuard(route.endpoint), methods=route.methods)
    # The SDK's /revoke wants a client_secret even from a public client: see auth/revoke.py.
    routes.append(
        Route(
            REVOCATION_PATH,
            cors_middleware(RevocationEndpoint(provider).handle, ["POST", "OPTIONS"]),
            methods=["POST", "OPTIONS"],
        )
    )
    metadata = build_metadata(issuer, None, registration, revocation)
    # The SDK's metadata knows neither public clients nor metadata documents; this server takes both.
    metadata.client_id_metadata_document_supported = provider.clients.documents is not None
    metadata.token_endpoint_auth_methods_supported = ["none", "client_secret_post", "client_secret_basic"]
    metadata.revocation_endpoint_auth_methods_supported = ["none", "client_secret_post", "client_secret_basic"]
    routes.append(
        Route(
            METADATA_PATH,
            cors_middleware(MetadataHandler(metadata).handle, ["GET", "OPTIONS"]),
            methods=["GET", "OPTIONS"],
        )
    )
    assert urls.resource_server_url is not None
    routes += create_protected_resource_routes(urls.resource_server_url, [issuer], resource_name="Qomon")
    routes.append(Route("/connect", connect.handle, methods=["GET", "POST"]))
    return routes
