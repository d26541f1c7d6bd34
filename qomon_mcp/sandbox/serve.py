"""`qomon-mcp sandbox`: serve one demo space over HTTP with uvicorn."""

from __future__ import annotations

import sys

__all__ = ["serve_sandbox"]


def serve_sandbox(
    *, host: str, port: int, api_key: str | None, region: str, seed: int, upsert_delay: float
) -> int:
    import uvicorn

    from qomon_mcp.sandbox.app import Sandbox
    from qomon_mcp.sandbox.seed import DEMO_KEYS, build_demo_space
    from qomon_mcp.sandbox.space import real_clock

    key = api_key or DEMO_KEYS[region]
    # Dated from today and reading real time, so that "changed since yesterday" finds something.
    space = build_demo_space(seed=seed, region=region, clock=real_clock)
    sandbox = Sandbox({key: space}, upsert_delay=upsert_delay)
    url = f"http://{host}:{port}"
    print(
        f"Qomon sandbox ({region.upper()} demo space, seed {seed}) on {url}\n"
        f"API key: {key}\n"
        f"Try: curl -s -H 'Authorization: Bearer {key}' {url}/roles\n"
        f"Point qomon-mcp at it with QOMON_BASE_URL={url} QOMON_API_KEY={key}",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(sandbox.app, host=host, port=port, log_level="warning")
    return 0
