"""`serve --sandbox --no-auth`: MCP without sign-in, for test suites that cannot do OAuth.

The MCP conformance suite's scenarios connect without a token. In this mode every
request to /mcp acts as one caller holding the EU demo key of the embedded demo
space, with write access (the server's own --read-only still applies). It exists
only with --sandbox and only on the loopback interface: without OAuth, anyone who
reaches the port is that caller, so it must never reach a real space or a network.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from pydantic import SecretStr
from starlette.types import ASGIApp, Receive, Scope, Send

from qomon_mcp.auth.tokens import QomonAccessToken

__all__ = ["DEMO_REGION", "DemoCallerMiddleware", "demo_token", "no_auth_problem"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEMO_REGION = "eu"


def no_auth_problem(*, sandbox: bool, host: str, public_url: str | None) -> str | None:
    """Why --no-auth may not start with these settings, in one sentence; None when it may."""
    if not sandbox:
        return "--no-auth serves without sign-in and is only for the embedded demo space: add --sandbox."
    public_host = urlsplit(public_url).hostname if public_url else host
    if host not in LOOPBACK or public_host not in LOOPBACK:
        return (
            "--no-auth lets anyone who reaches the port act as the demo caller, so it runs on loopback only: "
            "use --host 127.0.0.1 and no public --public-url."
        )
    return None


def demo_token(api_key: str, subject: str) -> QomonAccessToken:
    return QomonAccessToken(
        token="no-auth",
        client_id="no-auth",
        scopes=[],
        subject=subject,
        grant_gid="no-auth",
        api_key=SecretStr(api_key),
        region=DEMO_REGION,
        access="write",
    )


class DemoCallerMiddleware:
    """Stands where the bearer check stands: every request becomes the demo caller."""

    def __init__(self, app: ASGIApp, token: QomonAccessToken) -> None:
        self.app = app
        self.user = AuthenticatedUser(token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["user"] = self.user
        await self.app(scope, receive, send)
