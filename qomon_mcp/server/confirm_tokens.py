"""Confirmation tokens: the proof that a destructive call was put to the user before it acts.

A client without elicitation cannot ask its user, so the model must, and the server
cannot watch it do so. What it can do is make the first call answer only with the
question and a token, and act only when the same call comes back carrying that
token. The token is sealed with the server's keys (JWE, so it is opaque to the
model), names the caller, the tool, a digest of the exact arguments and of the
question asked, expires after five minutes, and is spent by its first use.

Spent tokens are remembered in this process only, until they expire: with several
replicas a replay is refused by the replica that saw the first use, and the
others accept it once (as for the OAuth codes; a shared store would close that).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic_core import to_jsonable_python

if TYPE_CHECKING:
    from qomon_mcp.auth.keys import Keyring

__all__ = ["LIFETIME", "ConfirmationRefused", "Confirmations", "Proposal"]

LIFETIME = 300.0  # seconds a token stays valid: long enough to read the question out and answer
# Bounds the memory of spent tokens; past it (after dropping expired ones) redemptions wait.
_MAX_SPENT = 10_000
_USE = "confirm"  # sets these tokens apart from the access tokens and codes the same keys seal
_AGAIN = "call the tool again without it to get a fresh question and token."


class ConfirmationRefused(Exception):
    """A token that cannot approve this call; the message is the one sentence the model reads."""


def _digest(value: Any) -> str:
    canonical = json.dumps(to_jsonable_python(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Proposal:
    """One destructive call as the user is asked about it: what a token is bound to."""

    tool: str
    arguments: Mapping[str, Any]  # the validated arguments, the token itself left out
    question: str  # what the user sees: a token given for one state of a record does not approve another

    def digest(self) -> str:
        return _digest({"arguments": dict(self.arguments), "question": self.question})


def _process_keyring() -> Keyring:
    # Over stdio nothing is configured and nothing needs to outlive the process: a random key will do.
    # Imported here: the JOSE stack costs ~45 ms of start-up, and most sessions never confirm anything.
    from qomon_mcp.auth.keys import Keyring

    return Keyring([("process", secrets.token_urlsafe(48))])


def _same_process() -> str:
    return "process"


@dataclass
class Confirmations:
    """Issues and redeems confirmation tokens for one server process.

    `caller` names who is calling right now (over HTTP the token subject's digest;
    over stdio the process itself, whose random key no other process holds).
    """

    keyring: Keyring = field(default_factory=_process_keyring)
    caller: Callable[[], str] = _same_process
    clock: Callable[[], float] = time.time
    lifetime: float = LIFETIME
    max_spent: int = _MAX_SPENT
    _spent: dict[str, float] = field(default_factory=dict, repr=False)

    def issue(self, proposal: Proposal) -> str:
        claims = {
            "use": _USE,
            "jti": secrets.token_urlsafe(12),
            "sub": self.caller(),
            "tool": proposal.tool,
            "call": proposal.digest(),
            "exp": self.clock() + self.lifetime,
        }
        return self.keyring.seal(claims)

    def redeem(self, token: str, proposal: Proposal) -> None:
        """Spend `token` for `proposal`, or raise `ConfirmationRefused` saying why it cannot be used."""
        claims = self.keyring.open(token)
        if claims is None or claims.get("use") != _USE or not isinstance(claims.get("jti"), str):
            raise ConfirmationRefused(f"This confirmation is not a token this server gave; {_AGAIN}")
        now = self.clock()
        if claims["jti"] in self._spent:
            raise ConfirmationRefused(f"This confirmation token was already used; {_AGAIN}")
        if claims.get("sub") != self.caller():
            raise ConfirmationRefused(f"This confirmation token was given to another connection; {_AGAIN}")
        if claims.get("tool") != proposal.tool:
            raise ConfirmationRefused(
                f"This confirmation token was given for {str(claims.get('tool'))[:40]}, not {proposal.tool}; {_AGAIN}"
            )
        if claims.get("call") != proposal.digest():
            raise ConfirmationRefused(
                "This confirmation token was given for other arguments, or what they name has changed "
                f"since the question was asked; {_AGAIN}"
            )
        expiry = claims.get("exp")
        if not isinstance(expiry, int | float) or now >= expiry:
            raise ConfirmationRefused(
                f"This confirmation token has expired (tokens last {int(self.lifetime // 60)} minutes); {_AGAIN}"
            )
        self._spend(claims["jti"], expiry, now)

    def _spend(self, token_id: str, expiry: float, now: float) -> None:
        # No await between the check and the record, so two concurrent uses cannot both pass.
        if token_id in self._spent:
            raise ConfirmationRefused(f"This confirmation token was already used; {_AGAIN}")
        if len(self._spent) >= self.max_spent:
            self._spent = {jti: until for jti, until in self._spent.items() if until > now}
        if len(self._spent) >= self.max_spent:
            raise ConfirmationRefused("Too many confirmations were used in the last few minutes; try again shortly.")
        self._spent[token_id] = expiry
