"""Privacy mode: contact details masked in everything the model reads, never in what it asks.

`QOMON_PRIVACY=masked` (or a connection asking for it) masks emails, phone numbers, the
street part of addresses and full birth dates in results, resources, completions and
ChatGPT documents: enough is left to tell records apart ("j***@example.org",
"+33 6 •• •• •• 12", "1984"), not enough to reach the person. Queries are untouched, so a
search on an exact mail still finds its contact. The caller's choice travels in a context
variable that the server sets around each call (`masking`), so shaping needs no argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = [
    "active",
    "mask",
    "mask_address_line",
    "mask_birthdate",
    "mask_email",
    "mask_phone",
    "masking",
    "scrub_text",
]

_masked: ContextVar[bool] = ContextVar("qomon_mcp_privacy_masked", default=False)

_EMAIL_KEYS = frozenset({"mail", "email"})
_PHONE_KEYS = frozenset({"phone", "mobile", "mobile_phone"})
_BIRTH_KEYS = frozenset({"birthdate"})
_ADDRESS_LINE_KEYS = frozenset({"address"})
# The parts of an address that lead to the door, and the coordinates that lead there as well.
_DROPPED_KEYS = frozenset(
    {"street", "housenumber", "addition", "building", "floor", "door", "coordinates", "latitude", "longitude"}
)
_HIDDEN = "••"

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# A phone number inside free text: international (+33...) or national (0...), digits grouped by
# spaces or dots. Ids never start with 0 and dates hold dashes, so neither is taken for one.
_PHONE_IN_TEXT = re.compile(r"(?<![\w+.])(?:\+|\b0)\d(?:[ .]?\d){7,13}(?![\w])")
_POSTAL_LED = re.compile(r"^\s*\d{4,6}(?:\s|$)")
_YEAR = re.compile(r"\b(1[89]\d{2}|2\d{3})\b")


@contextmanager
def masking(on: bool) -> Iterator[None]:
    """Mask (or not) whatever is shaped for the model inside this block."""
    token = _masked.set(on)
    try:
        yield
    finally:
        _masked.reset(token)


def active() -> bool:
    """Whether the call being served asked for masked contact details."""
    return _masked.get()


def mask_email(value: str) -> str:
    """`jean.dupont@example.org` -> `j***@example.org`: the domain says which organisation, not who."""
    local, at, domain = value.strip().rpartition("@")
    if not at or not local or not domain:
        return _HIDDEN
    return f"{local[0]}***@{domain}"


def mask_phone(value: str) -> str:
    """`+33 6 12 34 56 78` -> `+33 6 •• •• •• 78`: the country prefix (or the first two digits) and the last two."""
    digits = sum(ch.isdigit() for ch in value)
    if digits < 6:
        return _HIDDEN
    keep_first = 3 if value.lstrip().startswith("+") else 2
    seen, out = 0, []
    for ch in value.strip():
        if ch.isdigit():
            seen += 1
            out.append(ch if seen <= keep_first or seen > digits - 2 else "•")
        else:
            out.append(ch)
    return "".join(out)


def mask_birthdate(value: str) -> str:
    """A birth date as its year only (`1984-03-12` -> `1984`)."""
    match = _YEAR.search(value)
    return match.group(1) if match else _HIDDEN


def mask_address_line(value: str) -> str | None:
    """An address on one line without what precedes the postal code ("12 Rue X, 69003 Lyon" -> "69003 Lyon").

    Without a postal code, a first part holding a number (a house number) goes."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    led = next((i for i, p in enumerate(parts) if _POSTAL_LED.match(p)), None)
    if led is not None:
        parts = parts[led:]
    elif parts and any(ch.isdigit() for ch in parts[0]):
        parts = parts[1:]
    return ", ".join(parts) or None


def scrub_text(value: str) -> str:
    """Free text with any email address or phone number in it masked."""
    value = _EMAIL.sub(lambda m: mask_email(m.group()), value)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), value)


def mask(value: Any) -> Any:
    """`value` (a shaped result: objects, lists, tables of `columns` and `rows`) with contact details masked."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in _DROPPED_KEYS:
                continue
            if key == "rows" and isinstance(value.get("columns"), list) and isinstance(item, list):
                out[key] = _table_rows(value["columns"], item)
            elif key == "columns" and isinstance(item, list) and isinstance(value.get("rows"), list):
                out[key] = [c for c in item if c not in _DROPPED_KEYS]
            else:
                masked = _field(key, item)
                if masked is not None:
                    out[key] = masked
        return out
    if isinstance(value, list):
        return [mask(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def _table_rows(columns: list[Any], rows: list[Any]) -> list[Any]:
    kept = [i for i, c in enumerate(columns) if c not in _DROPPED_KEYS]
    masked = []
    for row in rows:
        if not isinstance(row, list):
            masked.append(mask(row))
            continue
        masked.append([_field(columns[i], row[i]) if i < len(row) else None for i in kept])
    return masked


def _field(key: Any, value: Any) -> Any:
    if isinstance(value, list) and key in _EMAIL_KEYS | _PHONE_KEYS | _BIRTH_KEYS:
        return [_field(key, item) for item in value]
    if not isinstance(value, str):
        return mask(value)
    if key in _EMAIL_KEYS:
        return mask_email(value)
    if key in _PHONE_KEYS:
        return mask_phone(value)
    if key in _BIRTH_KEYS:
        return mask_birthdate(value)
    if key in _ADDRESS_LINE_KEYS:
        return mask_address_line(scrub_text(value))
    return scrub_text(value)
