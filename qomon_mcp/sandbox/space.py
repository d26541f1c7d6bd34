"""The state of one emulated Qomon space.

Records are kept in Qomon's own read shapes (see the shapes page), so that the
routes can return them as they are; what Qomon stores but never returns
(email engagement, sanctions, the form category of a form, soft deletions) sits
beside them in plain dicts keyed by contact or record id. Dates are ISO-8601
strings in UTC ("2024-05-01T10:00:00Z").

One clock: `Space.clock` is what "now" means for the space, both for its date
math (`now-30d` in a search) and for the timestamps the routes write. It is the
real clock by default; a demo space built for tests is pinned (`PinnedClock`)
at the instant its data is laid out around, so no test depends on the day it runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from qomon_mcp.spec.vocabulary import FORM_TYPES

__all__ = ["FORM_TYPES", "Now", "PinnedClock", "Space", "real_clock", "utc_now_iso"]

Record = dict[str, Any]
# A clock: a callable returning an aware datetime.
Now = Callable[[], datetime]


def real_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PinnedClock:
    """A clock stopped at one instant (a class, not a lambda, so that spaces still pickle)."""

    moment: datetime

    def __post_init__(self) -> None:
        moment = self.moment
        aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        object.__setattr__(self, "moment", aware)

    def __call__(self) -> datetime:
        return self.moment


def utc_now_iso(space: Space) -> str:
    """The space's "now" as the routes write it in created/updated timestamps."""
    return space.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Space:
    """One space: what one API key sees."""

    group_id: int
    region: str = "eu"
    name: str = "Demo space"
    fundraising: bool = True

    # Contacts in the read shape of GET /contacts/{id}. A contact's answers to
    # custom_fields forms live in "customfields", all other answers in "formdatas".
    contacts: dict[int, Record] = field(default_factory=dict)
    # Private to the space: NationBuilder ids (upsert matches on them).
    nationbuilder_ids: dict[str, int] = field(default_factory=dict)
    # contact id -> email engagement records {created_at, type, sender, subject, user_id,
    # campaign_id, campaign_name, campaign_goal, campaign_is_successful,
    # campaign_performance_rating, template_id, template_name, delivered_at, opened_at,
    # clicked_at, bounced_at, unsubscribed_at, blacklisted_at, abuse_report_at, clicked_urls [str]}
    emails: dict[int, list[Record]] = field(default_factory=dict)
    # contact id -> sanctions {created_at, start_date, end_date (may be None), status}
    sanctions: dict[int, list[Record]] = field(default_factory=dict)
    # contact id -> interactions returned with include_interactions, in the reference's shape
    # {id, created_at, type (letter|call), sub_type, title, comments, files, user_id, action_id}
    interactions: dict[int, list[Record]] = field(default_factory=dict)

    # Forms in the read shape of GET /forms/{id}; form id -> category (one of FORM_TYPES).
    forms: dict[int, Record] = field(default_factory=dict)
    form_types: dict[int, str] = field(default_factory=dict)

    # Actions in the read shape, and their aggregates {NbVisites, NbContacts, NbVisitesDeclared}.
    actions: dict[int, Record] = field(default_factory=dict)
    action_stats: dict[int, Record] = field(default_factory=dict)

    users: dict[int, Record] = field(default_factory=dict)
    roles: dict[int, Record] = field(default_factory=dict)
    invitations: dict[int, Record] = field(default_factory=dict)
    # Teams in the read shape; a soft-deleted team keeps its record with "deleted_at" set.
    teams: dict[int, Record] = field(default_factory=dict)
    messages: list[Record] = field(default_factory=list)

    # Fundraising: bundles in the read shape, and each bundle's history entries.
    bundles: dict[int, Record] = field(default_factory=dict)
    bundle_history: dict[int, list[Record]] = field(default_factory=dict)
    transaction_settings: Record = field(default_factory=dict)
    transaction_statuses: list[Record] = field(default_factory=list)
    code_campaigns: list[Record] = field(default_factory=list)
    membership_prices: list[Record] = field(default_factory=list)
    membership_price_groups: list[Record] = field(default_factory=list)
    donation_prices: list[Record] = field(default_factory=list)

    # What "now" is for this space: its date math and the timestamps its routes write.
    clock: Now = field(default=real_clock, repr=False)

    _ids: itertools.count = field(default_factory=lambda: itertools.count(1_000_000), repr=False)

    def next_id(self) -> int:
        """A fresh id, unique across every kind of record in this space."""
        return next(self._ids)

    def now(self) -> datetime:
        """The space's clock, as an aware UTC datetime."""
        moment = self.clock()
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    def live_teams(self) -> list[Record]:
        return [t for t in self.teams.values() if not t.get("deleted_at")]

    def forms_of_type(self, form_type: str) -> list[Record]:
        return [f for fid, f in self.forms.items() if self.form_types.get(fid) == form_type]
