"""`qomon-mcp sandbox`: serve one demo space over HTTP with uvicorn."""

from __future__ import annotations

import sys

__all__ = ["serve_sandbox"]


def serve_sandbox(
    *,
    host: str,
    port: int,
    api_key: str | None,
    region: str,
    seed: int,
    upsert_delay: float,
    sandbox_file: str | None = None,
) -> int:
    import uvicorn
    from starlette.types import ASGIApp

    from qomon_mcp.sandbox.app import Sandbox
    from qomon_mcp.sandbox.persist import PersistedSandbox, SandboxFileError, SpaceFile
    from qomon_mcp.sandbox.seed import DEMO_KEYS, build_demo_space
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
    url = f"http://{host}:{port}"
    print(
        f"Qomon sandbox ({region.upper()} demo space, seed {seed}) on {url}\n"
        f"API key: {key}\n"
        f"Try: curl -s -H 'Authorization: Bearer {key}' {url}/roles\n"
        f"Point qomon-mcp at it with QOMON_BASE_URL={url} QOMON_API_KEY={key}",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
