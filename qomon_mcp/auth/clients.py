"""OAuth clients without a database: a registered client's id is its own sealed registration.

Dynamic registration (RFC 7591) returns a `client_id` that is the registration
itself, encrypted with the server's keys: any replica can read it back, and it
survives restarts. A `client_id` that is an https URL is a Client ID Metadata
Document, fetched (with SSRF guards) by `documents.MetadataDocuments`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mcp.server.auth.provider import RegistrationError
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import ValidationError

from qomon_mcp.auth.keys import Keyring

if TYPE_CHECKING:
    from qomon_mcp.auth.documents import MetadataDocuments

__all__ = ["ClientRegistry", "redirect_uri_problem"]

MAX_REDIRECT_URIS = 10
MAX_URI_LENGTH = 2000
MAX_NAME_LENGTH = 200
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Schemes a browser would execute or read locally rather than hand to an application.
FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "about", "blob", "filesystem", "view-source"})
# What a sealed registration keeps: enough to authorize and authenticate, nothing decorative.
KEPT_FIELDS = (
    "redirect_uris",
    "client_name",
    "client_uri",
    "grant_types",
    "response_types",
    "token_endpoint_auth_method",
    "client_secret",
    "client_secret_expires_at",
    "client_id_issued_at",
    "scope",
)


def redirect_uri_problem(uri: str) -> str | None:
    """Why `uri` may not receive authorization codes, or None when it may."""
    if len(uri) > MAX_URI_LENGTH:
        return "a redirect URI is too long"
    try:
        parts = urlsplit(uri)
        _ = parts.port  # raises for a port that is not a number in range
    except ValueError:
        return "a redirect URI is not a valid URL"
    scheme = parts.scheme.lower()
    if parts.fragment or "#" in uri:
        return "a redirect URI must not contain a fragment"
    if scheme in FORBIDDEN_SCHEMES or not scheme:
        return f"redirect URIs with the {scheme or 'empty'} scheme are not allowed"
    if parts.username or parts.password:
        return "a redirect URI must not contain credentials"
    if scheme == "http" and (parts.hostname or "") not in LOOPBACK_HOSTS:
        return "plain http redirect URIs are allowed only on the loopback interface"
    if scheme in ("http", "https") and not parts.hostname:
        return "a redirect URI must name a host"
    return None


class ClientRegistry:
    """Looks up clients by id: sealed registrations, and metadata documents when enabled."""

    def __init__(self, keyring: Keyring, documents: MetadataDocuments | None = None) -> None:
        self._keyring = keyring
        self.documents = documents

    async def get(self, client_id: str) -> OAuthClientInformationFull | None:
        if client_id.startswith("https://"):
            return await self.documents.get(client_id) if self.documents else None
        claims = self._keyring.open(client_id)
        if not claims or claims.get("u") != "client" or not isinstance(claims.get("m"), dict):
            return None
        try:
            return OAuthClientInformationFull.model_validate({**claims["m"], "client_id": client_id})
        except ValidationError:
            return None

    def register(self, client: OAuthClientInformationFull) -> None:
        """Check a new registration and replace its id by the sealed registration.

        The SDK's handler assigns a random id and answers with the object it passed
        here, so setting `client_id` in place is how the sealed id reaches the client.
        """
        check_metadata(client)
        kept = client.model_dump(mode="json", include=set(KEPT_FIELDS), exclude_none=True)
        client.client_id = self._keyring.seal({"u": "client", "m": kept})


def check_metadata(client: OAuthClientInformationFull) -> None:
    uris = [str(uri) for uri in client.redirect_uris or []]
    if not uris:
        raise RegistrationError("invalid_redirect_uri", "at least one redirect URI is required")
    if len(uris) > MAX_REDIRECT_URIS:
        raise RegistrationError("invalid_redirect_uri", f"at most {MAX_REDIRECT_URIS} redirect URIs are allowed")
    for uri in uris:
        problem = redirect_uri_problem(uri)
        if problem:
            raise RegistrationError("invalid_redirect_uri", problem)
    if client.client_name and len(client.client_name) > MAX_NAME_LENGTH:
        raise RegistrationError("invalid_client_metadata", f"client_name is longer than {MAX_NAME_LENGTH} characters")
