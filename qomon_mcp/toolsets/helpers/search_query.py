"""The typed search query: the schema the model fills in, its reading, and Qomon's JSON.

The tools take the query unvalidated by the SDK (`QueryArgument`) and read it
here, so that every mistake is refused with one actionable sentence instead of
a page of pydantic errors, and so that the usual slips are accepted: a flat list
of conditions, or Qomon's own `{"$all": [{"$all": [{"$condition": ...}]}]}`.
Values are checked afterwards by `search_checks`, against the attribute
reference and the space's forms.
"""

from __future__ import annotations

import difflib
import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, ConfigDict, Field, SkipValidation, ValidationError

from qomon_mcp.server.quoting import quoted
from qomon_mcp.spec.search_attributes import ATTRIBUTES, OPERATORS
from qomon_mcp.toolsets.helpers.arguments import Id

__all__ = [
    "Condition",
    "Group",
    "Query",
    "QueryArgument",
    "conjoined",
    "iter_conditions",
    "parse_query",
    "to_qomon",
    "with_condition",
]

if TYPE_CHECKING:
    # Built from the spec tables at run time, which a type checker cannot evaluate: it sees strings.
    Attr = str
    Operator = str
else:
    Attr = Literal[tuple(ATTRIBUTES)]
    Operator = Literal[tuple(OPERATORS)]
Match = Literal["all", "at_least_one"]

_GROUP_KEYS = {"$all": "all", "$at_least_one": "at_least_one"}
_SHAPE = (
    'a query is {"match": "all", "groups": [{"match": "at_least_one", "conditions": [...]}]} or {"conditions": [...]}'
)


def _tidy(schema: dict[str, Any]) -> None:
    """Trim the schema the model reads: no titles, and optional fields shown by their own type."""
    schema.pop("title", None)
    schema.pop("additionalProperties", None)  # unknown keys are still refused, in one sentence
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        if prop.get("default", 0) is None:
            del prop["default"]
        options = prop.get("anyOf")
        if options and {"type": "null"} in options:
            kept = [o for o in options if o != {"type": "null"}]
            del prop["anyOf"]
            if len(kept) == 1:
                prop.update(kept[0])
            else:
                prop["anyOf"] = kept


class _Part(BaseModel):
    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, coerce_numbers_to_str=True, json_schema_extra=_tidy
    )


class Condition(_Part):
    attr: Attr
    ope: Operator
    value: str | list[str] | None = Field(
        default=None, description='A string ("50" euros, "now-30d"); a list for any_of/none_of/all_of.'
    )
    from_: str | None = Field(default=None, alias="from", description="range bounds, with to.")
    to: str | None = None
    form_id: Id | None = Field(default=None, description="form/custom_fields only, with form_ref_ids (get_forms).")
    form_ref_ids: list[Id] | None = None


class Group(_Part):
    match: Match = Field(default="all", description="all = AND, at_least_one = OR.")
    conditions: list[Condition]


class Query(_Part):
    match: Match = "all"
    groups: list[Group] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list, description="A flat list: one more group.")


QueryArgument = Annotated[
    Query | None,
    SkipValidation,  # read by parse_query, which explains mistakes in one sentence
]


def parse_query(raw: object) -> Query:
    """The query the model sent, in its typed form; ToolError with one sentence when it cannot be read."""
    if isinstance(raw, Query):
        return raw
    shaped = _normalized(raw)
    try:
        query = Query.model_validate(shaped)
    except ValidationError as error:
        raise ToolError(_sentence(error, shaped)) from None
    for index, group in enumerate(query.groups):
        if not group.conditions:
            raise ToolError(f"query.groups[{index}] has no conditions; add conditions or remove the group.")
    return query


def iter_conditions(query: Query) -> list[tuple[str, Condition]]:
    """Every condition with where it sits, as `query.groups[0].conditions[1]`."""
    located = [(f"query.conditions[{i}]", c) for i, c in enumerate(query.conditions)]
    for g, group in enumerate(query.groups):
        located += [(f"query.groups[{g}].conditions[{i}]", c) for i, c in enumerate(group.conditions)]
    return located


def with_condition(query: Query, condition: Condition) -> Query:
    """`query` AND `condition`, still two levels deep."""
    joined = conjoined(query, Query(conditions=[condition]))
    if joined is None:
        raise ToolError(
            "updated_since cannot be added to a query whose groups are OR-ed together unless each group "
            "is an all group; add an UpdatedAt gte condition to each group instead."
        )
    return joined


def conjoined(query: Query, other: Query) -> Query | None:
    """`query` AND `other`, still two levels deep; None when two levels cannot say it.

    Groups ANDed together stay groups of an all query. An OR of groups takes the other
    side's conditions into each of its groups, which works only when every one of its
    groups is an all group and the other side is one flat AND of conditions."""
    mine, theirs = _groups(query), _groups(other)
    if not mine or not theirs:
        return other if not mine else query
    if _is_and(query) and _is_and(other):
        return Query(match="all", groups=[*mine, *theirs])
    if not _is_and(query) and not _is_and(other):
        return None
    ors, ands = (mine, theirs) if not _is_and(query) else (theirs, mine)
    if not all(g.match == "all" for g in [*ors, *ands]):
        return None
    flat = [c for g in ands for c in g.conditions]
    return Query(match="at_least_one", groups=[Group(match="all", conditions=[*g.conditions, *flat]) for g in ors])


def _groups(query: Query) -> list[Group]:
    loose = [Group(match=query.match, conditions=query.conditions)] if query.conditions else []
    return [*query.groups, *loose]


def _is_and(query: Query) -> bool:
    return query.match == "all" or len(_groups(query)) <= 1


def to_qomon(query: Query | None) -> dict[str, Any]:
    """Qomon's JSON for `query`: `{"$all": [{"$all": [{"$condition": {...}}]}]}`; None matches everyone."""
    if query is None:
        return {"$all": []}
    groups = [*query.groups]
    if query.conditions:
        groups.append(Group(match=query.match, conditions=query.conditions))
    return {
        _key(query.match): [
            {_key(g.match): [{"$condition": c.model_dump(by_alias=True, exclude_none=True)} for c in g.conditions]}
            for g in groups
        ]
    }


def _key(match: str) -> str:
    return "$all" if match == "all" else "$at_least_one"


# Reading the raw argument


def _normalized(raw: object) -> Any:
    """Rewrite the accepted shorthands into the typed shape; other mistakes are left to validation."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ToolError(f"query must be a JSON object, not text; {_SHAPE}.") from None
    if isinstance(raw, list):
        return {"conditions": [_condition(c, f"query.conditions[{i}]") for i, c in enumerate(raw)]}
    if not isinstance(raw, dict):
        raise ToolError(f"query must be an object; {_SHAPE}.")
    if _native_key(raw):
        return _native_root(raw)
    shaped = dict(raw)
    if isinstance(shaped.get("groups"), list):
        shaped["groups"] = [_group(g, f"query.groups[{i}]") for i, g in enumerate(shaped["groups"])]
    if isinstance(shaped.get("conditions"), list):
        shaped["conditions"] = [_condition(c, f"query.conditions[{i}]") for i, c in enumerate(shaped["conditions"])]
    return shaped


def _native_key(node: object) -> str | None:
    if isinstance(node, dict) and len(node) == 1 and next(iter(node)) in _GROUP_KEYS:
        return next(iter(node))
    return None


def _native_root(raw: dict[str, Any]) -> dict[str, Any]:
    key = next(iter(raw))
    items = raw[key]
    if not isinstance(items, list):
        raise ToolError(f"query.{key} must be a list of groups; {_SHAPE}.")
    groups, conditions = [], []
    for index, item in enumerate(items):
        where = f"query.{key}[{index}]"
        if _is_condition(item):
            conditions.append(_condition(item, where))
        else:
            groups.append(_group(item, where))
    return {"match": _GROUP_KEYS[key], "groups": groups, "conditions": conditions}


def _group(node: object, where: str) -> object:
    if _is_condition(node):
        raise ToolError(
            f"{where} is a condition, but groups holds groups such as "
            '{"match": "all", "conditions": [...]}; put lone conditions in the top-level conditions list.'
        )
    key = _native_key(node)
    if key is not None:
        assert isinstance(node, dict)
        node = {"match": _GROUP_KEYS[key], "conditions": node[key]}
    if isinstance(node, dict) and isinstance(node.get("conditions"), list):
        node = {
            **node,
            "conditions": [_condition(c, f"{where}.conditions[{i}]") for i, c in enumerate(node["conditions"])],
        }
    return node


def _is_condition(node: object) -> bool:
    return isinstance(node, dict) and ("$condition" in node or "attr" in node)


def _condition(node: object, where: str) -> object:
    if isinstance(node, dict) and set(node) == {"$condition"}:
        node = node["$condition"]
    if _native_key(node) or (isinstance(node, dict) and ("conditions" in node or "groups" in node)):
        raise ToolError(
            f"{where} is a group, but queries nest only two levels (groups of conditions); "
            "move its conditions into a group of their own under groups."
        )
    if isinstance(node, dict):
        # Booleans are words in the search language ("true"), as amounts and counts are strings.
        node = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in node.items()}
    return node


def _sentence(error: ValidationError, shaped: Any) -> str:
    """The first validation problem, in one sentence that says what to send instead."""
    problem = error.errors()[0]
    # Union members show up in the location ("value.str"); only field names and positions help the model.
    *path, last = problem["loc"] or ("query",)
    loc = tuple(p for p in path if isinstance(p, int) or p in _FIELD_NAMES)
    if problem["type"] in ("extra_forbidden", "missing") or last in _FIELD_NAMES or isinstance(last, int):
        loc += (last,)
    where = "query" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
    kind, given, field = problem["type"], problem.get("input"), loc[-1] if loc else None
    parent = where.rsplit(".", 1)[0] if loc else "query"
    if kind == "literal_error" and field == "attr":
        close = difflib.get_close_matches(str(given), list(ATTRIBUTES), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else "choose one from the attr enum of the schema."
        return f"{where}: {quoted(given)} is not a search attribute; {hint}"
    if kind == "literal_error" and field == "ope":
        attr = _at(shaped, loc[:-1]).get("attr")
        allowed = ATTRIBUTES[attr].operators if attr in ATTRIBUTES else tuple(OPERATORS)
        subject = f"{attr} accepts" if attr in ATTRIBUTES else "operators are"
        return f"{where}: {quoted(given)} is not an operator here; {subject}: {', '.join(allowed)}."
    if kind == "literal_error" and field == "match":
        return f'{where} must be "all" (AND) or "at_least_one" (OR), not {quoted(given)}.'
    if kind == "extra_forbidden":
        return f"{parent} has an unknown key {quoted(field)}; {_KEYS_HINT.get(_level(loc), _SHAPE)}."
    if kind == "missing":
        return f"{parent} is missing {quoted(field)}; {_KEYS_HINT.get(_level(loc), _SHAPE)}."
    return f"{where}: {problem['msg'].rstrip('.')}; {_SHAPE}."


_FIELD_NAMES = frozenset({"from"} | set(Condition.model_fields) | set(Group.model_fields) | set(Query.model_fields))
_KEYS_HINT = {
    "condition": "a condition has attr, ope, value, from, to, form_id and form_ref_ids",
    "group": "a group has match and conditions",
    "query": "a query has match, groups and conditions",
}


def _level(loc: tuple[Any, ...]) -> str:
    names = [p for p in loc[:-1] if isinstance(p, str)]
    if names and names[-1] == "conditions":
        return "condition"
    if names and names[-1] == "groups":
        return "group"
    return "query"


def _at(node: Any, loc: tuple[Any, ...]) -> dict[str, Any]:
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return {}
    return node if isinstance(node, dict) else {}
