"""Contacts: read one, create or update one without losing data, upsert in bulk, delete."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.errors import QomonError
from qomon_mcp.server.app import qomon_client
from qomon_mcp.server.confirm import Confirmation, require_approval
from qomon_mcp.server.explain import Missing, explain
from qomon_mcp.server.registry import Toolset
from qomon_mcp.toolsets.helpers.arguments import Id
from qomon_mcp.toolsets.helpers.contact_view import ContactField, ContactView, contact_view
from qomon_mcp.toolsets.helpers.contact_writes import (
    AddressInput,
    AnswerInput,
    AnswerRemoval,
    apply_answers,
    check_date,
    contact_payload,
)
from qomon_mcp.toolsets.helpers.forms_directory import forms_directory
from qomon_mcp.toolsets.helpers.previews import ContactApproval, ContactPreview
from qomon_mcp.toolsets.helpers.uncertain import (
    RECORDS,
    answer_lost,
    contact_matches,
    find_contact,
    gone,
    settle,
    unverifiable,
)
from qomon_mcp.toolsets.helpers.upsert_check import UpsertRecord, checked_records, unmatchable

__all__ = ["toolset"]

toolset = Toolset("contacts")

ContactId = Annotated[Id, Field(description="From search_contacts.")]
_NOT_FOUND = Missing("contact", "contact_id")

# Basic fields of save_contact; on an update "" clears one.
Text = Annotated[str | None, Field(max_length=200)]
Gender = Annotated[Literal["M", "F", "O"] | None, Field(description="O: other.")]
Birthdate = Annotated[str | None, Field(pattern=r"^\d{4}-\d{2}-\d{2}")]
Mail = Annotated[str | None, Field(pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Tags = Annotated[list[str] | None, Field(max_length=50)]


class SavedContact(BaseModel):
    id: int | str | None = None
    changed: list[str] = Field(default_factory=list)
    note: str | None = None


class UpsertedContacts(BaseModel):
    sent: int | None = Field(default=None, description="Records Qomon accepted for processing.")
    note: str | None = None
    warnings: list[str] = Field(default_factory=list)


class DeletedContact(BaseModel):
    id: int | str | None = None
    note: str | None = None


@toolset.tool(
    title="Get a contact",
    read_only=True,
    destructive=False,
    idempotent=True,
    open_world=False,
    not_found=_NOT_FOUND,
)
async def get_contact(
    contact_id: ContactId,
    ctx: Context,
    fields: Annotated[
        list[ContactField] | None,
        Field(description="Parts to return (the id always is); all by default."),
    ] = None,
) -> ContactView:
    client = qomon_client(ctx)
    contact = await client.get_contact(contact_id)
    return contact_view(contact, await forms_directory(client), frozenset(fields) if fields else None)


@toolset.tool(
    title="Create or update a contact",
    read_only=False,
    destructive=False,
    # Without contact_id every call creates a new contact.
    idempotent=False,
    open_world=False,
    not_found=_NOT_FOUND,
)
async def save_contact(
    ctx: Context,
    contact_id: Annotated[Id | None, Field(description="The contact to change; omit to create one.")] = None,
    firstname: Text = None,
    surname: Text = None,
    married_name: Text = None,
    gender: Gender = None,
    birthdate: Birthdate = None,
    mail: Mail = None,
    phone: Text = None,
    mobile: Text = None,
    address: Annotated[AddressInput | None, Field(description="Only the parts given change.")] = None,
    add_tags: Tags = None,
    remove_tags: Tags = None,
    set_answers: Annotated[
        list[AnswerInput] | None,
        Field(max_length=50, description="Replaces a radio form's answer; adds to checkbox and text forms."),
    ] = None,
    remove_answers: Annotated[
        list[AnswerRemoval] | None,
        Field(max_length=50, description="Before set_answers: a whole form, or one value."),
    ] = None,
) -> SavedContact:
    fields = {
        "firstname": firstname, "surname": surname, "married_name": married_name, "gender": gender,
        "birthdate": birthdate, "mail": mail, "phone": phone, "mobile": mobile,
    }  # fmt: skip
    basic = {name: value for name, value in fields.items() if value is not None}
    if basic.get("birthdate"):
        basic["birthdate"] = check_date(basic["birthdate"], "The birthdate")
    client = qomon_client(ctx)
    if contact_id is None:
        if remove_tags or remove_answers:
            raise ToolError("remove_tags and remove_answers apply to an existing contact; give its contact_id.")
        return await _create(client, basic, address, add_tags or [], set_answers or [])
    if not (basic or address or add_tags or remove_tags or set_answers or remove_answers):
        raise ToolError("Nothing to change; give at least one field, tag or answer to update.")
    directory = await forms_directory(client) if set_answers or remove_answers else None
    contact = await client.get_contact(contact_id)
    payload = contact_payload(contact)
    changed = _apply_basic(payload, basic)
    if address is not None:
        changed += _apply_address(payload, address)
    changed += _apply_tags(payload, add_tags or [], remove_tags or [])
    if directory is not None:
        # Answers are checked before anything is written: an unknown form or value sends nothing.
        changed += apply_answers(directory, payload, remove_answers or [], set_answers or [])
    if not changed:
        return SavedContact(id=contact_id, note="The contact already had those values; nothing was sent.")
    try:
        await client.replace_contact(contact_id, payload)
    except QomonError as error:

        async def in_place() -> bool | None:
            return contact_matches(contact_payload(await client.get_contact(contact_id)), payload) or None

        record = RECORDS["contact by id"]
        await settle(error, record, "change", in_place, how="a re-read", look=f"contact {contact_id}")
        return SavedContact(id=contact_id, changed=changed, note=record.done("change", "a re-read", error))
    return SavedContact(id=contact_id, changed=changed)


async def _create(
    client: QomonClient,
    basic: dict[str, str],
    address: AddressInput | None,
    tags: list[str],
    answers: list[AnswerInput],
) -> SavedContact:
    given = {name: value for name, value in basic.items() if value != ""}
    if not given.keys() & {"firstname", "surname", "mail", "phone", "mobile"}:
        raise ToolError("A contact needs at least a name, a mail or a phone number; give one of them.")
    payload: dict[str, Any] = dict(given)
    if address is not None and (parts := address.model_dump(exclude_none=True)):
        payload["address"] = {name: value for name, value in parts.items() if value != ""}
    if tags:
        payload["tags"] = [{"name": name.strip()} for name in dict.fromkeys(tags) if name.strip()]
    if answers:
        apply_answers(await forms_directory(client), payload, [], answers)
    try:
        contact = await client.create_contact(payload)
    except QomonError as error:
        how = "a search by mail" if payload.get("mail") else "a search by name and phone"
        found = await settle(
            error, RECORDS["contact"], "create", lambda: find_contact(client, payload), how=how,
            look="search by " + ("mail" if payload.get("mail") else "name"),
        )  # fmt: skip
        return SavedContact(id=found.id, note=f"{RECORDS['contact'].done('create', how, error)} Contact {found.id}.")
    return SavedContact(id=contact.id, note=f"Created contact {contact.id}.")


def _apply_basic(payload: dict[str, Any], basic: dict[str, str]) -> list[str]:
    changed = []
    for name, value in basic.items():
        current = payload.get(name) or ""
        if current == value or (name == "birthdate" and current and value and _same_date(current, value)):
            continue
        changed.append(name)
        if value == "":
            payload.pop(name, None)  # left out of a full replace, the field is cleared
        else:
            payload[name] = value
    return changed


def _same_date(current: str, new: str) -> bool:
    try:
        return check_date(current, "") == new
    except ToolError:  # Qomon's own value in a shape we do not read: treat it as a change
        return False


# Geocoding results describe the old address; Qomon recomputes them from the new one.
_GEOCODED = ("latitude", "longitude", "score", "location", "invalid")


def _apply_address(payload: dict[str, Any], address: AddressInput) -> list[str]:
    current = dict(payload.get("address") or {})
    changed = []
    for name, value in address.model_dump(exclude_none=True).items():
        if (current.get(name) or "") == value:
            continue
        changed.append(f"address.{name}")
        if value == "":
            current.pop(name, None)
        else:
            current[name] = value
    if changed:
        for name in _GEOCODED:
            current.pop(name, None)
        payload["address"] = current
    return changed


def _apply_tags(payload: dict[str, Any], add: list[str], remove: list[str]) -> list[str]:
    tags: list[dict[str, Any]] = list(payload.get("tags") or [])
    names = {t["name"].casefold() for t in tags}
    dropped = {n.strip().casefold() for n in remove}
    kept = [t for t in tags if t["name"].casefold() not in dropped]
    added = [n.strip() for n in dict.fromkeys(add) if n.strip() and n.strip().casefold() not in names]
    if len(kept) == len(tags) and not added:
        return []
    payload["tags"] = kept + [{"name": n} for n in added]
    return ["tags"]


@toolset.tool(title="Upsert contacts", read_only=False, destructive=False, idempotent=False, open_world=False)
async def upsert_contacts(
    ctx: Context,
    records: Annotated[
        list[UpsertRecord],
        Field(min_length=1, max_length=100),
    ],
) -> UpsertedContacts:
    client = qomon_client(ctx)
    payloads = checked_records(records, await forms_directory(client))
    for sent, payload in enumerate(payloads):
        try:
            await client.upsert_contact(payload)
        except QomonError as error:
            done = f"records 0 to {sent - 1} were queued" if sent else "none was queued"
            if answer_lost(error):
                # Queued or not, the record cannot be told apart from the space yet: upserts apply later.
                around = [f"records 0 to {sent - 1} were queued before it"] if sent else []
                around += [f"records {sent + 1} and after were not sent"] if sent + 1 < len(payloads) else []
                raise unverifiable(
                    error,
                    f"record {sent} may or may not have been queued" + (f" ({'; '.join(around)})" if around else ""),
                    "check with search_contacts in a few seconds, then send only the records still missing.",
                ) from None
            raise ToolError(f"Record {sent} could not be sent and {done}: {explain(error)}") from None
    warnings = [
        f"Record {i} has no id, mail or surname, so it creates a new contact every time it is sent."
        for i in unmatchable(records)
    ]
    return UpsertedContacts(
        sent=len(payloads),
        note=(
            f"Qomon accepted {len(payloads)} records and applies them asynchronously, within a few seconds. "
            "Each updates the contact with the same id, else the same mail, else the same surname and "
            "firstname, and otherwise creates one; fields and answers sent are added, none is cleared. "
            "Check the result with search_contacts in a few seconds."
        ),
        warnings=warnings,
    )


@toolset.tool(
    title="Delete a contact",
    read_only=False,
    destructive=True,
    idempotent=True,
    open_world=False,
    not_found=_NOT_FOUND,
)
async def delete_contact(
    contact_id: ContactId,
    ctx: Context,
    target: ContactPreview,
    approved: ContactApproval,
    confirmation: Confirmation = None,
) -> DeletedContact:
    require_approval(approved, target)
    client = qomon_client(ctx)
    try:
        await client.delete_contact(contact_id)
    except QomonError as error:
        record = RECORDS["contact by id"]
        check = lambda: gone(lambda: client.get_contact(contact_id))  # noqa: E731
        await settle(error, record, "delete", check, how="a re-read", look=f"contact {contact_id}")
        return DeletedContact(id=contact_id, note=record.done("delete", "a re-read", error))
    return DeletedContact(id=contact_id, note=f"Contact {contact_id} is deleted.")
