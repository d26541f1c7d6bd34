"""POST /search and POST /kpi: the search language, evaluated by `search.py`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from qomon_mcp.sandbox.search.engine import QueryError, count, search
from qomon_mcp.sandbox.web import data_object, fail, space_of, success

__all__ = ["HANDLERS"]


async def _query(request: Request) -> tuple[dict[str, Any], bool]:
    data = await data_object(request)
    advanced = data.get("advanced_search")
    # Docs, search overview and "Contact count KPI": the query sits in data.advanced_search.
    if not isinstance(advanced, dict):
        raise fail(422, advanced_search="required: an object with query and per_page")
    advanced = dict(advanced)
    # The reference puts include_interactions beside advanced_search, the overview inside it.
    inside = advanced.pop("include_interactions", None)
    flag = data.get("include_interactions", inside)
    if flag is not None and not isinstance(flag, bool):
        raise fail(422, include_interactions="must be true or false")
    return advanced, bool(flag)


async def search_contacts(request: Request) -> Response:
    advanced, with_interactions = await _query(request)
    try:
        contacts = search(space_of(request), advanced, include_interactions=with_interactions)
    except QueryError as err:
        raise fail(422, query=str(err)) from None
    return success({"contacts": contacts})


async def count_contacts(request: Request) -> Response:
    advanced, _ = await _query(request)
    try:
        total = count(space_of(request), advanced)
    except QueryError as err:
        raise fail(422, query=str(err)) from None
    return success({"total": total})


HANDLERS = {"search_contacts": search_contacts, "count_contacts": count_contacts}
