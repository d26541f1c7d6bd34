"""The emulator's per-search and start-up work, side by side in one run.

    .venv/bin/python bench/emulator.py [--searches 100] [--runs 3]

- Search: an emulated `POST /search` of 50 contacts (everyone, page 0) on the EU demo space,
  with the fundraising index kept between searches (as served) and with the space marked
  changed before each search (what every search paid before `sandbox/search/index.py`).
- Seeding: a demo sandbox ready to answer for the EU space, built lazily (as `qomon-mcp
  --sandbox` does now: one space seeded) and eagerly (all three demo spaces, as before).

CPU time (`time.process_time`), medians of `--runs`.
"""

from __future__ import annotations

import argparse
import statistics
import time

import qomon_mcp.sandbox.search.engine as search
from qomon_mcp.sandbox.app import create_demo_sandbox
from qomon_mcp.sandbox.search.index import space_changed
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS, build_demo_space
from qomon_mcp.sandbox.space import real_clock

QUERY = {"query": {"$all": []}, "per_page": 50, "page": 0}


def _search_ms(searches: int, *, rebuild: bool) -> float:
    space = build_demo_space()
    search.search(space, QUERY)
    started = time.process_time()
    for _ in range(searches):
        if rebuild:
            space_changed(space)
        search.search(space, QUERY)
    return (time.process_time() - started) / searches * 1000


def _seed_ms(*, lazy: bool) -> float:
    started = time.process_time()
    sandbox = create_demo_sandbox(clock=real_clock, lazy=lazy)
    sandbox.spaces[DEMO_KEYS["eu"]]
    return (time.process_time() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--searches", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rebuilt, kept, eager, lazy = [], [], [], []
    for _ in range(args.runs):
        rebuilt.append(_search_ms(args.searches, rebuild=True))
        kept.append(_search_ms(args.searches, rebuild=False))
        eager.append(_seed_ms(lazy=False))
        lazy.append(_seed_ms(lazy=True))
    print(
        f"emulated search of 50: index rebuilt each search {statistics.median(rebuilt):.2f} ms, "
        f"kept {statistics.median(kept):.2f} ms CPU (medians of {args.runs} x {args.searches})"
    )
    print(
        f"demo sandbox ready for the EU space: three spaces seeded {statistics.median(eager):.0f} ms, "
        f"one seeded {statistics.median(lazy):.0f} ms CPU (medians of {args.runs})"
    )


if __name__ == "__main__":
    main()
