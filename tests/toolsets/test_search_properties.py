"""Property: any valid typed query is accepted, and finds exactly the contacts a plain reading of it says.

Queries are drawn from the attribute reference (an attribute, one of its
operators, a value of its kind) over contact, address, tag, date and form
attributes, with values taken from the seeded space so that they match
someone. The expected contacts come from `holds` below, a deliberately naive
reading of the search docs written here, independent of the sandbox's own
evaluator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.space import Space
from qomon_mcp.spec.search_attributes import ATTRIBUTES, LIST_OPERATORS, NO_VALUE_OPERATORS
from tests.calls import contacts_in
from tests.spaces import demo_sandbox
from tests.toolsets.conftest import EU_KEY, make_settings

Contact = dict[str, Any]
Cond = dict[str, Any]

TEXT_ATTRS = (
    "firstname", "surname", "married_name", "birthcity", "birthcountry", "nationality", "mail", "phone",
    "mobile", "address.city", "address.postalcode", "address.street", "address.country",
    "address.housenumber", "address.pollingstation",
)  # fmt: skip
DATE_ATTRS = ("birthdate", "lastchange", "UpdatedAt")
CHOICES = {"gender": ("M", "F", "O", "m", "f"), "black_list": ("true", "false"), "age_cat": tuple("0123456")}
ATTRS_OF = {"text": TEXT_ATTRS, "tag": ("tags.name",), "choice": tuple(CHOICES), "date": DATE_ATTRS}
NEGATIVE = {"not_eql": "eql", "not_eql:strictdata": "eql:strictdata", "not_start_with": "start_with",
            "not_contains": "contains", "none_of": "any_of"}  # fmt: skip
_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@cache
def sandbox() -> Sandbox:
    # Built once for the module: every example only reads. 500 contacts keep every kind of value and a fast run.
    return demo_sandbox(contacts=500, burst=100_000, rate=100_000.0, upsert_delay=0.05)


def space() -> Space:
    return sandbox().space_for(EU_KEY)


# Reading a contact's fields


def field(contact: Contact, attr: str) -> Any:
    if attr.startswith("address."):
        return (contact.get("address") or {}).get(attr.split(".", 1)[1])
    if attr == "tags.name":
        return [t.get("name") for t in contact.get("tags") or []]
    return contact.get({"age_cat": "age_category"}.get(attr, attr))


def present(value: Any) -> bool:
    if isinstance(value, list):
        return any(present(v) for v in value)
    return value is not None and str(value).strip() != ""


def fold(value: Any) -> str:
    return str(value).casefold() if value is not None else ""


def instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def span(value: str, now: datetime) -> tuple[datetime, datetime | None]:
    """An ISO day is the whole day, an ISO instant itself; date math as generated below ("now-3d/d", "now-2y/y")."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        start = instant(value)
        return start, start + timedelta(days=1)
    if not value.startswith("now"):
        return instant(value), None
    days = re.fullmatch(r"now(?:-(\d+)d)?/d", value)
    if days:
        start = (now - timedelta(days=int(days.group(1) or 0))).replace(hour=0, minute=0, second=0, microsecond=0)
        return start, start + timedelta(days=1)
    years = re.fullmatch(r"now(?:-(\d+)y)?/y", value)
    assert years, value
    year = now.year - int(years.group(1) or 0)
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def date_holds(stored: Any, ope: str, cond: Cond, now: datetime) -> bool:
    if not present(stored):
        return False
    moment = instant(stored)
    if ope == "range":
        low, _ = span(cond["from"], now)
        high, high_end = span(cond["to"], now)
        return low <= moment and (moment < high_end if high_end else moment <= high)
    start, end = span(cond["value"], now)
    if ope == "gte":
        return moment >= start
    if ope == "lte":
        return moment < end if end else moment <= start
    return start <= moment < end if end else moment == start


def holds(contact: Contact, cond: Cond, now: datetime) -> bool:
    attr, ope = cond["attr"], cond["ope"]
    if attr in ("form", "custom_fields"):
        return form_holds(contact, cond)
    stored = field(contact, attr)
    if ope == "ext":
        return present(stored)
    if ope == "not_ext":
        return not present(stored)
    if ope in NEGATIVE:
        return not holds(contact, {**cond, "ope": NEGATIVE[ope]}, now)
    if attr in DATE_ATTRS:
        return date_holds(stored, ope, cond, now)
    values = stored if isinstance(stored, list) else [stored]
    texts = [fold(v) for v in values if present(v)]
    if attr == "black_list":
        return stored is (cond["value"] == "true")
    if ope == "eql:strictdata":
        return stored == cond["value"]
    if ope == "any_of":
        return any(t in {fold(v) for v in cond["value"]} for t in texts)
    if ope == "all_of":
        return all(fold(v) in texts for v in cond["value"])
    wanted = fold(cond["value"])
    if ope == "start_with":
        return any(t.startswith(wanted) for t in texts)
    if ope == "contains":
        return any(wanted in t for t in texts)
    return wanted in texts  # eql


def form_holds(contact: Contact, cond: Cond) -> bool:
    key = "formdatas" if cond["attr"] == "form" else "customfields"
    answers = [a for a in contact.get(key) or [] if a.get("form_id") == cond["form_id"] and not a.get("deleted_at")]
    if cond["ope"] in ("ext", "not_ext"):
        return bool(answers) is (cond["ope"] == "ext")
    chosen = {a.get("form_ref_id") for a in answers}
    answered = bool(answers) and set(cond["form_ref_ids"]) <= chosen
    return answered is (cond["ope"] == "eql")


def expected_ids(query: dict[str, Any], now: datetime) -> set[int]:
    def group(g: dict[str, Any], contact: Contact) -> bool:
        tests = (holds(contact, c, now) for c in g["conditions"])
        return all(tests) if g["match"] == "all" else any(tests)

    combine = all if query["match"] == "all" else any
    return {i for i, c in space().contacts.items() if combine(group(g, c) for g in query["groups"])}


# Drawing valid queries from the attribute reference and the seeded values


@cache
def pools() -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for contact in space().contacts.values():
        for attr in (*TEXT_ATTRS, *DATE_ATTRS, "tags.name"):
            stored = field(contact, attr)
            for value in stored if isinstance(stored, list) else [stored]:
                if present(value):
                    found.setdefault(attr, set()).add(str(value))
    return {attr: sorted(values) for attr, values in found.items()}


@cache
def forms() -> list[tuple[str, int, list[int]]]:
    """(attr, form id, its value ids) for every form of the space."""
    kinds = space().form_types
    return [
        ("custom_fields" if kinds[key] == "custom_fields" else "form", key, [r["id"] for r in form["refvalues"]])
        for key, form in sorted(space().forms.items())
    ]


@st.composite
def text_value(draw: st.DrawFn, attr: str) -> str:
    known = draw(st.sampled_from(pools()[attr]))
    kind = draw(st.sampled_from(("same", "prefix", "upper", "inner", "other")))
    if kind == "prefix":
        return known[: draw(st.integers(1, max(1, len(known))))]
    if kind == "upper":
        return known.upper()
    if kind == "inner" and len(known) > 2:
        start = draw(st.integers(0, len(known) - 2))
        inner = known[start : start + draw(st.integers(1, 4))]
        return inner if inner.strip() else known
    if kind == "other":
        return draw(st.text(alphabet="abcdeéxyz0123456789", min_size=1, max_size=4))
    return known


@st.composite
def date_value(draw: st.DrawFn, attr: str) -> str:
    known = draw(st.sampled_from(pools()[attr]))
    choice = draw(st.sampled_from(("day", "instant", "other_day", "days_ago", "years_ago")))
    if choice == "day":
        return known[:10]
    if choice == "instant":
        return known
    if choice == "other_day":
        return draw(st.dates(datetime(1940, 1, 1).date(), datetime(2027, 12, 31).date())).isoformat()
    if choice == "days_ago":
        return draw(st.sampled_from(("now/d", "now-1d/d", "now-30d/d", "now-400d/d")))
    return draw(st.sampled_from(("now/y", "now-1y/y", "now-2y/y", "now-40y/y")))


@st.composite
def condition(draw: st.DrawFn) -> Cond:
    family = draw(st.sampled_from(("text", "text", "tag", "choice", "date", "form")))
    if family == "form":
        attr, form_id, refs = draw(st.sampled_from(forms()))
        ope = draw(st.sampled_from(("ext", "not_ext", "eql", "not_eql") if refs else ("ext", "not_ext")))
        cond: Cond = {"attr": attr, "ope": ope, "form_id": form_id}
        if ope in ("eql", "not_eql"):
            cond["form_ref_ids"] = draw(st.lists(st.sampled_from(refs), min_size=1, max_size=2, unique=True))
        return cond
    attr = draw(st.sampled_from(ATTRS_OF[family]))
    ope = draw(st.sampled_from(ATTRIBUTES[attr].documented_operators))
    cond = {"attr": attr, "ope": ope}
    if ope in NO_VALUE_OPERATORS:
        return cond
    if family == "choice":
        one: st.SearchStrategy[str] = st.sampled_from(CHOICES[attr])
    elif family == "date":
        one = date_value(attr)
    elif family == "tag":
        names = pools()["tags.name"]
        one = st.sampled_from([*names, *(n.upper() for n in names), "nobody-has-this"])
    else:
        one = text_value(attr)
    if ope == "range":
        cond["from"], cond["to"] = draw(one), draw(one)
    elif ope in LIST_OPERATORS:
        cond["value"] = draw(st.lists(one, min_size=1, max_size=3))
    else:
        cond["value"] = draw(one)
    return cond


MATCH = st.sampled_from(("all", "at_least_one"))
GROUP = st.fixed_dictionaries({"match": MATCH, "conditions": st.lists(condition(), min_size=1, max_size=3)})
QUERY = st.fixed_dictionaries({"match": MATCH, "groups": st.lists(GROUP, min_size=1, max_size=3)})


Connected = tuple[BlockingPortal, Client]


@pytest.fixture(scope="module")
def connected() -> Iterator[Connected]:
    """One event loop, server and client for every example (hypothesis calls the test synchronously)."""
    with start_blocking_portal() as portal:
        server = create_server(make_settings(), transport=sandbox().transport())
        with portal.wrap_async_context_manager(Client(server)) as client:
            yield portal, client


def ask(connected: Connected, query: dict[str, Any]) -> tuple[set[int], int]:
    portal, client = connected
    return portal.call(_ask, client, query)


async def _ask(client: Client, query: dict[str, Any]) -> tuple[set[int], int]:
    found = await client.call_tool("search_contacts", {"query": query, "limit": 5000, "fields": []})
    counted = await client.call_tool("count_contacts", {"query": query})
    for result in (found, counted):
        assert not result.is_error, result.content[0].text
    contacts = contacts_in(json.loads(found.content[0].text))
    return {c["id"] for c in contacts}, json.loads(counted.content[0].text).get("total", 0)


@_SETTINGS
@pytest.mark.slow
@given(query=QUERY)
def test_valid_queries_find_what_the_reference_says(connected: Connected, query: dict[str, Any]) -> None:
    now = space().now()
    found, total = ask(connected, query)
    expected = expected_ids(query, now)
    assert found == expected, f"{len(found ^ expected)} contacts differ"
    assert total == len(expected)


@_SETTINGS
@pytest.mark.slow
@given(cond=condition())
def test_every_drawn_condition_alone_finds_what_the_reference_says(connected: Connected, cond: Cond) -> None:
    query = {"match": "all", "groups": [{"match": "all", "conditions": [cond]}]}
    now = space().now()
    found, _ = ask(connected, query)
    assert found == expected_ids(query, now)
