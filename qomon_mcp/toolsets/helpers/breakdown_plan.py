"""Reading count_contacts' `breakdown` argument into parts: one query per part, each the query AND the part.

The argument takes one key: `form_id` (each value of that form is a part), `tags`,
`cities` or `postal_codes` (each item is a part), or `queries` (a label for each
sub-query, in search_contacts' language). It arrives unvalidated by the SDK, like
the query, so that every mistake is refused in one sentence before anything is sent.

Parts built from one field are exclusive conditions on it, so "in none of the parts"
is one more query: no answer to the form (`not_ext`), none of the tags (`none_of`),
every city or postal code but these (`not_eql` each; the address fields have no
`none_of`). Named sub-queries may overlap and have no such complement.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import SkipValidation, WithJsonSchema

from qomon_mcp.qomon.models import Form
from qomon_mcp.server.quoting import quoted
from qomon_mcp.toolsets.helpers.forms_directory import FormsDirectory
from qomon_mcp.toolsets.helpers.search_checks import checked_query, needs_forms
from qomon_mcp.toolsets.helpers.search_query import Condition, Query, conjoined, parse_query

__all__ = [
    "BREAKDOWN_KEYS",
    "MAX_PARTS",
    "BreakdownArgument",
    "Plan",
    "PlannedPart",
    "Request",
    "plan",
    "read_breakdown",
    "sub_queries_need_forms",
]

# A breakdown is a chart or a table to read at a glance; 50 parts also stay within half of Qomon's burst.
MAX_PARTS = 50

By = Literal["form", "tags", "cities", "postal_codes", "queries"]

BreakdownArgument = Annotated[
    Any,
    SkipValidation,  # read by read_breakdown, which explains mistakes in one sentence
    WithJsonSchema(
        {
            "type": "object",
            "description": "Split by one of form_id (its values), tags, cities, postal_codes, "
            "queries ({label: query}); max 50 parts.",
        }
    ),
]

# The argument's keys, and what each splits by (the result's `by`).
BREAKDOWN_KEYS: dict[str, By] = {
    "form_id": "form",
    "tags": "tags",
    "cities": "cities",
    "postal_codes": "postal_codes",
    "queries": "queries",
}
_SHAPE = "breakdown takes one key: form_id, tags, cities, postal_codes or queries"
_FIELD = {"tags": "tags.name", "cities": "address.city", "postal_codes": "address.postalcode"}


@dataclass(frozen=True)
class Request:
    """The argument as read: what to split by, and the items (a form id, names, or labelled raw queries)."""

    by: By
    form_id: int | None = None
    names: list[str] = field(default_factory=list)
    queries: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlannedPart:
    label: str
    query: Query | None = None  # the query AND this part, checked; None when `error` says why not
    error: str | None = None


@dataclass
class Plan:
    by: By
    parts: list[PlannedPart]
    # The query AND none of the parts, when the parts have a complement.
    rest: Query | None = None


def read_breakdown(raw: object) -> Request:
    """The argument in its typed form; ToolError with one sentence when it cannot be read."""
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ToolError(f'{_SHAPE}, such as {{"cities": ["Lyon", "Paris"]}}.')
    key, value = next(iter(raw.items()))
    if key not in BREAKDOWN_KEYS:
        raise ToolError(f"{_SHAPE}, not {quoted(key)}.")
    by = BREAKDOWN_KEYS[key]
    if by == "form":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ToolError("breakdown.form_id must be a form id, an integer that get_forms lists.")
        return Request(by, form_id=value)
    if by == "queries":
        if not isinstance(value, dict) or not value:
            raise ToolError('breakdown.queries must be an object of labelled queries, such as {"Lyon": query}.')
        if any(not label.strip() for label in value):
            raise ToolError("breakdown.queries needs a non-empty label for each query.")
        _check_size(len(value))
        return Request(by, queries=dict(value))
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ToolError(f'breakdown.{key} must be a list of non-empty names, such as ["Lyon", "Paris"].')
    # Qomon compares these fields without case: "Lyon" and "lyon" are one part, the first spelling kept.
    firsts: dict[str, str] = {}
    for name in value:
        firsts.setdefault(name.strip().casefold(), name.strip())
    names = list(firsts.values())
    _check_size(len(names))
    return Request(by, names=names)


def _check_size(parts: int) -> None:
    if parts > MAX_PARTS:
        raise ToolError(
            f"breakdown has {parts} parts, more than the {MAX_PARTS} one call counts; split it over several calls."
        )


def plan(request: Request, query: Query | None, forms: FormsDirectory | None) -> Plan:
    """One checked query per part, and the query for none of them where there is one.

    `query` is the caller's query, already checked. A part whose own query is wrong
    (a named sub-query) carries the error; the others are still counted."""
    base = query or Query()
    if request.by == "queries":
        return Plan("queries", [_named_part(label, raw, base, forms) for label, raw in request.queries.items()])
    if request.by == "form":
        assert forms is not None and request.form_id is not None
        labelled, rest = _form_conditions(request.form_id, forms)
    else:
        attr = _FIELD[request.by]
        labelled = [(name, Condition(attr=attr, ope="eql", value=name)) for name in request.names]
        if request.by == "tags":
            rest = [Condition(attr=attr, ope="none_of", value=request.names)]
        else:
            rest = [Condition(attr=attr, ope="not_eql", value=name) for name in request.names]
    parts = [PlannedPart(label, _joined(base, Query(conditions=[condition]))) for label, condition in labelled]
    return Plan(request.by, parts, _joined(base, Query(conditions=rest)))


def sub_queries_need_forms(request: Request) -> bool:
    """Whether a named sub-query has a form condition (unreadable ones do not count: they fail alone)."""
    for raw in request.queries.values():
        try:
            if needs_forms(parse_query(raw)):
                return True
        except ToolError:
            continue
    return False


def _named_part(label: str, raw: Any, base: Query, forms: FormsDirectory | None) -> PlannedPart:
    try:
        # Checked alone first, so that an error names the place in the sub-query the model wrote.
        own = checked_query(parse_query(raw), forms)
    except ToolError as error:
        return PlannedPart(label, error=f"This part's {error}")
    joined = conjoined(base, own)
    if joined is None:
        return PlannedPart(
            label,
            error="This part and the query cannot be ANDed in two levels (both OR groups together); "
            "write the part's conditions into each of the query's groups instead.",
        )
    return PlannedPart(label, joined)


def _joined(base: Query, part: Query) -> Query:
    joined = conjoined(base, part)
    if joined is None:
        raise ToolError(
            "breakdown needs a query whose OR-ed groups are all groups (match all); "
            "rewrite the query so, or count each group separately."
        )
    return joined


def _form_conditions(form_id: int, forms: FormsDirectory) -> tuple[list[tuple[str, Condition]], list[Condition]]:
    form = forms.forms.get(str(form_id))
    if form is None:
        raise ToolError(f"breakdown.form_id: this space has no form {form_id}; get_forms lists the forms' ids.")
    if forms.is_free_text(form) or not form.refvalues:
        raise ToolError(
            f"breakdown.form_id: form {form_id} ({form.label}) takes free answers, not values to count; "
            "choose a form with values (get_forms)."
        )
    if len(form.refvalues) > MAX_PARTS:
        raise ToolError(
            f"breakdown.form_id: form {form_id} has {len(form.refvalues)} values, more than the {MAX_PARTS} "
            "one call counts; use queries on groups of its values instead."
        )
    attr = "custom_fields" if forms.form_types[str(form.id)] == "custom_fields" else "form"
    labelled = [
        (label, Condition(attr=attr, ope="eql", form_id=form_id, form_ref_ids=[int(ref_id)]))
        for ref_id, label in _value_labels(form)
    ]
    return labelled, [Condition(attr=attr, ope="not_ext", form_id=form_id)]


def _value_labels(form: Form) -> list[tuple[int, str]]:
    """Each value's id and label; the code too where two values share a label."""
    labels = [(int(ref.id or 0), ref.label or ref.value or f"value {ref.id}", ref.value) for ref in form.refvalues]
    uses = Counter(label.casefold() for _, label, _ in labels)
    return [
        (ref_id, f"{label} ({code})" if uses[label.casefold()] > 1 and code and code != label else label)
        for ref_id, label, code in labels
    ]
