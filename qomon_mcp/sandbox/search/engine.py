"""The search language over a space: what POST /search and POST /kpi answer.

A query is exactly two levels, as the docs draw it: a root group holding inner
groups, each inner group holding conditions. Anything else is refused with a
QueryError, which the routes turn into a 422 whose body names the problem.

An empty group follows the logic of its operator: `$all: []` is true (no
condition fails) and `$at_least_one: []` is false (no condition holds). This is
what makes the documented `{"$all": []}` match every contact.

Within one `$all` group, conditions on the same per-record family (transactions,
donations, memberships, emails, sanctions) must hold on the same record: the
docs' examples read that way ("whose membership started on or before today and
ends on or after today"; campaign 42 delivered but not opened). Conditions in
different groups look at the records independently, so both readings can be
written.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeGuard

from qomon_mcp.sandbox.search.conditions import Condition, Context, Predicate, compile_condition
from qomon_mcp.sandbox.search.values import QueryError, stored_instant
from qomon_mcp.sandbox.space import Space
from qomon_mcp.spec.search_attributes import SORT_ATTRIBUTES

__all__ = ["MAX_PER_PAGE", "QueryError", "count", "search"]

MAX_PER_PAGE = 1000
_GROUP_KEYS = ("$all", "$at_least_one")
_SORT_FIELDS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "city": lambda contact: (contact.get("address") or {}).get("city"),
}
_DATE_SORTS = frozenset({"birthdate", "lastchange"})


def search(
    space: Space,
    advanced_search: dict[str, Any],
    *,
    include_interactions: bool = False,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """One page of matching contacts, as deep copies in the read shape.

    Without `sort_attr` contacts come by id, ascending, so pages are stable.
    There is no total: callers page until a page is shorter than `per_page`.
    """
    if not isinstance(advanced_search, dict):
        raise QueryError("advanced_search must be an object")
    per_page = _per_page(advanced_search)
    page = advanced_search.get("page", 0)
    if page is None:
        page = 0
    if not _is_int(page) or page < 0:
        raise QueryError(f"page must be an integer of 0 or more, got {page!r}")
    ordered = _sorted(_matching(space, advanced_search, now), advanced_search)
    selected = ordered[page * per_page : (page + 1) * per_page]
    results = []
    for contact in selected:
        shown = copy.deepcopy(contact)
        if include_interactions:
            contact_id = contact.get("id")
            interactions = space.interactions.get(contact_id, []) if contact_id is not None else []
            shown["interactions"] = copy.deepcopy(interactions)
        results.append(shown)
    return results


def count(space: Space, advanced_search: dict[str, Any], *, now: datetime | None = None) -> int:
    """How many contacts match: the /kpi total. Paging and sorting are not needed and not checked."""
    return len(_matching(space, advanced_search, now))


def _matching(space: Space, advanced_search: Any, now: datetime | None) -> list[dict[str, Any]]:
    if not isinstance(advanced_search, dict):
        raise QueryError("advanced_search must be an object")
    # One clock: "now" in date math is the space's clock unless the caller names an instant.
    moment = space.now() if now is None else now
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    matches = _compile(advanced_search.get("query"), moment)
    context = Context.build(space, moment)
    return [contact for _, contact in sorted(space.contacts.items()) if matches(contact, context)]


def _compile(query: Any, now: datetime) -> Predicate:
    # Docs, search overview "How queries are structured", and the shapes file's "Search":
    # exactly two levels, a $condition under the root refused with 422.
    if query is None:
        raise QueryError('query is required, for example {"$all": []} to match every contact')
    root_key, groups = _group(query, "query")
    compiled = []
    for index, group in enumerate(groups):
        where = f"query.{root_key}[{index}]"
        if isinstance(group, dict) and "$condition" in group:
            raise QueryError(
                f"{where}: a $condition cannot sit directly under the root; "
                'wrap it in a group such as {"$all": [{"$condition": {...}}]}'
            )
        key, items = _group(group, where)
        conditions = []
        for position, item in enumerate(items):
            if not isinstance(item, dict) or set(item) != {"$condition"}:
                if isinstance(item, dict) and set(item) & set(_GROUP_KEYS):
                    raise QueryError(
                        f"{where}.{key}[{position}]: groups cannot be nested deeper than two levels; "
                        "an inner group holds only $condition objects"
                    )
                raise QueryError(f'{where}.{key}[{position}]: expected {{"$condition": {{...}}}}, got {item!r}')
            conditions.append(compile_condition(item["$condition"], now))
        compiled.append(_all_of(conditions) if key == "$all" else _any_of(conditions))
    return _combine(root_key, compiled)


def _all_of(conditions: list[Condition]) -> Predicate:
    tests: list[Predicate] = [c.test for c in conditions if c.family is None]
    by_family: dict[str, list[Predicate]] = {}
    for condition in conditions:
        if condition.family is not None:
            by_family.setdefault(condition.family, []).append(condition.test)
    for family, record_tests in by_family.items():
        tests.append(_one_record(family, record_tests))
    return _combine("$all", tests)


def _one_record(family: str, record_tests: list[Predicate]) -> Predicate:
    def matches(contact: dict[str, Any], ctx: Context) -> bool:
        records = ctx.records_of(family, contact)
        return any(all(test(record, ctx) for test in record_tests) for record in records)

    return matches


def _any_of(conditions: list[Condition]) -> Predicate:
    return lambda contact, ctx: any(c.matches(contact, ctx) for c in conditions)


def _group(node: Any, where: str) -> tuple[str, list[Any]]:
    if not isinstance(node, dict) or len(node) != 1 or next(iter(node)) not in _GROUP_KEYS:
        raise QueryError(f"{where} must be an object with exactly one key, $all or $at_least_one; got {node!r}")
    key, items = next(iter(node.items()))
    if not isinstance(items, list):
        raise QueryError(f"{where}.{key} must be a list, got {items!r}")
    return key, items


def _combine(key: str, predicates: list[Predicate]) -> Predicate:
    if key == "$all":
        return lambda contact, ctx: all(p(contact, ctx) for p in predicates)
    return lambda contact, ctx: any(p(contact, ctx) for p in predicates)


def _per_page(advanced_search: dict[str, Any]) -> int:
    per_page = advanced_search.get("per_page")
    # Docs, search overview "Pagination and sorting": per_page is required, 1-1000 (on /search only).
    if not _is_int(per_page) or not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page is required and must be an integer from 1 to {MAX_PER_PAGE}, got {per_page!r}")
    return per_page


def _sorted(contacts: list[dict[str, Any]], advanced_search: dict[str, Any]) -> list[dict[str, Any]]:
    sort_attr = advanced_search.get("sort_attr")
    sort_asc = advanced_search.get("sort_asc", False)
    if sort_asc is None:
        sort_asc = False
    if not isinstance(sort_asc, bool):
        raise QueryError(f"sort_asc must be true or false, got {sort_asc!r}")
    if sort_attr is None:
        return contacts
    # Docs, "Pagination and sorting": sort_attr is one of the listed fields, sort_asc a boolean.
    if sort_attr not in SORT_ATTRIBUTES:
        raise QueryError(f"cannot sort by {sort_attr!r}; sort_attr is one of: {', '.join(SORT_ATTRIBUTES)}")
    read = _SORT_FIELDS.get(sort_attr, lambda contact: contact.get(sort_attr))

    def key(contact: dict[str, Any]) -> Any:
        value = read(contact)
        if sort_attr in _DATE_SORTS:
            return stored_instant(value)
        return value.casefold() if isinstance(value, str) and value.strip() else None

    # Contacts without the field come last in both directions, as in Elasticsearch;
    # ties keep the id order, so paging stays stable.
    keyed = [(key(c), c) for c in contacts]
    present = [(k, c) for k, c in keyed if k is not None]
    present.sort(key=lambda pair: pair[0], reverse=not sort_asc)
    return [c for _, c in present] + [c for k, c in keyed if k is None]


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
