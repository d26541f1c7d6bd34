"""The server's sealing keys: JWE (`dir` + A256GCM) through joserfc, authlib's JOSE library.

`QOMON_MCP_SECRET` holds one or more `id:secret` entries, comma-separated,
newest first: the first seals, all of them open, so a new key can be put in
front and the old one dropped once its tokens have expired. Each secret is
stretched with HKDF, so any long random string will do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sys
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey

__all__ = ["MIN_SECRET_LENGTH", "Keyring", "SecretError"]

MIN_SECRET_LENGTH = 32
_MAKE_ONE = """make one with: python3 -c 'import secrets; print("k1:" + secrets.token_urlsafe(48))'"""
_HEADER = {"alg": "dir", "enc": "A256GCM"}


class SecretError(ValueError):
    """QOMON_MCP_SECRET cannot be used as it is."""


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"qomon-mcp", info=purpose).derive(secret.encode())


class Keyring:
    """Seals and opens the server's self-contained tokens; a token names the key that sealed it."""

    def __init__(self, entries: list[tuple[str, str]]) -> None:
        if not entries:
            raise SecretError(f"QOMON_MCP_SECRET has no key: {_MAKE_ONE}")
        ids = [kid for kid, _ in entries]
        if len(set(ids)) != len(ids):
            raise SecretError("QOMON_MCP_SECRET names the same key id twice: give each `id:secret` its own id")
        self._kid = ids[0]
        self._keys = KeySet([OctKey.import_key(_derive(secret, b"jwe"), {"kid": kid}) for kid, secret in entries])
        self._current = self._keys.get_by_kid(self._kid)
        # Subjects must not change with rotation within a token's life, and they are
        # recomputed only at issuance, so the newest key is the right one to derive them.
        self._subject_key = _derive(entries[0][1], b"subject")

    @classmethod
    def parse(cls, value: str) -> Keyring:
        entries: list[tuple[str, str]] = []
        for position, raw in enumerate(part.strip() for part in value.split(",")):
            if not raw:
                continue
            kid, sep, secret = raw.partition(":")
            if not sep:
                kid, secret = f"k{position}", raw
            if len(secret) < MIN_SECRET_LENGTH:
                raise SecretError(
                    f"each QOMON_MCP_SECRET key must be at least {MIN_SECRET_LENGTH} characters long: {_MAKE_ONE}"
                )
            entries.append((kid.strip(), secret))
        return cls(entries)

    @classmethod
    def from_setting(cls, value: str | None) -> Keyring:
        """The configured keys, or a fresh random one (with a warning) when none is configured."""
        if value:
            return cls.parse(value)
        print(
            "qomon-mcp: QOMON_MCP_SECRET is not set; using a random key, so connections will not "
            "survive a restart and replicas will not accept each other's tokens.",
            file=sys.stderr,
            flush=True,
        )
        return cls([("ephemeral", secrets.token_urlsafe(48))])

    def seal(self, claims: dict[str, Any]) -> str:
        payload = json.dumps(claims, separators=(",", ":")).encode()
        return jwe.encrypt_compact({**_HEADER, "kid": self._kid}, payload, self._current)

    def open(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this server sealed, or None for anything else (forged, tampered, foreign)."""
        if not token or len(token) > 8192:
            return None
        try:
            sealed = jwe.decrypt_compact(token, self._keys, algorithms=["dir", "A256GCM"])
            claims = json.loads(sealed.plaintext or b"")
        except (JoseError, ValueError, KeyError, TypeError):
            return None
        return claims if isinstance(claims, dict) else None

    def subject(self, region: str, api_key: str) -> str:
        """A stable, non-reversible name for the holder of a key in a region (cache key, log field)."""
        return hmac.new(self._subject_key, f"{region}\n{api_key}".encode(), hashlib.sha256).hexdigest()[:32]

    def mac(self, *parts: str) -> str:
        """A keyed digest of `parts`, for values the server must recognise as its own (CSRF)."""
        return hmac.new(self._subject_key, "\n".join(parts).encode(), hashlib.sha256).hexdigest()
