"""Date values of the search language: ISO-8601, or Elasticsearch date math.

Date math starts at `now` (or at an ISO date followed by `||`) and applies, left
to right, additions `+1d` / subtractions `-30d` and roundings down `/d`, with the
units y (year), M (month), w (week), d (day), h or H (hour), m (minute), s (second).
All dates are UTC; an ISO value without an offset is read as UTC.

A value names either an instant ("2024-05-01T10:00:00Z", "now-1h") or a whole
period: a bare date names its day, and a rounding names the unit it rounded to
("now-1d/d" is all of yesterday, "now/M" all of this month). `parse_date_span`
returns that period, so that comparisons can treat it as Elasticsearch does:
`lte` includes the whole period and `eql` matches anywhere inside it.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta

__all__ = ["is_valid_date_value", "parse_date_span", "parse_date_value"]

_STEP = re.compile(r"([+-])(\d+)([yMwdhHms])|/([yMwdhHms])")
_FIXED = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "H": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}
# Any fixed instant will do to check a value's syntax; only overflow depends on it.
_SYNTAX_ANCHOR = datetime(2000, 1, 1, tzinfo=UTC)
_HINT = "use ISO-8601 (2024-05-01 or 2024-05-01T10:00:00Z) or date math such as now, now-30d, now-1d/d"


def parse_date_value(value: str, now: datetime) -> datetime:
    """The instant `value` names (the start of its period, for a day or a rounded value)."""
    return parse_date_span(value, now)[0]


def parse_date_span(value: str, now: datetime) -> tuple[datetime, datetime | None]:
    """`(start, end)` of the period `value` names, `end` exclusive; `end` is None for an instant.

    Raises ValueError, with a message saying what is wrong, on anything else.
    """
    if not isinstance(value, str):
        raise ValueError(f"date values are strings, got {value!r}: {_HINT}")
    text = value.strip()
    if text.startswith("now"):
        start, end, steps = _as_utc(now), None, text[3:]
    elif "||" in text:
        anchor, steps = text.split("||", 1)
        start, end = _parse_iso(anchor, value)
    else:
        return _parse_iso(text, value)
    try:
        return _apply_steps(start, end, steps, value)
    except OverflowError:
        raise ValueError(f"date value {value!r} is out of range") from None


def is_valid_date_value(value: object) -> bool:
    """Whether `value` is a date value the search language accepts."""
    if not isinstance(value, str):
        return False
    try:
        parse_date_span(value, _SYNTAX_ANCHOR)
    except ValueError:
        return False
    return True


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _parse_iso(text: str, original: str) -> tuple[datetime, datetime | None]:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start, start + timedelta(days=1)
    try:
        return _as_utc(datetime.fromisoformat(text)), None
    except ValueError:
        raise ValueError(f"{original!r} is not a date: {_HINT}") from None


def _apply_steps(start: datetime, end: datetime | None, steps: str, original: str) -> tuple[datetime, datetime | None]:
    pos = 0
    while pos < len(steps):
        step = _STEP.match(steps, pos)
        if step is None:
            raise ValueError(
                f"cannot read {steps[pos:]!r} in date math {original!r}: expected +N or -N "
                f"followed by a unit (y M w d h m s), or a rounding such as /d; {_HINT}"
            )
        sign, amount, unit, rounding = step.groups()
        if rounding:
            start = _round_down(start, rounding)
            end = _add(start, 1, rounding)
        else:
            count = int(amount) if sign == "+" else -int(amount)
            start = _add(start, count, unit)
            end = None if end is None else _add(end, count, unit)
        pos = step.end()
    return start, end


def _add(moment: datetime, count: int, unit: str) -> datetime:
    if unit in _FIXED:
        return moment + count * _FIXED[unit]
    months = count * 12 if unit == "y" else count
    years, month0 = divmod(moment.month - 1 + months, 12)
    year = moment.year + years
    if not 1 <= year <= 9999:
        raise OverflowError
    # Like Elasticsearch (java.time), a month step lands on the last day when the day does not exist.
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


def _round_down(moment: datetime, unit: str) -> datetime:
    if unit == "s":
        return moment.replace(microsecond=0)
    if unit == "m":
        return moment.replace(second=0, microsecond=0)
    if unit in ("h", "H"):
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "d":
        return day
    if unit == "w":
        # Weeks start on Monday, as ISO-8601 and Elasticsearch have it.
        return day - timedelta(days=day.weekday())
    if unit == "M":
        return day.replace(day=1)
    return day.replace(month=1, day=1)
