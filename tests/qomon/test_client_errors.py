"""Error mapping, retries, rate-limit waits, deadlines and secrecy of the client, over a fake transport."""

import logging
from typing import Any

import anyio
import httpx2
import pytest

from qomon_mcp.qomon import errors
from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.settings import Settings
from tests.qomon.client_calls import CALLS
from tests.qomon.client_support import BASE, KEY, FakeTime, Recorder, make_client, ok

ERRORS = [
    (400, {"status": "fail", "data": {"mail": "is required"}}, errors.InvalidInput, {"mail": "is required"}),
    (
        422,
        {"title": "Unprocessable Entity", "status": 422, "detail": "condition under the root"},
        errors.InvalidInput,
        {"detail": "condition under the root"},
    ),
    (400, {"status": "fail"}, errors.InvalidInput, {}),
    (401, {"status": "error", "message": "invalid token"}, errors.AuthenticationFailed, None),
    (403, {"status": "fail"}, errors.PermissionDenied, None),
    (
        403,
        {"title": "Forbidden", "status": 403, "detail": "fundraising add-on required"},
        errors.PermissionDenied,
        None,
    ),
    (404, {"status": "error", "message": "record not found"}, errors.NotFound, None),
    (409, {"status": "error", "message": "conflict"}, errors.APIError, None),
    (500, {"status": "error", "message": "boom " * 1000}, errors.ServerError, None),
    (502, b"<html><body>Bad gateway</body></html>", errors.ServerError, None),
]
ERROR_IDS = [
    "400-fail-data",
    "422-problem-json",
    "400-bare-fail",
    "401",
    "403-bare",
    "403-problem-json",
    "404",
    "409-other",
    "500-long-message",
    "502-html",
]


@pytest.mark.anyio
@pytest.mark.parametrize(("status", "body", "kind", "problems"), ERRORS, ids=ERROR_IDS)
async def test_error_answers_map_to_the_hierarchy(
    status: int, body: Any, kind: type[errors.APIError], problems: dict[str, str] | None
) -> None:
    answer = httpx2.Response(status, content=body) if isinstance(body, bytes) else httpx2.Response(status, json=body)
    async with make_client(Recorder(answer), max_retries=0) as client:
        with pytest.raises(errors.APIError) as caught:
            await client.get_contact(7)
    assert type(caught.value) is kind
    assert (caught.value.status, caught.value.endpoint) == (status, "get_contact")
    assert len(str(caught.value)) < 300
    assert "<html>" not in str(caught.value)
    if problems is not None:
        assert isinstance(caught.value, errors.InvalidInput)
        assert caught.value.problems == problems


@pytest.mark.anyio
@pytest.mark.parametrize(
    "answer",
    [
        httpx2.Response(200, content=b"<html>not json</html>"),
        ok({"contact": "not an object"}),
    ],
    # One field of an unknown shape no longer fails the call: see tests/qomon/test_reference_answers.py.
    ids=["not-json", "wrong-type"],
)
async def test_unexpected_bodies_are_malformed(answer: httpx2.Response) -> None:
    async with make_client(Recorder(answer)) as client:
        with pytest.raises(errors.MalformedResponse):
            await client.get_contact(7)


@pytest.mark.anyio
async def test_the_key_never_leaks_into_errors_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    echo = httpx2.Response(401, json={"status": "error", "message": f"bad key {KEY}", "data": {KEY: KEY}})
    fake = Recorder(httpx2.Response(503), ok({"contact": {"id": 1}}), echo, httpx2.ConnectError(f"failed {KEY}"))
    async with make_client(fake, max_retries=1) as client:
        await client.get_contact(1)
        with pytest.raises(errors.AuthenticationFailed) as auth_error:
            await client.get_contact(1)
        with pytest.raises(errors.ConnectionFailed) as connect_error:
            await client.get_contact(1)
        texts = [repr(client), str(client)]
    async with QomonClient(KEY, base_url=BASE, read_only=True) as read_only:
        with pytest.raises(errors.ReadOnlyError) as read_only_error:
            await read_only.delete_contact(1)
    for caught in (auth_error, connect_error, read_only_error):
        texts += [str(caught.value), repr(caught.value), repr(caught.value.args)]
    texts += [record.getMessage() for record in caplog.records] + [caplog.text]
    assert any("GET /contacts/{id} -> 503" in t for t in texts)
    for text in texts:
        assert KEY not in text
        assert "Bearer" not in text


@pytest.mark.anyio
async def test_from_settings_keeps_the_key_secret() -> None:
    settings = Settings(api_key=KEY, region="us", read_only=True, deadline=5)
    async with QomonClient.from_settings(settings) as client:
        assert KEY not in repr(client)
        assert "incoming-us.qomon.app" in repr(client)
        assert client.read_only


def test_from_settings_without_a_key_is_refused() -> None:
    with pytest.raises(ValueError, match="QOMON_API_KEY"):
        QomonClient.from_settings(Settings(api_key=None))


# Retries: the policy comes from the endpoint table.


@pytest.mark.anyio
async def test_an_unsafe_endpoint_is_not_retried_on_503() -> None:
    fake = Recorder(httpx2.Response(503), ok({"contact": {"id": 1}}))
    async with make_client(fake) as client:
        with pytest.raises(errors.ServerError):
            await client.create_contact({"surname": "Doe"})
    assert len(fake.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("status", [502, 503, 504], ids=str)
async def test_a_safe_endpoint_is_retried_with_jittered_backoff(status: int) -> None:
    t = FakeTime()
    fake = Recorder(httpx2.Response(status), httpx2.Response(status), ok({"contact": {"id": 1}}))
    async with make_client(fake, t) as client:
        contact = await client.get_contact(1)
    assert contact.id == 1
    assert len(fake.requests) == 3
    assert len(t.sleeps) == 2
    assert 0 <= t.sleeps[0] <= 0.25 and 0 <= t.sleeps[1] <= 0.5


@pytest.mark.anyio
async def test_retries_stop_after_max_retries() -> None:
    fake = Recorder(httpx2.Response(503))
    async with make_client(fake, max_retries=2) as client:
        with pytest.raises(errors.ServerError):
            await client.get_contact(1)
    assert len(fake.requests) == 3


@pytest.mark.anyio
async def test_a_500_is_not_retried() -> None:
    fake = Recorder(httpx2.Response(500), ok({"contact": {"id": 1}}))
    async with make_client(fake) as client:
        with pytest.raises(errors.ServerError):
            await client.get_contact(1)
    assert len(fake.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    "failure",
    [httpx2.ConnectError("refused"), httpx2.ConnectTimeout("slow")],
    ids=["connect-error", "connect-timeout"],
)
@pytest.mark.parametrize("name", ["create_contact", "get_contact"])
async def test_a_request_never_sent_is_retried_for_every_endpoint(failure: Exception, name: str) -> None:
    fake = Recorder(failure, ok({"contact": {"id": 1}}))
    calls = dict((n, c) for n, c, *_ in CALLS)
    async with make_client(fake) as client:
        await calls[name](client)
    assert len(fake.requests) == 2


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (httpx2.ReadError("reset"), errors.ConnectionFailed),
        (httpx2.RemoteProtocolError("eof"), errors.ConnectionFailed),
        (httpx2.ReadTimeout("slow"), errors.RequestTimeout),
    ],
    ids=["read-error", "protocol-error", "read-timeout"],
)
async def test_a_failure_after_sending_is_retried_only_when_safe(
    failure: Exception, kind: type[errors.TransportError]
) -> None:
    unsafe = Recorder(failure, ok({"contact": {"id": 1}}))
    async with make_client(unsafe) as client:
        with pytest.raises(kind):
            await client.create_contact({"surname": "Doe"})
    assert len(unsafe.requests) == 1
    safe = Recorder(failure, ok({"contact": {"id": 1}}))
    async with make_client(safe) as client:
        await client.get_contact(1)
    assert len(safe.requests) == 2


@pytest.mark.anyio
async def test_a_connection_failure_that_persists_is_reported() -> None:
    fake = Recorder(httpx2.ConnectError("refused"))
    async with make_client(fake, max_retries=2) as client:
        with pytest.raises(errors.ConnectionFailed):
            await client.create_contact({"surname": "Doe"})
    assert len(fake.requests) == 3


# Rate limiting.


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("headers", "wait"),
    [({"Retry-After": "3"}, 3.0), ({"X-Ratelimit-Reset": "0.6"}, 0.6), ({}, 1.0)],
    ids=["retry-after", "reset-fallback", "default"],
)
async def test_a_429_waits_then_succeeds_even_for_unsafe_writes(headers: dict[str, str], wait: float) -> None:
    t = FakeTime()
    fake = Recorder(httpx2.Response(429, headers=headers), ok({"contact": {"id": 1}}))
    async with make_client(fake, t) as client:
        contact = await client.create_contact({"surname": "Doe"})
    assert contact.id == 1
    assert len(fake.requests) == 2
    assert t.sleeps == pytest.approx([wait])


@pytest.mark.anyio
async def test_endless_429s_end_in_rate_limited() -> None:
    fake = Recorder(httpx2.Response(429, headers={"Retry-After": "1"}))
    async with make_client(fake) as client:
        with pytest.raises(errors.RateLimited) as caught:
            await client.get_contact(1)
    assert caught.value.retry_after == 1
    assert len(fake.requests) == 6


@pytest.mark.anyio
async def test_a_retry_after_beyond_the_deadline_is_not_waited_for() -> None:
    t = FakeTime()
    fake = Recorder(httpx2.Response(429, headers={"Retry-After": "300"}), ok({"contact": {"id": 1}}))
    async with make_client(fake, t, deadline=120) as client:
        with pytest.raises(errors.RateLimited) as caught:
            await client.get_contact(1)
    assert caught.value.retry_after == 300
    assert t.sleeps == []


@pytest.mark.anyio
async def test_the_client_paces_itself_from_the_headers_with_the_endpoint_cost() -> None:
    t = FakeTime()
    drained = {"X-Ratelimit-Limit": "burst:100;rate:10.0", "X-Ratelimit-Remaining": "0"}
    fake = Recorder(httpx2.Response(200, json={"data": {"contact": {"id": 1}}}, headers=drained))
    async with make_client(fake, t) as client:
        await client.get_contact(1)  # learns the bucket is empty
        await client.get_contact(1)  # cost 1: waits 0.1 s
        await client.create_contact({"surname": "Doe"})  # cost 5, bucket empty again: waits 0.5 s
    assert t.sleeps == pytest.approx([0.1, 0.5])


@pytest.mark.anyio
async def test_clients_of_one_key_share_a_bucket() -> None:
    t = FakeTime()
    async with (
        make_client(Recorder(ok()), t) as first,
        make_client(Recorder(ok()), t) as second,
        QomonClient("another-key", base_url=BASE, sleep=t.sleep, clock=t.clock) as other,
    ):
        assert first.rate_limit is second.rate_limit
        assert other.rate_limit is not first.rate_limit


# Deadline.


@pytest.mark.anyio
async def test_a_rate_limit_wait_past_the_deadline_times_out_without_sending() -> None:
    t = FakeTime()
    fake = Recorder(ok({"contact": {"id": 1}}))
    async with make_client(fake, t, deadline=5) as client:
        client.rate_limit.on_429(60)
        with pytest.raises(errors.RequestTimeout):
            await client.get_contact(1)
    assert fake.requests == []


@pytest.mark.anyio
async def test_a_slow_answer_past_the_deadline_times_out() -> None:
    async def hang(request: httpx2.Request) -> httpx2.Response:
        await anyio.sleep(5)
        return ok()

    client = QomonClient(KEY, base_url=BASE, transport=httpx2.MockTransport(hang), deadline=0.05)
    async with client:
        with anyio.fail_after(2):
            with pytest.raises(errors.RequestTimeout) as caught:
                await client.get_contact(1)
    assert isinstance(caught.value, TimeoutError)
    assert isinstance(caught.value, errors.TransportError)


@pytest.mark.anyio
async def test_retries_stop_at_the_deadline() -> None:
    t = FakeTime()

    def slow_503(request: httpx2.Request) -> httpx2.Response:
        t.now += 50
        return httpx2.Response(503)

    # Each answer takes 50 s: the third ends past the 120 s deadline, so no fourth is sent
    # and the last answer's error is reported.
    async with make_client(slow_503, t, deadline=120, max_retries=10) as client:
        with pytest.raises(errors.ServerError):
            await client.get_contact(1)
    assert 150 <= t.now - 1000 < 151
