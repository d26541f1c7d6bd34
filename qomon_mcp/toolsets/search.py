"""Search: contacts matching a typed query (POST /search), and how many match (POST /kpi)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field, SkipValidation, StrictInt, WithJsonSchema

from qomon_mcp.qomon.client import QomonClient, SearchOptions
from qomon_mcp.server.app import qomon_client
from qomon_mcp.server.registry import Toolset
from qomon_mcp.spec.search_attributes import SORT_ATTRIBUTES
from qomon_mcp.toolsets.helpers.arguments import Offset
from qomon_mcp.toolsets.helpers.breakdown import BREAKDOWN_SCHEMA, Breakdown, broken_down
from qomon_mcp.toolsets.helpers.breakdown_plan import BreakdownArgument
from qomon_mcp.toolsets.helpers.contact_table import contact_table
from qomon_mcp.toolsets.helpers.contact_view import ContactField, contact_facts
from qomon_mcp.toolsets.helpers.forms_directory import FormsDirectory, forms_directory
from qomon_mcp.toolsets.helpers.search_checks import check_date, checked_query, needs_forms
from qomon_mcp.toolsets.helpers.search_paging import MAX_PAGES, Pages, fetch_pages, page_size_for
from qomon_mcp.toolsets.helpers.search_query import (
    Condition,
    Query,
    QueryArgument,
    parse_query,
    to_qomon,
    with_condition,
)

__all__ = ["CountResult", "SearchResult", "toolset"]

toolset = Toolset("search")

DEFAULT_PER_PAGE = 50
# A sync fetches to the end; this many contacts is a generous first window.
SYNC_LIMIT = 1000

if TYPE_CHECKING:
    SortAttr = str  # built from the spec table at run time, which a type checker cannot evaluate
else:
    SortAttr = Literal[SORT_ATTRIBUTES]
# Any JSON value, spelled as typed branches: strict schema linters flag a bare `{}`.
_CELL_TYPES = ("string", "number", "boolean", "array", "object", "null")
Cell = Annotated[Any, WithJsonSchema({"anyOf": [{"type": name} for name in _CELL_TYPES]})]


# count_contacts takes search_contacts' query without repeating its 2.9 KB schema. Both tools read
# the query with the same `_prepared` (parse_query, then checked_query), so they refuse alike.
SameQueryArgument = Annotated[
    Any,
    SkipValidation,
    WithJsonSchema({"type": "object", "description": "search_contacts' query; omit to count all."}),
]


class SearchResult(BaseModel):
    # A table, not one object per contact: repeating every key in every contact cost 31 % of the bytes.
    columns: list[str] = Field(default_factory=list, description="Contact fields, as in get_contact.")
    rows: list[list[Cell]] = Field(
        default_factory=list, description="One per contact: values in columns order, null when absent."
    )
    count: int | None = None
    next_page: int | None = Field(default=None, description="The page to ask for next, when more may match.")
    per_page: int | None = Field(default=None, description="Page size for next_page.")
    note: str | None = None


class CountResult(BaseModel):
    total: int | None = None
    breakdown: Annotated[Breakdown | None, WithJsonSchema(BREAKDOWN_SCHEMA)] = None
    note: str | None = None


@toolset.tool(title="Search contacts", read_only=True, destructive=False, idempotent=True, open_world=False)
async def search_contacts(
    ctx: Context,
    query: QueryArgument = None,
    updated_since: Annotated[
        str | None,
        Field(description="Changed since (2024-05-01, now-1d/d); fetches to the end."),
    ] = None,
    page: Offset = 0,
    per_page: Annotated[
        StrictInt | None, Field(ge=1, le=1000, description="Default 50 (with limit: up to 1000).")
    ] = None,
    limit: Annotated[
        StrictInt | None, Field(ge=1, le=5000, description="Fetch pages until this many contacts.")
    ] = None,
    sort_attr: SortAttr | None = None,
    sort_asc: bool | None = None,
    include_interactions: bool = False,
    fields: Annotated[
        list[ContactField] | None,
        Field(description="Parts of each contact to return ([] = ids only); all by default."),
    ] = None,
) -> SearchResult:
    client = qomon_client(ctx)
    wanted = frozenset(fields) if fields is not None else None
    decodes = wanted is None or bool(wanted & {"answers", "custom_fields"})
    if updated_since is not None:
        limit = limit or SYNC_LIMIT
    qomon_query, forms = await _prepared(client, query, updated_since=updated_since, load_forms=decodes)
    size = per_page or (page_size_for(limit) if limit else DEFAULT_PER_PAGE)
    options = SearchOptions(sort_attr=sort_attr, sort_asc=sort_asc, include_interactions=include_interactions)
    if limit is None:
        batch = await client.search_contacts(qomon_query, per_page=size, page=page, **options)
        pages = Pages(contacts=batch, last_page=page, more=len(batch) >= size)
    else:
        # A tiny per_page must not turn one call into hundreds of requests.
        limit = min(limit, MAX_PAGES * size)
        pages = await fetch_pages(
            client, qomon_query, page=page, per_page=size, limit=limit, progress=ctx.report_progress, **options
        )
    columns, rows = contact_table([contact_facts(c, forms, wanted) for c in pages.contacts])
    result = SearchResult(columns=columns, rows=rows, count=len(pages.contacts))
    if pages.more or pages.cut:
        await _point_to_more(result, pages, client, qomon_query, page=page, per_page=size, limited=limit is not None)
    elif not pages.contacts:
        result.note = "No contact matches this query." if page == 0 else f"Page {page} is past the last match."
    return result


async def _prepared(
    client: QomonClient, query: object, *, updated_since: str | None = None, load_forms: bool = False
) -> tuple[dict[str, Any], FormsDirectory | None]:
    """Qomon's JSON for the query the model sent, checked; and the forms, when they were needed."""
    parsed = parse_query(query) if query is not None else None
    if updated_since is not None:
        since = Condition(attr="UpdatedAt", ope="gte", value=check_date("updated_since", updated_since))
        parsed = with_condition(parsed or Query(), since)
    forms = await forms_directory(client) if load_forms or needs_forms(parsed) else None
    return to_qomon(checked_query(parsed, forms) if parsed else None), forms


async def _point_to_more(
    result: SearchResult,
    pages: Pages,
    client: QomonClient,
    query: dict[str, Any],
    *,
    page: int,
    per_page: int,
    limited: bool,
) -> None:
    """Say how to get the rest: the next page, and with a limit how many more match."""
    next_page = pages.last_page if pages.cut else pages.last_page + 1
    overlap = f" (its first {per_page - pages.cut} contacts are already here)" if pages.cut else ""
    if not limited:
        result.next_page, result.per_page = next_page, per_page
        result.note = (
            f"More may match: ask for page {next_page} with the same per_page, or set limit to fetch several "
            "pages; count_contacts gives the total."
        )
        return
    remaining = await client.count_contacts(query) - page * per_page - len(pages.contacts)
    if remaining > 0:
        result.next_page, result.per_page = next_page, per_page
        result.note = f"{remaining} more match; continue with page={next_page} and per_page={per_page}{overlap}."


@toolset.tool(title="Count contacts", read_only=True, destructive=False, idempotent=True, open_world=False)
async def count_contacts(
    ctx: Context, query: SameQueryArgument = None, breakdown: BreakdownArgument = None
) -> CountResult:
    client = qomon_client(ctx)
    if breakdown is not None:
        total, parts, note = await broken_down(client, query, breakdown, progress=ctx.report_progress)
        return CountResult(total=total, breakdown=parts, note=note)
    qomon_query, _ = await _prepared(client, query)
    return CountResult(total=await client.count_contacts(qomon_query))
