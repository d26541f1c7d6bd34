"""The space's forms (advanced fields), loaded once per client and used to decode and check answers.

Contacts carry answers as bare `form_id`/`form_ref_id` pairs; the model needs the
form's label and the chosen value. Upserts with an unknown form id, label or value
are silently dropped by Qomon, so they are checked here before sending.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import anyio

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.models import Form, FormData

__all__ = ["FORM_TYPES", "FormsDirectory", "forms_directory"]

FORM_TYPES = ("consent", "survey", "level_of_support", "custom_fields", "presence_status", "tasks")

# Forms change rarely; a few minutes of staleness saves six calls per tool call.
_TTL_SECONDS = 300.0
_FREE_TEXT_TYPES = frozenset({"text", "numeric", "date", "range", "report", "signature", "photos", "other", "meet"})


@dataclass
class FormsDirectory:
    forms: dict[str, Form] = field(default_factory=dict)  # by str(id)
    form_types: dict[str, str] = field(default_factory=dict)  # str(form id) -> category

    @classmethod
    def from_forms(cls, by_type: dict[str, list[Form]]) -> FormsDirectory:
        directory = cls()
        for form_type, forms in by_type.items():
            for form in forms:
                directory.forms[str(form.id)] = form
                directory.form_types[str(form.id)] = form_type
        return directory

    def of_type(self, form_type: str) -> list[Form]:
        return [f for key, f in self.forms.items() if self.form_types[key] == form_type]

    def is_free_text(self, form: Form) -> bool:
        return (form.type or "").lower() in _FREE_TEXT_TYPES

    def decode(self, answer: FormData) -> dict[str, Any]:
        """An answer as the model reads it: form label, form id, and the chosen value's label."""
        form = self.forms.get(str(answer.form_id))
        decoded: dict[str, Any] = {"form_id": answer.form_id, "form": form.label if form else answer.label}
        if form is not None and not self.is_free_text(form):
            ref = next((r for r in form.refvalues if str(r.id) == str(answer.form_ref_id)), None)
            decoded["value"] = (ref.label or ref.value) if ref else answer.data
            if ref is not None and ref.value and ref.value != decoded["value"]:
                decoded["code"] = ref.value
        else:
            decoded["value"] = answer.data
        decoded["date"] = answer.date
        return decoded


def _first_leaf(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


_cache: weakref.WeakKeyDictionary[QomonClient, tuple[float, FormsDirectory]] = weakref.WeakKeyDictionary()


async def forms_directory(client: QomonClient) -> FormsDirectory:
    """The client's space's forms, from a short-lived cache."""
    cached = _cache.get(client)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    by_type: dict[str, list[Form]] = {}

    async def load(form_type: str) -> None:
        by_type[form_type] = await client.list_forms(form_type)

    try:
        async with anyio.create_task_group() as group:
            for form_type in FORM_TYPES:
                group.start_soon(load, form_type)
    except BaseExceptionGroup as failures:
        # The task group wraps the client's error; callers (and the tool wrapper) expect it bare.
        raise _first_leaf(failures) from None
    directory = FormsDirectory.from_forms(by_type)
    _cache[client] = (time.monotonic() + _TTL_SECONDS, directory)
    return directory
