"""Fixtures shared by the HTTP tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from tests.http.flows import Flow
from tests.http.support import served


@pytest.fixture
async def flow() -> AsyncIterator[Flow]:
    """A client registered with a server on loopback (the sandbox upstream), ready to sign in."""
    with served() as s:
        async with httpx2.AsyncClient(timeout=30) as http:
            registered = Flow(s, http)
            assert (await registered.register()).status_code == 201
            yield registered
