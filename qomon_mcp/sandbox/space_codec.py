"""A demo space as bytes and back: compressed JSON, so that loading a file never runs its code.

Records are plain JSON already; what JSON cannot say is spelled out: a dict
with non-string keys (the space's records by id) becomes `{"$pairs": [[k, v], ...]}`,
the clock becomes `{"real": true}` or `{"pinned": ISO}`, and the id counter its
next value. A space on the real clock comes back on the real clock.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import zlib
from datetime import datetime
from typing import Any

from qomon_mcp.sandbox.space import PinnedClock, Space, real_clock

__all__ = ["SpaceDecodeError", "decode_space", "encode_space"]

_PAIRS = "$pairs"
_SPECIAL = ("clock", "_ids")
_FIELDS = frozenset(f.name for f in dataclasses.fields(Space)) - set(_SPECIAL)


class SpaceDecodeError(ValueError):
    """Bytes that are not a space this version wrote (the message says what is wrong)."""


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: _plain(item) for key, item in value.items()}
        return {_PAIRS: [[_plain(key), _plain(item)] for key, item in value.items()]}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a space holds a {type(value).__name__}, which a sandbox file cannot keep")


def _restored(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_PAIRS}:
            return {_restored(key): _restored(item) for key, item in value[_PAIRS]}
        return {key: _restored(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_restored(item) for item in value]
    return value


def _clock_state(space: Space) -> dict[str, Any]:
    if space.clock is real_clock:
        return {"real": True}
    if isinstance(space.clock, PinnedClock):
        return {"pinned": space.clock.moment.isoformat()}
    raise TypeError("only a space on the real clock or a pinned clock can be kept in a sandbox file")


def _next_id(space: Space) -> int:
    # Reading an itertools.count consumes it: put an equal one back.
    upcoming = next(space._ids)
    space._ids = itertools.count(upcoming)
    return upcoming


def encode_space(space: Space) -> bytes:
    state = {name: _plain(getattr(space, name)) for name in sorted(_FIELDS)}
    state["$clock"] = _clock_state(space)
    state["$next_id"] = _next_id(space)
    return zlib.compress(json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode(), 1)


def decode_space(blob: bytes) -> Space:
    try:
        state = json.loads(zlib.decompress(blob))
    except (zlib.error, ValueError, TypeError):
        raise SpaceDecodeError("a stored space is not compressed JSON") from None
    if not isinstance(state, dict):
        raise SpaceDecodeError("a stored space is not a JSON object")
    clock_state, next_id = state.pop("$clock", None), state.pop("$next_id", None)
    if set(state) != _FIELDS or not isinstance(next_id, int) or not isinstance(clock_state, dict):
        raise SpaceDecodeError("a stored space does not have the fields of this version's spaces")
    if clock_state.get("real") is True:
        clock: Any = real_clock
    else:
        try:
            clock = PinnedClock(datetime.fromisoformat(str(clock_state.get("pinned"))))
        except ValueError:
            raise SpaceDecodeError("a stored space has an unreadable clock") from None
    try:
        space = Space(**{name: _restored(value) for name, value in state.items()}, clock=clock)
    except TypeError:
        raise SpaceDecodeError("a stored space does not have the fields of this version's spaces") from None
    space._ids = itertools.count(next_id)
    return space
