"""The test helper that hands out copies of demo spaces built once per run."""

from __future__ import annotations

import dataclasses
import itertools
from copy import copy
from datetime import datetime
from typing import Any

import pytest

from qomon_mcp.sandbox.app import create_demo_sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS, NEXT_YEAR_NOW
from qomon_mcp.sandbox.space import Space
from tests.spaces import demo_sandbox

EU_KEY = DEMO_KEYS["eu"]


@pytest.mark.parametrize("now", [None, NEXT_YEAR_NOW], ids=["pinned", "a-year-later"])
def test_a_copy_holds_what_a_fresh_build_holds_with_the_same_clock(now: datetime | None) -> None:
    built = create_demo_sandbox(contacts=100, now=now).spaces
    copied = demo_sandbox(contacts=100, now=now).spaces
    assert copied.keys() == built.keys()
    for key, space in built.items():
        assert contents(copied[key]) == contents(space), key
        assert copied[key].now() == space.now()


def contents(space: Space) -> dict[str, Any]:
    # The id counter (an itertools.count) compares by identity: its next value stands for it.
    return {
        field.name: next(copy(value)) if isinstance(value, itertools.count) else value
        for field in dataclasses.fields(space)
        for value in [getattr(space, field.name)]
    }


def test_each_copy_is_its_own_space() -> None:
    first, second = demo_sandbox(contacts=100), demo_sandbox(contacts=100)
    contact_id = next(iter(first.space_for(EU_KEY).contacts))
    del first.space_for(EU_KEY).contacts[contact_id]
    assert contact_id in second.space_for(EU_KEY).contacts
    assert contact_id in demo_sandbox(contacts=100).space_for(EU_KEY).contacts


def test_the_sandbox_settings_are_the_callers() -> None:
    sandbox = demo_sandbox(contacts=100, burst=7, rate=3.0, upsert_delay=0.5)
    assert (sandbox.limiter.burst, sandbox.limiter.rate, sandbox.upserts.delay) == (7, 3.0, 0.5)
