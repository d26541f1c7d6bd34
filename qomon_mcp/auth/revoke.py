"""`/revoke` (RFC 7009) for public clients too.

The SDK's handler requires a `client_secret` field, so a public client (Claude, ChatGPT: they
register with `token_endpoint_auth_method=none`) sending what RFC 7009 asks, `token` and
`client_id`, was refused with 400. This handler takes the secret as optional: a client registered
with a secret must still send it (the SDK's `ClientAuthenticator` checks that), one without needs none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp.server.auth.middleware.client_auth import AuthenticationError, ClientAuthenticator
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from qomon_mcp.auth.provider import QomonAuthProvider
from qomon_mcp.auth.tokens import LedgerUnavailable

__all__ = ["LedgerGuard", "RevocationEndpoint", "RevocationForm", "ledger_unavailable"]

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class RevocationForm(BaseModel):
    """RFC 7009 section 2.1, with client authentication as RFC 6749 section 2.3 allows it (none for public clients)."""

    token: str
    # RFC 7009 section 2.1: a hint the server does not know is no error; it searches every kind anyway.
    token_type_hint: str | None = None
    client_id: str
    client_secret: str | None = None


def _refused(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=_NO_STORE)


def ledger_unavailable() -> JSONResponse:
    """503 while the shared ledger (Redis) cannot be asked: refusing is the only answer that lets no replay through."""
    return JSONResponse(
        {
            "error": "temporarily_unavailable",
            "error_description": "the server cannot check tokens against its shared state right now; try again shortly",
        },
        status_code=503,
        headers=_NO_STORE | {"Retry-After": "5"},
    )


@dataclass
class LedgerGuard:
    """Wraps the SDK's /token handler, which knows nothing of a ledger that can be away (an ASGI app for Starlette)."""

    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except LedgerUnavailable:
            # The handler raises before it answers: nothing has been sent yet. The SDK's CORS layer,
            # inside this one, did not see an answer: a browser client still gets to read this one.
            response = ledger_unavailable()
            if any(name == b"origin" for name, _ in scope.get("headers", [])):
                response.headers["Access-Control-Allow-Origin"] = "*"
            await response(scope, receive, send)


@dataclass
class RevocationEndpoint:
    provider: QomonAuthProvider

    async def handle(self, request: Request) -> Response:
        form = await request.form()
        try:
            revocation = RevocationForm.model_validate({key: value for key, value in form.items() if key})
        except ValidationError as error:
            fields = sorted({str(detail["loc"][0]) for detail in error.errors() if detail["loc"]})
            return _refused(400, "invalid_request", f"missing or invalid fields: {', '.join(fields)}")
        try:
            client = await ClientAuthenticator(self.provider).authenticate_request(request)
        except AuthenticationError as error:
            # RFC 7009 section 2.2.1 refers to RFC 6749 section 5.2: a failed client authentication is invalid_client.
            return _refused(401, "invalid_client", error.message)
        loaders: list[Any] = [
            self.provider.load_access_token,
            lambda token: self.provider.load_refresh_token(client, token),
        ]
        if revocation.token_type_hint == "refresh_token":
            loaders.reverse()
        try:
            for load in loaders:
                token = await load(revocation.token)
                if token is not None:
                    # A client ends only its own grants; any other token is answered as unknown (RFC 7009 section 2.2).
                    if token.client_id == client.client_id:
                        await self.provider.revoke_token(token)
                    break
        except LedgerUnavailable:
            return ledger_unavailable()
        return Response(status_code=200, headers=_NO_STORE)
