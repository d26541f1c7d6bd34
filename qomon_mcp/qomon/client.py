"""The async client of the Qomon Public API: one method per row of `endpoints.ENDPOINTS`.

Each method builds its request and reads its answer; `transport.Sender` does the
rest (read-only guard, pacing, deadline, retries, error mapping).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypedDict

import anyio
import httpx2

from ..spec.vocabulary import FormType
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
from .ratelimit import Bucket, BucketSource, bucket_for
from .transport import Answer, Sender, invitation_result, pick

if TYPE_CHECKING:
    from ..settings import Settings

__all__ = ["FormType", "QomonClient", "SearchOptions"]


class SearchOptions(TypedDict, total=False):
    """The ordering and detail options of `QomonClient.search_contacts`, passed along as a group."""

    sort_attr: str | None
    sort_asc: bool | None
    include_interactions: bool


def _clean(**params: Any) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


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
        buckets: BucketSource = bucket_for,
    ) -> None:
        if not api_key:
            raise ValueError("a Qomon API key is required")
        self._sender = Sender(
            api_key,
            base_url=base_url,
            read_only=read_only,
            request_timeout=request_timeout,
            deadline=deadline,
            max_retries=max_retries,
            transport=transport,
            sleep=sleep,
            clock=clock,
            buckets=buckets,
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, transport: httpx2.AsyncBaseTransport | None = None) -> QomonClient:
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
        return f"<QomonClient {self._sender.base_url} read_only={self.read_only}>"

    @property
    def read_only(self) -> bool:
        """Whether every request other than GET, `POST /search` and `POST /kpi` is refused unsent."""
        return self._sender.read_only

    @property
    def rate_limit(self) -> Bucket:
        """The token bucket this client shares with every client of the same space."""
        return self._sender.bucket

    async def __aenter__(self) -> QomonClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._sender.aclose()

    # Contacts

    async def create_contact(self, contact: dict[str, Any]) -> Contact:
        """Create a contact and return it with its id (costs 5 tokens; prefer upsert for bulk)."""
        answer = await self._sender.send("create_contact", json={"data": {"contact": contact}})
        return answer.one(Contact, "contact")

    async def get_contact(self, contact_id: int) -> Contact:
        answer = await self._sender.send("get_contact", path_params={"id": contact_id})
        return answer.one(Contact, "contact")

    async def replace_contact(self, contact_id: int, contact: dict[str, Any]) -> Contact:
        """FULL replace: every field left out of `contact` is cleared (costs 5 tokens)."""
        answer = await self._sender.send(
            "replace_contact", path_params={"id": contact_id}, json={"data": {"contact": contact}}
        )
        return answer.one(Contact, "contact")

    async def delete_contact(self, contact_id: int) -> None:
        await self._sender.send("delete_contact", path_params={"id": contact_id})

    async def upsert_contact(self, record: dict[str, Any]) -> None:
        """Queue a create-or-update; Qomon applies it about 2 s later and reports no errors."""
        await self._sender.send("upsert_contact", json={"kind": "contact", "data": record})

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
        answer = await self._sender.send("search_contacts", json={"data": data})
        return answer.many(Contact, "contacts")

    async def count_contacts(self, query: dict[str, Any]) -> int:
        # Qomon's reference lists `per_page` as required in this body (its docs' example leaves it out);
        # a count reads no page, so the smallest valid size is sent.
        search = {"query": query, "per_page": 1}
        answer = await self._sender.send("count_contacts", json={"data": {"advanced_search": search}})
        total = pick(answer.data, "total")
        if isinstance(total, bool) or not isinstance(total, int | float | str):
            raise answer.malformed("expected a total")
        try:
            return int(total)
        except ValueError:
            raise answer.malformed("expected a numeric total") from None

    # Forms and actions

    async def list_forms(self, form_type: FormType) -> list[Form]:
        answer = await self._sender.send("list_forms", path_params={"type": form_type})
        return answer.many(Form, "forms")

    async def get_form(self, form_id: int) -> Form:
        answer = await self._sender.send("get_form", path_params={"id": form_id})
        return answer.one(Form, "form")

    async def list_actions(self) -> list[ActionAggregate]:
        answer = await self._sender.send("list_actions")
        return answer.many(ActionAggregate, "ActionsAggreg", "actionsAggreg", "actions")

    # Users and roles

    async def list_users(
        self, limit: int | None = None, offset: int | None = None, ascending: bool | None = None
    ) -> UserPage:
        """One page of users, by surname then first name: A to Z unless `ascending` is False."""
        # Qomon's `sort` is a boolean (true = ascending, its default), written out as the literal word.
        sort = None if ascending is None else ("true" if ascending else "false")
        answer = await self._sender.send("list_users", params=_clean(limit=limit, offset=offset, sort=sort))
        if isinstance(answer.data, list):
            return UserPage(users=answer.many(User))
        return answer.one(UserPage)

    async def get_user(self, user_id: int) -> User:
        answer = await self._sender.send("get_user", path_params={"id": user_id})
        return answer.one(User, "User", "user")

    async def update_user(self, user_id: int, fields: dict[str, Any]) -> None:
        """Partial update; Qomon requires `mail` among `fields` and answers 400/422 without it."""
        await self._sender.send("update_user", path_params={"id": user_id}, json={"data": fields})

    async def delete_user(self, user_id: int) -> None:
        """Remove the user from this space (their account elsewhere is untouched)."""
        await self._sender.send("delete_user", path_params={"id": user_id})

    async def change_user_role(self, user_id: int, role_id: int) -> None:
        await self._sender.send("change_user_role", json={"data": {"user_id": user_id, "role_id": role_id}})

    async def list_roles(self) -> list[Role]:
        answer = await self._sender.send("list_roles")
        return answer.many(Role, "roles")

    # Invitations

    async def list_invitations(self) -> list[Invitation]:
        answer = await self._sender.send("list_invitations")
        return answer.many(Invitation, "invitations")

    async def invite_users(self, invitations: list[dict[str, Any]]) -> InvitationResult:
        """Invite `[{email, role_id?}]` (no role_id: Qomon's plain user role); Qomon answers 201,
        or 207 when only some went through."""
        answer = await self._sender.send("invite_users", json={"data": {"invitations": invitations}})
        return invitation_result(answer)

    async def delete_invitation(self, invitation_id: int) -> None:
        await self._sender.send("delete_invitation", path_params={"id": invitation_id})

    # Teams and messages

    async def list_teams(self, user_id: int | None = None) -> list[Team]:
        answer = await self._sender.send("list_teams", params=_clean(user_id=user_id))
        return answer.many(Team, "teams")

    async def list_public_teams(self) -> list[Team]:
        answer = await self._sender.send("list_public_teams")
        return answer.many(Team, "teams")

    async def get_team(self, team_id: int) -> Team:
        answer = await self._sender.send("get_team", path_params={"id": team_id})
        return answer.one(Team, "team")

    async def create_team(self, team: dict[str, Any]) -> Team:
        """`team`'s `address` is an Address object, and its `leaders` must be among its `users`."""
        answer = await self._sender.send("create_team", json={"data": {"team": team}})
        return answer.one(Team, "team")

    async def replace_team(self, team: dict[str, Any]) -> Team:
        """FULL replace of the team whose `id` is in `team`: fields left out are reset (the name is kept)."""
        answer = await self._sender.send("replace_team", json={"data": {"team": team}})
        return answer.one(Team, "team")

    async def delete_team(self, team_id: int) -> TeamDeleted:
        answer = await self._sender.send("delete_team", path_params={"id": team_id})
        if answer.data is None:
            return TeamDeleted(team_id=team_id)
        return answer.one(TeamDeleted)

    async def send_global_message(self, title: str, body: str, team_ids: list[int]) -> bool:
        """Notify the members of `team_ids`; True when Qomon accepted the message."""
        payload = {"data": {"title": title, "body": body, "team_ids": team_ids}}
        answer = await self._sender.send("send_global_message", json=payload)
        accepted = pick(answer.data, "accepted")
        return True if accepted is None else bool(accepted)

    # Fundraising: transaction bundles

    async def create_bundle(
        self,
        transactions: list[dict[str, Any]],
        memberships: list[dict[str, Any]] | None = None,
        donations: list[dict[str, Any]] | None = None,
    ) -> Bundle:
        data = _clean(transactions=transactions, memberships=memberships, donations=donations)
        answer = await self._sender.send("create_bundle", json={"data": data})
        return answer.one(Bundle, "bundle", "transaction_bundle")

    async def list_bundles(self, limit: int = 100, offset: int = 0) -> BundlePage:
        """Bundles newest first (`limit` at most 1000), with the total count."""
        answer = await self._sender.send("list_bundles", params={"limit": limit, "offset": offset})
        total = answer.body.get("total") if isinstance(answer.body, dict) else None
        if isinstance(answer.data, dict):
            total = answer.data.get("total", total)
        bundles = answer.many(Bundle, "bundles", "transaction_bundles")
        return BundlePage(bundles=bundles, total=total if total is not None else len(bundles))

    async def get_bundle(self, bundle_id: int) -> Bundle:
        answer = await self._sender.send("get_bundle", path_params={"id": bundle_id})
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
        answer = await self._sender.send(
            "update_bundle", path_params={"id": bundle_id}, json={"id": bundle_id, "data": data}
        )
        return answer.one(Bundle, "bundle", "transaction_bundle")

    async def delete_bundle(self, bundle_id: int) -> None:
        """Delete the bundle with all its transactions, memberships and donations."""
        await self._sender.send("delete_bundle", path_params={"id": bundle_id})

    async def get_bundle_history(self, bundle_id: int) -> list[BundleHistoryEntry]:
        answer = await self._sender.send("get_bundle_history", path_params={"id": bundle_id})
        return answer.many(BundleHistoryEntry, "history", "entries")

    # Fundraising: reference data

    async def get_transaction_settings(self) -> TransactionSettings:
        answer = await self._sender.send("get_transaction_settings")
        return answer.one(TransactionSettings, "transaction_settings", "settings")

    async def list_transaction_statuses(
        self, limit: int | None = None, offset: int | None = None
    ) -> list[TransactionStatus]:
        answer = await self._sender.send("list_transaction_statuses", params=_clean(limit=limit, offset=offset))
        return answer.many(TransactionStatus, "transaction_statuses", "statuses")

    async def list_code_campaigns(self, limit: int | None = None, offset: int | None = None) -> list[CodeCampaign]:
        answer = await self._sender.send("list_code_campaigns", params=_clean(limit=limit, offset=offset))
        items = pick(answer.data, "code_campaigns")
        if isinstance(items, list):  # codes are sometimes listed as bare strings
            answer = Answer(answer.endpoint, answer.status, [{"code": i} if isinstance(i, str) else i for i in items])
        return answer.many(CodeCampaign, "code_campaigns")

    async def list_membership_prices(
        self, limit: int | None = None, offset: int | None = None
    ) -> list[MembershipPrice]:
        answer = await self._sender.send("list_membership_prices", params=_clean(limit=limit, offset=offset))
        return answer.many(MembershipPrice, "membership_prices")

    async def list_membership_price_groups(
        self, limit: int | None = None, offset: int | None = None
    ) -> list[MembershipPriceGroup]:
        answer = await self._sender.send("list_membership_price_groups", params=_clean(limit=limit, offset=offset))
        return answer.many(MembershipPriceGroup, "membership_price_groups")

    async def list_donation_prices(self, limit: int | None = None, offset: int | None = None) -> list[DonationPrice]:
        answer = await self._sender.send("list_donation_prices", params=_clean(limit=limit, offset=offset))
        return answer.many(DonationPrice, "donation_prices")
