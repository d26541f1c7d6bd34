import json
from typing import Any

import httpx2
import pytest

from qomon_mcp import __version__
from qomon_mcp.qomon import errors
from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.spec.endpoints import ENDPOINTS, endpoint
from tests.qomon.client_calls import ANY_DATA, CALL_IDS, CALLS, QUERY, READS, WRITES
from tests.qomon.client_support import KEY, Call, Recorder, make_client, ok


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
async def test_read_only_lets_reads_through(name: str, call: Call, path: str, query: dict[str, str], body: Any) -> None:
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
    fake = Recorder(ok({"contacts": [{"id": 1}, {"id": 2, "interactions": [{"type": "call"}]}]}), ok({"total": 2}))
    async with make_client(fake) as client:
        contacts = await client.search_contacts(QUERY)
        total = await client.count_contacts(QUERY)
    assert [c.id for c in contacts] == [1, 2]
    assert [i.type for i in contacts[1].interactions] == ["call"]
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
    async with make_client(Recorder(ok({"count": 12, "users": [{"id": 3, "role_data": {"name": "Admin"}}]}))) as c:
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
        result = await client.invite_users([{"email": "a@b.c", "role_id": 2}, {"email": "x@y.z", "role_id": 2}])
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
