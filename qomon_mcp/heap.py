"""The heap after start-up, set aside from garbage collection.

A server's start-up leaves a large heap that lives as long as the process: the SDK, pydantic's
schemas, the tool registry (and under `serve`, the demo spaces of `--sandbox`). Left in the
collector's oldest generation, every full collection walks all of it again: 60-70 ms each on a
`serve` heap, which is what the slowest 1 % of tool calls were waiting for (bench/README.md,
"Engine room"). `gc.freeze()` moves it to a generation the collector never scans; the objects
are still freed by reference counting if they ever die. The young generation is also collected
less often: a search page builds thousands of short-lived containers, and almost none of them
are part of a cycle.
"""

from __future__ import annotations

import gc

__all__ = ["YOUNG_THRESHOLD", "settle_heap"]

# Allocations between two young collections (CPython's default: 700).
YOUNG_THRESHOLD = 2_000


def settle_heap(enabled: bool = True) -> None:
    """Freeze what start-up built, and collect the young generation less often."""
    if not enabled:
        return
    # No full collection first: on this heap it would cost the pause it is meant to avoid, at the
    # moment a client waits for its first answer. Start-up's little garbage stays frozen with it.
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
