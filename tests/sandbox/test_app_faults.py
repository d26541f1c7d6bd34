"""Injected faults: forced statuses, delays, dropped connections, malformed bodies, drifted fields."""

from __future__ import annotations

import json
import time

import httpx2
import pytest

from tests.sandbox.app_support import KEY, build_sandbox, client

NEW_CONTACT = {"data": {"contact": {"surname": "Faulty"}}}


def _created(sandbox) -> int:
    return sum(c["surname"] == "Faulty" for c in sandbox.space_for(KEY).contacts.values())


@pytest.mark.anyio
@pytest.mark.parametrize("status", [500, 502, 503, 504], ids=str)
async def test_status_fault_answers_without_processing(status: int) -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("status", status=status, route="/contacts", method="POST")
    async with client(sandbox) as http:
        faulted = await http.post("/contacts", json=NEW_CONTACT)
        normal = await http.post("/contacts", json=NEW_CONTACT)
    assert faulted.status_code == status
    assert normal.status_code == 200
    assert _created(sandbox) == 1


@pytest.mark.anyio
async def test_forced_429_carries_retry_after() -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("status", status=429)
    async with client(sandbox) as http:
        response = await http.get("/roles")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"


@pytest.mark.anyio
async def test_fault_matches_route_template_and_method_only() -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("status", status=503, route="/contacts/{id}", method="GET", times=2)
    async with client(sandbox) as http:
        other = await http.get("/roles")
        statuses = [(await http.get("/contacts/1")).status_code for _ in range(3)]
    assert other.status_code == 200
    assert statuses == [503, 503, 200]
    assert sandbox.faults.pending == []


@pytest.mark.anyio
async def test_dropped_connection_before_processing_is_a_connect_error() -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("drop", route="/contacts")
    async with client(sandbox) as http:
        with pytest.raises(httpx2.ConnectError):
            await http.post("/contacts", json=NEW_CONTACT)
    assert _created(sandbox) == 0
    assert (sandbox.request_log[-1].status, sandbox.request_log[-1].fault) == (0, "drop")


@pytest.mark.anyio
async def test_dropped_response_after_processing_is_a_remote_protocol_error() -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("drop", route="/contacts", after=True)
    async with client(sandbox) as http:
        with pytest.raises(httpx2.RemoteProtocolError):
            await http.post("/contacts", json=NEW_CONTACT)
    assert _created(sandbox) == 1
    assert (sandbox.request_log[-1].status, sandbox.request_log[-1].fault) == (200, "drop")


@pytest.mark.anyio
@pytest.mark.parametrize(("after", "created"), [(False, 0), (True, 1)], ids=["unprocessed", "processed"])
async def test_malformed_body_is_a_200_that_is_not_json(after: bool, created: int) -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("malformed", route="/contacts", after=after)
    async with client(sandbox) as http:
        response = await http.post("/contacts", json=NEW_CONTACT)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert _created(sandbox) == created


@pytest.mark.anyio
async def test_delay_fault_slows_the_answer_then_processes() -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("delay", delay=0.2)
    async with client(sandbox) as http:
        started = time.monotonic()
        response = await http.get("/roles")
    assert time.monotonic() - started >= 0.2
    assert response.status_code == 200
    assert sandbox.request_log[-1].fault == "delay"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "altered"),
    [
        pytest.param("data.roles[].name", [7, 7], id="every-item"),
        pytest.param("data.roles[1].name", ["first", 7], id="one-item"),
    ],
)
async def test_drift_alters_one_field_of_a_processed_answer(path: str, altered: list) -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        names = [r["name"] for r in (await http.get("/roles")).json()["data"]["roles"][:2]]
        sandbox.faults.add("drift", route="/roles", path=path, value=7)
        drifted = await http.get("/roles")
        again = await http.get("/roles")
    roles = drifted.json()["data"]["roles"]
    expected = [names[0] if a == "first" else a for a in altered]
    assert [r["name"] for r in roles[:2]] == expected
    assert int(drifted.headers["content-length"]) == len(drifted.content)
    assert "x-ratelimit-remaining" in drifted.headers
    assert [r["name"] for r in again.json()["data"]["roles"][:2]] == names
    assert sandbox.request_log[-2].fault == "drift"


@pytest.mark.anyio
async def test_drift_on_a_path_that_finds_nothing_leaves_the_answer_alone() -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        before = (await http.get("/roles")).json()
        sandbox.faults.add("drift", route="/roles", path="data.nothing[].here", value={})
        after = (await http.get("/roles")).json()
    assert after == before


@pytest.mark.anyio
async def test_drift_leaves_an_error_answer_alone() -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("drift", route="/roles", path="data.authorization", value=1)
    async with client(sandbox, key="not-a-key") as http:
        refused = await http.get("/roles")
    assert refused.status_code == 401
    assert refused.json()["data"] == {"authorization": "missing or unknown API key"}


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("boom", {}),
        ("status", {}),
        ("status", {"status": 200}),
        ("drop", {"times": 0}),
        ("drift", {}),
        ("drift", {"path": "data..roles"}),
    ],
    ids=[
        "unknown-kind",
        "status-without-status",
        "status-not-an-error",
        "zero-times",
        "drift-without-path",
        "drift-bad-path",
    ],
)
def test_invalid_faults_are_refused(kind: str, options: dict) -> None:
    with pytest.raises(ValueError):
        build_sandbox().faults.add(kind, **options)  # type: ignore[arg-type]


# A 5xx after processing, faults written as JSON, the bounded log, the admin routes.


@pytest.mark.anyio
async def test_status_fault_after_processing_does_the_work_then_fails() -> None:
    sandbox = build_sandbox()
    sandbox.faults.add("status", status=500, route="/contacts", method="POST", after=True)
    async with client(sandbox) as http:
        faulted = await http.post("/contacts", json=NEW_CONTACT)
    assert faulted.status_code == 500
    assert _created(sandbox) == 1
    assert (sandbox.request_log[-1].status, sandbox.request_log[-1].fault) == (500, "status")


def test_faults_written_as_json_are_armed_in_order() -> None:
    sandbox = build_sandbox()
    written = json.loads(
        '[{"kind": "drop", "route": "/teams", "method": "post", "after": true},'
        ' {"kind": "status", "status": 429, "times": 2},'
        ' {"kind": "drift", "path": "data.contacts[].tags", "value": "x", "times": null}]'
    )
    added = sandbox.faults.load(written)
    assert [(f.kind, f.method, f.after, f.times) for f in added] == [
        ("drop", "POST", True, 1),
        ("status", None, False, 2),
        ("drift", None, False, None),
    ]
    assert sandbox.faults.described()[1] == {"kind": "status", "times": 2, "status": 429, "retry_after": 1}


@pytest.mark.parametrize(
    "written",
    [
        pytest.param([{"kind": "drop"}, {"kind": "explode"}], id="unknown-kind"),
        pytest.param([{"kind": "drop"}, {"kind": "drop", "when": "now"}], id="unknown-key"),
        pytest.param([{"kind": "drop"}, {"route": "/teams"}], id="no-kind"),
        pytest.param([{"kind": "drop"}, {"kind": "status", "status": "500"}], id="status-as-text"),
        pytest.param([{"kind": "drop"}, {"kind": "delay", "delay": True}], id="boolean-delay"),
        pytest.param([{"kind": "drop"}, "drop"], id="not-an-object"),
    ],
)
def test_a_bad_fault_in_json_arms_none(written: list) -> None:
    sandbox = build_sandbox()
    with pytest.raises(ValueError, match="fault 1"):
        sandbox.faults.load(written)
    assert sandbox.faults.pending == []


@pytest.mark.anyio
async def test_request_log_keeps_only_the_newest_requests() -> None:
    sandbox = build_sandbox(log_limit=3)
    async with client(sandbox) as http:
        for contact_id in range(1, 6):
            await http.get(f"/contacts/{contact_id}")
        await http.get("/roles")
    log = sandbox.request_log
    assert len(log) == 3
    assert [r.route for r in log] == ["/contacts/{id}", "/contacts/{id}", "/roles"]
    assert log[-1].route == "/roles"
    assert [r.route for r in log[1:]] == ["/contacts/{id}", "/roles"]


def test_request_log_default_bound() -> None:
    from qomon_mcp.sandbox.requestlog import MAX_LOGGED, LoggedRequest

    sandbox = build_sandbox()
    for n in range(MAX_LOGGED + 25):
        sandbox.request_log.append(LoggedRequest("GET", "/roles", 200, "", float(n)))
    assert len(sandbox.request_log) == MAX_LOGGED
    assert sandbox.request_log[0].at == 25.0


def _admin_client(sandbox, host: str = "127.0.0.1") -> httpx2.AsyncClient:
    from qomon_mcp.sandbox.admin import Admin

    transport = httpx2.ASGITransport(app=Admin(sandbox.app, sandbox), client=(host, 4711))
    return httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1:8765")


@pytest.mark.anyio
async def test_admin_route_arms_lists_and_clears_faults() -> None:
    from tests.sandbox.app_support import BASE_URL

    sandbox = build_sandbox()
    async with _admin_client(sandbox) as admin:
        armed = await admin.post(
            "/_sandbox/faults", json=[{"kind": "status", "status": 503, "route": "/roles", "times": 2}]
        )
        assert armed.status_code == 201
        assert armed.json()["faults"] == [{"kind": "status", "times": 2, "route": "/roles", "status": 503}]
        headers = {"Authorization": f"Bearer {KEY}"}
        statuses = [(await admin.get(f"{BASE_URL}/roles", headers=headers)).status_code for _ in range(3)]
        assert statuses == [503, 503, 200]
        await admin.post("/_sandbox/faults", json={"kind": "drop", "route": "/teams"})
        assert (await admin.delete("/_sandbox/faults")).json() == {"faults": []}
        assert sandbox.faults.pending == []
        seen = (await admin.get("/_sandbox/requests", params={"last": 2})).json()
    assert [(r["route"], r["status"], r["fault"]) for r in seen["requests"]] == [
        ("/roles", 503, "status"),
        ("/roles", 200, None),
    ]
    assert (seen["kept"], seen["limit"]) == (3, sandbox.request_log.limit)
    # The admin calls themselves are not Qomon requests: the log holds the three /roles only.
    assert len(sandbox.request_log) == 3


@pytest.mark.anyio
async def test_admin_route_refuses_a_bad_fault_and_arms_nothing() -> None:
    sandbox = build_sandbox()
    async with _admin_client(sandbox) as admin:
        refused = await admin.post("/_sandbox/faults", json=[{"kind": "status", "status": 200}])
        broken = await admin.post("/_sandbox/faults", content=b"[{")
    assert (refused.status_code, broken.status_code) == (400, 400)
    assert "400-599" in refused.json()["data"]["faults"]
    assert sandbox.faults.pending == []


@pytest.mark.anyio
async def test_admin_route_does_not_exist_for_other_hosts() -> None:
    sandbox = build_sandbox()
    async with _admin_client(sandbox, host="192.0.2.7") as admin:
        response = await admin.post("/_sandbox/faults", json=[{"kind": "drop"}])
    assert response.status_code == 404
    assert sandbox.faults.pending == []


def test_sandbox_command_arms_a_faults_file_and_refuses_admin_off_loopback(tmp_path) -> None:
    from qomon_mcp.cli import build_parser
    from qomon_mcp.sandbox.admin import Admin
    from qomon_mcp.sandbox.serve import SetupError, armed

    path = tmp_path / "faults.json"
    path.write_text(json.dumps([{"kind": "drop", "route": "/teams", "method": "POST", "after": True}]))
    args = build_parser().parse_args(["sandbox", "--faults", str(path), "--admin"])
    assert (args.faults, args.admin) == (str(path), True)
    sandbox = build_sandbox()
    app = armed(sandbox, sandbox.app, host=args.host, faults_file=args.faults, admin=args.admin)
    assert isinstance(app, Admin)
    assert [(f.kind, f.route, f.after) for f in sandbox.faults.pending] == [("drop", "/teams", True)]
    with pytest.raises(SetupError, match="loopback"):
        armed(build_sandbox(), sandbox.app, host="0.0.0.0", faults_file=None, admin=True)
    path.write_text('[{"kind": "drop", "after": "yes"}]')
    with pytest.raises(SetupError, match="after has the wrong type"):
        armed(build_sandbox(), sandbox.app, host="127.0.0.1", faults_file=str(path), admin=False)
