"""Contacts, the forms that describe them, and actions, as Qomon returns them."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, BeforeValidator, Field

from .models_base import Id, ListOf, QomonModel, Text, UnionText

__all__ = [
    "Action",
    "ActionAggregate",
    "Address",
    "Contact",
    "Form",
    "FormData",
    "Interaction",
    "RefValue",
    "Tag",
]


class Address(QomonModel):
    id: Id | None = None
    housenumber: Text | None = None
    street: Text | None = None
    postalcode: Text | None = None
    citycode: Text | None = None
    city: Text | None = None
    state: Text | None = None
    country: Text | None = None
    addition: Text | None = None
    infos: Text | None = None
    building: Text | None = None
    floor: Text | None = None
    door: Text | None = None
    pollingstation: Text | None = None
    score: float | UnionText | None = None
    latitude: float | UnionText | None = None
    longitude: float | UnionText | None = None
    location: Any = None
    invalid: bool | None = None


class Tag(QomonModel):
    name: Text | None = None
    color: Text | None = None
    appearance_count: int | None = None


class FormData(QomonModel):
    """A contact's answer to a form; `form_ref_id` is the id of the chosen `RefValue`."""

    id: Id | None = None
    form_id: Id | None = None
    form_ref_id: Id | None = None
    data: Any = None
    date: Text | None = None
    donedate: Text | None = None
    label: Text | None = None
    type_of_form: Text | None = None
    group_id: Id | None = None
    contact_id: Id | None = None
    created_at: Text | None = None
    updated_at: Text | None = None
    deleted_at: Text | None = None


class Interaction(QomonModel):
    """A letter or call logged on a contact, sent with search results when interactions are asked for."""

    id: Id | None = None
    created_at: Text | None = Field(default=None, validation_alias=AliasChoices("created_at", "CreatedAt"))
    type: Text | None = None
    sub_type: Text | None = None
    title: Text | None = None
    comments: Any = None
    files: Any = None
    user_id: Id | None = None
    action_id: Id | None = None


def _name_to_tag(value: Any) -> Any:
    """Tags given as plain names (the shape writes accept) read as `{name}`."""
    if isinstance(value, list):
        return [{"name": v} if isinstance(v, str) else v for v in value]
    return [] if value is None else value


class Contact(QomonModel):
    id: Id | None = None
    group_id: Id | None = None
    created_at: Text | None = Field(default=None, alias="CreatedAt")
    updated_at: Text | None = Field(default=None, alias="UpdatedAt")
    lastchange: Text | None = None
    firstname: Text | None = None
    surname: Text | None = None
    married_name: Text | None = None
    gender: Text | None = None
    birthdate: Text | None = None
    age_category: Id | None = None
    birthdept: Text | None = None
    birthcity: Text | None = None
    birthcountry: Text | None = None
    nationality: Text | None = None
    mail: Text | None = None
    phone: Text | None = None
    mobile: Text | None = None
    address: Address | None = None
    tags: Annotated[list[Tag], BeforeValidator(_name_to_tag)] = Field(default_factory=list)
    actions_ids: ListOf[Id] = Field(default_factory=list)
    user_id: Id | None = None
    user_contact_id: Id | None = None
    black_list: bool | None = None
    notes: ListOf[Any] = Field(default_factory=list)
    formdatas: ListOf[FormData] = Field(default_factory=list)
    # Read as `customfields`, written as `custom_fields`: accept both.
    customfields: ListOf[FormData] = Field(
        default_factory=list, validation_alias=AliasChoices("customfields", "custom_fields")
    )
    interactions: ListOf[Interaction] = Field(default_factory=list)


class RefValue(QomonModel):
    """One possible answer of a form."""

    id: Id | None = None
    form_id: Id | None = None
    label: Text | None = None
    value: Text | None = None
    min: float | UnionText | None = None
    max: float | UnionText | None = None
    step: float | UnionText | None = None
    color: Text | None = None
    followed: bool | None = None


class Form(QomonModel):
    """An advanced field (consent, survey, status, custom field...) and its possible answers."""

    id: Id | None = None
    group_id: list[Id] | Id | None = None
    type: Text | None = None
    section: Text | None = None
    order: int | None = None
    label: Text | None = None
    mandatory: bool | None = None
    refvalues: ListOf[RefValue] = Field(default_factory=list)


class Action(QomonModel):
    id: Id | None = None
    name: Text | None = None
    type_data: Text | None = None
    pitch: Text | None = None
    status: Text | None = None
    group_id: Id | None = None
    users: ListOf[Any] = Field(default_factory=list, alias="Users")
    teams: ListOf[Any] = Field(default_factory=list, alias="Teams")
    start: Text | None = None
    end: Text | None = None
    goal: Any = None
    # An integer in Qomon's reference; older answers (and the emulator until now) list form ids.
    goal_forms: int | list[Any] | None = None
    link: Text | None = None
    public: bool | None = None
    registration_link: Text | None = None
    created_by: Id | None = None
    created_by_detail: dict[str, Any] | None = None


class ActionAggregate(QomonModel):
    """An action with its participation counts, as `GET /actions` lists it."""

    action: Action | None = Field(default=None, alias="Action")
    nb_visites: int | None = Field(default=None, alias="NbVisites")
    nb_contacts: int | None = Field(default=None, alias="NbContacts")
    nb_visites_declared: int | None = Field(default=None, alias="NbVisitesDeclared")
