"""The OAuth flow step by step over plain HTTP, so that each step can be attacked on its own."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2

from tests.http.support import REDIRECT_URI, Served, hidden_fields


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@dataclass
class Flow:
    """One browser (with its cookies) and one registered public client."""

    served: Served
    http: httpx2.AsyncClient
    client_id: str = ""
    redirect_uri: str = REDIRECT_URI

    async def register(self, **metadata: Any) -> httpx2.Response:
        body = {
            "client_name": "Flow client",
            "redirect_uris": [self.redirect_uri],
            "token_endpoint_auth_method": "none",
            **metadata,
        }
        answer = await self.http.post(f"{self.served.url}/register", json=body)
        if answer.status_code == 201:
            self.client_id = answer.json()["client_id"]
        return answer

    async def authorize(self, challenge: str, **params: str) -> httpx2.Response:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "state-123",
            "resource": self.served.mcp_url,
            **params,
        }
        return await self.http.get(f"{self.served.url}/authorize?{urlencode(query)}", follow_redirects=False)

    async def connect_page(self, challenge: str, **params: str) -> httpx2.Response:
        answer = await self.authorize(challenge, **params)
        assert answer.status_code == 302, answer.text
        return await self.http.get(answer.headers["location"])

    async def submit(self, page: httpx2.Response, **fields: str) -> httpx2.Response:
        form = {**hidden_fields(page.text), "api_key": "", "region": "eu", "access": "read", **fields}
        return await self.http.post(f"{self.served.url}/connect", data={k: v for k, v in form.items() if v is not None})

    async def code(self, api_key: str, *, region: str = "eu", access: str = "read") -> tuple[str, str]:
        """A fresh code and its PKCE verifier."""
        verifier, challenge = pkce()
        page = await self.connect_page(challenge)
        answer = await self.submit(page, api_key=api_key, region=region, access=access)
        assert answer.status_code == 303, answer.text
        return query_of(answer.headers["location"])["code"], verifier

    async def exchange(self, code: str, verifier: str, **fields: str) -> httpx2.Response:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": self.redirect_uri,
            "client_id": self.client_id,
            **fields,
        }
        return await self.http.post(f"{self.served.url}/token", data=data)

    async def refresh(self, refresh_token: str) -> httpx2.Response:
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": self.client_id}
        return await self.http.post(f"{self.served.url}/token", data=data)

    async def tokens(self, api_key: str, **choices: str) -> dict[str, Any]:
        code, verifier = await self.code(api_key, **choices)
        answer = await self.exchange(code, verifier)
        assert answer.status_code == 200, answer.text
        return answer.json()
