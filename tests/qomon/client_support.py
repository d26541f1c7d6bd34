"""Fakes at the network boundary for the client's unit tests: a recording transport and a fake clock."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx2

from qomon_mcp.qomon.client import QomonClient

KEY = "qk_live_TOPSECRET_0123456789abcdef"
BASE = "https://qomon.test"
Handler = Callable[[httpx2.Request], httpx2.Response | Awaitable[httpx2.Response]]


class FakeTime:
    """Virtual time: sleeping moves the clock instantly and records the wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Recorder:
    """A fake Qomon: answers from a script and keeps every request it received."""

    def __init__(self, *answers: httpx2.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def ok(data: Any = None, status: int = 200, **top: Any) -> httpx2.Response:
    return httpx2.Response(status, json={"status": "success", "data": data, **top})


def make_client(handler: Handler, t: FakeTime | None = None, **kwargs: Any) -> QomonClient:
    t = t or FakeTime()
    return QomonClient(
        KEY, base_url=BASE, transport=httpx2.MockTransport(handler), sleep=t.sleep, clock=t.clock, **kwargs
    )


# One call per endpoint: (endpoint name, call, expected path, expected query, expected JSON body).
Call = Callable[[QomonClient], Awaitable[Any]]
