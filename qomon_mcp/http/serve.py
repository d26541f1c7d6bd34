"""`qomon-mcp serve`: the remote connector under uvicorn."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from qomon_mcp.settings import Settings

__all__ = ["log_requests", "serve"]


def log_requests(level: str, stream: TextIO | None = None) -> None:
    """The request and auth logs as `serve` writes them: plain lines on stderr (or `stream`), not passed
    on to the root logger, which the SDK may have given a (much slower) rich handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("qomon_mcp.http", "qomon_mcp.auth"):
        log = logging.getLogger(name)
        log.addHandler(handler)
        # One line per request is the point of the request log: INFO unless asked for less.
        log.setLevel(min(logging.INFO, logging.getLevelName(level)))
        log.propagate = False


def serve(settings: Settings, *, sandbox: bool = False, no_auth: bool = False, sandbox_file: str | None = None) -> int:
    import uvicorn

    from qomon_mcp.http.app import create_http_app
    from qomon_mcp.http.limits import MAX_HEADER_BYTES
    from qomon_mcp.http.noauth import DEMO_REGION, no_auth_problem
    from qomon_mcp.http.upstream import sandbox_upstream

    if no_auth and (problem := no_auth_problem(sandbox=sandbox, host=settings.host, public_url=settings.public_url)):
        print(f"qomon-mcp: {problem}", file=sys.stderr)
        return 2
    upstream = None
    no_auth_key = None
    if sandbox:
        from qomon_mcp.sandbox.persist import SandboxFileError
        from qomon_mcp.sandbox.seed.demo import DEMO_KEYS

        try:
            upstream, _ = sandbox_upstream(sandbox_file=sandbox_file)
        except SandboxFileError as error:
            print(f"qomon-mcp: {error}", file=sys.stderr)
            return 2
        settings = settings.model_copy(update={"base_url": None})
        no_auth_key = DEMO_KEYS[DEMO_REGION] if no_auth else None
    try:
        http = create_http_app(settings, upstream=upstream, no_auth_key=no_auth_key)
    except ValueError as error:
        print(f"qomon-mcp: {error}", file=sys.stderr)
        return 2
    log_requests(settings.log_level)
    lines = [f"qomon-mcp {'(sandbox) ' if sandbox else ''}serving MCP at {http.public_url}/mcp"]
    # uvicorn listens on one address: of the other loopback names, name the one that reaches it.
    if len(http.origins) > 1 and (others := [origin for origin in http.origins[1:] if "[" not in origin]):
        lines.append("  (also at " + " and ".join(f"{origin}/mcp" for origin in others) + ")")
    if sandbox_file:
        lines.append(f"  demo spaces kept in {sandbox_file}")
    if http.shared is not None and http.shared.kind == "redis":
        # Not the URL: it may carry Redis's password.
        lines.append("  spent and revoked tokens and the rate limit: shared with other replicas on Redis")
    if no_auth_key:
        lines.append("No sign-in (--no-auth): every caller uses the EU demo space, with write access.")
    elif sandbox:
        lines += [
            "Embedded demo spaces; paste one of these keys on the connect page:",
            f"  EU (choose Europe):        {DEMO_KEYS['eu']}",
            f"  US (choose United States): {DEMO_KEYS['us']}",
        ]
    print("\n".join(lines), file=sys.stderr, flush=True)
    from qomon_mcp.heap import settle_heap

    settle_heap(settings.gc_freeze)
    uvicorn.run(
        http.app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        # h11 enforces the header size limit (httptools, when installed, would not); bodies: http/limits.py.
        http="h11",
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
    )
    return 0
