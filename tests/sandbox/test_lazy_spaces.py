from datetime import datetime

import httpx2
import pytest

from qomon_mcp.sandbox.app import create_demo_sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS, NO_FUNDRAISING_KEY, build_demo_spaces, lazy_demo_spaces
from qomon_mcp.sandbox.seed.lazy_spaces import LazySpaces
from qomon_mcp.sandbox.space_codec import encode_space

NOW = datetime(2026, 3, 2, 10, 0)


def test_a_lazy_sandbox_seeds_only_the_space_it_is_asked_for() -> None:
    sandbox = create_demo_sandbox(now=NOW, contacts=60, lazy=True)
    assert isinstance(sandbox.spaces, LazySpaces) and sandbox.spaces.built() == []
    assert set(sandbox.spaces) == {DEMO_KEYS["eu"], DEMO_KEYS["us"], NO_FUNDRAISING_KEY}
    assert sandbox.spaces.get("no-such-key") is None and sandbox.spaces.built() == []


@pytest.mark.anyio
async def test_the_first_request_seeds_its_space_and_no_other() -> None:
    sandbox = create_demo_sandbox(now=NOW, contacts=60, lazy=True)
    async with httpx2.AsyncClient(transport=sandbox.transport(), base_url="https://incoming.qomon.app") as http:
        answer = await http.get("/teams", headers={"Authorization": f"Bearer {DEMO_KEYS['eu']}"})
        refused = await http.get("/teams", headers={"Authorization": "Bearer wrong"})
    assert answer.status_code == 200 and refused.status_code == 401
    assert sandbox.spaces.built() == [DEMO_KEYS["eu"]]


def test_lazy_spaces_are_the_spaces_built_at_once() -> None:
    lazy = lazy_demo_spaces(now=NOW, contacts=60)
    eager = build_demo_spaces(now=NOW, contacts=60)
    # Built in another order than build_demo_spaces builds them: no space depends on another.
    for key in (NO_FUNDRAISING_KEY, DEMO_KEYS["us"], DEMO_KEYS["eu"]):
        assert encode_space(lazy[key]) == encode_space(eager[key])
    assert lazy[DEMO_KEYS["eu"]] is lazy[DEMO_KEYS["eu"]]
