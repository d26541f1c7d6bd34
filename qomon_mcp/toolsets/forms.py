"""Forms: the space's advanced fields (consents, surveys, support levels, custom fields, presence, tasks)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from qomon_mcp.qomon.models import Form
from qomon_mcp.server.app import qomon_client
from qomon_mcp.server.explain import Missing
from qomon_mcp.server.registry import Toolset
from qomon_mcp.spec.vocabulary import FORM_TYPES, FormType
from qomon_mcp.toolsets.helpers.arguments import Id
from qomon_mcp.toolsets.helpers.forms_directory import FormsDirectory, forms_directory
from qomon_mcp.toolsets.helpers.upsert_check import FORM_FAMILIES

__all__ = ["toolset"]

toolset = Toolset("forms")

_UPSERT_ARRAY = {form_type: array for array, form_type in FORM_FAMILIES.items()}
# A form with hundreds of choices would crowd out the others; the rest is one get_forms(form_id) away.
_MAX_VALUES = 60


class FormValue(BaseModel):
    id: int | str | None = Field(default=None, description="form_ref_id in answers.")
    value: str | None = Field(default=None, description="The code upsert_contacts takes.")
    label: str | None = None


class FormView(BaseModel):
    id: int | str | None = Field(default=None, description="form_id in answers, id in upserts.")
    label: str | None = None
    form_type: str | None = None
    upsert_array: str | None = Field(default=None, description="The upsert_contacts array for its answers.")
    section: str | None = None
    answer: str | None = Field(default=None, description="One value, several, or free input.")
    mandatory: bool | None = None
    values: list[FormValue] = Field(default_factory=list)
    more_values: str | None = None


class FormsResult(BaseModel):
    forms: list[FormView] = Field(default_factory=list)
    note: str | None = None


def _answer(form: Form, directory: FormsDirectory) -> str:
    kind = (form.type or "").lower()
    if kind == "radio":
        return "one of the values"
    if kind == "checkbox":
        return "any of the values (several answers add up)"
    if kind in ("numeric", "range") and form.refvalues:
        bounds = form.refvalues[0]
        if bounds.min is not None and bounds.max is not None:
            return f"a number from {bounds.min} to {bounds.max}"
        return "a number"
    if kind == "date":
        return "a date (YYYY-MM-DD)"
    if directory.is_free_text(form):
        return f"free {kind or 'text'}"
    return "one of the values"


def _view(form: Form, form_type: str | None, directory: FormsDirectory) -> FormView:
    choice = not directory.is_free_text(form)
    values = [FormValue(id=r.id, value=r.value, label=r.label) for r in form.refvalues] if choice else []
    more = len(values) - _MAX_VALUES
    return FormView(
        id=form.id,
        label=form.label,
        form_type=form_type,
        upsert_array=_UPSERT_ARRAY.get(form_type or ""),
        section=form.section,
        answer=_answer(form, directory),
        mandatory=form.mandatory or None,
        values=values[:_MAX_VALUES],
        more_values=f"{more} more values; ask for this form alone with form_id to see them all." if more > 0 else None,
    )


@toolset.tool(
    title="Get forms (advanced fields)",
    read_only=True,
    destructive=False,
    idempotent=True,
    open_world=False,
    not_found=Missing("form", "form_id"),
)
async def get_forms(
    ctx: Context,
    form_type: Annotated[FormType | None, Field(description="All types when omitted.")] = None,
    form_id: Annotated[Id | None, Field(description="One form, with all its values.")] = None,
) -> FormsResult:
    if form_type is not None and form_id is not None:
        raise ToolError("Give form_type or form_id, not both.")
    client = qomon_client(ctx)
    if form_type is not None:
        # Fresh from Qomon; an empty directory still knows which widgets take free input.
        listed = await client.list_forms(form_type)
        forms = [_view(form, form_type, FormsDirectory()) for form in listed]
        return FormsResult(forms=forms, note=None if forms else f"This space has no {form_type} forms.")
    directory = await forms_directory(client)
    if form_id is not None:
        form = await client.get_form(form_id)
        view = _view(form, directory.form_types.get(str(form.id)), directory)
        # One form asked for by id: every value, uncapped.
        view.values, view.more_values = _view_all_values(form, directory), None
        return FormsResult(forms=[view])
    forms = [_view(form, one_type, directory) for one_type in FORM_TYPES for form in directory.of_type(one_type)]
    return FormsResult(forms=forms, note=None if forms else "This space has no forms yet.")


def _view_all_values(form: Form, directory: FormsDirectory) -> list[FormValue]:
    if directory.is_free_text(form):
        return []
    return [FormValue(id=r.id, value=r.value, label=r.label) for r in form.refvalues]
