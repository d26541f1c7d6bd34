"""count_contacts' breakdown: the query's count split into parts, each counted by Qomon.

The total is counted first, alone: a failure that concerns every count (a refused
key, the deadline) then ends the call once, instead of once per part. The parts and
the count of none of them follow concurrently, a few at a time; the client's token
bucket paces them as any other requests, so a breakdown never outruns Qomon's rate
limit. A part whose count fails keeps its row with the reason, and the others answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
from pydantic import BaseModel

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.errors import QomonError
from qomon_mcp.server.explain import explain
from qomon_mcp.toolsets.helpers.breakdown_plan import (
    By,
    Plan,
    plan,
    read_breakdown,
    sub_queries_need_forms,
)
from qomon_mcp.toolsets.helpers.forms_directory import forms_directory
from qomon_mcp.toolsets.helpers.search_checks import checked_query, needs_forms
from qomon_mcp.toolsets.helpers.search_query import Query, parse_query, to_qomon

__all__ = ["BREAKDOWN_SCHEMA", "Breakdown", "BreakdownPart", "broken_down", "share"]

# Counts in flight at once: enough to finish 50 parts in a few round trips, few enough
# not to open dozens of connections to Qomon for one tool call.
AT_ONCE = 10

Progress = Callable[[float, float | None, str | None], Awaitable[None]]


class BreakdownPart(BaseModel):
    label: str
    count: int | None = None
    share: float | None = None  # count / total
    error: str | None = None


class Breakdown(BaseModel):
    by: By
    parts: list[BreakdownPart]
    none_of_the_parts: int | None = None


def _typed(kind: str) -> dict[str, str]:
    return {"type": kind}


# The schema clients read for `breakdown`, written inline: pydantic's own puts both models in `$defs`,
# with required lists and the enum of `by`, 200 more bytes on the wire of tools/list, whose budget is tight.
BREAKDOWN_SCHEMA = {
    "type": "object",
    "properties": {
        "by": _typed("string"),
        "parts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "label": _typed("string"),
                    "count": _typed("integer"),
                    "share": _typed("number"),
                    "error": _typed("string"),
                },
            },
        },
        "none_of_the_parts": _typed("integer"),
    },
}


def share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


async def broken_down(
    client: QomonClient, query: object, breakdown: object, *, progress: Progress
) -> tuple[int, Breakdown, str | None]:
    """The query's total, its breakdown, and a note when the count of none of the parts failed."""
    request = read_breakdown(breakdown)
    parsed = parse_query(query) if query is not None else None
    wanted = request.by == "form" or needs_forms(parsed) or sub_queries_need_forms(request)
    forms = await forms_directory(client) if wanted else None
    checked = checked_query(parsed, forms) if parsed else None
    layout = plan(request, checked, forms)
    steps = 1 + len(layout.parts) + (layout.rest is not None)
    counter = _Counter(progress, steps)

    total = await client.count_contacts(to_qomon(checked))
    await counter.one_more()
    counts, rest = await _count_parts(client, layout, counter)
    rows = [
        BreakdownPart(label=part.label, error=count)
        if isinstance(count, str)
        else BreakdownPart(label=part.label, count=count, share=share(count, total))
        for part, count in zip(layout.parts, counts, strict=True)
    ]
    if isinstance(rest, str):
        note = f"The count of contacts in none of the parts failed: {rest}"
        return total, Breakdown(by=layout.by, parts=rows), note
    return total, Breakdown(by=layout.by, parts=rows, none_of_the_parts=rest), None


Counted = int | str  # a count, or the sentence saying why it failed


async def _count_parts(client: QomonClient, layout: Plan, counter: _Counter) -> tuple[list[Counted], Counted | None]:
    """Each part's count in the parts' order, and the count of none of them (None without a rest)."""
    results: dict[int, Counted] = {}
    limiter = anyio.CapacityLimiter(AT_ONCE)
    rest = len(layout.parts)  # the rest's place in `results`, after the parts

    async def count(key: int, query: Query | None, failed: str | None) -> None:
        if query is None:
            results[key] = failed or "This part could not be counted."
        else:
            async with limiter:
                try:
                    results[key] = await client.count_contacts(to_qomon(query))
                except QomonError as error:
                    results[key] = explain(error)
        await counter.one_more()

    async with anyio.create_task_group() as group:
        for index, part in enumerate(layout.parts):
            group.start_soon(count, index, part.query, part.error)
        if layout.rest is not None:
            group.start_soon(count, rest, layout.rest, None)
    return [results[i] for i in range(len(layout.parts))], results.get(rest)


class _Counter:
    """Progress over every count of the call, reported in order even when counts end together."""

    def __init__(self, progress: Progress, steps: int) -> None:
        self._progress, self._steps, self._done = progress, steps, 0
        self._lock = anyio.Lock()

    async def one_more(self) -> None:
        async with self._lock:
            self._done += 1
            await self._progress(self._done, self._steps, f"{self._done} of {self._steps} counts")
