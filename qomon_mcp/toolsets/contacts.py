"""Contacts: read one, create, update without losing data, upsert in bulk, delete."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from qomon_mcp.server.app import qomon_client
from qomon_mcp.server.registry import Toolset
from qomon_mcp.toolsets.contact_view import ContactField, ContactView, contact_view
from qomon_mcp.toolsets.forms_directory import forms_directory

__all__ = ["toolset"]

toolset = Toolset("contacts")

ContactId = Annotated[int, Field(ge=1, description="Qomon id of the contact (ids come from search_contacts).")]


@toolset.tool(
    title="Get a contact",
    read_only=True,
    destructive=False,
    idempotent=True,
    open_world=False,
    not_found="Contact {contact_id} does not exist; find contact ids with search_contacts.",
)
async def get_contact(
    contact_id: ContactId,
    ctx: Context,
    fields: Annotated[
        list[ContactField] | None,
        Field(description="Only these parts of the contact (the id is always included); all when omitted."),
    ] = None,
) -> ContactView:
    client = qomon_client(ctx)
    contact = await client.get_contact(contact_id)
    return contact_view(contact, await forms_directory(client), frozenset(fields) if fields else None)
