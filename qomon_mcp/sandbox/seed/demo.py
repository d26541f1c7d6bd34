"""The deterministic demo spaces the sandbox serves.

A space is a pure function of its arguments: the same seed, region, sizes and
`now` give the same records and the same ids. Dates are laid out relative to
an anchor, and the space's clock (what "now" means to the emulator's date math
and to the timestamps its routes write) agrees with it, so there is one clock:

- `now=None, clock=None` (tests): anchor 2026-11-01T00:00:00Z (`DEFAULT_NOW`),
  clock pinned there;
- `now=<instant>`: anchor and pinned clock at that instant;
- `clock=real_clock` (a server for people): anchor at the real now when the
  space is built, and the clock keeps reading real time.

Ids: reference records keep small fixed ids, the same in every space:
transaction statuses 1-7, membership prices 10-16, donation prices 20-24,
membership price groups 30-33, roles 101-105, team addresses 201-203, forms 4530-4547 and their
refvalues 7486-7535 (the docs' examples use status 2 = reimbursed, membership
price 10, donation price 20, form 4530 / refvalue 7486 "consent_email"). Every
other record takes its id from `Space.next_id()` (1,000,000 upwards), so the
space's counter is already past every seeded id and records created later
through the API never collide with them.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from functools import partial

from qomon_mcp.sandbox.seed.activity import add_action_stats, add_emails, add_interactions, add_sanctions
from qomon_mcp.sandbox.seed.common import DEFAULT_ANCHOR, Clock
from qomon_mcp.sandbox.seed.forms import FormAnswerer, add_forms
from qomon_mcp.sandbox.seed.fundraising import add_fundraising
from qomon_mcp.sandbox.seed.identity import IdentityMaker
from qomon_mcp.sandbox.seed.lazy_spaces import LazySpaces
from qomon_mcp.sandbox.seed.org import add_actions, add_org
from qomon_mcp.sandbox.seed.people import add_contacts
from qomon_mcp.sandbox.space import Now, PinnedClock, Space

__all__ = [
    "DEFAULT_NOW",
    "DEMO_KEYS",
    "NEXT_YEAR_NOW",
    "NO_FUNDRAISING_KEY",
    "build_demo_space",
    "build_demo_spaces",
]

# Obviously fake keys that select a demo space; they never reach Qomon.
DEMO_KEYS = {"eu": "sandbox-eu-demo-key", "us": "sandbox-us-demo-key"}
NO_FUNDRAISING_KEY = "sandbox-eu-nofundraising-key"

# What "now" is for a space built without `now`.
DEFAULT_NOW = DEFAULT_ANCHOR.replace(tzinfo=UTC)
# The same instant a year (365 days) later: date tests also run there, so they would still pass a year from now.
NEXT_YEAR_NOW = DEFAULT_NOW + timedelta(days=365)

_GROUP_IDS = {"eu": 3101, "us": 3201}
_NAMES = {"eu": "Collectif Demain (demo)", "us": "Neighbors United (demo)"}


def build_demo_space(
    *,
    seed: int = 0,
    region: str = "eu",
    contacts: int = 3000,
    fundraising: bool = True,
    group_id: int | None = None,
    now: datetime | None = None,
    clock: Now | None = None,
) -> Space:
    """Build one demo space: about 40 users, 26 actions, 18 forms and `contacts` contacts.

    With `fundraising`, about one bundle per five contacts over the three years
    before the anchor; without it, the fundraising fields stay empty, as on a
    space without the add-on.
    """
    if region not in _GROUP_IDS:
        raise ValueError(f"unknown region {region!r}: expected 'eu' or 'us'")
    anchor = now if now is not None else clock() if clock is not None else DEFAULT_NOW
    space = Space(
        group_id=group_id if group_id is not None else _GROUP_IDS[region],
        region=region,
        name=_NAMES[region],
        fundraising=fundraising,
        clock=clock if clock is not None else PinnedClock(anchor),
    )
    rng = random.Random(seed)
    layout = Clock.from_now(anchor)
    people = IdentityMaker(region, rng)
    add_forms(space)
    users = add_org(space, rng, layout, people)
    add_actions(space, rng, layout)
    add_contacts(space, rng, layout, people, FormAnswerer(space, rng), users, contacts)
    add_interactions(space, rng, layout)
    add_action_stats(space, rng)
    add_emails(space, rng, layout)
    add_sanctions(space, rng, layout)
    # Last, so that a space with and without the add-on share everything else.
    if fundraising:
        add_fundraising(space, rng, layout, bundles=contacts // 5)
    return space


def build_demo_spaces(
    seed: int = 0, *, now: datetime | None = None, clock: Now | None = None, contacts: int = 3000
) -> dict[str, Space]:
    """Every demo API key and its space: EU and US with fundraising, and a small EU space without it.

    The three spaces share one anchor and one clock.
    """
    return dict(lazy_demo_spaces(seed, now=now, clock=clock, contacts=contacts))


def lazy_demo_spaces(
    seed: int = 0, *, now: datetime | None = None, clock: Now | None = None, contacts: int = 3000
) -> LazySpaces:
    """The spaces of `build_demo_spaces`, each seeded the first time its key is used."""
    if now is None and clock is not None:
        now = clock()
    eu, us = (
        partial(build_demo_space, seed=seed, region=region, contacts=contacts, now=now, clock=clock)
        for region in ("eu", "us")
    )
    small = partial(
        build_demo_space, seed=seed, region="eu", contacts=200, fundraising=False, group_id=3102, now=now, clock=clock
    )
    return LazySpaces({DEMO_KEYS["eu"]: eu, DEMO_KEYS["us"]: us, NO_FUNDRAISING_KEY: small})
