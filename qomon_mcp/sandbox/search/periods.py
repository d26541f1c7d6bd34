"""The search operator `period` and the attribute `birthday`, known from Qomon's reference only.

Shapes file, "Types and rules": the reference knows an operator `period` and an
attribute `birthday` taking the value `today`; an emulator that refuses them is
stricter than Qomon. Neither the docs nor the reference say what a `period`
value looks like, so it is read loosely here:

- a `value` that is a date or date math names its period, as `eql` reads it
  ("now/M" is this month, "2024-05-01" that day), and a bare year ("2024") names
  that calendar year;
- `from` and `to` bound the period as `range` does;
- "today" is today, as for `birthday`;
- any other value is not refused: it names no period we can read and matches nothing.

`birthday` compares the day and month of the birthdate: `eql` with "today" (or a
date) matches birthdays on that day of the year; `period` matches contacts whose
birthday falls inside the period, in any of the years it spans.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from qomon_mcp.sandbox.search.values import DateSpan, QueryError, stored_instant
from qomon_mcp.spec.datemath import parse_date_span

__all__ = ["birthday_test", "period_date_test"]

Record = dict[str, Any]


def period_date_test(attr: str, condition: Record, now: datetime) -> Callable[[datetime], bool]:
    """A test over one stored instant: inside the period the condition names."""
    span = _period(attr, condition, now)
    if span is None:
        return lambda moment: False
    start, end = span
    return lambda moment: start <= moment < end


def birthday_test(ope: str, condition: Record, now: datetime) -> Callable[[Any], bool]:
    """A test over a stored birthdate, by its day and month."""
    if ope == "period":
        span = _period("birthday", condition, now)
        if span is None:
            return lambda stored: False
        low, high = span
        return lambda stored: _anniversary_within(stored_instant(stored), low, high)
    value = condition.get("value")
    if value is None:
        raise QueryError("condition on 'birthday' with operator 'eql' needs a value, such as \"today\"")
    day = _start(value, now)
    if day is None:
        return lambda stored: False
    wanted = (day.month, day.day)
    return lambda stored: (moment := stored_instant(stored)) is not None and (moment.month, moment.day) == wanted


def _period(attr: str, condition: Record, now: datetime) -> tuple[datetime, datetime] | None:
    """The period (start, end exclusive) a condition names, or None when its value cannot be read."""
    if condition.get("from") is not None or condition.get("to") is not None:
        if condition.get("from") is None or condition.get("to") is None:
            raise QueryError(f"condition on '{attr}' with operator 'period' needs both 'from' and 'to'")
        low, high = _span(condition["from"], now), _span(condition["to"], now)
        if low is None or high is None:
            return None
        return low[0], high[1] if high[1] is not None else high[0] + timedelta(microseconds=1)
    value = condition.get("value")
    if value is None:
        raise QueryError(f"condition on '{attr}' with operator 'period' needs a value, or 'from' and 'to'")
    span = _span(value, now)
    if span is None:
        return None
    start, end = span
    return start, end if end is not None else start + timedelta(microseconds=1)


def _span(value: Any, now: datetime) -> DateSpan | None:
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if text.lower() == "today":
        text = "now/d"
    if len(text) == 4 and text.isdigit():
        year = int(text)
        if not 1 <= year < 9999:
            return None
        return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    try:
        return parse_date_span(text, now)
    except ValueError:
        return None


def _start(value: Any, now: datetime) -> datetime | None:
    span = _span(value, now)
    return None if span is None else span[0]


def _anniversary_within(birthdate: datetime | None, low: datetime, high: datetime) -> bool:
    if birthdate is None:
        return False
    for year in range(low.year, high.year + 1):
        try:
            anniversary = datetime(year, birthdate.month, birthdate.day, tzinfo=UTC)
        except ValueError:  # 29 February in a common year
            continue
        # The whole day of the anniversary counts: it matches if any of it falls within the period.
        if anniversary < high and anniversary + timedelta(days=1) > low:
            return True
    return False
