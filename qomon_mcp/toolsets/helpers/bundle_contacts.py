"""Before a payment is written: do the contacts it names exist?

The emulator records a payment for a contact id the space does not hold; what
Qomon does then is unknown (its reference says nothing), and a payment tied to no
one is hard to find and undo. So save_bundle looks each contact up first, one
GET /contacts/{id} per distinct id, and refuses in one sentence naming the missing ones.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.deadline import step
from qomon_mcp.qomon.errors import NotFound
from qomon_mcp.toolsets.helpers.concurrently import load_all

__all__ = ["MAX_NAMED", "require_contacts"]

# How many missing ids the refusal names before it says "and N more".
MAX_NAMED = 5


async def require_contacts(client: QomonClient, changes: Mapping[str, Iterable[Any]]) -> None:
    """ToolError unless every `contact_id` the caller gave (in any array of `changes`) is a contact."""
    ids = sorted({item.contact_id for items in changes.values() for item in items if item.contact_id is not None})
    if not ids:
        return

    def lookup(contact_id: int) -> Callable[[], Awaitable[bool]]:
        async def exists() -> bool:
            try:
                await client.get_contact(contact_id)
            except NotFound:
                return False
            return True

        return exists

    with step("checking the payment's contacts exist"):
        found = await load_all({str(contact_id): lookup(contact_id) for contact_id in ids})
    missing = [contact_id for contact_id in ids if not found[str(contact_id)]]
    if not missing:
        return
    named = ", ".join(str(contact_id) for contact_id in missing[:MAX_NAMED])
    more = f" and {len(missing) - MAX_NAMED} more" if len(missing) > MAX_NAMED else ""
    noun = "Contact" if len(missing) == 1 else "Contacts"
    verb = "does" if len(missing) == 1 else "do"
    raise ToolError(
        f"{noun} {named}{more} {verb} not exist, so nothing was recorded; find contact ids with search_contacts."
    )
