"""Caller values inside error messages: quoted, and never longer than a few dozen characters.

An error that repeated a caller's value whole could be as long as the value (100 KB of a
pasted date), past the result cap and of no use to the model; its start is enough to recognise it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_MESSAGE", "QUOTE_LIMIT", "bounded", "quoted", "shortened"]

QUOTE_LIMIT = 40
# The longest error text a tool call answers with (lists of valid choices included); at 3 bytes a
# character at worst, far below the 48 KB result cap.
MAX_MESSAGE = 8_000
# What a cut message keeps of its end: a confirmation question ends with the token to call back with.
_KEPT_END = 1_500


def shortened(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """`value` as text, cut to `limit` characters with an ellipsis when longer."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """`value` as it reads in a message (`'abc'`, `42`), cut to `limit` characters with an ellipsis."""
    if isinstance(value, str):
        return repr(shortened(value, limit))
    return shortened(value, limit)


def bounded(message: str, limit: int = MAX_MESSAGE) -> str:
    """A whole error message within `limit` characters, its middle cut out: the last guard against an
    unbounded echo, which keeps the message's start (what went wrong) and its end (what to do)."""
    if len(message) <= limit:
        return message
    end = min(_KEPT_END, limit // 2)
    return message[: limit - end - 1] + "…" + message[-end:]
