"""`qomon-mcp serve` on the command line, and the stdio path staying free of the HTTP stack."""

from __future__ import annotations

import subprocess
import sys

import pytest

from qomon_mcp import __version__
from qomon_mcp.cli import build_parser, main


def test_serve_flags_map_onto_settings() -> None:
    args = build_parser().parse_args(
        ["serve", "--host", "0.0.0.0", "--port", "9000", "--public-url", "https://mcp.example.org", "--sandbox"]
    )
    assert (args.command, args.host, args.port, args.public_url, args.sandbox) == (
        "serve",
        "0.0.0.0",
        9000,
        "https://mcp.example.org",
        True,
    )


@pytest.mark.parametrize(
    ("public_url", "problem"),
    [("http://mcp.example.org", "must use https"), ("https://mcp.example.org/qomon", "must be an origin")],
    ids=["plain-http", "with-path"],
)
def test_serve_refuses_an_unusable_public_url(
    public_url: str, problem: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QOMON_MCP_SECRET", "k1:" + "x" * 40)
    assert main(["serve", "--public-url", public_url]) == 2
    assert problem in capsys.readouterr().err


def test_the_stdio_path_does_not_import_the_http_stack() -> None:
    # uvicorn itself is not in the list: importing the SDK's server already imports it.
    code = (
        "import sys; from qomon_mcp import cli, local; cli.build_parser().parse_args([]);"
        "local.build_server(sandbox=True);"
        "bad = [m for m in ('qomon_mcp.http', 'qomon_mcp.auth', 'joserfc') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"qomon-mcp {__version__}"


def test_help_names_the_api_key_variable_and_where_each_command_s_options_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "QOMON_API_KEY" in shown
    assert "--api-key" not in shown
    assert "qomon-mcp serve --help" in shown and "qomon-mcp call --help" in shown


def test_serving_beyond_loopback_without_a_public_url_says_to_set_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QOMON_MCP_SECRET", "k1:" + "x" * 40)
    monkeypatch.delenv("QOMON_PUBLIC_URL", raising=False)
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "set --public-url https://your-host (or QOMON_PUBLIC_URL)" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "next_step"),
    [
        (["serve", "--port", "0"], "--port or QOMON_PORT"),
        (["serve", "--toolsets", "contacts,everything"], "set --toolsets or QOMON_TOOLSETS to some of contacts"),
        (["tools", "--base-url", "incoming.qomon.app"], "fix --base-url or QOMON_BASE_URL"),
        (["tools", "--sandbox-file", "space.db"], "add --sandbox"),
        (["call", "get_teams", "[1]", "--sandbox"], "must be a JSON object"),
    ],
    ids=["port", "toolsets", "base-url", "file-without-sandbox", "arguments"],
)
def test_each_refusal_is_one_sentence_on_stderr_with_the_next_step(
    argv: list[str], next_step: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QOMON_MCP_SECRET", "k1:" + "x" * 40)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("qomon-mcp: ") and next_step in captured.err
    assert captured.err.count("\n") == 1 and captured.err.rstrip().endswith(".")


def test_a_bad_secret_says_how_to_make_a_good_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QOMON_MCP_SECRET", "k1:short")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "QOMON_MCP_SECRET" in err and "secrets.token_urlsafe(48)" in err


def test_a_usage_error_points_at_the_command_s_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--region", "fr"])
    assert exit_.value.code == 2
    assert "see qomon-mcp serve --help." in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "next_step"),
    [
        (["call", "no_such_tool", "{}", "--sandbox"], "`qomon-mcp tools` lists them"),
        (["call", "get_teams", "{}"], "set it to your space's API key, or add --sandbox"),
    ],
    ids=["unknown-tool", "no-key"],
)
def test_call_refuses_what_it_cannot_do_and_says_what_would_work(
    argv: list[str], next_step: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QOMON_API_KEY", "")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert next_step in err and err.count("\n") == 1
