"""Upsert records, checked against the space's forms before anything is sent.

Qomon drops a whole upsert record, silently, when one of its answers names an
unknown form id, a label that is missing or not unique in its family, or a
value that is not one of the form's choices. Every record is checked here
first, and the call is refused with the valid choices instead.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field, model_validator

from qomon_mcp.toolsets.helpers.arguments import Id
from qomon_mcp.toolsets.helpers.contact_writes import (
    INPUT_MODEL,
    AddressInput,
    AnswerValue,
    answer_value,
    check_date,
    find_form,
)
from qomon_mcp.toolsets.helpers.forms_directory import FormsDirectory

__all__ = ["FORM_FAMILIES", "UpsertAnswer", "UpsertRecord", "checked_records", "unmatchable"]

# Upsert array -> the form type (category) its items must answer.
FORM_FAMILIES = {
    "consents": "consent",
    "status": "level_of_support",
    "forms": "survey",
    "custom_fields": "custom_fields",
    "actions": "tasks",
    "name_presences": "presence_status",
}

_DATE = r"^\d{4}-\d{2}-\d{2}"


class UpsertAnswer(BaseModel):
    model_config = INPUT_MODEL

    id: Id | None = Field(default=None, description="Form id, not a value id.")
    label: str | None = Field(default=None, description="Form label, if unique.")
    value: AnswerValue

    @model_validator(mode="after")
    def _named(self) -> UpsertAnswer:
        if self.id is None and not self.label:
            raise ValueError("each answer needs the form id or its label")
        return self


Answers = Annotated[list[UpsertAnswer] | None, Field(max_length=50)]


class UpsertRecord(BaseModel):
    model_config = INPUT_MODEL

    id: Id | str | None = Field(default=None, description="Qomon or NationBuilder contact id.")
    firstname: str | None = None
    surname: str | None = None
    married_name: str | None = None
    gender: Literal["M", "F", "O"] | None = None
    birthdate: str | None = Field(default=None, pattern=_DATE)
    mail: str | None = None
    phone: str | None = None
    mobile: str | None = None
    address: AddressInput | None = None
    tags: list[str] | None = None
    nationbuilderid: Id | str | None = None
    black_list: bool | None = Field(default=None, description="true: no communication at all.")
    consents: Answers = None
    status: Answers = None
    forms: Answers = None
    custom_fields: Answers = None
    actions: Answers = None
    name_presences: Answers = None


def _payload(index: int, record: UpsertRecord, directory: FormsDirectory) -> dict[str, Any]:
    """The record as Qomon's ContactUpsert, each answer resolved to a form id and a value code."""
    where = f"Record {index}"
    data = record.model_dump(exclude_none=True, exclude={"tags", "address", *FORM_FAMILIES})
    if record.birthdate is not None:
        data["birthdate"] = check_date(record.birthdate, f"{where}: birthdate")
    if record.address is not None:
        data["address"] = record.address.model_dump(exclude_none=True)
    if record.tags:
        data["tags"] = [{"name": name.strip()} for name in record.tags if name.strip()]
    for family, form_type in FORM_FAMILIES.items():
        items: list[UpsertAnswer] = getattr(record, family) or []
        forms = directory.of_type(form_type)
        resolved = []
        for item in items:
            try:
                form = find_form(directory, str(item.id) if item.id is not None else item.label or "", forms, form_type)
                if item.id is not None and item.label and item.label.casefold() != (form.label or "").casefold():
                    raise ToolError(
                        f"Form {form.id} is called '{form.label}', not '{item.label}'; give only the id or the label."
                    )
                _, value = answer_value(directory, form, item.value)
            except ToolError as error:
                raise ToolError(f"{where}, {family}: {error}") from None
            # The id, never the label: it is the form's identity, whatever its case or spacing.
            resolved.append({"id": form.id, "value": str(value)})
        if resolved:
            data[family] = resolved
    if not data.keys() - {"id", "nationbuilderid"}:
        raise ToolError(f"{where} carries nothing to write; give at least one field or answer.")
    return data


def checked_records(records: list[UpsertRecord], directory: FormsDirectory) -> list[dict[str, Any]]:
    """Every record as Qomon's ContactUpsert, or a ToolError naming the first bad one."""
    return [_payload(index, record, directory) for index, record in enumerate(records)]


def unmatchable(records: list[UpsertRecord]) -> list[int]:
    """Indexes of records with no id, mail or surname: each creates a new contact every time."""
    return [
        i
        for i, r in enumerate(records)
        if r.id is None and r.nationbuilderid is None and not (r.mail or "").strip() and not (r.surname or "").strip()
    ]
