"""One clock: the demo data, the emulator's date math and the timestamps its routes write agree on "now"."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import httpx2
import pytest

from qomon_mcp.http.upstream import sandbox_upstream
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.search.engine import count
from qomon_mcp.sandbox.seed.demo import DEFAULT_NOW, DEMO_KEYS, NEXT_YEAR_NOW, build_demo_space, build_demo_spaces
from qomon_mcp.sandbox.space import PinnedClock, Space, real_clock, utc_now_iso
from tests.sandbox.app_support import BASE_URL

KEY = DEMO_KEYS["eu"]
RECENT = {"$all": [{"$all": [{"$condition": {"attr": "UpdatedAt", "ope": "gte", "value": "now-1d"}}]}]}
LAST_MONTH = {"$all": [{"$all": [{"$condition": {"attr": "UpdatedAt", "ope": "gte", "value": "now-30d"}}]}]}


class MovableClock:
    """A clock a test moves by hand."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_demo_space_is_pinned_where_its_data_is_laid_out() -> None:
    space = build_demo_space(contacts=50)
    assert space.clock == PinnedClock(DEFAULT_NOW) and space.now() == DEFAULT_NOW
    latest = max(parse(c["UpdatedAt"]) for c in space.contacts.values())
    assert DEFAULT_NOW - timedelta(days=1) <= latest <= DEFAULT_NOW


@pytest.mark.anyio
@pytest.mark.parametrize("now", [DEFAULT_NOW, NEXT_YEAR_NOW], ids=["pinned", "a-year-later"])
async def test_routes_write_the_space_clock(now: datetime) -> None:
    sandbox = Sandbox({KEY: build_demo_space(contacts=20, now=now)})
    async with sandbox_client(sandbox) as http:
        created = (await http.post("/contacts", json={"data": {"contact": {"surname": "Clock"}}})).json()
        team = (await http.post("/teams", json={"data": {"team": {"name": "Clockwork"}}})).json()
    assert parse(created["data"]["contact"]["CreatedAt"]) == now
    assert parse(team["data"]["team"]["created_at"]) == now


@pytest.mark.anyio
async def test_search_reads_the_space_clock_at_request_time() -> None:
    clock = MovableClock(DEFAULT_NOW)
    sandbox = Sandbox({KEY: build_demo_space(contacts=300, clock=clock)})
    body = {"data": {"advanced_search": {"query": RECENT, "per_page": 1}}}
    async with sandbox_client(sandbox) as http:
        before = (await http.post("/kpi", json=body)).json()["data"]["total"]
        clock.moment = DEFAULT_NOW + timedelta(days=2)
        after = (await http.post("/kpi", json=body)).json()["data"]["total"]
    assert before > 0 and after == 0


def test_a_year_later_the_same_seed_finds_the_same_recent_contacts() -> None:
    # The layout is relative to the anchor, so date math relative to "now" gives the same answer.
    pinned = build_demo_space(contacts=300)
    later = build_demo_space(contacts=300, now=NEXT_YEAR_NOW)
    assert later.now() == NEXT_YEAR_NOW
    assert count(later, {"query": LAST_MONTH}) == count(pinned, {"query": LAST_MONTH}) > 0
    assert count(later, {"query": RECENT}) == count(pinned, {"query": RECENT}) > 0


def test_every_space_of_a_sandbox_shares_one_clock() -> None:
    clock = MovableClock(NEXT_YEAR_NOW)
    spaces = build_demo_spaces(contacts=20, clock=clock)
    assert {space.clock for space in spaces.values()} == {clock}
    assert {space.now() for space in spaces.values()} == {NEXT_YEAR_NOW}


def test_the_real_clock_dates_a_space_from_today_and_keeps_reading_it() -> None:
    space = build_demo_space(contacts=20, clock=real_clock)
    assert space.clock is real_clock
    latest = max(parse(c["UpdatedAt"]) for c in space.contacts.values())
    assert timedelta(0) <= datetime.now(UTC) - latest <= timedelta(days=1, minutes=1)


@pytest.mark.parametrize(
    ("now", "clock_type"), [(None, type(real_clock)), (DEFAULT_NOW, PinnedClock)], ids=["serve", "tests"]
)
def test_the_served_sandbox_reads_real_time_unless_given_an_instant(now: datetime | None, clock_type: type) -> None:
    _, sandboxes = sandbox_upstream(now=now, spaces=None if now is None else build_demo_spaces(now=now, contacts=20))
    assert {type(space.clock) for sandbox in sandboxes for space in sandbox.spaces.values()} == {clock_type}


def test_a_pinned_space_still_pickles() -> None:
    space = build_demo_space(contacts=10, now=NEXT_YEAR_NOW)
    copy: Space = pickle.loads(pickle.dumps(space))
    assert copy.now() == NEXT_YEAR_NOW


def test_timestamps_are_written_in_utc_with_microseconds() -> None:
    space = Space(group_id=1, clock=PinnedClock(datetime(2027, 2, 3, 4, 5, 6, 7000)))
    assert utc_now_iso(space) == "2027-02-03T04:05:06.007000Z"


def sandbox_client(sandbox: Sandbox) -> httpx2.AsyncClient:
    headers = {"Authorization": f"Bearer {KEY}"}
    return httpx2.AsyncClient(transport=sandbox.transport(), base_url=BASE_URL, headers=headers)
