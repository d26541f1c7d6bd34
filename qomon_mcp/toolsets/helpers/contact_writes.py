"""What the contact write tools send: answers checked against the space's forms, and whole records.

POST and PATCH /contacts take answers as `formdatas` / `custom_fields`
`[{form_id, form_ref_id, data, date}]`. The model names a form by id or label
and a value by code or label; both are resolved here, and anything unknown is
refused with the valid choices, before a single write is sent.

PATCH /contacts/{id} is a full replace, so `contact_payload` rebuilds the whole
record from what Qomon returned: every field left out would be cleared.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from qomon_mcp.qomon.models import Address, Contact, Form, FormData
from qomon_mcp.server.quoting import quoted, shortened
from qomon_mcp.toolsets.helpers.forms_directory import FormsDirectory

__all__ = [
    "INPUT_MODEL",
    "AddressInput",
    "AnswerInput",
    "AnswerRemoval",
    "AnswerValue",
    "FormRef",
    "address_payload",
    "answer_value",
    "apply_answers",
    "check_date",
    "choices",
    "contact_payload",
    "find_form",
    "written_answer",
]


# Input models refuse unknown keys: Qomon would refuse or drop them. (server/schema.py slims every schema.)
INPUT_MODEL = ConfigDict(extra="forbid")


def _as_text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


# Strings that also take numbers: form ids, numeric answers.
FormRef = Annotated[
    str,
    BeforeValidator(_as_text),
    Field(min_length=1, description="Form id, or label if unique."),
]
AnswerValue = Annotated[
    str,
    BeforeValidator(_as_text),
    Field(description="Choice code or label; else text, number or YYYY-MM-DD."),
]

# Choice lists in error messages stop here; get_forms shows the rest.
_MAX_LISTED = 15


class AddressInput(BaseModel):
    model_config = INPUT_MODEL

    housenumber: str | None = None
    street: str | None = None
    addition: str | None = Field(default=None, description="Extra address line.")
    building: str | None = None
    floor: str | None = None
    door: str | None = None
    postalcode: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None


class AnswerInput(BaseModel):
    model_config = INPUT_MODEL

    form: FormRef
    value: AnswerValue


class AnswerRemoval(BaseModel):
    model_config = INPUT_MODEL

    form: FormRef
    value: AnswerValue | None = Field(default=None, description="Only this value.")


def _quoted(items: Iterable[str]) -> str:
    listed = list(items)
    shown = ", ".join(listed[:_MAX_LISTED])
    more = len(listed) - _MAX_LISTED
    return f"{shown} and {more} more (see get_forms)" if more > 0 else shown


def _form_names(forms: Iterable[Form]) -> str:
    return _quoted(f"'{f.label}' (id {f.id})" for f in forms)


def choices(form: Form) -> str:
    """The valid values of a choice form, as `code ('label')`."""
    return _quoted(
        f"{r.value} ('{r.label}')" if r.label and r.label != r.value else str(r.value) for r in form.refvalues
    )


def find_form(directory: FormsDirectory, ref: str, forms: list[Form], family: str) -> Form:
    """The form among `forms` that `ref` names (an id, or a label unique among them), else a ToolError.

    `family` names the group in error sentences ("consents"); "" when `forms` are all the space's forms.
    """
    kind = f"{family} forms" if family else "forms"
    text = str(ref).strip()
    if text.isdigit():
        found = next((f for f in forms if str(f.id) == text), None)
        if found is not None:
            return found
        other = directory.forms.get(text)
        if other is not None:
            raise ToolError(
                f"Form {text} ('{other.label}') is a {directory.form_types[text]} form, not one of the "
                f"{kind}; valid {kind}: {_form_names(forms)}."
            )
    matches = [f for f in forms if f.label == text] or [
        f for f in forms if (f.label or "").casefold() == text.casefold()
    ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        ids = ", ".join(str(f.id) for f in matches)
        raise ToolError(f"The label {quoted(text)} names {len(matches)} {kind} (ids {ids}); give the form id instead.")
    if text.isdigit():
        raise ToolError(f"No form has the id {shortened(text)}; valid {kind}: {_form_names(forms)}.")
    raise ToolError(f"None of the {kind} is called {quoted(text)}; valid {kind}: {_form_names(forms)}.")


def check_date(value: str, what: str) -> str:
    """`value` as Qomon's date-time (`YYYY-MM-DDTHH:mm:ss.SSSZ`, UTC), else a ToolError."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ToolError(f"{what} {quoted(value)} is not a date; write it as YYYY-MM-DD.") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def answer_value(directory: FormsDirectory, form: Form, value: str) -> tuple[Any, str]:
    """(form_ref_id, data) of `value` for `form`: a choice's code, or checked free text."""
    text = str(value).strip()
    if not directory.is_free_text(form):
        refs = form.refvalues
        ref = (
            next((r for r in refs if r.value == text), None)
            or next((r for r in refs if (r.value or "").casefold() == text.casefold()), None)
            or next((r for r in refs if (r.label or "").casefold() == text.casefold()), None)
        )
        if ref is None:
            raise ToolError(
                f"{quoted(text)} is not a value of the form '{form.label}' (id {form.id}); "
                f"valid values: {choices(form)}."
            )
        return ref.id, ref.value or text
    ref_id = form.refvalues[0].id if form.refvalues else None
    kind = (form.type or "").lower()
    if not text:
        raise ToolError(f"The answer to '{form.label}' (id {form.id}) is empty; give a value or remove the answer.")
    if kind == "date":
        return ref_id, check_date(text, f"The answer to '{form.label}'")
    if kind in ("numeric", "range"):
        try:
            number = float(text)
        except ValueError:
            raise ToolError(
                f"The answer to '{form.label}' (id {form.id}) must be a number, not {quoted(text)}."
            ) from None
        bounds = form.refvalues[0] if form.refvalues else None
        low, high = _number(bounds.min if bounds else None), _number(bounds.max if bounds else None)
        if (low is not None and number < low) or (high is not None and number > high):
            span = (
                f"between {low:g} and {high:g}"
                if low is not None and high is not None
                else (f"at least {low:g}" if low is not None else f"at most {high:g}")
            )
            raise ToolError(f"The answer to '{form.label}' (id {form.id}) must be {span}, not {shortened(text)}.")
    return ref_id, text


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def written_answer(form_id: Any, form_ref_id: Any, data: Any, date: str | None = None) -> dict[str, Any]:
    """One answer in the write shape; a new answer is dated now."""
    answer = {
        "form_id": form_id,
        "form_ref_id": form_ref_id,
        "data": data,
        "date": date or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    return {k: v for k, v in answer.items() if v is not None}


def _kept_answers(answers: list[FormData]) -> list[dict[str, Any]]:
    kept = []
    for answer in answers:
        if answer.deleted_at:
            continue
        written = written_answer(answer.form_id, answer.form_ref_id, answer.data, answer.date)
        if answer.donedate:  # a done task stays done
            written["donedate"] = answer.donedate
        kept.append(written)
    return kept


# Every writable field of the read shape, sent back as read: a full replace clears whatever is missing.
_SCALARS = (
    "firstname", "surname", "married_name", "gender", "birthdate", "age_category", "birthdept",
    "birthcity", "birthcountry", "nationality", "mail", "phone", "mobile", "black_list",
    "user_id", "user_contact_id",
)  # fmt: skip


def address_payload(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    # Only the documented parts: an unknown key would make Qomon refuse the whole write.
    fields = address.model_dump(include=set(Address.model_fields) - {"location"}, exclude_none=True)
    if address.location is not None and isinstance(address.location, str):
        fields["location"] = address.location
    return {k: v for k, v in fields.items() if v != ""} or None


def contact_payload(contact: Contact) -> dict[str, Any]:
    """The whole contact in the write shape, so that a PATCH of it changes nothing."""
    payload: dict[str, Any] = {
        name: getattr(contact, name) for name in _SCALARS if getattr(contact, name) not in (None, "")
    }
    address = address_payload(contact.address)
    if address:
        payload["address"] = address
    tags = [{k: v for k, v in (("name", t.name), ("color", t.color)) if v} for t in contact.tags if t.name]
    if tags:
        payload["tags"] = tags
    if contact.notes:
        payload["notes"] = contact.notes
    if contact.actions_ids:
        payload["actions_ids"] = contact.actions_ids
    payload["formdatas"] = _kept_answers(contact.formdatas)
    payload["custom_fields"] = _kept_answers(contact.customfields)
    return payload


def _same(a: Any, b: Any) -> bool:
    return str(a) == str(b)


def apply_answers(
    directory: FormsDirectory,
    payload: dict[str, Any],
    removals: list[AnswerRemoval],
    answers: list[AnswerInput],
) -> list[str]:
    """Remove then add answers in `payload`'s `formdatas` / `custom_fields`; the names of what changed.

    Qomon's rules: a radio form holds one answer (a new one replaces it); checkbox
    and free-text answers are added beside the existing ones.
    """
    forms = list(directory.forms.values())
    changed: list[str] = []

    def home(form: Form) -> list[dict[str, Any]]:
        key = "custom_fields" if directory.form_types.get(str(form.id)) == "custom_fields" else "formdatas"
        return payload.setdefault(key, [])

    def note(form: Form) -> None:
        name = f"answer '{form.label}'"
        if name not in changed:
            changed.append(name)

    for removal in removals:
        form = find_form(directory, removal.form, forms, "")
        target = None if removal.value is None else answer_value(directory, form, removal.value)
        kept = [
            a
            for a in home(form)
            if not _same(a.get("form_id"), form.id) or (target is not None and not _matches(directory, form, a, target))
        ]
        if len(kept) != len(home(form)):
            home(form)[:] = kept
            note(form)

    radios_set: set[str] = set()
    for answer in answers:
        form = find_form(directory, answer.form, forms, "")
        ref_id, data = answer_value(directory, form, answer.value)
        current = [a for a in home(form) if _same(a.get("form_id"), form.id)]
        if (form.type or "").lower() == "radio":
            if str(form.id) in radios_set:
                raise ToolError(f"The form '{form.label}' (id {form.id}) takes one answer; give it one value.")
            radios_set.add(str(form.id))
            if len(current) == 1 and _matches(directory, form, current[0], (ref_id, data)):
                continue
            home(form)[:] = [a for a in home(form) if not _same(a.get("form_id"), form.id)]
        elif any(_matches(directory, form, a, (ref_id, data)) for a in current):
            continue
        home(form).append(written_answer(form.id, ref_id, data))
        note(form)
    return changed


def _matches(directory: FormsDirectory, form: Form, answer: dict[str, Any], target: tuple[Any, Any]) -> bool:
    ref_id, data = target
    if not _same(answer.get("form_ref_id"), ref_id):
        return False
    if not directory.is_free_text(form):
        return True
    if (form.type or "").lower() == "date":
        return _instant(answer.get("data")) == _instant(data)
    return str(answer.get("data")) == str(data)


def _instant(value: Any) -> datetime | str:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
