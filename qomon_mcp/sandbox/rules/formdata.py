"""Answers to forms (FormData), as stored on a contact, and the rules for adding them.

Radio questions hold one answer: a new one replaces the old. Checkbox questions
collect answers; text, numeric, range and date answers are added beside the
existing ones, as the PATCH /contacts docs describe.
"""

from __future__ import annotations

from typing import Any

from qomon_mcp.sandbox.space import Space

__all__ = ["CHOICE_TYPES", "answers_key", "make_formdata", "merge_answer"]

Record = dict[str, Any]

# Forms whose answer must be one of the refvalues; any other form takes free text.
CHOICE_TYPES = frozenset({"radio", "checkbox"})


def answers_key(space: Space, form_id: int) -> str:
    """Where a contact keeps answers to this form: custom fields apart from the rest."""
    return "customfields" if space.form_types.get(form_id) == "custom_fields" else "formdatas"


def make_formdata(
    space: Space, contact_id: int, form: Record, ref: Record, data: str, date: str | None, now: str
) -> Record:
    return {
        "id": space.next_id(),
        "form_id": form["id"],
        "form_ref_id": ref["id"],
        "data": data,
        "date": date or now,
        "donedate": None,
        "label": ref.get("label"),
        "type_of_form": form.get("type"),
        "group_id": space.group_id,
        "contact_id": contact_id,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
    }


def merge_answer(answers: list[Record], new: Record, form: Record) -> list[Record]:
    """`answers` with `new` added by the form's rule; an identical answer is kept, not doubled."""
    if form.get("type") == "radio":
        return [a for a in answers if a["form_id"] != form["id"]] + [new]
    for existing in answers:
        if (
            existing["form_id"] == new["form_id"]
            and existing["form_ref_id"] == new["form_ref_id"]
            and existing.get("data") == new.get("data")
        ):
            return answers
    return [*answers, new]
