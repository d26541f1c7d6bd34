"""`--sandbox-file PATH`: demo spaces kept in a SQLite file, so that writes survive a restart.

The file holds one row per API key: the space, encoded by `space_codec`, and a
generation number bumped by every save. Several processes may share a file:

- before a request, a process reloads (in place) each space whose generation
  moved since it last read it, so that it sees the other processes' writes;
- a write request runs inside `BEGIN IMMEDIATE`: SQLite lets one writer in at
  a time, the spaces are reloaded if they moved, the request is handled, and the
  space is written back before `COMMIT`. No write can be lost to a concurrent one.
- an upsert applied later (Qomon applies upserts after a delay) takes the same path.

Inside one process, write requests are serialised by an async lock around the
transaction; an upsert that fires while a write transaction is open is applied
in it and saved with it. Without a file nothing here is used.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
from starlette.routing import Match, Route
from starlette.types import Message, Receive, Scope, Send

from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.rules.upsert import apply_upsert
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS, NO_FUNDRAISING_KEY
from qomon_mcp.sandbox.space import Space
from qomon_mcp.sandbox.space_codec import SpaceDecodeError, decode_space, encode_space
from qomon_mcp.sandbox.transport import SandboxTransport
from qomon_mcp.spec.endpoints import endpoint

__all__ = ["DEMO_SPACE_KEYS", "PersistedSandbox", "SandboxFileError", "SpaceFile"]

# The keys of `seed.build_demo_spaces`: what --sandbox serves.
DEMO_SPACE_KEYS = (DEMO_KEYS["eu"], DEMO_KEYS["us"], NO_FUNDRAISING_KEY)

FORMAT = "qomon-mcp demo spaces, format 1"
# Seconds a process waits for another one's write before giving up.
LOCK_WAIT = 30.0
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS qomon_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # generation before body: reading generations alone does not read the spaces.
    "CREATE TABLE IF NOT EXISTS qomon_spaces"
    " (api_key TEXT PRIMARY KEY, generation INTEGER NOT NULL, body BLOB NOT NULL)",
)


class SandboxFileError(ValueError):
    """A sandbox file that cannot be used; the message is one sentence saying what to do."""


def _not_ours(path: Path, reason: str) -> SandboxFileError:
    return SandboxFileError(
        f"{path} is not a demo space file this qomon-mcp can use ({reason}): "
        "pass another --sandbox-file path, or delete this file to start from a fresh demo space."
    )


class SpaceFile:
    """The spaces of one file, as this process last read them, and the way to write them back."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        try:
            self._db = sqlite3.connect(self.path, timeout=LOCK_WAIT, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            raise SandboxFileError(
                f"cannot open the sandbox file {self.path} ({error}): check that its folder exists and is writable."
            ) from None
        self.spaces: dict[str, Space] = {}
        self._generations: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._open = False
        self._lock = anyio.Lock()

    def close(self) -> None:
        self._db.close()

    # Loading

    def load(self, keys: Iterable[str], build: Callable[[], dict[str, Space]]) -> dict[str, Space]:
        """The spaces of `keys`: from the file, or built by `build` and stored when the file lacks one."""
        wanted = list(keys)
        try:
            with self.transaction():
                self._check_format()
                stored = dict(self._db.execute("SELECT api_key, body FROM qomon_spaces").fetchall())
                missing = [key for key in wanted if key not in stored]
                built = build() if missing else {}
                for key in wanted:
                    if key in stored:
                        self._adopt(key, decode_space(stored[key]))
                    else:
                        self.spaces[key] = built[key]
                        self._generations[key] = 0
                        self._dirty.add(key)
        except sqlite3.DatabaseError as error:
            raise _not_ours(self.path, str(error)) from None
        except SpaceDecodeError as error:
            raise _not_ours(self.path, str(error)) from None
        return {key: self.spaces[key] for key in wanted}

    def _check_format(self) -> None:
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            for statement in _SCHEMA:
                self._db.execute(statement)
            self._db.execute("INSERT INTO qomon_meta (name, value) VALUES ('format', ?)", (FORMAT,))
            return
        if "qomon_meta" not in tables or "qomon_spaces" not in tables:
            raise SpaceDecodeError("it is a SQLite database of something else")
        row = self._db.execute("SELECT value FROM qomon_meta WHERE name = 'format'").fetchone()
        if row is None or row[0] != FORMAT:
            raise SpaceDecodeError(f"its format is {row[0] if row else 'unknown'!r}, not {FORMAT!r}")

    def _adopt(self, key: str, loaded: Space) -> None:
        """Take a space read from the file; a space already handed out is updated in place."""
        current = self.spaces.get(key)
        if current is None:
            self.spaces[key] = loaded
        else:
            # Routes, upserts waiting for their delay and sandboxes hold this very object.
            current.__dict__.update(loaded.__dict__)

    def refresh(self) -> None:
        """Reload the spaces another process saved since this one last read them."""
        if self._open:
            return  # inside a transaction the spaces were reloaded when it began
        self._refresh()

    def _refresh(self) -> None:
        if not self.spaces:
            return  # nothing handed out yet (the first `load`, which checks the file's format first)
        rows = self._db.execute("SELECT api_key, generation FROM qomon_spaces").fetchall()
        for key, generation in rows:
            if key in self.spaces and generation != self._generations.get(key):
                (body,) = self._db.execute("SELECT body FROM qomon_spaces WHERE api_key = ?", (key,)).fetchone()
                self._adopt(key, decode_space(body))
                self._generations[key] = generation

    # Writing

    def touched(self, space: Space) -> None:
        """Note that `space` changed: it is written back when the transaction commits."""
        key = next((k for k, s in self.spaces.items() if s is space), None)
        if key is not None:
            self._dirty.add(key)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One writer at a time across processes; the touched spaces are saved on success."""
        if self._open:
            yield  # nested (an upsert firing during a write request): the outer transaction saves
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._open = True
        try:
            self._refresh()
            yield
            for key in sorted(self._dirty):
                generation = self._generations.get(key, 0) + 1
                self._db.execute(
                    "INSERT OR REPLACE INTO qomon_spaces (api_key, generation, body) VALUES (?, ?, ?)",
                    (key, generation, encode_space(self.spaces[key])),
                )
                self._generations[key] = generation
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            # The spaces in memory may hold half a change: read them all again at the next request.
            self._generations = dict.fromkeys(self._generations, -1)
            raise
        finally:
            self._dirty.clear()
            self._open = False

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        async with self._lock:
            with self.transaction():
                yield


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or []:
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


class PersistedSandbox:
    """A sandbox whose spaces live in a `SpaceFile`: `.app` and `.transport()` stand for the sandbox's."""

    def __init__(self, sandbox: Sandbox, store: SpaceFile) -> None:
        self.sandbox = sandbox
        self.store = store
        sandbox.upserts.apply = self._apply_upsert

    def transport(self) -> httpx2.AsyncBaseTransport:
        return SandboxTransport(self.app)

    async def drain(self) -> None:
        """Apply, and so save, every upsert still waiting for its delay (a process about to exit)."""
        await self.sandbox.drain(fast_forward=True)

    def _apply_upsert(self, space: Space, data: dict[str, Any]) -> int | None:
        with self.store.transaction():
            self.store.touched(space)
            return apply_upsert(space, data)

    def _is_write(self, scope: Scope) -> bool:
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return False
        for route in self.sandbox.app.router.routes:
            if isinstance(route, Route) and route.matches(scope)[0] is Match.FULL:
                return endpoint(route.name).is_write
        return False

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.sandbox.app(scope, receive, send)
            return
        space = self.sandbox.spaces.get(_bearer(scope) or "")
        if space is None or not self._is_write(scope):
            self.store.refresh()
            await self.sandbox.app(scope, receive, send)
            return
        status = {"code": 0}

        async def recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        async with self.store.writing():
            await self.sandbox.app(scope, receive, recording)
            # A refused write (4xx, 5xx) changed nothing: no need to rewrite the space.
            if 200 <= status["code"] < 300:
                self.store.touched(space)
