import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx2
import pytest

from qomon_mcp import __version__
from qomon_mcp.qomon import errors
from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.qomon.endpoints import ENDPOINTS, endpoint
from qomon_mcp.settings import Settings

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
QUERY = {"$all": [{"$all": [{"$condition": {"attr": "address.city", "ope": "eql", "value": "Paris"}}]}]}
TX = [{"amount": 2000, "currency": "eur", "payment_method_kind": "CB", "contact_id": 1, "date": "2025-01-01"}]
CALLS: list[tuple[str, Call, str, dict[str, str], Any]] = [
    (
        "create_contact",
        lambda c: c.create_contact({"surname": "Doe"}),
        "/contacts",
        {},
        {"data": {"contact": {"surname": "Doe"}}},
    ),
    ("get_contact", lambda c: c.get_contact(7), "/contacts/7", {}, None),
    (
        "replace_contact",
        lambda c: c.replace_contact(7, {"surname": "Doe"}),
        "/contacts/7",
        {},
        {"data": {"contact": {"surname": "Doe"}}},
    ),
    ("delete_contact", lambda c: c.delete_contact(7), "/contacts/7", {}, None),
    (
        "upsert_contact",
        lambda c: c.upsert_contact({"mail": "a@b.c"}),
        "/contacts/upsert",
        {},
        {"kind": "contact", "data": {"mail": "a@b.c"}},
    ),
    (
        "search_contacts",
        lambda c: c.search_contacts(
            QUERY, per_page=50, page=2, sort_attr="surname", sort_asc=True, include_interactions=True
        ),
        "/search",
        {},
        {
            "data": {
                "advanced_search": {
                    "query": QUERY,
                    "per_page": 50,
                    "page": 2,
                    "sort_attr": "surname",
                    "sort_asc": True,
                },
                "include_interactions": True,
            }
        },
    ),
    (
        "count_contacts",
        lambda c: c.count_contacts(QUERY),
        "/kpi",
        {},
        {"data": {"advanced_search": {"query": QUERY}}},
    ),
    ("list_forms", lambda c: c.list_forms("consent"), "/v1/forms/type/consent", {}, None),
    ("get_form", lambda c: c.get_form(9), "/forms/9", {}, None),
    ("list_actions", lambda c: c.list_actions(), "/actions", {}, None),
    (
        "list_users",
        lambda c: c.list_users(limit=10, offset=20, sort="surname"),
        "/users",
        {"limit": "10", "offset": "20", "sort": "surname"},
        None,
    ),
    ("get_user", lambda c: c.get_user(3), "/users/3", {}, None),
    (
        "update_user",
        lambda c: c.update_user(3, {"mail": "a@b.c"}),
        "/users/3",
        {},
        {"data": {"mail": "a@b.c"}},
    ),
    ("delete_user", lambda c: c.delete_user(3), "/users/3", {}, None),
    (
        "change_user_role",
        lambda c: c.change_user_role(3, 2),
        "/users/role",
        {},
        {"data": {"user_id": 3, "role_id": 2}},
    ),
    ("list_roles", lambda c: c.list_roles(), "/roles", {}, None),
    ("list_invitations", lambda c: c.list_invitations(), "/users/invitation", {}, None),
    (
        "invite_users",
        lambda c: c.invite_users([{"email": "a@b.c", "role_id": 2}]),
        "/users/invitation",
        {},
        {"data": {"invitations": [{"email": "a@b.c", "role_id": 2}]}},
    ),
    ("delete_invitation", lambda c: c.delete_invitation(5), "/users/invitation/5", {}, None),
    ("list_teams", lambda c: c.list_teams(user_id=3), "/teams", {"user_id": "3"}, None),
    ("list_public_teams", lambda c: c.list_public_teams(), "/teams/public", {}, None),
    ("get_team", lambda c: c.get_team(4), "/teams/4", {}, None),
    (
        "create_team",
        lambda c: c.create_team({"name": "Paris"}),
        "/teams",
        {},
        {"data": {"team": {"name": "Paris"}}},
    ),
    (
        "replace_team",
        lambda c: c.replace_team({"id": 4, "name": "Paris"}),
        "/teams",
        {},
        {"data": {"team": {"id": 4, "name": "Paris"}}},
    ),
    ("delete_team", lambda c: c.delete_team(4), "/teams/4", {}, None),
    (
        "send_global_message",
        lambda c: c.send_global_message("Hi", "Tonight 7pm", [4]),
        "/global-message",
        {},
        {"data": {"title": "Hi", "body": "Tonight 7pm", "team_ids": [4]}},
    ),
    (
        "create_bundle",
        lambda c: c.create_bundle(TX),
        "/v1/transaction_bundles",
        {},
        {"data": {"transactions": TX}},
    ),
    (
        "list_bundles",
        lambda c: c.list_bundles(limit=10, offset=5),
        "/v1/transaction_bundles",
        {"limit": "10", "offset": "5"},
        None,
    ),
    ("get_bundle", lambda c: c.get_bundle(42), "/v1/transaction_bundles/42", {}, None),
    (
        "update_bundle",
        lambda c: c.update_bundle(42, donations=[{"amount": 5}]),
        "/v1/transaction_bundles/42",
        {},
        {"id": 42, "data": {"donations": [{"amount": 5}]}},
    ),
    ("delete_bundle", lambda c: c.delete_bundle(42), "/v1/transaction_bundles/42", {}, None),
    (
        "get_bundle_history",
        lambda c: c.get_bundle_history(42),
        "/v1/transaction_bundles/42/history",
        {},
        None,
    ),
    (
        "get_transaction_settings",
        lambda c: c.get_transaction_settings(),
        "/v1/transaction_settings",
        {},
        None,
    ),
    (
        "list_transaction_statuses",
        lambda c: c.list_transaction_statuses(limit=5),
        "/v1/transaction_statuses",
        {"limit": "5"},
        None,
    ),
    ("list_code_campaigns", lambda c: c.list_code_campaigns(), "/v1/code_campaigns", {}, None),
    (
        "list_membership_prices",
        lambda c: c.list_membership_prices(offset=3),
        "/v1/membership_prices",
        {"offset": "3"},
        None,
    ),
    (
        "list_membership_price_groups",
        lambda c: c.list_membership_price_groups(),
        "/v1/membership_price_groups",
        {},
        None,
    ),
    ("list_donation_prices", lambda c: c.list_donation_prices(), "/v1/donation_prices", {}, None),
]
CALL_IDS = [name for name, *_ in CALLS]
# An answer every method can read, so one fake serves the whole table.
ANY_DATA = {
    **{key: {"id": 1} for key in ("contact", "form", "User", "team", "bundle", "transaction_settings")},
    **{
        key: []
        for key in (
            "contacts",
            "forms",
            "ActionsAggreg",
            "users",
            "roles",
            "invitations",
            "teams",
            "bundles",
            "history",
            "transaction_statuses",
            "code_campaigns",
            "membership_prices",
            "membership_price_groups",
            "donation_prices",
        )
    },
    "total": 1,
    "count": 1,
    "accepted": True,
}
WRITES = [case for case in CALLS if endpoint(case[0]).is_write]
READS = [case for case in CALLS if not endpoint(case[0]).is_write]


def test_every_endpoint_has_a_method_and_a_call_here() -> None:
    assert sorted(CALL_IDS) == sorted(e.name for e in ENDPOINTS)
    for e in ENDPOINTS:
        assert callable(getattr(QomonClient, e.name))


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "call", "path", "query", "body"), CALLS, ids=CALL_IDS)
async def test_each_method_sends_its_endpoint_request(
    name: str, call: Call, path: str, query: dict[str, str], body: Any
) -> None:
    fake = Recorder(ok(ANY_DATA))
    async with make_client(fake) as client:
        await call(client)
    [request] = fake.requests
    assert request.method == endpoint(name).method
    assert request.url.path == path
    assert dict(request.url.params) == query
    assert (json.loads(request.content) if request.content else None) == body
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"] == f"qomon-mcp/{__version__}"


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "call", "path", "query", "body"), WRITES, ids=[c[0] for c in WRITES])
async def test_read_only_refuses_every_write_before_sending(
    name: str, call: Call, path: str, query: dict[str, str], body: Any
) -> None:
    fake = Recorder(ok({}))
    async with make_client(fake, read_only=True) as client:
        with pytest.raises(errors.ReadOnlyError) as caught:
            await call(client)
    assert caught.value.endpoint == name
    assert fake.requests == []


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "call", "path", "query", "body"), READS, ids=[c[0] for c in READS])
async def test_read_only_lets_reads_through(
    name: str, call: Call, path: str, query: dict[str, str], body: Any
) -> None:
    fake = Recorder(ok(ANY_DATA))
    async with make_client(fake, read_only=True) as client:
        await call(client)
    assert len(fake.requests) == 1


# Answers: each documented response shape reaches the caller as the right type.


@pytest.mark.anyio
@pytest.mark.parametrize("key", ["User", "user"], ids=["capital-User", "lower-user"])
async def test_get_user_reads_either_key(key: str) -> None:
    async with make_client(Recorder(ok({key: {"id": 3, "mail": "a@b.c"}}))) as client:
        user = await client.get_user(3)
    assert (user.id, user.mail) == (3, "a@b.c")


@pytest.mark.anyio
async def test_contacts_are_unwrapped_from_the_envelope() -> None:
    async with make_client(Recorder(ok({"contact": {"id": 7, "surname": "Doe"}}))) as client:
        contact = await client.get_contact(7)
    assert (contact.id, contact.surname) == (7, "Doe")


@pytest.mark.anyio
async def test_search_returns_contacts_and_count_returns_the_total() -> None:
    fake = Recorder(
        ok({"contacts": [{"id": 1}, {"id": 2, "interactions": [{"type": "call"}]}]}), ok({"total": 2})
    )
    async with make_client(fake) as client:
        contacts = await client.search_contacts(QUERY)
        total = await client.count_contacts(QUERY)
    assert [c.id for c in contacts] == [1, 2]
    assert contacts[1].interactions == [{"type": "call"}]
    assert total == 2
    assert json.loads(fake.requests[0].content) == {
        "data": {"advanced_search": {"query": QUERY, "per_page": 100, "page": 0}}
    }


@pytest.mark.anyio
async def test_public_teams_come_as_a_bare_array() -> None:
    fake = Recorder(httpx2.Response(200, json=[{"id": 1, "name": "Open"}, {"id": 2}]))
    async with make_client(fake) as client:
        teams = await client.list_public_teams()
    assert [t.id for t in teams] == [1, 2]


@pytest.mark.anyio
async def test_list_bundles_reaches_the_top_level_total() -> None:
    fake = Recorder(ok([{"id": 2}, {"id": 1}], total=57))
    async with make_client(fake) as client:
        page = await client.list_bundles()
    assert [b.id for b in page.bundles] == [2, 1]
    assert page.total == 57


@pytest.mark.anyio
@pytest.mark.parametrize(
    "data",
    [
        [{"id": 1, "kind": "create"}],
        {"history": [{"id": 1, "kind": "create"}]},
        {"items": [{"id": 1, "kind": "create"}]},
    ],
    ids=["list", "history-key", "other-key"],
)
async def test_bundle_history_is_a_list_or_wraps_one(data: Any) -> None:
    async with make_client(Recorder(ok(data))) as client:
        [entry] = await client.get_bundle_history(42)
    assert entry.kind == "create"


@pytest.mark.anyio
async def test_list_actions_reads_actions_aggreg() -> None:
    fake = Recorder(ok({"ActionsAggreg": [{"Action": {"id": 5, "name": "Doors"}, "NbVisites": 3}]}))
    async with make_client(fake) as client:
        [aggregate] = await client.list_actions()
    assert aggregate.action is not None and aggregate.action.name == "Doors"
    assert aggregate.nb_visites == 3


@pytest.mark.anyio
async def test_list_users_returns_count_and_users() -> None:
    async with make_client(
        Recorder(ok({"count": 12, "users": [{"id": 3, "role_data": {"name": "Admin"}}]}))
    ) as c:
        page = await c.list_users()
    assert page.count == 12
    assert page.users[0].role_data is not None and page.users[0].role_data.name == "Admin"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "data", "partial", "sent", "failed"),
    [
        (201, {"invitations": [{"id": 1, "email": "a@b.c"}]}, False, ["a@b.c"], 0),
        (
            207,
            {"invitations": [{"email": "a@b.c"}], "errors": [{"email": "x@y.z", "error": "already"}]},
            True,
            ["a@b.c"],
            1,
        ),
        (207, [{"email": "a@b.c"}, {"email": "x@y.z", "error": "already a member"}], True, ["a@b.c"], 1),
    ],
    ids=["201-all", "207-object", "207-list"],
)
async def test_invitations_report_what_went_through(
    status: int, data: Any, partial: bool, sent: list[str], failed: int
) -> None:
    async with make_client(Recorder(ok(data, status=status))) as client:
        result = await client.invite_users(
            [{"email": "a@b.c", "role_id": 2}, {"email": "x@y.z", "role_id": 2}]
        )
    assert (result.status, result.partial) == (status, partial)
    assert [i.email for i in result.invitations] == sent
    assert len(result.failed) == failed
    assert result.raw == data


@pytest.mark.anyio
async def test_empty_answers_are_none() -> None:
    fake = Recorder(httpx2.Response(202), httpx2.Response(204), ok({"message": "deleted", "team_id": 4}))
    async with make_client(fake) as client:
        assert await client.upsert_contact({"mail": "a@b.c"}) is None
        assert await client.delete_contact(7) is None
        deleted = await client.delete_team(4)
    assert deleted.team_id == 4


@pytest.mark.anyio
async def test_send_global_message_reports_acceptance() -> None:
    async with make_client(Recorder(ok({"accepted": True}))) as client:
        assert await client.send_global_message("Hi", "Body", [1]) is True


@pytest.mark.anyio
async def test_reference_data_is_read() -> None:
    fake = Recorder(
        ok({"payment_method_kinds": ["CB"], "default_status_id": 2}),
        ok([{"id": 2, "kind": "valid"}], total=1),
        ok([{"code": "SPRING"}, "AUTUMN"]),
        ok([{"id": 10, "amount": 2000, "membership_price_group_id": 1}]),
        ok([{"id": 1, "membership_prices": [{"id": 10}]}]),
        ok([{"id": 20, "amount": 500}]),
    )
    async with make_client(fake) as client:
        settings = await client.get_transaction_settings()
        statuses = await client.list_transaction_statuses()
        codes = await client.list_code_campaigns()
        prices = await client.list_membership_prices()
        groups = await client.list_membership_price_groups()
        donations = await client.list_donation_prices()
    assert settings.payment_method_kinds == ["CB"]
    assert statuses[0].kind == "valid"
    assert [c.code for c in codes] == ["SPRING", "AUTUMN"]
    assert prices[0].amount == 2000
    assert groups[0].membership_prices[0].id == 10
    assert donations[0].amount == 500


# Errors: every status and body variant maps onto the hierarchy.

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
    answer = (
        httpx2.Response(status, content=body)
        if isinstance(body, bytes)
        else httpx2.Response(status, json=body)
    )
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
        ok({"contact": {"tags": "not a list"}}),
    ],
    ids=["not-json", "wrong-type", "wrong-field-type"],
)
async def test_unexpected_bodies_are_malformed(answer: httpx2.Response) -> None:
    async with make_client(Recorder(answer)) as client:
        with pytest.raises(errors.MalformedResponse):
            await client.get_contact(7)


@pytest.mark.anyio
async def test_the_key_never_leaks_into_errors_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    echo = httpx2.Response(401, json={"status": "error", "message": f"bad key {KEY}", "data": {KEY: KEY}})
    fake = Recorder(
        httpx2.Response(503), ok({"contact": {"id": 1}}), echo, httpx2.ConnectError(f"failed {KEY}")
    )
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
