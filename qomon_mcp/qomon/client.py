"""The async client of the Qomon Public API: one method per row of `endpoints.ENDPOINTS`.

Every call goes through `_request`, which applies what the table declares: the
read-only guard, pacing on the space's token bucket, the per-call deadline,
retries (after a 429 or a connection that never carried the request: always;
after other failures: only where repeating is safe), envelope unwrapping and
the mapping of error answers onto `errors`.
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote

import anyio
import httpx2
from pydantic import BaseModel, SecretStr, ValidationError

from .. import __version__
from . import errors
from .endpoints import endpoint
from .models import (
    ActionAggregate,
    Bundle,
    BundleHistoryEntry,
    BundlePage,
    CodeCampaign,
    Contact,
    DonationPrice,
    Form,
    Invitation,
    InvitationResult,
    MembershipPrice,
    MembershipPriceGroup,
    Role,
    Team,
    TeamDeleted,
    TransactionSettings,
    TransactionStatus,
    User,
    UserPage,
)
from .ratelimit import TokenBucket, bucket_for

if TYPE_CHECKING:
    from ..settings import Settings

__all__ = ["FormType", "QomonClient"]

logger = logging.getLogger("qomon_mcp.qomon")

FormType = Literal["consent", "survey", "level_of_support", "custom_fields", "presence_status", "tasks"]
M = TypeVar("M", bound=BaseModel)

# These never carried the request to Qomon, so sending again cannot repeat a write.
_NOT_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)
_RETRY_STATUSES = frozenset({502, 503, 504})
_MAX_RATE_LIMITED = 5
_BACKOFF_BASE = 0.25
_BACKOFF_CAP = 4.0


def _pick(value: Any, *keys: str) -> Any:
    """The value under the first of `keys` that `value` has, else `value` itself."""
    if isinstance(value, dict):
        for key in keys:
            if key in value:
                return value[key]
    return value


def _clean(**params: Any) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


@dataclass(frozen=True, slots=True)
class _Answer:
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
        return self._validate(model, _pick(self.data, *keys))

    def many(self, model: type[M], *keys: str) -> list[M]:
        items = _pick(self.data, *keys)
        if isinstance(items, dict):  # an object wrapping the list under an unexpected name
            lists = [v for v in items.values() if isinstance(v, list)]
            items = lists[0] if len(lists) == 1 else items
        if items is None:
            return []
        if not isinstance(items, list):
            raise self.malformed(f"expected a list of {model.__name__}")
        return [self._validate(model, item) for item in items]

    def _validate(self, model: type[M], value: Any) -> M:
        try:
            return model.model_validate(value)
        except ValidationError:
            raise self.malformed(f"unexpected {model.__name__} shape") from None


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


class QomonClient:
    """An async client of one Qomon space. Use `async with QomonClient(...) as qomon:`."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str,
        read_only: bool = False,
        request_timeout: float = 30,
        deadline: float = 120,
        max_retries: int = 3,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not api_key:
            raise ValueError("a Qomon API key is required")
        self._key = SecretStr(api_key)
        self._base_url = base_url.rstrip("/")
        self.read_only = read_only
        self._request_timeout = request_timeout
        self._deadline = deadline
        self._max_retries = max_retries
        self._sleep = sleep
        self._clock = clock
        self._random = random.Random()
        self._bucket = bucket_for(api_key, clock=clock, sleep=sleep)
        self._http = httpx2.AsyncClient(
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": f"qomon-mcp/{__version__}"},
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, transport: httpx2.AsyncBaseTransport | None = None
    ) -> QomonClient:
        if settings.api_key is None:
            raise ValueError("QOMON_API_KEY is not set")
        return cls(
            settings.api_key.get_secret_value(),
            base_url=settings.api_url,
            read_only=settings.read_only,
            request_timeout=settings.request_timeout,
            deadline=settings.deadline,
            max_retries=settings.max_retries,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"<QomonClient {self._base_url} read_only={self.read_only}>"

    @property
    def rate_limit(self) -> TokenBucket:
        """The token bucket this client shares with every client of the same space."""
        return self._bucket

    async def __aenter__(self) -> QomonClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _request(
        self,
        endpoint_name: str,
        *,
        path_params: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> _Answer:
        """Send one call, retrying as the endpoint allows, within the call's deadline.

        A wait that cannot end before the deadline is not started: a rate-limit wait
        raises `RequestTimeout`; a retry that no longer fits raises the last error
        (`RateLimited`, `ServerError`, `ConnectionFailed`), which says more.
        """
        ep = endpoint(endpoint_name)
        if self.read_only and ep.is_write:
            raise errors.ReadOnlyError(ep.name)
        path = ep.route.format(**{k: quote(str(v), safe="") for k, v in (path_params or {}).items()})
        auth = {"Authorization": f"Bearer {self._key.get_secret_value()}"}
        deadline_at = self._clock() + self._deadline
        retries = refusals = attempt = 0
        while True:
            attempt += 1
            try:
                await self._bucket.acquire(ep.cost, timeout=max(deadline_at - self._clock(), 0.0))
            except TimeoutError:
                raise errors.RequestTimeout(
                    ep.name, "the rate limit would hold the call past its deadline"
                ) from None
            remaining = deadline_at - self._clock()
            if remaining <= 0:
                raise errors.RequestTimeout(ep.name, f"no answer within the {self._deadline:g} s deadline")
            sent_at = self._clock()
            try:
                with anyio.fail_after(remaining):
                    response = await self._http.request(
                        ep.method,
                        self._base_url + path,
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
                safe = isinstance(exc, _NOT_SENT) or (
                    ep.retry_safe and isinstance(exc, httpx2.TransportError)
                )
                if safe and await self._backoff(retries, deadline_at):
                    retries += 1
                    continue
                if isinstance(exc, httpx2.TimeoutException):
                    raise errors.RequestTimeout(
                        ep.name, f"Qomon did not answer in time ({type(exc).__name__})"
                    ) from exc
                raise errors.ConnectionFailed(
                    ep.name, f"could not reach Qomon ({type(exc).__name__})"
                ) from exc
            except TimeoutError:
                raise errors.RequestTimeout(
                    ep.name, f"no answer within the {self._deadline:g} s deadline"
                ) from None

            status = response.status_code
            elapsed = (self._clock() - sent_at) * 1000
            logger.debug("%s %s -> %d in %.0f ms (attempt %d)", ep.method, ep.route, status, elapsed, attempt)
            self._bucket.observe(response.headers)
            body = _decode(ep.name, response)
            if 200 <= status < 300:
                return _Answer(ep.name, status, body)
            wait = _retry_after(response.headers)
            error = errors.error_for_status(
                ep.name, status, body, retry_after=wait, scrub=self._key.get_secret_value()
            )
            if status == 429:
                # Nothing was processed: any endpoint may be sent again once the bucket
                # (held back by on_429 for every client of the space) lets it through.
                self._bucket.on_429(wait)
                if refusals < _MAX_RATE_LIMITED and self._clock() + wait < deadline_at:
                    refusals += 1
                    logger.debug("%s %s rate limited, retrying in %.1f s", ep.method, ep.route, wait)
                    continue
            elif status in _RETRY_STATUSES and ep.retry_safe and await self._backoff(retries, deadline_at):
                retries += 1
                continue
            raise error

    async def _backoff(self, retries: int, deadline_at: float) -> bool:
        """Sleep before a retry (exponential backoff, full jitter); False when no retry is left."""
        if retries >= self._max_retries:
            return False
        delay = self._random.uniform(0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2**retries))
        if self._clock() + delay >= deadline_at:
            return False
        await self._sleep(delay)
        return True

    # Contacts

    async def create_contact(self, contact: dict[str, Any]) -> Contact:
        """Create a contact and return it with its id (costs 5 tokens; prefer upsert for bulk)."""
        answer = await self._request("create_contact", json={"data": {"contact": contact}})
        return answer.one(Contact, "contact")

    async def get_contact(self, contact_id: int) -> Contact:
        answer = await self._request("get_contact", path_params={"id": contact_id})
        return answer.one(Contact, "contact")

    async def replace_contact(self, contact_id: int, contact: dict[str, Any]) -> Contact:
        """FULL replace: every field left out of `contact` is cleared (costs 5 tokens)."""
        answer = await self._request(
            "replace_contact", path_params={"id": contact_id}, json={"data": {"contact": contact}}
        )
        return answer.one(Contact, "contact")

    async def delete_contact(self, contact_id: int) -> None:
        await self._request("delete_contact", path_params={"id": contact_id})

    async def upsert_contact(self, record: dict[str, Any]) -> None:
        """Queue a create-or-update; Qomon applies it about 2 s later and reports no errors."""
        await self._request("upsert_contact", json={"kind": "contact", "data": record})

    # Search

    async def search_contacts(
        self,
        query: dict[str, Any],
        *,
        per_page: int = 100,
        page: int = 0,
        sort_attr: str | None = None,
        sort_asc: bool | None = None,
        include_interactions: bool = False,
    ) -> list[Contact]:
        """One page of contacts matching `query`; a page shorter than `per_page` is the last."""
        search = _clean(query=query, per_page=per_page, page=page, sort_attr=sort_attr, sort_asc=sort_asc)
        data: dict[str, Any] = {"advanced_search": search}
        if include_interactions:
            data["include_interactions"] = True
        answer = await self._request("search_contacts", json={"data": data})
        return answer.many(Contact, "contacts")

    async def count_contacts(self, query: dict[str, Any]) -> int:
        answer = await self._request("count_contacts", json={"data": {"advanced_search": {"query": query}}})
        total = _pick(answer.data, "total")
        if isinstance(total, bool) or not isinstance(total, int | float | str):
            raise answer.malformed("expected a total")
        try:
            return int(total)
        except ValueError:
            raise answer.malformed("expected a numeric total") from None

    # Forms and actions

    async def list_forms(self, form_type: FormType) -> list[Form]:
        answer = await self._request("list_forms", path_params={"type": form_type})
        return answer.many(Form, "forms")

    async def get_form(self, form_id: int) -> Form:
        answer = await self._request("get_form", path_params={"id": form_id})
        return answer.one(Form, "form")

    async def list_actions(self) -> list[ActionAggregate]:
        answer = await self._request("list_actions")
        return answer.many(ActionAggregate, "ActionsAggreg", "actionsAggreg", "actions")

    # Users and roles

    async def list_users(
        self, limit: int | None = None, offset: int | None = None, sort: str | None = None
    ) -> UserPage:
        answer = await self._request("list_users", params=_clean(limit=limit, offset=offset, sort=sort))
        if isinstance(answer.data, list):
            return UserPage(users=answer.many(User))
        return answer.one(UserPage)

    async def get_user(self, user_id: int) -> User:
        answer = await self._request("get_user", path_params={"id": user_id})
        return answer.one(User, "User", "user")

    async def update_user(self, user_id: int, fields: dict[str, Any]) -> None:
        """Partial update; Qomon requires `mail` among `fields` and answers 400/422 without it."""
        await self._request("update_user", path_params={"id": user_id}, json={"data": fields})

    async def delete_user(self, user_id: int) -> None:
        """Remove the user from this space (their account elsewhere is untouched)."""
        await self._request("delete_user", path_params={"id": user_id})

    async def change_user_role(self, user_id: int, role_id: int) -> None:
        await self._request("change_user_role", json={"data": {"user_id": user_id, "role_id": role_id}})

    async def list_roles(self) -> list[Role]:
        answer = await self._request("list_roles")
        return answer.many(Role, "roles")

    # Invitations

    async def list_invitations(self) -> list[Invitation]:
        answer = await self._request("list_invitations")
        return answer.many(Invitation, "invitations")

    async def invite_users(self, invitations: list[dict[str, Any]]) -> InvitationResult:
        """Invite `[{email, role_id}]`; Qomon answers 201, or 207 when only some were accepted."""
        answer = await self._request("invite_users", json={"data": {"invitations": invitations}})
        return _invitation_result(answer)

    async def delete_invitation(self, invitation_id: int) -> None:
        await self._request("delete_invitation", path_params={"id": invitation_id})

    # Teams and messages

    async def list_teams(self, user_id: int | None = None) -> list[Team]:
        answer = await self._request("list_teams", params=_clean(user_id=user_id))
        return answer.many(Team, "teams")

    async def list_public_teams(self) -> list[Team]:
        answer = await self._request("list_public_teams")
        return answer.many(Team, "teams")

    async def get_team(self, team_id: int) -> Team:
        answer = await self._request("get_team", path_params={"id": team_id})
        return answer.one(Team, "team")

    async def create_team(self, team: dict[str, Any]) -> Team:
        answer = await self._request("create_team", json={"data": {"team": team}})
        return answer.one(Team, "team")

    async def replace_team(self, team: dict[str, Any]) -> Team:
        """FULL replace of the team whose `id` is in `team`: fields left out are reset."""
        answer = await self._request("replace_team", json={"data": {"team": team}})
        return answer.one(Team, "team")

    async def delete_team(self, team_id: int) -> TeamDeleted:
        answer = await self._request("delete_team", path_params={"id": team_id})
        if answer.data is None:
            return TeamDeleted(team_id=team_id)
        return answer.one(TeamDeleted)

    async def send_global_message(self, title: str, body: str, team_ids: list[int]) -> bool:
        """Notify the members of `team_ids`; True when Qomon accepted the message."""
        payload = {"data": {"title": title, "body": body, "team_ids": team_ids}}
        answer = await self._request("send_global_message", json=payload)
        accepted = _pick(answer.data, "accepted")
        return True if accepted is None else bool(accepted)

    # Fundraising: transaction bundles

    async def create_bundle(
        self,
        transactions: list[dict[str, Any]],
        memberships: list[dict[str, Any]] | None = None,
        donations: list[dict[str, Any]] | None = None,
    ) -> Bundle:
        data = _clean(transactions=transactions, memberships=memberships, donations=donations)
        answer = await self._request("create_bundle", json={"data": data})
        return answer.one(Bundle, "bundle", "transaction_bundle")

    async def list_bundles(self, limit: int = 100, offset: int = 0) -> BundlePage:
        """Bundles newest first (`limit` at most 1000), with the total count."""
        answer = await self._request("list_bundles", params={"limit": limit, "offset": offset})
        total = answer.body.get("total") if isinstance(answer.body, dict) else None
        if isinstance(answer.data, dict):
            total = answer.data.get("total", total)
        bundles = answer.many(Bundle, "bundles", "transaction_bundles")
        return BundlePage(bundles=bundles, total=total if total is not None else len(bundles))

    async def get_bundle(self, bundle_id: int) -> Bundle:
        answer = await self._request("get_bundle", path_params={"id": bundle_id})
        return answer.one(Bundle, "bundle", "transaction_bundle")

    async def update_bundle(
        self,
        bundle_id: int,
        transactions: list[dict[str, Any]] | None = None,
        memberships: list[dict[str, Any]] | None = None,
        donations: list[dict[str, Any]] | None = None,
    ) -> Bundle:
        """ADDITIVE update: items with an `id` are updated (send all their required fields),
        items without one are added, items not sent are left alone."""
        data = _clean(transactions=transactions, memberships=memberships, donations=donations)
        answer = await self._request(
            "update_bundle", path_params={"id": bundle_id}, json={"id": bundle_id, "data": data}
        )
        return answer.one(Bundle, "bundle", "transaction_bundle")

    async def delete_bundle(self, bundle_id: int) -> None:
        """Delete the bundle with all its transactions, memberships and donations."""
        await self._request("delete_bundle", path_params={"id": bundle_id})

    async def get_bundle_history(self, bundle_id: int) -> list[BundleHistoryEntry]:
        answer = await self._request("get_bundle_history", path_params={"id": bundle_id})
        return answer.many(BundleHistoryEntry, "history", "entries")

    # Fundraising: reference data

    async def get_transaction_settings(self) -> TransactionSettings:
        answer = await self._request("get_transaction_settings")
        return answer.one(TransactionSettings, "transaction_settings", "settings")

    async def list_transaction_statuses(
        self, limit: int | None = None, offset: int | None = None
    ) -> list[TransactionStatus]:
        answer = await self._request("list_transaction_statuses", params=_clean(limit=limit, offset=offset))
        return answer.many(TransactionStatus, "transaction_statuses", "statuses")

    async def list_code_campaigns(
        self, limit: int | None = None, offset: int | None = None
    ) -> list[CodeCampaign]:
        answer = await self._request("list_code_campaigns", params=_clean(limit=limit, offset=offset))
        items = _pick(answer.data, "code_campaigns")
        if isinstance(items, list):  # codes are sometimes listed as bare strings
            answer = _Answer(
                answer.endpoint, answer.status, [{"code": i} if isinstance(i, str) else i for i in items]
            )
        return answer.many(CodeCampaign, "code_campaigns")

    async def list_membership_prices(
        self, limit: int | None = None, offset: int | None = None
    ) -> list[MembershipPrice]:
        answer = await self._request("list_membership_prices", params=_clean(limit=limit, offset=offset))
        return answer.many(MembershipPrice, "membership_prices")

    async def list_membership_price_groups(
        self, limit: int | None = None, offset: int | None = None
    ) -> list[MembershipPriceGroup]:
        answer = await self._request(
            "list_membership_price_groups", params=_clean(limit=limit, offset=offset)
        )
        return answer.many(MembershipPriceGroup, "membership_price_groups")

    async def list_donation_prices(
        self, limit: int | None = None, offset: int | None = None
    ) -> list[DonationPrice]:
        answer = await self._request("list_donation_prices", params=_clean(limit=limit, offset=offset))
        return answer.many(DonationPrice, "donation_prices")


def _invitation_result(answer: _Answer) -> InvitationResult:
    """Read which invitations went through; the 207 body is undocumented, so read it loosely."""
    data = answer.data
    sent: list[Any] = []
    failed: list[Any] = []
    if isinstance(data, dict):
        sent = next(
            (
                data[k]
                for k in ("invitations", "succeeded", "success", "sent")
                if isinstance(data.get(k), list)
            ),
            [],
        )
        failed = next(
            (data[k] for k in ("failed", "errors", "failures") if isinstance(data.get(k), list)), []
        )
    elif isinstance(data, list):
        for item in data:
            bad = isinstance(item, dict) and (
                item.get("error") or item.get("errors") or item.get("status") == "fail"
            )
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
