"""Where clients reach the server: the public URL, or on loopback every name of the local machine.

An OAuth client checks that the protected-resource metadata names the very URL
it connected to, so a server that answers `http://127.0.0.1:8000` at
`http://localhost:8000` is refused ("Protected resource ... does not match").
With no public URL and a loopback host, the server therefore has one origin per
loopback name (`127.0.0.1`, `localhost`, `[::1]`) and each request is answered
by the origin its Host header names: its own issuer, resource and metadata.
Tokens issued under one name are accepted under the others (the same server).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from qomon_mcp.settings import Settings

__all__ = ["LOOPBACK", "ByHost", "public_origins", "public_url_problem"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_NEXT_STEP = "set --public-url https://your-host (or QOMON_PUBLIC_URL) to the https address clients reach"


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def public_url_problem(url: str) -> str | None:
    """Why `url` cannot be the public URL, as one sentence ending on what to do; None when it can."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"the public URL {url!r} must be an http(s) URL: {_NEXT_STEP}, e.g. https://mcp.example.org."
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        return f"the public URL must use https (plain http is allowed only on the loopback interface): {_NEXT_STEP}."
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return (
            "the public URL must be an origin, without path, query or fragment: "
            "set --public-url (or QOMON_PUBLIC_URL) to e.g. https://mcp.example.org."
        )
    return None


def public_origins(settings: Settings) -> list[str]:
    """The origins this server answers as, the default first; raises ValueError when none is usable."""
    if settings.public_url:
        problem = public_url_problem(settings.public_url)
        if problem:
            raise ValueError(problem)
        return [settings.public_url.rstrip("/")]
    if settings.host not in LOOPBACK:
        raise ValueError(
            f"serving on {settings.host}, beyond this machine, needs the https address clients reach the server "
            f"at (claude.ai and ChatGPT require https): {_NEXT_STEP}, or serve on --host 127.0.0.1."
        )
    names = [settings.host, *(name for name in LOOPBACK if name != settings.host)]
    return [f"http://{_netloc(name, settings.port)}" for name in names]


def _host_header(scope: Scope) -> str:
    for name, value in scope.get("headers") or []:
        if name == b"host":
            return str(value.decode("latin-1").lower())
    return ""


class ByHost:
    """Sends each request to the app of the origin its Host header names; the rest to the default."""

    def __init__(self, apps: dict[str, ASGIApp], default: ASGIApp) -> None:
        self.apps = apps
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.apps.get(_host_header(scope), self.default) if scope["type"] in ("http", "websocket") else None
        # The lifespan (and anything but a request) belongs to the default app, which runs the session manager.
        await (app or self.default)(scope, receive, send)
