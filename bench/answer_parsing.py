"""What reading Qomon's answers costs with today's tolerant models, against an earlier revision's.

    .venv/bin/python bench/answer_parsing.py [--baseline 7cb2aa3] [--pages 5] [--rounds 7]

Issue 10 made the client's models tolerant: a field of an undocumented shape is set
aside instead of failing the whole answer, through a wrap validator on every model.
That validator runs on every nested model of every answer, so this measures its cost.

The baseline's model modules are read from git (`git show REV:qomon_mcp/qomon/...`) into a
throwaway package, so that both sets of models validate the very same raw answers in one
run, alternately, round after round: five pages of 100 contacts from the demo EU space
(POST /search, the raw JSON as Qomon's compact answer) and the space's teams, users and
bundles. (Actions are left out: the baseline cannot read an integer `goal_forms`, which is
the bug issue 10 fixed.) The figures are the median per-round time of each side, per kind
of answer, and their ratio; both sides decode nothing (the JSON is parsed once, before timing).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

import anyio
import httpx2

from qomon_mcp.qomon import models as current
from qomon_mcp.sandbox.app import create_demo_sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS

KEY = DEMO_KEYS["eu"]
ROOT = Path(__file__).resolve().parents[1]
_MODULES = ("models_base", "models_contacts", "models_team", "models_fundraising", "models")


def baseline_models(revision: str) -> types.ModuleType:
    """The `models` module of `revision`, imported from a temporary package named `baseline_qomon`."""
    folder = Path(tempfile.mkdtemp(prefix="qomon-baseline-")) / "baseline_qomon"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for name in _MODULES:
        source = subprocess.run(
            ["git", "show", f"{revision}:qomon_mcp/qomon/{name}.py"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        (folder / f"{name}.py").write_bytes(source)
    sys.path.insert(0, str(folder.parent))
    return importlib.import_module("baseline_qomon.models")


async def raw_answers(pages: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """(model name, items) for each answer: search pages, then teams, users and bundles."""
    sandbox = create_demo_sandbox(burst=100_000, rate=100_000.0)
    headers = {"Authorization": f"Bearer {KEY}"}
    answers: list[tuple[str, list[dict[str, Any]]]] = []
    async with httpx2.AsyncClient(transport=sandbox.transport(), base_url="https://incoming.qomon.app") as http:
        for page in range(pages):
            body = {"data": {"advanced_search": {"query": {"$all": []}, "per_page": 100, "page": page}}}
            answer = (await http.post("/search", json=body, headers=headers)).json()
            answers.append(("Contact", answer["data"]["contacts"]))
        answers.append(("Team", (await http.get("/teams", headers=headers)).json()["data"]["teams"]))
        answers.append(("User", (await http.get("/users", headers=headers)).json()["data"]["users"]))
        bundles = (await http.get("/v1/transaction_bundles?limit=200", headers=headers)).json()["data"]
        answers.append(("Bundle", bundles))
    return answers


def one_round(models: types.ModuleType, answers: list[tuple[str, list[dict[str, Any]]]]) -> dict[str, float]:
    """Seconds spent validating each kind of answer."""
    spent: dict[str, float] = {}
    for name, items in answers:
        model = getattr(models, name)
        started = time.perf_counter()
        for item in items:
            model.model_validate(item)
        spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="7cb2aa3", help="git revision whose models are the yardstick")
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    baseline = baseline_models(args.baseline)
    answers = anyio.run(raw_answers, args.pages)
    counts: dict[str, int] = {}
    for name, items in answers:
        counts[name] = counts.get(name, 0) + len(items)
    one_round(current, answers), one_round(baseline, answers)  # warm both
    now: dict[str, list[float]] = {name: [] for name in counts}
    before: dict[str, list[float]] = {name: [] for name in counts}
    for _ in range(args.rounds):
        for name, seconds in one_round(baseline, answers).items():
            before[name].append(seconds)
        for name, seconds in one_round(current, answers).items():
            now[name].append(seconds)
    print(f"{args.rounds} alternating rounds; median time per round, baseline = models of {args.baseline}")
    print(f"{'answer':<8} {'records':>8} {'baseline':>10} {'tolerant':>10} {'ratio':>6} {'per record':>11}")
    for name, count in counts.items():
        old, new = statistics.median(before[name]), statistics.median(now[name])
        print(
            f"{name:<8} {count:>8} {old * 1000:>8.1f}ms {new * 1000:>8.1f}ms {new / old:>6.2f} "
            f"{(new - old) / count * 1e6:>+8.0f} us"
        )
    total_old = sum(statistics.median(v) for v in before.values())
    total_new = sum(statistics.median(v) for v in now.values())
    print(f"all      {sum(counts.values()):>8} {total_old * 1000:>8.1f}ms {total_new * 1000:>8.1f}ms "
          f"{total_new / total_old:>6.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
