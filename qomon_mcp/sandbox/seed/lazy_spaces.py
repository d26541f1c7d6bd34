"""Spaces built on first use: a stdio server on the demo space reads one space of three.

Seeding a demo space of 3,000 contacts is most of the sandbox's start-up; `make run` and an
MCP client starting `qomon-mcp --sandbox` use one region's space, and the small space
without the fundraising add-on only matters to tests and to a caller who picks its key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping

from qomon_mcp.sandbox.space import Space

__all__ = ["LazySpaces"]


class LazySpaces(MutableMapping[str, Space]):
    """API key -> space, each space built by its factory the first time it is looked up.

    It behaves as the dict of every space would: its keys are all known from the start, and
    a lookup, `.get` or `.values()` answers with the same space every time after the first."""

    def __init__(self, factories: Mapping[str, Callable[[], Space]]) -> None:
        self._factories = dict(factories)
        self._built: dict[str, Space] = {}

    def __getitem__(self, key: str) -> Space:
        space = self._built.get(key)
        if space is None:
            factory = self._factories.pop(key)  # KeyError for a key nobody declared, as a dict
            space = self._built[key] = factory()
        return space

    def __setitem__(self, key: str, space: Space) -> None:
        self._factories.pop(key, None)
        self._built[key] = space

    def __delitem__(self, key: str) -> None:
        if key in self._built:
            del self._built[key]
        else:
            del self._factories[key]

    def __iter__(self) -> Iterator[str]:
        yield from list(self._built)
        yield from list(self._factories)

    def __len__(self) -> int:
        return len(self._built) + len(self._factories)

    def __contains__(self, key: object) -> bool:
        return key in self._built or key in self._factories

    def built(self) -> list[str]:
        """The keys whose space exists so far."""
        return list(self._built)
