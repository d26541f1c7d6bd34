"""How one call reaches Qomon: the machinery behind every `QomonClient` method.

`Sender.send` applies what the endpoint table declares: the read-only guard,
pacing on the space's token bucket, the per-call deadline (within the tool
call's, see `deadline`), retries (after a 429
or a connection that never carried the request: always; after other failures:
only where repeating is safe), envelope unwrapping and the mapping of error
answers onto `errors`. `Answer` is what a successful call hands back.
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
import httpx2
from pydantic import BaseModel, SecretStr, ValidationError

from .. import __version__
from ..spec.endpoints import endpoint
from . import errors
from .deadline import current_deadline
from .models import Invitation, InvitationResult
from .models_base import answer_path
from .ratelimit import Bucket, BucketSource, bucket_for

__all__ = ["Answer", "Sender", "heard_statuses", "invitation_result", "pick"]

logger = logging.getLogger("qomon_mcp.qomon")

M = TypeVar("M", bound=BaseModel)

# These never carried the request to Qomon, so sending again cannot repeat a write.
_NOT_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)
_RETRY_STATUSES = frozenset({502, 503, 504})
_MAX_RATE_LIMITED = 5
_BACKOFF_BASE = 0.25
_BACKOFF_CAP = 4.0

# The statuses of the answers a tool call received, when the audit trail listens (server/audit.py).
heard_statuses: ContextVar[list[int] | None] = ContextVar("qomon_heard_statuses", default=None)


def pick(value: Any, *keys: str) -> Any:
    """The value under the first of `keys` that `value` has, else `value` itself."""
    if isinstance(value, dict):
        for key in keys:
            if key in value:
                return value[key]
    return value


@dataclass(frozen=True, slots=True)
class Answer:
    """A successful answer: the decoded body, and its `data` with the envelope removed."""

    endpoint: str
    status: int
    body: Any

    @property
    def data(self) -> Any:
        return self.body["data"] if isinstance(self.body, dict) and "data" in self.body else self.body

    def malformed(self, what: str) -> errors.MalformedResponse:
        return errors.MalformedResponse(self.endpoint, self.status, what)

    def one(self, model: type[M], *keys: str) -> M:
        """The object under the first of `keys`; a list of objects where one was expected gives its first."""
        key = _found_key(self.data, keys)
        value = pick(self.data, *keys)
        if isinstance(value, list):
            objects = [item for item in value if isinstance(item, dict)]
            if not objects:
                raise self.malformed(f"expected one {model.__name__}")
            logger.debug("%s: one %s expected under %s, a list came: its first item is read",
                          self.endpoint, model.__name__, key or "data")  # fmt: skip
            value = objects[0]
        return self._validate(model, value, key or model.__name__)

    def many(self, model: type[M], *keys: str) -> list[M]:
        """The list under the first of `keys`; one object where a list was expected is a list of one.

        An item that is not an object at all is left out, with a DEBUG line naming its place."""
        key = _found_key(self.data, keys) or "data"
        items = pick(self.data, *keys)
        if isinstance(items, dict) and not _looks_like(model, items):
            # An object wrapping the list under an unexpected name.
            lists = [v for v in items.values() if isinstance(v, list)]
            items = lists[0] if len(lists) == 1 else items
        if items is None:
            return []
        if isinstance(items, dict):  # one entry sent bare (a bundle's history, in Qomon's reference)
            items = [items]
        if not isinstance(items, list):
            raise self.malformed(f"expected a list of {model.__name__}")
        parsed = []
        for index, item in enumerate(items):
            if not isinstance(item, dict | BaseModel):
                logger.debug("%s: left out %s[%d], not an object (%s)",
                             self.endpoint, key, index, type(item).__name__)  # fmt: skip
                continue
            parsed.append(self._validate(model, item, f"{key}[{index}]"))
        return parsed

    def _validate(self, model: type[M], value: Any, path: str | None = None) -> M:
        token = answer_path.set(path)
        try:
            return model.model_validate(value)
        except ValidationError:
            raise self.malformed(f"unexpected {model.__name__} shape") from None
        finally:
            answer_path.reset(token)


def _found_key(data: Any, keys: tuple[str, ...]) -> str | None:
    return next((k for k in keys if k in data), None) if isinstance(data, dict) else None


def _looks_like(model: type[BaseModel], value: dict[str, Any]) -> bool:
    """Whether `value` is one `model` itself rather than an envelope: it has one of its fields."""
    spellings = {name for name in model.model_fields} | {f.alias for f in model.model_fields.values() if f.alias}
    return any(key in spellings for key in value)


def _retry_after(headers: httpx2.Headers) -> float:
    for name in ("retry-after", "x-ratelimit-reset"):
        try:
            return max(float(headers[name]), 0.0)
        except (KeyError, ValueError):
            continue
    return 1.0


def _decode(name: str, response: httpx2.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        return jsonlib.loads(response.content)
    except ValueError:
        if response.is_success:
            raise errors.MalformedResponse(name, response.status_code, "the body is not JSON") from None
        return None  # an HTML error page from a proxy: the status says enough


class Sender:
    """Sends the calls of one client: auth, pacing, deadline, retries and error mapping."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str,
        read_only: bool,
        request_timeout: float,
        deadline: float,
        max_retries: int,
        transport: httpx2.AsyncBaseTransport | None,
        sleep: Callable[[float], Awaitable[None]],
        clock: Callable[[], float],
        buckets: BucketSource = bucket_for,
    ) -> None:
        self._key = SecretStr(api_key)
        self.base_url = base_url.rstrip("/")
        self.read_only = read_only
        self._request_timeout = request_timeout
        self._deadline = deadline
        self._max_retries = max_retries
        self._sleep = sleep
        self._clock = clock
        self._random = random.Random()
        # The space's bucket: in this process, or shared by every replica on Redis (shared_state/).
        self.bucket: Bucket = buckets(api_key, clock=clock, sleep=sleep)
        self._http = httpx2.AsyncClient(
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": f"qomon-mcp/{__version__}"},
        )

    def __repr__(self) -> str:
        return f"<Sender {self.base_url} read_only={self.read_only}>"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(
        self,
        endpoint_name: str,
        *,
        path_params: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Answer:
        """Send one call, retrying as the endpoint allows, within the call's deadline.

        A wait that cannot end before the deadline is not started: a rate-limit wait
        raises `RateLimitHeld`; a retry that no longer fits raises the last error
        (`RateLimited`, `ServerError`, `ConnectionFailed`), which says more.
        """
        ep = endpoint(endpoint_name)
        if self.read_only and ep.is_write:
            raise errors.ReadOnlyError(ep.name)
        path = ep.route.format(**{k: quote(str(v), safe="") for k, v in (path_params or {}).items()})
        auth = {"Authorization": f"Bearer {self._key.get_secret_value()}"}
        deadline_at, where = self._deadline_for(ep.method, ep.route)
        retries = refusals = attempt = 0
        while True:
            attempt += 1
            if deadline_at - self._clock() <= 0:
                raise errors.RequestTimeout(ep.name, "the deadline ran out before the call", step=where, slow=False)
            try:
                await self.bucket.acquire(ep.cost, timeout=max(deadline_at - self._clock(), 0.0))
            except TimeoutError:
                raise errors.RateLimitHeld(ep.name, self.bucket.delay(ep.cost), step=where) from None
            remaining = deadline_at - self._clock()
            if remaining <= 0:
                raise errors.RequestTimeout(ep.name, "the deadline ran out before the call", step=where, slow=False)
            sent_at = self._clock()
            try:
                with anyio.fail_after(remaining):
                    response = await self._http.request(
                        ep.method,
                        self.base_url + path,
                        params=params,
                        json=json,
                        headers=auth,
                        timeout=min(self._request_timeout, remaining),
                    )
            except httpx2.RequestError as exc:
                elapsed = (self._clock() - sent_at) * 1000
                logger.debug(
                    "%s %s -> %s in %.0f ms (attempt %d)",
                    ep.method,
                    ep.route,
                    type(exc).__name__,
                    elapsed,
                    attempt,
                )
                safe = isinstance(exc, _NOT_SENT) or (ep.retry_safe and isinstance(exc, httpx2.TransportError))
                if safe and await self._backoff(retries, deadline_at):
                    retries += 1
                    continue
                if isinstance(exc, httpx2.TimeoutException):
                    raise errors.RequestTimeout(
                        ep.name, f"Qomon did not answer in time ({type(exc).__name__})", step=where
                    ) from exc
                raise errors.ConnectionFailed(ep.name, f"could not reach Qomon ({type(exc).__name__})") from exc
            except TimeoutError:
                raise errors.RequestTimeout(ep.name, "no answer before the deadline", step=where) from None

            status = response.status_code
            if (heard := heard_statuses.get()) is not None:
                heard.append(status)
            elapsed = (self._clock() - sent_at) * 1000
            logger.debug("%s %s -> %d in %.0f ms (attempt %d)", ep.method, ep.route, status, elapsed, attempt)
            self.bucket.observe(response.headers)
            body = _decode(ep.name, response)
            if 200 <= status < 300:
                return Answer(ep.name, status, body)
            wait = _retry_after(response.headers)
            error = errors.error_for_status(ep.name, status, body, retry_after=wait, scrub=self._key.get_secret_value())
            if status == 429:
                # Nothing was processed: any endpoint may be sent again once the bucket
                # (held back by on_429 for every client of the space) lets it through.
                self.bucket.on_429(wait)
                if refusals < _MAX_RATE_LIMITED and self._clock() + wait < deadline_at:
                    refusals += 1
                    logger.debug("%s %s rate limited, retrying in %.1f s", ep.method, ep.route, wait)
                    continue
            elif status in _RETRY_STATUSES and ep.retry_safe and await self._backoff(retries, deadline_at):
                retries += 1
                continue
            raise error

    def _deadline_for(self, method: str, route: str) -> tuple[float, str]:
        """When this call must end, and the step it is, within the tool call's deadline if one is open."""
        now = self._clock()
        ends_at = now + self._deadline
        where = f"{method} {route}"
        scope = current_deadline()
        if scope is not None:
            ends_at = min(ends_at, scope.start(now, self._deadline))
            where = scope.step or where
        return ends_at, where

    async def _backoff(self, retries: int, deadline_at: float) -> bool:
        """Sleep before a retry (exponential backoff, full jitter); False when no retry is left."""
        if retries >= self._max_retries:
            return False
        delay = self._random.uniform(0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2**retries))
        if self._clock() + delay >= deadline_at:
            return False
        await self._sleep(delay)
        return True


def invitation_result(answer: Answer) -> InvitationResult:
    """Read which invitations went through; the 207 body is undocumented, so read it loosely."""
    data = answer.data
    sent: list[Any] = []
    failed: list[Any] = []
    if isinstance(data, dict):
        sent = next(
            (data[k] for k in ("invitations", "succeeded", "success", "sent") if isinstance(data.get(k), list)),
            [],
        )
        failed = next((data[k] for k in ("failed", "errors", "failures") if isinstance(data.get(k), list)), [])
    elif isinstance(data, list):
        for item in data:
            bad = isinstance(item, dict) and (item.get("error") or item.get("errors") or item.get("status") == "fail")
            (failed if bad else sent).append(item)
    sent = [{"email": s} if isinstance(s, str) else s for s in sent]
    try:
        invitations = [Invitation.model_validate(s) for s in sent]
    except ValidationError:
        invitations = []
    return InvitationResult(
        status=answer.status,
        partial=answer.status == 207 or bool(failed),
        invitations=invitations,
        failed=failed,
        raw=data,
    )
