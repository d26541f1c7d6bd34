"""Field checks shared by the write routes; each returns the clean value or raises a 422."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, TypeGuard

from qomon_mcp.sandbox.web import fail

__all__ = [
    "check_bool",
    "check_date",
    "check_int",
    "check_str",
    "check_unknown_keys",
    "is_email",
    "iso",
    "parse_iso",
    "required",
]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_email(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(_EMAIL.match(value))


def iso(moment: datetime) -> str:
    """The sandbox's one way to write a timestamp: UTC, microseconds, "Z"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(value: str) -> datetime:
    """Parse ISO-8601 (date or date-time, "Z" or an offset); naive values are UTC.

    `fromisoformat` rejects impossible calendar dates such as 2025-02-31, as Qomon does.
    """
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_date(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise fail(422, **{field: "must be an ISO-8601 date"})
    try:
        return iso(parse_iso(value))
    except ValueError:
        raise fail(422, **{field: "is not a valid ISO-8601 date"}) from None


def check_int(field: str, value: Any, *, minimum: int | None = None) -> int:
    # bool is an int in Python, not in JSON Schema.
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(422, **{field: "must be an integer"})
    if minimum is not None and value < minimum:
        raise fail(422, **{field: f"must be at least {minimum}"})
    return value


def check_str(field: str, value: Any, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise fail(422, **{field: "must be a string"})
    if required and not value.strip():
        raise fail(422, **{field: "required"})
    return value


def check_bool(field: str, value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise fail(422, **{field: "must be a boolean"})
    return value


def check_unknown_keys(prefix: str, payload: dict[str, Any], allowed: set[str] | frozenset[str]) -> None:
    unknown = sorted(set(payload) - set(allowed))
    if unknown:
        name = f"{prefix}.{unknown[0]}" if prefix else unknown[0]
        raise fail(422, **{name: "unknown field"})


def required(prefix: str, payload: dict[str, Any], *fields: str) -> None:
    for name in fields:
        if payload.get(name) is None or payload.get(name) == "":
            raise fail(422, **{f"{prefix}.{name}" if prefix else name: "required"})
