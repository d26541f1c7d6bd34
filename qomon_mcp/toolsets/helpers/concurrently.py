"""Several independent Qomon reads at once, failing as the first of them failed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio

__all__ = ["load_all"]


async def load_all(calls: Mapping[str, Callable[[], Awaitable[Any]]]) -> dict[str, Any]:
    """Each call's result by name. Reference reads fail together (bad key, missing add-on), so the
    first error speaks for all, raised bare: callers and the tool wrapper catch the client's errors."""
    results: dict[str, Any] = {}

    async def load(name: str) -> None:
        results[name] = await calls[name]()

    try:
        async with anyio.create_task_group() as group:
            for name in calls:
                group.start_soon(load, name)
    except BaseExceptionGroup as failures:
        error: BaseException = failures
        while isinstance(error, BaseExceptionGroup):
            error = error.exceptions[0]
        raise error from None
    return results
