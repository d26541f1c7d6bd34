"""`/connect`: where `/authorize` leads. The user pastes a Qomon API key, picks region and access.

GET shows the form for a sealed pending request; POST checks the CSRF token
(bound to a cookie and to the request), the choices, and then the key itself
with one cheap read in the chosen region. Only a verified key yields a code;
anything else re-renders the form with one clear sentence and issues nothing.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from qomon_mcp.auth.page import ConnectView, render_connect, render_problem
from qomon_mcp.auth.provider import PendingRequest, QomonAuthProvider

__all__ = ["MAX_FORM_BYTES", "ConnectPage", "KeyCheck"]

logger = logging.getLogger("qomon_mcp.auth")

MAX_FORM_BYTES = 16 * 1024
KeyCheck = Literal["ok", "rejected", "unreachable"]
# Checks an API key in a region with one cheap read; never raises.
KeyVerifier = Callable[[str, str], Awaitable[KeyCheck]]

REGION_NAMES = {"eu": "EU", "us": "US"}


class _TooLarge(Exception):
    pass


class ConnectPage:
    def __init__(self, provider: QomonAuthProvider, verify: KeyVerifier, *, read_only: bool) -> None:
        self._provider = provider
        self._verify = verify
        self._read_only = read_only
        https = provider.issuer.startswith("https://")
        # The __Host- prefix pins the cookie to this exact origin; browsers accept it only over https.
        self._cookie = "__Host-qomon-connect" if https else "qomon-connect"
        self._secure = https

    async def handle(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._submit(request)
        sealed = request.query_params.get("request", "")
        pending = self._provider.pending(sealed)
        if pending is None:
            return _expired()
        nonce = request.cookies.get(self._cookie) or secrets.token_urlsafe(24)
        response = await self._form(sealed, pending, nonce)
        self._set_cookie(response, nonce)
        return response

    def _csrf(self, nonce: str, sealed: str) -> str:
        return self._provider.keyring.mac("csrf", nonce, sealed)

    def _set_cookie(self, response: Response, nonce: str) -> None:
        response.set_cookie(
            self._cookie, nonce, max_age=1800, path="/", secure=self._secure, httponly=True, samesite="strict"
        )

    async def _form(
        self,
        sealed: str,
        pending: PendingRequest,
        nonce: str,
        *,
        status: int = 200,
        error: str | None = None,
        region: str = "eu",
        access: str = "read",
        privacy: str = "full",
    ) -> Response:
        client = await self._provider.get_client(pending.client_id)
        if client is None:
            return _expired()
        verified_host = urlsplit(pending.client_id).hostname if pending.client_id.startswith("https://") else None
        view = ConnectView(
            request=sealed,
            csrf=self._csrf(nonce, sealed),
            client_name=(client.client_name or "").strip() or "An unnamed application",
            client_verified_host=verified_host,
            redirect_uri=pending.redirect_uri,
            region=region,
            access=access,
            write_allowed=not self._read_only,
            privacy=privacy,
            error=error,
        )
        return render_connect(view, status)

    async def _submit(self, request: Request) -> Response:
        try:
            fields = await _read_form(request)
        except _TooLarge:
            return render_problem("The form was too large; go back to the application and connect again.", 413)
        sealed = fields.get("request", "")
        pending = self._provider.pending(sealed)
        if pending is None:
            return _expired()
        nonce = request.cookies.get(self._cookie) or ""
        region = fields.get("region", "")
        access = fields.get("access", "read")
        shown_region = region if region in REGION_NAMES else "eu"
        shown_access = access if access in ("read", "write") else "read"
        privacy = fields.get("privacy", "full")
        shown_privacy = privacy if privacy in ("full", "masked") else "full"

        async def again(status: int, error: str) -> Response:
            fresh = nonce or secrets.token_urlsafe(24)
            response = await self._form(
                sealed,
                pending,
                fresh,
                status=status,
                error=error,
                region=shown_region,
                access=shown_access,
                privacy=shown_privacy,
            )
            self._set_cookie(response, fresh)
            return response

        if not nonce or not hmac.compare_digest(self._csrf(nonce, sealed), fields.get("csrf", "")):
            return await again(403, "This form expired or was opened in another window; submit it again.")
        if region not in REGION_NAMES:
            return await again(400, "Choose the region of your Qomon space: Europe or United States.")
        if access not in ("read", "write"):
            return await again(400, "Choose read-only or read and write access.")
        if privacy not in ("full", "masked"):
            return await again(400, "Choose full or masked contact details.")
        if access == "write" and self._read_only:
            return await again(403, "This server is read-only; choose read-only access.")
        api_key = fields.get("api_key", "").strip()
        if not api_key or len(api_key) > 512:
            return await again(400, "Paste your Qomon API key.")
        check = await self._verify(api_key, region)
        if check == "rejected":
            return await again(
                400,
                f"Qomon did not accept this API key in the {REGION_NAMES[region]} region; "
                "check the key, or choose the other region.",
            )
        if check != "ok":
            return await again(503, "Qomon could not be reached to check the key; try again in a moment.")
        logger.info("connect: key verified for region %s, access %s", region, access)
        target = self._provider.issue_code(
            pending,
            api_key=api_key,
            region=region,
            access="write" if access == "write" else "read",  # one of the two, checked above
            masked=privacy == "masked",
        )
        response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
        response.delete_cookie(self._cookie, path="/", secure=self._secure, httponly=True, samesite="strict")
        return response


def _expired() -> Response:
    return render_problem(
        "This connection request has expired or is not valid; start connecting again from your application.", 400
    )


async def _read_form(request: Request) -> dict[str, str]:
    """The url-encoded form, read up to MAX_FORM_BYTES; only the first value of each field counts."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise _TooLarge
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise _TooLarge
    try:
        parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=20)
    except ValueError:  # more fields than the form has: not our form
        return {}
    return {name: values[0] for name, values in parsed.items() if values}
