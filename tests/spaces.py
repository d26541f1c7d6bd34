"""Demo sandboxes for tests, each from a fresh copy of a set of spaces built once per test run.

Building the demo spaces is the largest part of many tests' set-up. A set is built once per
(seed, instant, size) and kept pickled; every sandbox gets its own unpickled copy, so a test
may write to it freely. Unpickling is two to three times faster than building (deepcopy is
slower than building). The spaces keep their pinned clock, as `create_demo_sandbox` lays them.
"""

from __future__ import annotations

import functools
import gc
import pickle
from datetime import datetime
from typing import Any

from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import build_demo_spaces
from qomon_mcp.sandbox.space import Space

__all__ = ["demo_sandbox", "demo_spaces"]


@functools.cache
def _pickled_spaces(seed: int, now: datetime | None, contacts: int) -> bytes:
    return pickle.dumps(build_demo_spaces(seed=seed, now=now, contacts=contacts))


def demo_spaces(seed: int = 0, *, now: datetime | None = None, contacts: int = 3000) -> dict[str, Space]:
    """A fresh copy of `build_demo_spaces(seed=seed, now=now, contacts=contacts)`."""
    pickled = _pickled_spaces(seed, now, contacts)
    # Unpickling makes tens of thousands of containers, none of them garbage: without the collector
    # running over the whole test process's heap meanwhile, it takes a third of the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(pickled)
    finally:
        if collecting:
            gc.enable()


def demo_sandbox(seed: int = 0, *, now: datetime | None = None, contacts: int = 3000, **kwargs: Any) -> Sandbox:
    """What `create_demo_sandbox(seed, now=now, contacts=contacts, **kwargs)` returns, without the build."""
    return Sandbox(demo_spaces(seed, now=now, contacts=contacts), **kwargs)
