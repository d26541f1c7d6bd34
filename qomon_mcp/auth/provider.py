"""The OAuth 2.1 authorization server behind the SDK's endpoints, with no database.

The SDK's handlers (`/authorize`, `/token`, `/register`, `/revoke`) check the
protocol: PKCE S256, redirect URI consistency, client authentication. This
provider decides what they cannot: which clients exist (`clients`), that the
`resource` is this server, and what a token is. `/authorize` leads to the
connect page (`connect.py`), whose successful submission calls `issue_code`.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from mcp.server.auth.provider import (
    AuthorizationParams,
    AuthorizeError,
    OAuthAuthorizationServerProvider,
    TokenError,
    construct_redirect_uri,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl, SecretStr

from qomon_mcp.auth.clients import ClientRegistry
from qomon_mcp.auth.keys import Keyring
from qomon_mcp.auth.tokens import (
    ACCESS_TTL,
    CODE_TTL,
    REFRESH_TTL,
    REQUEST_TTL,
    AccessLevel,
    Grant,
    GrantLedger,
    Ledger,
    QomonAccessToken,
    QomonCode,
    QomonRefreshToken,
)

__all__ = ["PendingRequest", "QomonAuthProvider"]

VERIFIED_CACHE = 2048


def _normal(resource: str) -> str:
    return resource.rstrip("/")


class PendingRequest:
    """An authorization request waiting on the connect page, as sealed into its URL."""

    def __init__(self, claims: dict[str, Any]) -> None:
        self.client_id: str = claims["cid"]
        self.redirect_uri: str = claims["ru"]
        self.redirect_explicit: bool = bool(claims["rux"])
        self.code_challenge: str = claims["ch"]
        self.state: str | None = claims.get("st")
        self.scopes: list[str] = list(claims.get("sc") or [])
        self.resource: str = claims["res"]


class QomonAuthProvider(OAuthAuthorizationServerProvider[QomonCode, QomonRefreshToken, QomonAccessToken]):
    """Implements the SDK's `OAuthAuthorizationServerProvider` with sealed, self-contained tokens.

    Subclassing it keeps the SDK's refusal of the identity-assertion grant (SEP-990), which this server
    does not enable."""

    def __init__(
        self,
        *,
        keyring: Keyring,
        issuer: str,
        resource: str,
        clients: ClientRegistry,
        ledger: GrantLedger | None = None,
        clock: Callable[[], float] = time.time,
        aliases: Iterable[str] = (),
    ) -> None:
        self.keyring = keyring
        self.issuer = issuer
        self.resource = resource
        # Other names of this very server (loopback: localhost, 127.0.0.1, [::1]), whose tokens are ours too.
        self.resources = frozenset(_normal(r) for r in (resource, *aliases))
        self.clients = clients
        self.ledger: GrantLedger = ledger or Ledger(clock=clock)
        self._clock = clock
        self._verified: OrderedDict[str, QomonAccessToken] = OrderedDict()

    # Clients

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return await self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        self.clients.register(client_info)

    # The authorization request and the connect page

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        resource = params.resource or self.resource
        if _normal(resource) not in self.resources:
            raise AuthorizeError("invalid_target", f"this server issues tokens only for {self.resource}")
        now = self._clock()
        sealed = self.keyring.seal(
            {
                "u": "request",
                "cid": client.client_id,
                "ru": str(params.redirect_uri),
                "rux": params.redirect_uri_provided_explicitly,
                "ch": params.code_challenge,
                "st": params.state,
                "sc": params.scopes or [],
                "res": self.resource,
                "exp": int(now) + REQUEST_TTL,
            }
        )
        return f"{self.issuer}/connect?request={quote(sealed, safe='')}"

    def pending(self, sealed: str) -> PendingRequest | None:
        """The authorization request behind a connect page URL, or None if forged or expired."""
        claims = self.keyring.open(sealed)
        if not claims or claims.get("u") != "request" or int(claims.get("exp", 0)) < self._clock():
            return None
        try:
            return PendingRequest(claims)
        except (KeyError, TypeError):
            return None

    def issue_code(
        self, request: PendingRequest, *, api_key: str, region: str, access: AccessLevel, masked: bool = False
    ) -> str:
        """Where to send the browser once the key is verified: the client's redirect URI with a code."""
        now = self._clock()
        grant = Grant(
            api_key=api_key,
            region=region,
            access=access,
            subject=self.keyring.subject(region, api_key),
            client_id=request.client_id,
            resource=request.resource,
            scopes=tuple(request.scopes),
            gid=secrets.token_urlsafe(12),
            masked=masked,
        )
        claims = grant.claims("code", CODE_TTL, now) | {
            "ru": request.redirect_uri,
            "rux": request.redirect_explicit,
            "ch": request.code_challenge,
        }
        code = self.keyring.seal(claims)
        return construct_redirect_uri(request.redirect_uri, code=code, state=request.state)

    # Codes and tokens

    async def _grant(
        self, token: str, purpose: str, client_id: str | None = None, *, fail_closed: bool = True
    ) -> tuple[Grant, dict[str, Any]] | None:
        claims = self.keyring.open(token)
        if not claims or claims.get("u") != purpose:
            return None
        grant = Grant.from_claims(claims)
        if grant is None or (client_id is not None and grant.client_id != client_id):
            return None
        if _normal(grant.resource) not in self.resources:
            return None
        if await self.ledger.is_revoked(grant.gid, fail_closed=fail_closed):
            return None
        return grant, claims

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> QomonCode | None:
        found = await self._grant(authorization_code, "code", client.client_id)
        if found is None:
            return None
        grant, claims = found
        return QomonCode(
            code=authorization_code,
            scopes=list(grant.scopes),
            expires_at=float(claims["exp"]),
            client_id=grant.client_id,
            code_challenge=str(claims["ch"]),
            redirect_uri=AnyUrl(str(claims["ru"])),
            redirect_uri_provided_explicitly=bool(claims["rux"]),
            resource=grant.resource,
            subject=grant.subject,
            jti=str(claims["jti"]),
            grant_gid=grant.gid,
            api_key=SecretStr(grant.api_key),
            region=grant.region,
            access=grant.access,
            masked=grant.masked,
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: QomonCode
    ) -> OAuthToken:
        now = self._clock()
        if not await self.ledger.spend(authorization_code.jti, authorization_code.expires_at):
            # A replayed code may be a stolen one: the tokens the first use got go too (RFC 6749 §4.1.2).
            await self.ledger.revoke(authorization_code.grant_gid, now + REFRESH_TTL)
            raise TokenError("invalid_grant", "this authorization code has already been used")
        return self._issue(self._grant_of(authorization_code), now)

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> QomonRefreshToken | None:
        found = await self._grant(refresh_token, "refresh", client.client_id)
        if found is None:
            return None
        grant, claims = found
        return QomonRefreshToken(
            token=refresh_token,
            client_id=grant.client_id,
            scopes=list(grant.scopes),
            expires_at=int(claims["exp"]),
            resource=grant.resource,
            subject=grant.subject,
            jti=str(claims["jti"]),
            grant_gid=grant.gid,
            api_key=SecretStr(grant.api_key),
            region=grant.region,
            access=grant.access,
            masked=grant.masked,
        )

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: QomonRefreshToken, scopes: list[str]
    ) -> OAuthToken:
        now = self._clock()
        if not await self.ledger.spend(refresh_token.jti, float(refresh_token.expires_at or now + REFRESH_TTL)):
            # Reuse of a rotated refresh token means two parties hold it: end the grant for both.
            await self.ledger.revoke(refresh_token.grant_gid, now + REFRESH_TTL)
            raise TokenError("invalid_grant", "this refresh token has already been used")
        grant = self._grant_of(refresh_token)
        return self._issue(replace(grant, scopes=tuple(scopes)), now)

    async def load_access_token(self, token: str) -> QomonAccessToken | None:
        # Every MCP request presents its token: opening it once per token, not per request,
        # saves a decryption and a model build; revocation and expiry are still checked each time.
        # A shared ledger that cannot be reached answers from what this process knows: tool calls
        # go on while Redis is away (README, Deployment), only /token and /revoke fail closed.
        cached = self._verified.get(token)
        if cached is not None:
            if (cached.expires_at or 0) > self._clock() and not await self.ledger.is_revoked(
                cached.grant_gid, fail_closed=False
            ):
                self._verified.move_to_end(token)
                return cached
            del self._verified[token]
            return None
        found = await self._grant(token, "access", fail_closed=False)
        if found is None:
            return None
        grant, claims = found
        if int(claims["exp"]) <= self._clock():
            return None
        verified = QomonAccessToken(
            token=token,
            client_id=grant.client_id,
            scopes=list(grant.scopes),
            expires_at=int(claims["exp"]),
            resource=grant.resource,
            subject=grant.subject,
            claims={"iss": self.issuer},
            grant_gid=grant.gid,
            api_key=SecretStr(grant.api_key),
            region=grant.region,
            access=grant.access,
            masked=grant.masked,
        )
        self._verified[token] = verified
        if len(self._verified) > VERIFIED_CACHE:
            self._verified.popitem(last=False)
        return verified

    async def revoke_token(self, token: QomonAccessToken | QomonRefreshToken) -> None:
        await self.ledger.revoke(token.grant_gid, self._clock() + REFRESH_TTL)

    # Helpers

    def _grant_of(self, token: QomonCode | QomonRefreshToken) -> Grant:
        return Grant(
            api_key=token.api_key.get_secret_value(),
            region=token.region,
            access=token.access,
            masked=token.masked,
            subject=token.subject or self.keyring.subject(token.region, token.api_key.get_secret_value()),
            client_id=token.client_id,
            resource=token.resource or self.resource,
            scopes=tuple(token.scopes),
            gid=token.grant_gid,
        )

    def _issue(self, grant: Grant, now: float) -> OAuthToken:
        return OAuthToken(
            access_token=self.keyring.seal(grant.claims("access", ACCESS_TTL, now)),
            expires_in=ACCESS_TTL,
            refresh_token=self.keyring.seal(grant.claims("refresh", REFRESH_TTL, now)),
            scope=" ".join(grant.scopes) or None,
        )
