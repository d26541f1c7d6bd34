"""Client ID Metadata Documents: a `client_id` that is an https URL to the client's own metadata.

Fetching one is a request the server makes on behalf of whoever typed the URL,
so it is guarded: https on port 443 only, no credentials in the URL, every
address the host resolves to must be public (no loopback, private, link-local,
shared or reserved range), the connection goes to the address that was checked
(so a second DNS answer cannot swap it), no redirects, at most `max_bytes` read
within `timeout` seconds, and answers (good or bad) are cached briefly so that
one URL cannot make the server fetch in a loop.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import anyio
import httpx2
from mcp.server.auth.provider import RegistrationError
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import ValidationError

from qomon_mcp.auth.clients import check_metadata

__all__ = ["DocumentRefused", "MetadataDocuments", "resolve_host", "url_problem"]

logger = logging.getLogger("qomon_mcp.auth")

Resolver = Callable[[str], Awaitable[list[str]]]

MAX_BYTES = 16 * 1024  # claude.ai's own document is larger than the 5 KB some servers allow
TIMEOUT = 5.0
TTL = 300.0
FAILURE_TTL = 60.0
MAX_CACHED = 1000


class DocumentRefused(Exception):
    """A metadata document that will not be fetched or used (the message says why)."""


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a client id metadata URL, before any network use; None when it can."""
    if len(url) > 2000:
        return "the URL is too long"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "the URL is not valid"
    if parts.scheme != "https":
        return "only https URLs are fetched"
    if parts.username or parts.password:
        return "the URL must not carry credentials"
    if port not in (None, 443):
        return "only the default https port is fetched"
    if parts.fragment or not parts.path or parts.path == "/":
        return "the URL must have a path and no fragment"
    if not parts.hostname:
        return "the URL has no host"
    return None


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def resolve_host(host: str) -> list[str]:
    infos = await anyio.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


class MetadataDocuments:
    """Fetches, checks and caches client metadata documents."""

    def __init__(
        self,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        resolve: Resolver = resolve_host,
        max_bytes: int = MAX_BYTES,
        timeout: float = TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transport = transport
        self._resolve = resolve
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, OAuthClientInformationFull | None]] = OrderedDict()

    async def get(self, url: str) -> OAuthClientInformationFull | None:
        cached = self._cache.get(url)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        try:
            client: OAuthClientInformationFull | None = await self.fetch(url)
        except DocumentRefused as refused:
            logger.info("client metadata document refused: %s", refused)
            client = None
        self._remember(url, client)
        return client

    def _remember(self, url: str, client: OAuthClientInformationFull | None) -> None:
        self._cache[url] = (self._clock() + (TTL if client else FAILURE_TTL), client)
        self._cache.move_to_end(url)
        while len(self._cache) > MAX_CACHED:
            self._cache.popitem(last=False)

    async def fetch(self, url: str) -> OAuthClientInformationFull:
        """The checked client behind `url`; raises `DocumentRefused` with the reason otherwise."""
        problem = url_problem(url)
        if problem:
            raise DocumentRefused(problem)
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            with anyio.fail_after(self._timeout):
                addresses = await self._resolve(host)
                if not addresses:
                    raise DocumentRefused("the host does not resolve")
                if not all(_is_public(address) for address in addresses):
                    raise DocumentRefused("the host resolves to a loopback, private or reserved address")
                body = await self._download(url, host, addresses[0])
        except TimeoutError:
            raise DocumentRefused(f"no answer within {self._timeout:g} s") from None
        except (OSError, httpx2.HTTPError) as error:
            raise DocumentRefused(f"the document could not be fetched ({type(error).__name__})") from None
        return self._client_from(url, body)

    async def _download(self, url: str, host: str, address: str) -> bytes:
        pinned = url.replace(f"//{host}", f"//[{address}]" if ":" in address else f"//{address}", 1)
        async with httpx2.AsyncClient(
            transport=self._transport, follow_redirects=False, trust_env=False, timeout=self._timeout
        ) as http:
            request = http.build_request(
                "GET",
                pinned,
                headers={"Host": host, "Accept": "application/json"},
                extensions={"sni_hostname": host},
            )
            response = await http.send(request, stream=True)
            try:
                if response.status_code != 200:
                    raise DocumentRefused(f"the document answered HTTP {response.status_code}")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self._max_bytes:
                    raise DocumentRefused(f"the document is larger than {self._max_bytes} bytes")
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self._max_bytes:
                        raise DocumentRefused(f"the document is larger than {self._max_bytes} bytes")
                return body
            finally:
                await response.aclose()

    def _client_from(self, url: str, body: bytes) -> OAuthClientInformationFull:
        try:
            document = json.loads(body)
        except ValueError:
            raise DocumentRefused("the document is not JSON") from None
        if not isinstance(document, dict):
            raise DocumentRefused("the document is not a JSON object")
        # Compared as strings, unnormalised, as the draft requires.
        if document.get("client_id") != url:
            raise DocumentRefused("the document's client_id is not its own URL")
        if document.get("client_secret") or document.get("token_endpoint_auth_method") not in (None, "none"):
            raise DocumentRefused("a metadata-document client is public: no client secret")
        try:
            client = OAuthClientInformationFull.model_validate({**document, "token_endpoint_auth_method": "none"})
            check_metadata(client)
        except ValidationError:
            raise DocumentRefused("the document is not valid client metadata") from None
        except RegistrationError as error:
            raise DocumentRefused(error.error_description or "the document is not valid client metadata") from None
        if "authorization_code" not in client.grant_types:
            raise DocumentRefused("the document does not allow the authorization_code grant")
        return client
