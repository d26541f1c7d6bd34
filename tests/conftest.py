import pytest


@pytest.fixture
def anyio_backend() -> str:
    # The sandbox schedules asynchronous upserts on the asyncio loop, as uvicorn does.
    return "asyncio"
