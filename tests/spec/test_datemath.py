from datetime import UTC, datetime

import pytest

from qomon_mcp.spec.datemath import is_valid_date_value, parse_date_span, parse_date_value

# A Sunday, mid-afternoon, so that week and day roundings both move.
NOW = datetime(2025, 6, 15, 12, 30, 45, 123456, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("now", NOW, id="now"),
        pytest.param("now-30d", utc(2025, 5, 16, 12, 30, 45, 123456), id="minus-days"),
        pytest.param("now-1d/d", utc(2025, 6, 14), id="yesterday-rounded"),
        pytest.param("now+1y", utc(2026, 6, 15, 12, 30, 45, 123456), id="plus-year"),
        pytest.param("now-1h", utc(2025, 6, 15, 11, 30, 45, 123456), id="minus-hour"),
        pytest.param("now-3H/H", utc(2025, 6, 15, 9), id="capital-hour"),
        pytest.param("now-5m/m", utc(2025, 6, 15, 12, 25), id="minutes"),
        pytest.param("now-10s/s", utc(2025, 6, 15, 12, 30, 35), id="seconds"),
        pytest.param("now-2w/w", utc(2025, 5, 26), id="weeks-round-to-monday"),
        pytest.param("now/w", utc(2025, 6, 9), id="this-week"),
        pytest.param("now/M", utc(2025, 6, 1), id="this-month"),
        pytest.param("now/y", utc(2025, 1, 1), id="this-year"),
        pytest.param("now-1M+2d/d", utc(2025, 5, 17), id="several-steps"),
        pytest.param("now/d+1d", utc(2025, 6, 16), id="round-then-add"),
        pytest.param(" now-1d ", utc(2025, 6, 14, 12, 30, 45, 123456), id="surrounding-spaces"),
        pytest.param("2024-05-01", utc(2024, 5, 1), id="iso-date"),
        pytest.param("2024-05-01T10:00:00Z", utc(2024, 5, 1, 10), id="iso-zulu"),
        pytest.param("2024-05-01T12:00:00+02:00", utc(2024, 5, 1, 10), id="iso-offset"),
        pytest.param("2024-05-01T10:00:00", utc(2024, 5, 1, 10), id="iso-naive-is-utc"),
        pytest.param("2024-05-01T10:00:00.250Z", utc(2024, 5, 1, 10, 0, 0, 250000), id="iso-fraction"),
        pytest.param("2024-01-31||+1M", utc(2024, 2, 29), id="anchored-month-clamps"),
        pytest.param("2024-02-29T08:00:00Z||+1y/d", utc(2025, 2, 28), id="anchored-leap-year"),
    ],
)
def test_parse_date_value(value: str, expected: datetime) -> None:
    assert parse_date_value(value, NOW) == expected


def test_month_step_lands_on_the_last_day_of_a_shorter_month() -> None:
    assert parse_date_value("now-1M", utc(2025, 3, 31, 9)) == utc(2025, 2, 28, 9)


def test_naive_now_is_read_as_utc() -> None:
    assert parse_date_value("now-1d/d", datetime(2025, 6, 15, 1, 0)) == utc(2025, 6, 14)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("now", (NOW, None), id="instant"),
        pytest.param("2024-05-01T10:00:00Z", (utc(2024, 5, 1, 10), None), id="iso-instant"),
        pytest.param("2024-05-01", (utc(2024, 5, 1), utc(2024, 5, 2)), id="bare-date-is-a-day"),
        pytest.param("now-1d/d", (utc(2025, 6, 14), utc(2025, 6, 15)), id="rounded-day"),
        pytest.param("now/w", (utc(2025, 6, 9), utc(2025, 6, 16)), id="rounded-week"),
        pytest.param("now/M", (utc(2025, 6, 1), utc(2025, 7, 1)), id="rounded-month"),
        pytest.param("now/y", (utc(2025, 1, 1), utc(2026, 1, 1)), id="rounded-year"),
        pytest.param("now/h", (utc(2025, 6, 15, 12), utc(2025, 6, 15, 13)), id="rounded-hour"),
        pytest.param("now/d+1d", (utc(2025, 6, 16), utc(2025, 6, 17)), id="shifted-after-rounding"),
        pytest.param("2024-05-01||+1d", (utc(2024, 5, 2), utc(2024, 5, 3)), id="anchored-day"),
    ],
)
def test_parse_date_span(value: str, expected: tuple[datetime, datetime | None]) -> None:
    assert parse_date_span(value, NOW) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("", "is not a date", id="empty"),
        pytest.param("yesterday", "is not a date", id="word"),
        pytest.param("2024-02-31", "is not a date", id="impossible-calendar-day"),
        pytest.param("now-1x", "cannot read '-1x'", id="unknown-unit"),
        pytest.param("now-d", "cannot read '-d'", id="missing-number"),
        pytest.param("now-1d/", "cannot read '/'", id="dangling-rounding"),
        pytest.param("now - 1d", "cannot read", id="inner-spaces"),
        pytest.param("now+99999y", "out of range", id="overflow-years"),
        pytest.param("now+999999999999d", "out of range", id="overflow-days"),
        pytest.param("nowish", "cannot read 'ish'", id="trailing-word"),
    ],
)
def test_bad_values_raise_a_clear_error(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_date_value(value, NOW)


def test_non_string_values_are_refused() -> None:
    with pytest.raises(ValueError, match="date values are strings"):
        parse_date_value(20240501, NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param("now-1d/d", True, id="math"),
        pytest.param("2024-05-01", True, id="date"),
        pytest.param("2024-05-01T10:00:00+02:00", True, id="datetime"),
        pytest.param("now-1q", False, id="bad-unit"),
        pytest.param("tomorrow", False, id="word"),
        pytest.param(None, False, id="none"),
        pytest.param(5, False, id="number"),
    ],
)
def test_is_valid_date_value(value: object, valid: bool) -> None:
    assert is_valid_date_value(value) is valid
