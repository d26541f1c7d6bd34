"""A contact as the model reads it: compact, with advanced fields decoded to labels and values."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from qomon_mcp.qomon.models import Address, Contact
from qomon_mcp.toolsets.forms_directory import FormsDirectory

__all__ = ["CONTACT_FIELDS", "Answer", "ContactField", "ContactView", "contact_view"]

ContactField = Literal[
    "name", "mail", "phone", "mobile", "address", "gender", "birthdate", "tags",
    "answers", "custom_fields", "black_list", "actions", "dates",
]
CONTACT_FIELDS: tuple[str, ...] = ContactField.__args__  # type: ignore[attr-defined]


class Answer(BaseModel):
    form: str | None = Field(default=None, description="Label of the form (advanced field).")
    form_id: int | str | None = None
    value: Any = Field(default=None, description="The chosen value's label, or the free text.")
    code: str | None = Field(default=None, description="The value's code, as upsert_contacts expects it.")
    date: str | None = None


class ContactView(BaseModel):
    id: int | str | None = None
    firstname: str | None = None
    surname: str | None = None
    married_name: str | None = None
    mail: str | None = None
    phone: str | None = None
    mobile: str | None = None
    address: str | None = Field(default=None, description="The postal address on one line.")
    gender: str | None = None
    birthdate: str | None = None
    age_category: int | str | None = None
    tags: list[str] = Field(default_factory=list)
    answers: list[Answer] = Field(default_factory=list, description="Consents, surveys, support level, tasks.")
    custom_fields: list[Answer] = Field(default_factory=list)
    black_list: bool | None = Field(default=None, description="True when blocked from all communication.")
    action_ids: list[int | str] = Field(default_factory=list)
    created_at: str | None = None
    updated_at: str | None = None
    interactions: list[dict[str, Any]] = Field(default_factory=list)


def one_line(address: Address | None) -> str | None:
    if address is None:
        return None
    street = " ".join(p for p in (address.housenumber, address.street) if p)
    town = " ".join(p for p in (address.postalcode, address.city) if p)
    parts = [street, address.addition, town, address.state, address.country]
    return ", ".join(p for p in parts if p) or None


def contact_view(
    contact: Contact, forms: FormsDirectory | None, fields: frozenset[str] | None = None
) -> ContactView:
    """The contact reduced to `fields` (all when None); the id is always kept as the handle."""

    def wanted(name: str) -> bool:
        return fields is None or name in fields

    view: dict[str, Any] = {"id": contact.id}
    if wanted("name"):
        view |= {"firstname": contact.firstname, "surname": contact.surname, "married_name": contact.married_name}
    for name in ("mail", "phone", "mobile", "gender", "birthdate", "black_list"):
        if wanted(name):
            view[name] = getattr(contact, name)
    if wanted("birthdate"):
        view["age_category"] = contact.age_category
    if wanted("address"):
        view["address"] = one_line(contact.address)
    if wanted("tags"):
        view["tags"] = [t.name for t in contact.tags if t.name]
    if wanted("answers") and forms is not None:
        view["answers"] = [forms.decode(a) for a in contact.formdatas if not a.deleted_at]
    if wanted("custom_fields") and forms is not None:
        view["custom_fields"] = [forms.decode(a) for a in contact.customfields if not a.deleted_at]
    if wanted("actions"):
        view["action_ids"] = contact.actions_ids
    if wanted("dates"):
        view |= {"created_at": contact.created_at, "updated_at": contact.updated_at}
    if contact.interactions:
        view["interactions"] = contact.interactions
    return ContactView.model_validate(view)
