"""Privacy mode over HTTP: a connection can ask for masked contact details, never for full ones on a masked server."""

from __future__ import annotations

from typing import Any

import pytest

from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.server.privacy import mask_email
from tests.http.support import Browser, Served, connected, mcp_client, oauth, rpc, served

pytestmark = pytest.mark.anyio


def a_contact_with_mail(s: Served) -> dict[str, Any]:
    space = next(sb.spaces[DEMO_KEYS["eu"]] for sb in s.sandboxes if DEMO_KEYS["eu"] in sb.spaces)
    return next(c for c in space.contacts.values() if c.get("mail"))


async def contact_as_seen(
    s: Served, suffix: str = "", headers: dict[str, str] | None = None, *, chosen: str = "full"
) -> tuple[str, str]:
    """(the contact's real mail, the text get_contact shows) over a connection to `s`; `chosen` on the connect page."""
    contact = a_contact_with_mail(s)
    browser = Browser(api_key=DEMO_KEYS["eu"], privacy=chosen)
    async with mcp_client(s.mcp_url + suffix, oauth(s, browser), headers=headers) as client:
        result = await client.call_tool("get_contact", {"contact_id": contact["id"]})
    assert not result.is_error, result.content
    return contact["mail"], result.content[0].text  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("suffix", "headers"),
    [
        pytest.param("?privacy=masked", None, id="query"),
        pytest.param("", {"X-Qomon-Privacy": "masked"}, id="header"),
    ],
)
async def test_a_connection_asks_for_masked_details(suffix: str, headers: dict[str, str] | None) -> None:
    with served() as s:
        mail, masked = await contact_as_seen(s, suffix, headers)
        _, full = await contact_as_seen(s)
    assert mail not in masked and mask_email(mail) in masked
    assert mail in full, "a connection that asks nothing sees what the server shows"


async def test_a_masked_server_ignores_a_connection_asking_for_full_details() -> None:
    with served(privacy="masked") as s:
        mail, seen = await contact_as_seen(s, "?privacy=full")
    assert mail not in seen and mask_email(mail) in seen


async def test_an_unknown_privacy_value_is_refused_with_the_fix() -> None:
    with served() as s:
        tokens, _ = await connected(s, DEMO_KEYS["eu"])
        refused = await rpc(s, tokens.access_token, suffix="?privacy=partly")
    assert refused.status_code == 400
    assert "privacy must be full or masked" in refused.json()["error_description"]


async def test_masked_details_chosen_on_the_connect_page_hold_for_the_grant() -> None:
    with served() as s:
        mail, masked = await contact_as_seen(s, chosen="masked")
        _, still_masked = await contact_as_seen(s, "?privacy=full", chosen="masked")
    assert mail not in masked and mask_email(mail) in masked
    assert mail not in still_masked, "a connection cannot loosen what its sign-in chose"


async def test_the_connect_page_offers_full_or_masked_details() -> None:
    with served() as s:
        browser = Browser(api_key=DEMO_KEYS["eu"])
        async with mcp_client(s.mcp_url, oauth(s, browser)) as client:
            await client.list_tools()
    page = browser.pages[0]
    assert 'name="privacy" value="full" checked' in page and 'name="privacy" value="masked"' in page
