"""What the server's sealed tokens carry, how long they live, and what it remembers about them.

Every token is a JWE sealed by `keys.Keyring` with a purpose (`u`) so that one
kind can never stand in for another. Authorization codes, access and refresh
tokens carry the grant: the Qomon API key, its region, the access level, the
client, the resource, a grant id (`gid`) shared by every token of one consent,
and an expiry.

`Ledger` is the only state: ids of spent codes and refresh tokens, and revoked
grants, each kept until the token it concerns would have expired anyway. This one
is per process; with several replicas, `QOMON_REDIS_URL` puts the same interface
on Redis (`qomon_mcp/shared_state/`) so that every replica refuses a replay.
"""

from __future__ import annotations

import heapq
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from mcp.server.auth.provider import AccessToken, AuthorizationCode, RefreshToken
from pydantic import SecretStr

__all__ = [
    "ACCESS_TTL",
    "CODE_TTL",
    "REFRESH_TTL",
    "REQUEST_TTL",
    "Grant",
    "GrantLedger",
    "Ledger",
    "LedgerUnavailable",
    "QomonAccessToken",
    "QomonCode",
    "QomonRefreshToken",
]

CODE_TTL = 120
REQUEST_TTL = 900  # time to fill in the connect page
ACCESS_TTL = 3600
REFRESH_TTL = 30 * 24 * 3600

AccessLevel = Literal["read", "write"]


@dataclass(frozen=True, slots=True)
class Grant:
    """What one consent on the connect page allows: this key, in this region, at this level."""

    api_key: str
    region: str
    access: AccessLevel
    subject: str
    client_id: str
    resource: str
    scopes: tuple[str, ...] = ()
    gid: str = ""
    # Privacy mode chosen on the connect page: contact details masked for this grant's every request.
    masked: bool = False

    def __repr__(self) -> str:
        return f"<Grant {self.region} {self.access} subject={self.subject[:8]}>"

    @property
    def read_only(self) -> bool:
        return self.access != "write"

    def claims(self, purpose: str, ttl: int, now: float) -> dict[str, Any]:
        return {
            "u": purpose,
            "k": self.api_key,
            "r": self.region,
            "a": self.access,
            "sub": self.subject,
            "cid": self.client_id,
            "res": self.resource,
            "sc": list(self.scopes),
            "gid": self.gid,
            "jti": secrets.token_urlsafe(12),
            "iat": int(now),
            "exp": int(now) + ttl,
        } | ({"m": 1} if self.masked else {})

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Grant | None:
        try:
            access = claims["a"]
            if access not in ("read", "write") or claims["r"] not in ("eu", "us"):
                return None
            return cls(
                api_key=str(claims["k"]),
                region=str(claims["r"]),
                access=access,
                subject=str(claims["sub"]),
                client_id=str(claims["cid"]),
                resource=str(claims["res"]),
                scopes=tuple(str(s) for s in claims.get("sc") or ()),
                gid=str(claims["gid"]),
                masked=claims.get("m") == 1,
            )
        except (KeyError, TypeError):
            return None


class QomonCode(AuthorizationCode):
    jti: str
    grant_gid: str
    api_key: SecretStr
    region: str
    access: AccessLevel
    masked: bool = False
    refresh_expires_at: float = 0


class QomonRefreshToken(RefreshToken):
    jti: str
    grant_gid: str
    api_key: SecretStr
    region: str
    access: AccessLevel
    masked: bool = False


class QomonAccessToken(AccessToken):
    """The access token the SDK hands to the app; the key is a SecretStr so a repr never shows it."""

    grant_gid: str
    api_key: SecretStr
    region: str
    access: AccessLevel
    masked: bool = False

    def __repr__(self) -> str:
        return f"<QomonAccessToken {self.region} {self.access} subject={(self.subject or '')[:8]}>"

    __str__ = __repr__


class GrantLedger(Protocol):
    """What the provider asks of a ledger: the in-process `Ledger` or the shared one on Redis."""

    async def spend(self, jti: str, until: float) -> bool: ...

    async def revoke(self, gid: str, until: float) -> None: ...

    async def is_revoked(self, gid: str, *, fail_closed: bool = True) -> bool: ...


class LedgerUnavailable(Exception):
    """The shared ledger could not be asked: the caller must refuse rather than guess (fail closed)."""


class Ledger:
    """Spent token ids and revoked grants, each forgotten once it no longer matters.

    The methods are coroutines because the shared ledger (on Redis) has the same interface;
    this one answers at once and is never unavailable.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time, max_entries: int = 500_000) -> None:
        self._clock = clock
        self._max_entries = max_entries
        self._spent: dict[str, float] = {}
        self._revoked: dict[str, float] = {}
        self._expiries: list[tuple[float, int, str]] = []

    def _remember(self, table: dict[str, float], kind: int, key: str, until: float) -> None:
        self._purge()
        table[key] = max(until, table.get(key, 0.0))
        heapq.heappush(self._expiries, (until, kind, key))
        # Past the bound, the entries closest to expiry go first: they protect the least.
        while len(self._expiries) > self._max_entries:
            _, old_kind, old_key = heapq.heappop(self._expiries)
            (self._spent if old_kind == 0 else self._revoked).pop(old_key, None)

    def _purge(self) -> None:
        now = self._clock()
        while self._expiries and self._expiries[0][0] <= now:
            until, kind, key = heapq.heappop(self._expiries)
            table = self._spent if kind == 0 else self._revoked
            if table.get(key, until + 1) <= until:
                table.pop(key, None)

    def spend_now(self, jti: str, until: float) -> bool:
        """True the first time `jti` is spent; False for every later attempt."""
        self._purge()
        if jti in self._spent:
            return False
        self._remember(self._spent, 0, jti, until)
        return True

    def revoke_now(self, gid: str, until: float) -> None:
        self._remember(self._revoked, 1, gid, until)

    def revoked_now(self, gid: str) -> bool:
        self._purge()
        return gid in self._revoked

    async def spend(self, jti: str, until: float) -> bool:
        return self.spend_now(jti, until)

    async def revoke(self, gid: str, until: float) -> None:
        self.revoke_now(gid, until)

    async def is_revoked(self, gid: str, *, fail_closed: bool = True) -> bool:
        """Whether the grant was revoked. `fail_closed=False` lets a shared ledger that cannot be
        reached answer from what this process knows instead of raising `LedgerUnavailable`."""
        return self.revoked_now(gid)
