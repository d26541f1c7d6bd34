"""`make run` as an MCP client starts it: the first line on its stdout is the answer to `initialize`.

Clients read the command's stdout as JSON-RPC from the first byte, so neither make (recipe echo,
"Entering directory") nor the set-up (venv, pip) may print there.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import anyio
import pytest

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "a-client-that-runs-make", "version": "1"},
    },
}

# As a client started from anywhere runs it. `-C` (and a make around, which sets MAKELEVEL) turn on
# make's "Entering directory" line on stdout before the Makefile is read; make 4.3 lets only `-s`
# or `--no-print-directory` on the command line turn it off, so a client config that needs `-C`
# carries `-s` too.
CALLERS = {
    "make-run-in-the-repository": (["make", "run"], {}),
    "make-s-C-inside-make": (["make", "-s", "-C", str(ROOT), "run"], {"MAKELEVEL": "1"}),
}

# Stands in for `python3` on a fresh clone: `-m venv DIR` makes DIR/bin/python (this same script)
# and DIR/bin/qomon-mcp (the installed one); every call first chatters on stdout, as venv and pip may.
FAKE_PYTHON = """#!/bin/sh
echo "set-up chatter: $0 $*"
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
    mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && ln -s "$QOMON_MCP_UNDER_TEST" "$3/bin/qomon-mcp"
fi
"""


def caller_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS"}}
    return {**env, **extra}


async def first_stdout_line(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[bytes, str]:
    """Start `command` in `cwd`, send `initialize`, return its first stdout line (and stderr)."""
    with tempfile.TemporaryFile() as errors:
        process = await anyio.open_process(
            command, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors
        )
        async with process:
            assert process.stdin is not None and process.stdout is not None
            try:
                await process.stdin.send(json.dumps(INITIALIZE).encode() + b"\n")
                received = b""
                # A first run after pyproject.toml changed reinstalls the project: give pip time.
                with anyio.fail_after(240):
                    while b"\n" not in received:
                        received += await process.stdout.receive()
                await process.stdin.aclose()
                with anyio.fail_after(30):
                    await process.wait()
            finally:
                if process.returncode is None:
                    process.kill()
        errors.seek(0)
        return received.split(b"\n", 1)[0], errors.read().decode(errors="replace")


def assert_answers_initialize(line: bytes, stderr: str) -> dict[str, Any]:
    try:
        answer = json.loads(line)
    except ValueError:
        raise AssertionError(f"stdout began with {line[:200]!r}, not JSON-RPC; stderr:\n{stderr[-2000:]}") from None
    assert answer["jsonrpc"] == "2.0" and answer["id"] == INITIALIZE["id"], answer
    assert answer["result"]["serverInfo"]["name"] == "qomon-mcp", answer
    return answer


@pytest.mark.parametrize(("command", "extra"), CALLERS.values(), ids=CALLERS)
async def test_make_run_answers_initialize_on_its_first_stdout_line(
    command: list[str], extra: dict[str, str], tmp_path: Path
) -> None:
    cwd = ROOT if "-C" not in command else tmp_path
    line, stderr = await first_stdout_line(command, caller_environment(**extra), cwd)
    assert_answers_initialize(line, stderr)


async def test_make_run_on_a_fresh_clone_sends_the_set_up_output_to_stderr(tmp_path: Path) -> None:
    fake_python = tmp_path / "python3"
    fake_python.write_text(FAKE_PYTHON)
    fake_python.chmod(fake_python.stat().st_mode | stat.S_IXUSR)
    installed = shutil.which("qomon-mcp", path=str(Path(sys.executable).parent))
    assert installed, "qomon-mcp is installed beside this Python"
    venv = tmp_path / "fresh-venv"
    command = ["make", "run", f"VENV={venv}", f"PYTHON={fake_python}"]
    line, stderr = await first_stdout_line(command, caller_environment(QOMON_MCP_UNDER_TEST=installed))
    assert_answers_initialize(line, stderr)
    # The set-up really ran, every step of it, and said so on stderr.
    assert (venv / ".installed").exists()
    assert stderr.count("set-up chatter:") == 3, stderr
