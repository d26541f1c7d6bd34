"""Reading the values of search conditions, and comparing stored values with them.

Every reader raises QueryError with a sentence naming the attribute and what it
expects; the route turns that sentence into the 422 body. Stored values that
cannot be read (a malformed date in a record) never raise: they simply match nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from qomon_mcp.spec.datemath import parse_date_span

__all__ = [
    "DateSpan",
    "QueryError",
    "date_test",
    "number_test",
    "read_amount",
    "read_count",
    "read_date",
    "read_list",
    "read_number",
    "read_scalar",
    "read_year",
    "stored_instant",
    "stored_number",
]

DateSpan = tuple[datetime, datetime | None]


class QueryError(ValueError):
    """A search query the API would refuse with 422; the message says why."""


def read_scalar(attr: str, value: Any) -> str:
    """A text, id or code value. Numbers are taken as their text: phone numbers and ids come both ways."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise QueryError(f"condition on '{attr}': value must be a string, got {value!r}")


def read_list(attr: str, value: Any) -> list[str]:
    """The list operators take a list of strings, or one comma-separated string."""
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list):
        items = [read_scalar(attr, item) for item in value]
    else:
        raise QueryError(
            f"condition on '{attr}': any_of, none_of and all_of take a list of strings "
            f"or a comma-separated string, got {value!r}"
        )
    items = [item.strip() for item in items if item.strip()]
    if not items:
        raise QueryError(f"condition on '{attr}': the list of values is empty")
    return items


def read_amount(attr: str, value: Any) -> Decimal:
    """Euros as a string, returned in cents: Qomon stores cents and documents euros."""
    # Docs, "Financial fields": amounts are in euros and must always be passed as strings.
    if not isinstance(value, str):
        raise QueryError(
            f'condition on \'{attr}\': amounts are strings in euros, such as "50" or "12.5"; got {value!r}'
        )
    try:
        euros = Decimal(value.strip())
    except InvalidOperation:
        euros = Decimal("NaN")
    if not euros.is_finite():
        raise QueryError(f'condition on \'{attr}\': {value!r} is not an amount in euros, such as "50" or "12.5"')
    return euros * 100


def read_count(attr: str, value: Any) -> int:
    """A number of records: an integer string, as the docs show; a bare integer is accepted too."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise QueryError(f"condition on '{attr}': {value!r} is not a whole number, such as \"3\"")


def read_number(attr: str, value: Any) -> Decimal:
    number = _decimal(value)
    if number is None:
        raise QueryError(f"condition on '{attr}': {value!r} is not a number, such as \"75\"")
    return number


def read_year(attr: str, value: Any) -> int:
    # Docs, "Memberships": memberships.period and multiple_in_period take a year string ("2024").
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if len(text) != 4 or not text.isdigit():
        raise QueryError(f"condition on '{attr}': {value!r} is not a year, such as \"2024\"")
    return int(text)


def read_date(attr: str, value: Any, now: datetime) -> DateSpan:
    # Docs, "Operators", and the shapes file's "Search": ISO dates or date math, UTC.
    try:
        return parse_date_span(value, now)
    except ValueError as exc:
        raise QueryError(f"condition on '{attr}': {exc}") from None


def stored_instant(value: Any) -> datetime | None:
    """A stored date as an aware UTC datetime; naive and date-only values are UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def stored_number(value: Any) -> Decimal | None:
    return _decimal(value)


def number_test(ope: str, bounds: tuple[Decimal, ...]) -> Callable[[Decimal], bool]:
    """eql / lte / gte / range over numbers; `bounds` is (value,) or (from, to)."""
    if ope == "range":
        low, high = bounds
        return lambda n: low <= n <= high
    (target,) = bounds
    if ope == "lte":
        return lambda n: n <= target
    if ope == "gte":
        return lambda n: n >= target
    return lambda n: n == target


def date_test(ope: str, spans: tuple[DateSpan, ...]) -> Callable[[datetime], bool]:
    """eql / lte / gte / range over dates, Elasticsearch-style.

    A value naming a whole period (a bare date, a rounding such as now-1d/d) is
    matched by `eql` anywhere inside it and included entirely by `lte` and by the
    upper bound of `range`; an instant is compared exactly.
    """
    if ope == "range":
        (low, _), high = spans
        return lambda d: low <= d and _not_after(d, high)
    ((start, end),) = spans
    if ope == "lte":
        return lambda d: _not_after(d, (start, end))
    if ope == "gte":
        return lambda d: d >= start
    if end is None:
        return lambda d: d == start
    return lambda d: start <= d < end


def _not_after(moment: datetime, span: DateSpan) -> bool:
    start, end = span
    return moment <= start if end is None else moment < end


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
