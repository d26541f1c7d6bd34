"""The space's forms (advanced fields), loaded once per client and used to decode and check answers.

Contacts carry answers as bare `form_id`/`form_ref_id` pairs; the model needs the
form's label and the chosen value. Upserts with an unknown form id, label or value
are silently dropped by Qomon, so they are checked here before sending.
"""

from __future__ import annotations

import json
import re
import time
import weakref
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.models import Form, FormData
from qomon_mcp.spec.vocabulary import FORM_TYPES
from qomon_mcp.toolsets.helpers.concurrently import load_all

__all__ = ["FORM_TYPES", "FormsDirectory", "forms_directory", "shown_time"]


# Forms change rarely; a few minutes of staleness saves six calls per tool call.
_TTL_SECONDS = 300.0
_TIMESTAMP = re.compile(
    r"(?P<day>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}:\d{2})(?:\.\d+)?(?P<zone>Z|[+-]\d{2}:?\d{2})?"
)
_FREE_TEXT_TYPES = frozenset({"text", "numeric", "date", "range", "report", "signature", "photos", "other", "meet"})


@dataclass
class FormsDirectory:
    forms: dict[str, Form] = field(default_factory=dict)  # by str(id)
    form_types: dict[str, str] = field(default_factory=dict)  # str(form id) -> category
    # (form id, value id) -> (form, the value's label as answers show it): see answer_value.
    _chosen_labels: dict[tuple[str, str], tuple[Form, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

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

    @cached_property
    def _shared_labels(self) -> frozenset[str]:
        counts = Counter((f.label or "").casefold() for f in self.forms.values())
        return frozenset(label for label, count in counts.items() if count > 1)

    def answer_key(self, form_id: object) -> str:
        """How a contact's answers name the form: its label, with `(#id)` when another form shares it."""
        form = self.forms.get(str(form_id))
        if form_id is None:
            return "unknown form"  # an answer Qomon sent without its form id
        if form is None or not form.label:
            return f"#{form_id}"
        return f"{form.label} (#{form.id})" if form.label.casefold() in self._shared_labels else form.label

    def answer_value(self, answer: FormData) -> str:
        """The chosen value's label (its code too when the label does not name it), or the free text."""
        form = self.forms.get(str(answer.form_id))
        if form is not None and not self.is_free_text(form):
            # A chosen value reads the same on every contact: a search page decodes hundreds of them.
            slot = (str(answer.form_id), str(answer.form_ref_id))
            known = self._chosen_labels.get(slot)
            if known is not None and known[0] is form:  # the same form object: not replaced since
                return known[1]
            label = self._chosen_label(form, answer)
            if label is not None:
                self._chosen_labels[slot] = (form, label)
                return label
            return _shown(answer.label or answer.data)
        text = answer.data if form is not None or answer.data not in (None, "") else answer.label
        return _shown(text, date=form is not None and (form.type or "").lower() == "date")

    def _chosen_label(self, form: Form, answer: FormData) -> str | None:
        ref = next((r for r in form.refvalues if str(r.id) == str(answer.form_ref_id)), None)
        if ref is None:
            return None
        label = ref.label or ref.value or ""
        twins = [r for r in form.refvalues if (r.label or r.value or "").casefold() == label.casefold()]
        # A label is enough to write the answer back, unless another value of the form shares it.
        return f"{label} ({ref.value})" if ref.value and len(twins) > 1 and ref.value != label else label


def shown_time(value: str | None) -> str | None:
    """A timestamp without its fractions of a second, and a midnight UTC timestamp as its date."""
    if not value:
        return value
    match = _TIMESTAMP.fullmatch(value.strip())
    if match is None:
        return value
    day, time, zone = match.group("day", "time", "zone")
    zone = "Z" if zone in (None, "Z", "+00:00", "+0000") else zone
    return day if time == "00:00:00" and zone == "Z" else f"{day}T{time}{zone}"


def _shown(value: Any, *, date: bool = False) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return (shown_time(text) or "") if date else text


_cache: weakref.WeakKeyDictionary[QomonClient, tuple[float, FormsDirectory]] = weakref.WeakKeyDictionary()


async def forms_directory(client: QomonClient) -> FormsDirectory:
    """The client's space's forms, from a short-lived cache."""
    cached = _cache.get(client)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    by_type = await load_all({form_type: partial(client.list_forms, form_type) for form_type in FORM_TYPES})
    directory = FormsDirectory.from_forms(by_type)
    _cache[client] = (time.monotonic() + _TTL_SECONDS, directory)
    return directory
