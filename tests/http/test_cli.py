"""`qomon-mcp serve` on the command line, and the stdio path staying free of the HTTP stack."""

from __future__ import annotations

import subprocess
import sys

import pytest

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
