"""Fetching a search page after page, up to a limit.

Qomon has no cursor and no total on POST /search: a page is an offset into a
result set that can change between two requests, so the same contact may come
twice (it is kept once) and the end is the first page shorter than `per_page`.
The client paces its requests by the space's rate limit, so nothing waits here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Unpack

from qomon_mcp.qomon.client import QomonClient, SearchOptions
from qomon_mcp.qomon.models import Contact

__all__ = ["MAX_PAGES", "Pages", "fetch_pages", "page_size_for"]

MAX_PER_PAGE = 1000
# The most requests one call makes: 5000 contacts in pages of 100.
MAX_PAGES = 50

Progress = Callable[[float, float | None, str | None], Awaitable[None]]


@dataclass
class Pages:
    contacts: list[Contact] = field(default_factory=list)
    last_page: int = 0
    # The last page was full, so more contacts may match than were fetched.
    more: bool = False
    # Contacts fetched from the last page but left out to stay within the limit.
    cut: int = 0


def page_size_for(limit: int) -> int:
    """The page size that reaches `limit` in the fewest requests, in pages of equal size."""
    pages = -(-limit // MAX_PER_PAGE)
    return -(-limit // pages)


async def fetch_pages(
    client: QomonClient,
    query: dict[str, Any],
    *,
    page: int,
    per_page: int,
    limit: int,
    progress: Progress | None = None,
    **options: Unpack[SearchOptions],
) -> Pages:
    """Pages from `page` on, until a short page or `limit` contacts; each contact once."""
    result = Pages(last_page=page)
    seen: set[int | str] = set()
    current = page
    while True:
        batch = await client.search_contacts(query, per_page=per_page, page=current, **options)
        for contact in batch:
            if contact.id is None or contact.id not in seen:
                result.contacts.append(contact)
                if contact.id is not None:
                    seen.add(contact.id)
        result.last_page, result.more = current, len(batch) >= per_page
        if progress is not None:
            done = min(len(result.contacts), limit)
            await progress(done, limit, f"page {current}: {done} contacts")
        if not result.more or len(result.contacts) >= limit:
            break
        current += 1
    result.cut = max(0, len(result.contacts) - limit)
    result.contacts = result.contacts[:limit]
    return result
