"""`qomon-mcp serve`: the remote connector under uvicorn."""

from __future__ import annotations

import logging
import sys

from qomon_mcp.settings import Settings

__all__ = ["serve"]


def _log_to_stderr(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("qomon_mcp.http", "qomon_mcp.auth"):
        log = logging.getLogger(name)
        log.addHandler(handler)
        # One line per request is the point of the request log: INFO unless asked for less.
        log.setLevel(min(logging.INFO, logging.getLevelName(level)))
        log.propagate = False


def serve(settings: Settings, *, sandbox: bool = False) -> int:
    import uvicorn

    from qomon_mcp.http.app import create_http_app
    from qomon_mcp.http.upstream import sandbox_upstream

    upstream = None
    if sandbox:
        from qomon_mcp.sandbox.seed import DEMO_KEYS

        upstream, _ = sandbox_upstream()
        settings = settings.model_copy(update={"base_url": None})
    try:
        http = create_http_app(settings, upstream=upstream)
    except ValueError as error:
        print(f"qomon-mcp: {error}", file=sys.stderr)
        return 2
    _log_to_stderr(settings.log_level)
    lines = [f"qomon-mcp {'(sandbox) ' if sandbox else ''}serving MCP at {http.public_url}/mcp"]
    if sandbox:
        lines += [
            "Embedded demo spaces; paste one of these keys on the connect page:",
            f"  EU (choose Europe):        {DEMO_KEYS['eu']}",
            f"  US (choose United States): {DEMO_KEYS['us']}",
        ]
    print("\n".join(lines), file=sys.stderr, flush=True)
    uvicorn.run(
        http.app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )
    return 0
