"""Clients of the sandbox for the client-against-sandbox tests: the ASGI transport is the network."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.space import Space
from tests.sandbox.app_support import build_space

BASE_URL = "https://incoming.qomon.app"

_serial = itertools.count(1)


def fresh_key(label: str = "key") -> str:
    """A key no other test uses: clients of one key share a token bucket while they live."""
    return f"qk_test_{label}_SECRET_{next(_serial):04d}_c0ffee"


def small_sandbox(key: str, *, extra: Mapping[str, Space] | None = None, **kwargs: Any) -> Sandbox:
    """The hand-built space of the sandbox app tests (contacts 1-3, forms 10-18, users 500-502, teams 600-601)."""
    kwargs.setdefault("upsert_delay", 0.0)
    return Sandbox({key: build_space(), **(extra or {})}, **kwargs)


def connect(sandbox: Sandbox, key: str, **kwargs: Any) -> QomonClient:
    return QomonClient(key, base_url=BASE_URL, transport=sandbox.transport(), **kwargs)


def exchanges(sandbox: Sandbox) -> list[tuple[str, str, int]]:
    """(method, route template, status) of every request the sandbox saw, in order."""
    return [(e.method, e.route, e.status) for e in sandbox.request_log]
