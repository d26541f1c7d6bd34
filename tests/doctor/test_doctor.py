"""`qomon-mcp doctor` against the emulator: all reads, drifted answers, a refused key, no add-on."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx2
import pytest

from qomon_mcp.cli import main
from qomon_mcp.doctor import run_doctor
from qomon_mcp.doctor.reads import READS
from qomon_mcp.http.upstream import sandbox_upstream
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEFAULT_NOW, DEMO_KEYS, NO_FUNDRAISING_KEY, build_demo_spaces
from qomon_mcp.spec.endpoints import endpoint
from tests.spaces import demo_sandbox

EU_KEY = DEMO_KEYS["eu"]
EU_URL = "https://incoming.qomon.app"
FUNDRAISING_READS = sum(read.fundraising for read in READS)


@pytest.fixture(autouse=True)
def no_qomon_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The doctor reads QOMON_* like every command; the tests give every setting themselves.
    for name in ("QOMON_API_KEY", "QOMON_REGION", "QOMON_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sandbox() -> Sandbox:
    return demo_sandbox(contacts=100, burst=1000, rate=1000.0)


def doctor(
    transport: httpx2.AsyncBaseTransport,
    key: str = EU_KEY,
    *,
    as_json: bool = False,
    strict: bool = False,
    **flags: Any,
) -> tuple[int, str]:
    out = io.StringIO()
    flags.setdefault("base_url", EU_URL)
    code = run_doctor(api_key=key, transport=transport, as_json=as_json, strict=strict, out=out, **flags)
    text = out.getvalue()
    assert key not in text, "the API key must never be printed"
    return code, text


def report_of(transport: httpx2.AsyncBaseTransport, key: str = EU_KEY, **flags: Any) -> tuple[int, dict[str, Any]]:
    code, text = doctor(transport, key, as_json=True, **flags)
    return code, json.loads(text)


def test_every_read_of_the_demo_space_works(sandbox: Sandbox) -> None:
    code, report = report_of(sandbox.transport())
    assert code == 0 and report["exit_code"] == 0 and report["reads_work"]
    assert [r["request"] for r in report["reads"]] == [read.request for read in READS]
    assert {r["status"] for r in report["reads"]} == {"ok"}
    assert report["fundraising"] == "enabled"
    assert report["shape_differences"] == []
    assert report["rate_limit_headers"]["ok"] and report["rate_limit_headers"]["burst"] == 1000
    # Each read once, and nothing else: the doctor never writes.
    sent = sorted((e.method, e.route) for e in sandbox.request_log)
    assert sent == sorted((endpoint(r.endpoint).method, endpoint(r.endpoint).route) for r in READS)
    assert not any(endpoint(r.endpoint).is_write for r in READS)


def test_the_text_report_lists_every_read_and_the_verdict(sandbox: Sandbox) -> None:
    code, text = doctor(sandbox.transport())
    assert code == 0
    for read in READS:
        assert read.request in text
    assert "Shapes: every answer has the shape the client expects." in text
    assert text.rstrip().endswith("Result: every read works (exit 0).")


DRIFTS = [
    pytest.param(
        "/actions", "data.ActionsAggreg[].Action.goal_forms", {"shape": "object"},
        "GET /actions", "data.ActionsAggreg[].Action.goal_forms", "integer", "object",
        id="action-goal-forms-as-object",
    ),
    pytest.param(
        "/search", "data.contacts[].tags", "volunteer",
        "POST /search", "data.contacts[].tags", "list", "string",
        id="contact-tags-as-string",
    ),
    pytest.param(
        "/roles", "data.roles[0].name", ["a", "list"],
        "GET /roles", "data.roles[].name", "string", "list",
        id="role-name-as-list",
    ),
    pytest.param(
        "/v1/transaction_settings", "data.open_periods", 12,
        "GET /v1/transaction_settings", "data.open_periods", "object", "integer",
        id="settings-open-periods-as-integer",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("route", "path", "value", "request_", "reported", "expected", "seen"), DRIFTS)
def test_a_drifted_field_is_reported_with_its_path_expected_and_seen(
    sandbox: Sandbox, route: str, path: str, value: Any, request_: str, reported: str, expected: str, seen: str
) -> None:
    sandbox.faults.add("drift", route=route, path=path, value=value)
    code, report = report_of(sandbox.transport())
    [drift] = report["shape_differences"]
    assert (drift["request"], drift["path"], drift["seen"]) == (request_, reported, [seen])
    assert expected in drift["expected"] and seen not in drift["expected"].split(" or ")
    # The client reads around the drifted field, so every read still works: a warning, exit 0.
    assert {r["status"] for r in report["reads"]} == {"ok"}
    assert code == 0 and report["reads_work"]


def test_a_drift_in_every_item_is_counted_once_per_item(sandbox: Sandbox) -> None:
    sandbox.faults.add("drift", route="/search", path="data.contacts[].tags", value="volunteer")
    _, report = report_of(sandbox.transport())
    [drift] = report["shape_differences"]
    search = next(r for r in report["reads"] if r["request"] == "POST /search")
    assert drift["count"] == search["records"] == 20


def test_strict_turns_a_drift_into_exit_1(sandbox: Sandbox) -> None:
    sandbox.faults.add("drift", route="/teams", path="data.teams[].leaders", value="nobody")
    code, text = doctor(sandbox.transport(), strict=True)
    assert code == 1
    assert "GET /teams  data.teams[].leaders: expected list of TeamUser objects, seen string" in text
    assert "with 1 warning(s) above (exit 1)" in text


def test_the_drift_report_shows_types_never_values(sandbox: Sandbox) -> None:
    marker = "Jeanne-Secret-Value"
    for as_json in (False, True):
        sandbox.faults.add("drift", route="/search", path="data.contacts[].firstname", value={"name": marker})
        _, text = doctor(sandbox.transport(), as_json=as_json)
        assert "data.contacts[].firstname" in text and marker not in text


def test_an_answer_the_client_cannot_read_is_a_failed_read(sandbox: Sandbox) -> None:
    sandbox.faults.add("malformed", route="/teams", after=True)
    code, report = report_of(sandbox.transport())
    teams = next(r for r in report["reads"] if r["request"] == "GET /teams")
    assert teams["status"] == "failed" and "could not read" in teams["detail"]
    assert code == 1 and not report["reads_work"]
    assert [r["status"] for r in report["reads"]].count("ok") == len(READS) - 1


def test_a_server_error_is_a_failed_read_with_one_sentence(sandbox: Sandbox) -> None:
    sandbox.faults.add("status", status=500, route="/actions", times=None)
    code, text = doctor(sandbox.transport())
    assert code == 1
    assert "Qomon failed (HTTP 500): try again later." in text
    assert "injected fault" not in text  # Qomon's own text is never shown
    assert "Result: 1 read(s) failed (exit 1)." in text


def test_no_fundraising_add_on_is_reported_not_failed(sandbox: Sandbox) -> None:
    code, report = report_of(sandbox.transport(), NO_FUNDRAISING_KEY)
    assert code == 0 and report["fundraising"] == "not enabled"
    off = [r for r in report["reads"] if r["status"] == "not enabled"]
    assert len(off) == FUNDRAISING_READS
    assert {r["detail"] for r in off} == {"fundraising add-on not enabled"}
    # Only the first fundraising read is sent: the 403 there says the add-on is off.
    assert [e.status for e in sandbox.request_log].count(403) == 1


@pytest.fixture
def two_regions() -> httpx2.AsyncBaseTransport:
    """Both Qomon regions, each answering only its own demo keys."""
    transport, _ = sandbox_upstream(spaces=build_demo_spaces(now=DEFAULT_NOW, contacts=50))
    return transport


@pytest.mark.parametrize(
    ("key", "region", "sentence"),
    [
        pytest.param(
            DEMO_KEYS["us"],
            "eu",
            "This API key belongs to Qomon's US region, not EU: run again with --region us",
            id="us-key-in-eu",
        ),
        pytest.param(
            DEMO_KEYS["eu"],
            "us",
            "This API key belongs to Qomon's EU region, not US: run again with --region eu",
            id="eu-key-in-us",
        ),
        pytest.param(
            "qk_live_wrong_0123456789",
            "eu",
            "Qomon refused this API key in both regions (HTTP 401): check QOMON_API_KEY",
            id="wrong-key",
        ),
    ],
)
def test_a_refused_key_gets_one_sentence_about_the_key_or_the_region(
    two_regions: httpx2.AsyncBaseTransport, key: str, region: str, sentence: str
) -> None:
    for as_json in (False, True):
        code, text = doctor(two_regions, key, as_json=as_json, region=region, base_url=None)
        assert code == 1
        problem = json.loads(text)["problem"] if as_json else text.splitlines()[1]
        assert problem.startswith(sentence) and problem.count(". ") == 0


def test_a_refused_key_at_a_custom_url_names_the_url(sandbox: Sandbox) -> None:
    code, text = doctor(sandbox.transport(), "qk_live_wrong_0123456789")
    assert code == 1
    assert f"Qomon at {EU_URL} refused this API key (HTTP 401): check QOMON_API_KEY" in text
    assert "Result: the doctor could not read the space (exit 1)." in text
    assert len(sandbox.request_log) == 1  # nothing else is tried


class WithoutRateLimitHeaders(httpx2.AsyncBaseTransport):
    """A Qomon that stopped sending the X-Ratelimit-* headers."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        headers = [(k, v) for k, v in response.headers.items() if not k.lower().startswith("x-ratelimit")]
        return httpx2.Response(response.status_code, headers=headers, content=content, request=request)


@pytest.mark.parametrize(("strict", "expected_code"), [(False, 0), (True, 1)], ids=["default", "strict"])
def test_missing_rate_limit_headers_are_a_warning(sandbox: Sandbox, strict: bool, expected_code: int) -> None:
    code, report = report_of(WithoutRateLimitHeaders(sandbox.transport()), strict=strict)
    assert code == expected_code
    headers = report["rate_limit_headers"]
    assert not headers["ok"]
    assert f"X-Ratelimit-Limit missing on {len(READS)} of {len(READS)} answers" in headers["summary"]


def test_the_command_line_checks_the_embedded_demo_space(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--sandbox", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["reads_work"] and report["fundraising"] == "enabled"


def test_the_command_line_picks_the_demo_space_of_a_demo_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QOMON_API_KEY", NO_FUNDRAISING_KEY)
    assert main(["doctor", "--sandbox"]) == 0
    out = capsys.readouterr().out
    assert "fundraising add-on not enabled" in out and NO_FUNDRAISING_KEY not in out


def test_without_a_key_the_command_says_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 2
    assert capsys.readouterr().err.strip() == (
        "qomon-mcp: set QOMON_API_KEY to the API key of the space to check (or try --sandbox)."
    )


def test_the_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["doctor", "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Nothing is written." in text and "--json" in text and "--strict" in text
