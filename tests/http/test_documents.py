"""Client ID Metadata Documents: the SSRF guards, the limits, and the whole flow with one.

There is no outbound network here: DNS answers come from an injected resolver
and the document from an `httpx2.MockTransport`, the network boundary.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import anyio
import httpx2
import pytest

from qomon_mcp.auth.documents import DocumentRefused, MetadataDocuments
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from tests.http.support import REDIRECT_URI, Browser, MemoryStorage, mcp_client, oauth, served

pytestmark = pytest.mark.anyio

URL = "https://client.example/oauth/client.json"
PUBLIC_IP = "93.184.216.34"
DOCUMENT = {"client_id": URL, "client_name": "Example client", "redirect_uris": [REDIRECT_URI]}


def resolver(*addresses: str) -> Callable[[str], Awaitable[list[str]]]:
    async def resolve(host: str) -> list[str]:
        return list(addresses)

    return resolve


def serving(
    document: object = DOCUMENT, *, status: int = 200, seen: list[httpx2.Request] | None = None, delay: float = 0.0
) -> httpx2.MockTransport:
    async def handler(request: httpx2.Request) -> httpx2.Response:
        if seen is not None:
            seen.append(request)
        if delay:
            await anyio.sleep(delay)
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        return httpx2.Response(status, content=body, headers={"Content-Type": "application/json"})

    return httpx2.MockTransport(handler)


async def test_a_good_document_is_fetched_from_the_checked_address() -> None:
    seen: list[httpx2.Request] = []
    documents = MetadataDocuments(transport=serving(seen=seen), resolve=resolver(PUBLIC_IP))
    client = await documents.get(URL)
    again = await documents.get(URL)
    assert client is not None and client.client_name == "Example client"
    assert client.token_endpoint_auth_method == "none"
    assert again is client and len(seen) == 1  # cached
    assert seen[0].url.host == PUBLIC_IP
    assert seen[0].headers["host"] == "client.example"
    assert seen[0].extensions["sni_hostname"] == "client.example"


@pytest.mark.parametrize(
    "url",
    [
        "http://client.example/c.json",
        "https://client.example:8443/c.json",
        "https://user:pw@client.example/c.json",
        "https://client.example/",
        "https://client.example/c.json#x",
    ],
    ids=["http", "other-port", "credentials", "no-path", "fragment"],
)
async def test_urls_that_are_not_plain_https_documents_are_refused(url: str) -> None:
    documents = MetadataDocuments(transport=serving({**DOCUMENT, "client_id": url}), resolve=resolver(PUBLIC_IP))
    with pytest.raises(DocumentRefused):
        await documents.fetch(url)


@pytest.mark.parametrize(
    "addresses",
    [
        ("127.0.0.1",),
        ("10.1.2.3",),
        ("192.168.1.1",),
        ("172.16.0.1",),
        ("169.254.169.254",),
        ("::1",),
        ("fe80::1",),
        ("fc00::1",),
        ("::ffff:127.0.0.1",),
        ("100.64.0.1",),
        ("0.0.0.0",),
        (PUBLIC_IP, "10.0.0.1"),
        (),
    ],
    ids=[
        "loopback",
        "private-10",
        "private-192",
        "private-172",
        "link-local-metadata",
        "loopback-v6",
        "link-local-v6",
        "unique-local-v6",
        "v4-mapped-loopback",
        "shared-cgnat",
        "unspecified",
        "one-of-two-private",
        "no-address",
    ],
)
async def test_hosts_resolving_to_non_public_addresses_are_refused(addresses: tuple[str, ...]) -> None:
    seen: list[httpx2.Request] = []
    documents = MetadataDocuments(transport=serving(seen=seen), resolve=resolver(*addresses))
    with pytest.raises(DocumentRefused):
        await documents.fetch(URL)
    assert seen == []


async def test_real_resolution_of_localhost_is_refused() -> None:
    with pytest.raises(DocumentRefused, match="loopback"):
        await MetadataDocuments().fetch("https://localhost/client.json")


@pytest.mark.parametrize(
    ("document", "status"),
    [
        (b"{" + b" " * 20_000 + b"}", 200),
        ({**DOCUMENT, "client_id": "https://other.example/c.json"}, 200),
        ({**DOCUMENT, "client_secret": "s3cret"}, 200),
        ({**DOCUMENT, "redirect_uris": ["javascript:alert(1)"]}, 200),
        ({**DOCUMENT, "redirect_uris": []}, 200),
        (b"not json", 200),
        (["a list"], 200),
        (DOCUMENT, 302),
        (DOCUMENT, 404),
    ],
    ids=[
        "too-large",
        "other-client-id",
        "client-secret",
        "bad-redirect",
        "no-redirect",
        "not-json",
        "not-object",
        "redirect",
        "not-found",
    ],
)
async def test_unusable_documents_are_refused(document: object, status: int) -> None:
    documents = MetadataDocuments(transport=serving(document, status=status), resolve=resolver(PUBLIC_IP))
    with pytest.raises(DocumentRefused):
        await documents.fetch(URL)


async def test_a_slow_document_is_refused_within_the_time_limit() -> None:
    documents = MetadataDocuments(transport=serving(delay=5), resolve=resolver(PUBLIC_IP), timeout=0.2)
    with anyio.fail_after(2):
        with pytest.raises(DocumentRefused, match="no answer"):
            await documents.fetch(URL)


async def test_a_refused_document_is_not_fetched_again_at_once() -> None:
    seen: list[httpx2.Request] = []
    documents = MetadataDocuments(transport=serving(status=500, seen=seen), resolve=resolver(PUBLIC_IP))
    assert await documents.get(URL) is None
    assert await documents.get(URL) is None
    assert len(seen) == 1


async def test_the_sdk_client_connects_with_a_metadata_document() -> None:
    documents = MetadataDocuments(transport=serving(), resolve=resolver(PUBLIC_IP))
    storage = MemoryStorage()
    browser = Browser(api_key=DEMO_KEYS["eu"])
    with served(documents=documents) as s:
        async with mcp_client(s.mcp_url, oauth(s, browser, storage, client_metadata_url=URL)) as client:
            result = await client.call_tool("get_teams", {})
    assert not result.is_error
    assert storage.client is not None and storage.client.client_id == URL
    assert "Example client" in browser.pages[0]
    assert "client.example" in browser.pages[0]  # the page names who published the document
