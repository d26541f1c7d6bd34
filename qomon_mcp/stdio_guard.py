"""Stdio that answers every line: the SDK's stdio transport, fed through a reader that triages each line.

The SDK's reader hands a line it cannot validate (a lone surrogate escape, a 5,000-digit number,
deep nesting, a raw NUL, a wrong type) to the session as an exception, which answers nothing:
the caller waits forever. Here each line is checked first with the same validator the SDK uses;
a line that fails gets one JSON-RPC error on stdout (-32700 when it is not JSON, -32600 when it is
not a valid message), carrying the request's id when it can be recovered and null otherwise.
Lines that pass go on to the SDK unchanged.

What it needs from the SDK beyond its public API (the low-level server that
`MCPServer.run_stdio_async` runs) comes from `server/sdk_seam.py`; `stdio_server`'s explicit
`stdin` parameter is checked there too (tests/server/test_sdk_seam.py).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from io import TextIOWrapper
from typing import TYPE_CHECKING, Any, TextIO

import anyio
import mcp_types as types
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from qomon_mcp.server.sdk_seam import lowlevel_server

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

__all__ = ["MAX_LINE", "GuardedStdin", "run_guarded_stdio", "triage"]

logger = logging.getLogger(__name__)

# The same bound as an HTTP body on /mcp: a longer line is refused without being parsed.
MAX_LINE = 1024 * 1024
# What is kept of a line that is too long, to find its id.
_PREFIX_KEPT = 64 * 1024
# A token of a JSON text: a string (escapes included) or a bracket; enough to find the top-level "id".
# A string left open runs to the end of the text, so that each quote starts at most one scan: the
# search stays linear in the line's length, however many unclosed strings it holds.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)|[{}\[\]]', re.DOTALL)
_ID_VALUE = re.compile(r'\s*:\s*(-?\d{1,18}(?![\d.eE])|"(?:[^"\\]|\\.){0,1024}")', re.DOTALL)


def _usable_id(value: Any) -> types.RequestId | None:
    """The id as JSON-RPC allows it back (a string or an integer), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate cannot be written back as UTF-8.
            return None
        return value
    return None


def _scanned_id(line: str) -> types.RequestId | None:
    """The id of a line that is not JSON: the value of the first "id" key at the top level."""
    depth = 0
    # A request's id comes early; the rest of a long line need not be read for it.
    for token in _TOKEN.finditer(line, 0, _PREFIX_KEPT):
        text = token.group()
        if text in "{[":
            depth += 1
        elif text in "}]":
            depth -= 1
        elif depth == 1 and text == '"id"' and (value := _ID_VALUE.match(line, token.end())):
            try:
                return _usable_id(json.loads(value.group(1)))
            except ValueError:
                return None
    return None


def _parsed(line: str) -> tuple[bool, Any]:
    """(True, value) when Python's parser reads the line, else (False, None)."""
    try:
        return True, json.loads(line)
    except (ValueError, RecursionError):
        # ValueError also covers integers past Python's digit limit.
        return False, None


def _error(request_id: types.RequestId | None, code: int, message: str) -> types.JSONRPCError:
    return types.JSONRPCError(jsonrpc="2.0", id=request_id, error=types.ErrorData(code=code, message=message))


def _has_unusable_id(message: Any) -> bool:
    """A request whose id is neither a string nor an integer: the SDK would take it for a notification."""
    return isinstance(message, dict) and "method" in message and "id" in message and _usable_id(message["id"]) is None


def triage(line: str) -> types.JSONRPCError | None:
    """None when the SDK accepts the line, else the one error that answers it."""
    try:
        message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except ValidationError as error:
        readable, value = _parsed(line)
        readable = readable and not any(detail["type"] == "json_invalid" for detail in error.errors())
    except Exception:  # whatever the validator raises, the line gets an answer
        readable, value = False, None
    else:
        # Only a notification can hide a request whose id is unusable: the one case read twice.
        if not isinstance(message, types.JSONRPCNotification):
            return None
        readable, value = _parsed(line)
        if not _has_unusable_id(value):
            return None
    if not readable:
        return _error(
            _scanned_id(line),
            types.PARSE_ERROR,
            "Parse error: the message is not JSON this server reads (a lone surrogate escape, a raw control "
            "character, nesting deeper than 200 levels or a number of thousands of digits).",
        )
    request_id = _usable_id(value.get("id")) if isinstance(value, dict) else None
    return _error(
        request_id,
        types.INVALID_REQUEST,
        "Invalid request: the message is not a JSON-RPC 2.0 request, notification or response of this protocol, "
        "or its id is neither a string nor an integer.",
    )


def _too_long(prefix: str) -> types.JSONRPCError:
    return _error(
        _scanned_id(prefix),
        types.INVALID_REQUEST,
        f"Invalid request: the message is longer than {MAX_LINE // 1024} KB; send a smaller one.",
    )


class GuardedStdin:
    """Lines of stdin for the SDK's reader; a line it would drop is answered here and skipped."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._writer: Any = None
        self._ready = anyio.Event()

    def answer_with(self, write_stream: Any) -> None:
        """Where error answers go: the SDK's write stream, known once the transport is open."""
        self._writer = write_stream
        self._ready.set()

    def _read_line(self) -> tuple[str, bool]:
        """(line, complete); a line past MAX_LINE is read to its end but only its start is kept."""
        line = self._stream.readline(MAX_LINE + 1)
        if len(line) <= MAX_LINE or line.endswith("\n"):
            return line, True
        prefix = line[:_PREFIX_KEPT]
        while (rest := self._stream.readline(MAX_LINE)) and not rest.endswith("\n"):
            pass
        return prefix, False

    def __aiter__(self) -> GuardedStdin:
        return self

    async def __anext__(self) -> str:
        while True:
            line, complete = await anyio.to_thread.run_sync(self._read_line)
            if not line:
                raise StopAsyncIteration
            if complete and not line.strip():
                continue
            error = triage(line) if complete else _too_long(line)
            if error is None:
                return line
            # On stderr, never the line itself: its length and the answer are enough to find it.
            logger.warning(
                "qomon-mcp: answered an unreadable stdin line (%d characters) with %d, id %s",
                len(line),
                error.error.code,
                json.dumps(error.id),
            )
            await self._ready.wait()
            await self._writer.send(SessionMessage(error))


async def run_guarded_stdio(server: MCPServer) -> None:
    """What `MCPServer.run_stdio_async` does, with stdin read through `GuardedStdin`."""
    # newline="\n": a raw carriage return inside a message must not split it into two lines.
    stdin = GuardedStdin(TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="\n"))
    # The SDK's own `run_stdio_async` runs the same object.
    lowlevel = lowlevel_server(server)
    # The SDK annotates stdin as an anyio AsyncFile but only iterates its lines, as GuardedStdin allows.
    async with stdio_server(stdin=stdin) as (read_stream, write_stream):  # type: ignore[arg-type]
        stdin.answer_with(write_stream)
        await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
