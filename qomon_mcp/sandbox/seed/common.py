"""Shared plumbing for the demo-space generators: the clock and text helpers.

Every generator draws from one `random.Random` and one `Clock`, so a space is a
pure function of (seed, region, sizes, anchor). Datetimes are naive UTC inside
the generators and become "2024-05-01T10:00:00Z" strings at the edge, because
`isoformat` on a naive datetime is several times faster than `strftime` and
the build has to stay well under a second.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

__all__ = ["DEFAULT_ANCHOR", "Clock", "ascii_slug", "iso"]

# The demo data is laid out around this instant (naive, UTC) unless the caller
# passes `now`, so that two builds without `now` are identical to the byte.
DEFAULT_ANCHOR = datetime(2026, 11, 1, 0, 0, 0)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


@dataclass(frozen=True)
class Clock:
    """The anchor ("now" for the demo data) and random instants before it."""

    anchor: datetime

    @classmethod
    def from_now(cls, now: datetime | None) -> Clock:
        if now is None:
            return cls(DEFAULT_ANCHOR)
        if now.tzinfo is not None:
            now = now.astimezone(UTC).replace(tzinfo=None)
        return cls(now.replace(microsecond=0))

    def ago(self, rng: random.Random, max_days: float, min_days: float = 0.0) -> datetime:
        """A random instant between `max_days` and `min_days` before the anchor."""
        seconds = rng.uniform(min_days, max_days) * 86400.0
        return self.anchor - timedelta(seconds=int(seconds))

    def between(self, rng: random.Random, start: datetime, end: datetime) -> datetime:
        span = max(0.0, (end - start).total_seconds())
        return start + timedelta(seconds=int(rng.random() * span))

    def days(self, n: float) -> datetime:
        """The anchor shifted by `n` days (negative is the past)."""
        return self.anchor + timedelta(days=n)


@lru_cache(maxsize=4096)
def ascii_slug(text: str) -> str:
    """ "Hélène D'Arc" -> "helene-darc": the local part of a generated email."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower().replace(" ", "-") if c.isalnum() or c == "-")
