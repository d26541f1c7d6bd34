"""`qomon-mcp sandbox`: serve one demo space over HTTP with uvicorn."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from qomon_mcp.sandbox.app import Sandbox

__all__ = ["SetupError", "armed", "serve_sandbox"]


class SetupError(Exception):
    """A flag combination or a faults file the sandbox cannot start with; the message says which."""


def armed(sandbox: Sandbox, app: ASGIApp, *, host: str, faults_file: str | None, admin: bool) -> ASGIApp:
    """`app` with the faults of `faults_file` armed and, with `admin`, the loopback admin routes."""
    from qomon_mcp.sandbox.admin import Admin, is_loopback

    if faults_file is not None:
        try:
            written = json.loads(Path(faults_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise SetupError(f"cannot read the faults file {faults_file}: {error}") from None
        try:
            sandbox.faults.load(written)
        except ValueError as error:
            raise SetupError(f"{faults_file}: {error}") from None
    if not admin:
        return app
    # The admin routes change what the sandbox answers: never reachable from another machine.
    if not is_loopback(host):
        raise SetupError(f"--admin needs a loopback --host (127.0.0.1, ::1 or localhost), not {host}.")
    return Admin(app, sandbox)


def serve_sandbox(
    *,
    host: str,
    port: int,
    api_key: str | None,
    region: str,
    seed: int,
    upsert_delay: float,
    sandbox_file: str | None = None,
    faults_file: str | None = None,
    admin: bool = False,
) -> int:
    import uvicorn

    from qomon_mcp.sandbox.app import Sandbox
    from qomon_mcp.sandbox.persist import PersistedSandbox, SandboxFileError, SpaceFile
    from qomon_mcp.sandbox.seed.demo import DEMO_KEYS, build_demo_space
    from qomon_mcp.sandbox.space import Space, real_clock

    key = api_key or DEMO_KEYS[region]

    def build() -> dict[str, Space]:
        # Dated from today and reading real time, so that "changed since yesterday" finds something.
        return {key: build_demo_space(seed=seed, region=region, clock=real_clock)}

    if sandbox_file is None:
        sandbox = Sandbox(build(), upsert_delay=upsert_delay)
        app: ASGIApp = sandbox.app
    else:
        try:
            store = SpaceFile(sandbox_file)
            sandbox = Sandbox(store.load([key], build), upsert_delay=upsert_delay)
        except SandboxFileError as error:
            print(f"qomon-mcp: {error}", file=sys.stderr)
            return 2
        app = PersistedSandbox(sandbox, store).app
    try:
        app = armed(sandbox, app, host=host, faults_file=faults_file, admin=admin)
    except SetupError as error:
        print(f"qomon-mcp: {error}", file=sys.stderr)
        return 2
    url = f"http://{host}:{port}"
    extras = ""
    if sandbox.faults.pending:
        extras += f"\nArmed {len(sandbox.faults.pending)} fault(s) from {faults_file}"
    if admin:
        extras += f"\nAdmin routes (loopback only): {url}/_sandbox/faults, {url}/_sandbox/requests"
    print(
        f"Qomon sandbox ({region.upper()} demo space, seed {seed}) on {url}\n"
        f"API key: {key}\n"
        f"Try: curl -s -H 'Authorization: Bearer {key}' {url}/roles\n"
        f"Point qomon-mcp at it with QOMON_BASE_URL={url} QOMON_API_KEY={key}{extras}",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
