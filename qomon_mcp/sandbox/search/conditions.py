"""One search condition, compiled into a test over a contact.

A condition is validated once, when compiled, so a bad query fails whole even
on an empty space. Matching follows the attribute reference:

- Contact and address fields are read from the contact's read shape. A negative
  operator (not_eql, not_start_with, none_of...) is the negation of its positive
  counterpart, so a contact without the field matches `not_eql`; on a list field
  (tags.name, action_ids) `eql` means "one of them" and `not_eql` "none of them".
- Financial, email and sanction fields match a contact with at least one record
  that matches, as the docs say. A negative operator is therefore "at least one
  record that does not match", and a contact without records matches neither
  `ext` nor `not_ext` (the docs say so for emails; the same rule is applied to
  every per-record family). Such a condition is a test over one record, so
  that an `$all` group can ask for one record meeting all its conditions on that
  family (see search.py).
  `sum_amount` and `count_amount` are per contact: without records they are 0,
  so `count_amount eql "0"` finds the contacts who have none.
- Transactions belong to their payer and skip those whose status is of kind
  `cancel` ("the transaction will be ignored"); donations and memberships belong
  to their beneficiary, and their `transaction_date` is the date of the first
  transaction of their bundle.
- Attributes known from the reference only (shapes file, "Types and rules"):
  `CreatedAt` reads the contact's creation date, `nationbuilderid` the
  NationBuilder ids the space knows for the contact, `address.state`,
  `address.county` and `address.building_type` the address; `petitions.base_id`
  and `onlineforms.base_id` are per-record families the demo space holds no
  records of, so they match nothing (but are not refused). `period` and
  `birthday` are read in periods.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qomon_mcp.sandbox.search.forms import compile_form_condition
from qomon_mcp.sandbox.search.index import cached_index
from qomon_mcp.sandbox.search.periods import birthday_test, period_date_test
from qomon_mcp.sandbox.search.values import (
    QueryError,
    date_test,
    number_test,
    read_amount,
    read_count,
    read_date,
    read_list,
    read_number,
    read_scalar,
    read_year,
    stored_instant,
    stored_number,
)
from qomon_mcp.sandbox.space import Space
from qomon_mcp.spec.search_attributes import (
    ATTRIBUTES,
    FORM_ATTRIBUTES,
    LIST_OPERATORS,
    NO_VALUE_OPERATORS,
    Attribute,
)

__all__ = ["Condition", "Context", "Predicate", "compile_condition"]

Record = dict[str, Any]

_NEGATIONS = {
    "not_eql": "eql",
    "not_eql:strictdata": "eql:strictdata",
    "not_start_with": "start_with",
    "not_contains": "contains",
    "none_of": "any_of",
}
_CONDITION_KEYS = frozenset({"attr", "ope", "value", "from", "to"})
_CONTACT_KEYS = {"age_cat": "age_category", "action_ids": "actions_ids"}
_PER_RECORD = ("transactions", "donations", "memberships", "emails", "sanctions", "petitions", "onlineforms")


@dataclass
class Context:
    """What one search needs besides the contacts, gathered once per search."""

    now: datetime
    # family -> contact id -> records, each family keyed by its owner (payer or beneficiary).
    records: dict[str, dict[int, list[Record]]]
    # contact id -> the NationBuilder ids the space knows for it.
    nationbuilder_ids: dict[int, list[str]]

    @classmethod
    def build(cls, space: Space, now: datetime) -> Context:
        # The records do not depend on `now`: gathered once, until the space changes (search_index.py).
        records, nationbuilder = cached_index(space, _gather_records)
        return cls(now, records, nationbuilder)

    def records_of(self, family: str, contact: Record) -> list[Record]:
        contact_id = contact.get("id")
        return self.records[family].get(contact_id, []) if contact_id is not None else []

    def nationbuilder_of(self, contact: Record) -> list[str]:
        contact_id = contact.get("id")
        return self.nationbuilder_ids.get(contact_id, []) if contact_id is not None else []


def _gather_records(space: Space) -> tuple[dict[str, dict[int, list[Record]]], dict[int, list[str]]]:
    cancelled = {s.get("id") for s in space.transaction_statuses if s.get("kind") == "cancel"}
    by_family: dict[str, dict[int, list[Record]]] = {
        name: defaultdict(list) for name in ("transactions", "donations", "memberships")
    }
    for bundle in space.bundles.values():
        transactions = bundle.get("transactions") or []
        first_date = transactions[0].get("date") if transactions else None
        for item in transactions:
            if item.get("status_id") not in cancelled:
                by_family["transactions"][item.get("contact_id")].append(item)
        for name in ("donations", "memberships"):
            for item in bundle.get(name) or []:
                by_family[name][item.get("contact_id")].append({**item, "transaction_date": first_date})
    by_family["emails"] = space.emails
    by_family["sanctions"] = space.sanctions
    # Petition signatures and online form entries: searchable per the reference, absent from the space.
    by_family["petitions"] = {}
    by_family["onlineforms"] = {}
    nationbuilder: dict[int, list[str]] = defaultdict(list)
    for nb_id, contact_id in space.nationbuilder_ids.items():
        nationbuilder[contact_id].append(nb_id)
    return by_family, nationbuilder


Predicate = Callable[[Record, Context], bool]


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled condition: a test over the contact, or over each record of one family."""

    test: Predicate
    # The per-record family whose records `test` looks at one by one; None when it looks at the contact.
    family: str | None = None

    def matches(self, contact: Record, context: Context) -> bool:
        if self.family is None:
            return self.test(contact, context)
        return any(self.test(record, context) for record in context.records_of(self.family, contact))


def compile_condition(condition: Any, now: datetime) -> Condition:
    if not isinstance(condition, dict):
        raise QueryError(f"a $condition must be an object, got {condition!r}")
    attr = condition.get("attr")
    # Docs' "Attribute reference", plus the reference's extras (shapes file, "Types and rules").
    if not isinstance(attr, str) or attr not in ATTRIBUTES:
        raise QueryError(f"unknown search attribute {attr!r}; see the attribute reference of the search docs")
    attribute = ATTRIBUTES[attr]
    ope = condition.get("ope")
    if ope not in attribute.operators:
        allowed = ", ".join(attribute.operators)
        raise QueryError(f"condition on '{attr}' does not accept operator {ope!r}; allowed: {allowed}")
    if attr in FORM_ATTRIBUTES:
        return Condition(compile_form_condition(condition, now))
    unknown = sorted(set(condition) - _CONDITION_KEYS)
    # Shapes file, "Search": a condition is {attr, ope, value?, from?, to?}.
    if unknown:
        raise QueryError(f"condition on '{attr}' has unknown keys: {', '.join(unknown)}")
    family, key = attribute.family, attr.split(".", 1)[-1]
    if family in _PER_RECORD and key in ("sum_amount", "count_amount", "multiple_in_period"):
        return Condition(_aggregate(attribute, condition, now))
    read = _reader(attribute)
    if attr == "sanctions.validity":
        ongoing = _read_validity(condition) == "ongoing"
        return Condition(lambda record, ctx: _sanction_state(read(record), ctx.now, ongoing), family)
    matches = _field_test(attribute, ope, condition, now)
    if attr == "nationbuilderid":
        return Condition(lambda contact, ctx: matches(ctx.nationbuilder_of(contact)))
    return Condition(lambda item, ctx: matches(read(item)), family if family in _PER_RECORD else None)


def _aggregate(attribute: Attribute, condition: Record, now: datetime) -> Predicate:
    """Per-contact figures over all of a contact's records of one family."""
    family, key = attribute.family, attribute.name.split(".", 1)[1]
    if key == "multiple_in_period":
        year = read_year(attribute.name, _required(condition, attribute.name, "value"))
        return lambda contact, ctx: sum(_active_in(_years(m), year) for m in ctx.records_of(family, contact)) > 1
    matches = _field_test(attribute, condition["ope"], condition, now)
    if key == "sum_amount":
        return lambda contact, ctx: matches(sum(_cents(r) for r in ctx.records_of(family, contact)))
    return lambda contact, ctx: matches(len(ctx.records_of(family, contact)))


def _required(condition: Record, attr: str, key: str) -> Any:
    value = condition.get(key)
    if value is None:
        if key == "value":
            raise QueryError(f"condition on '{attr}' with operator '{condition['ope']}' needs a value")
        raise QueryError(f"condition on '{attr}' with operator 'range' needs both 'from' and 'to'")
    return value


def _field_test(attribute: Attribute, ope: str, condition: Record, now: datetime) -> Callable[[Any], bool]:
    """A test over one field value (a scalar, or a list for tags, action ids and clicked urls)."""
    if ope in NO_VALUE_OPERATORS:
        # A value sent along with ext / not_ext is ignored, as the docs give these no value.
        return _present if ope == "ext" else lambda value: not _present(value)
    positive = _NEGATIONS.get(ope, ope)
    if positive == "all_of":
        wanted = [w.casefold() for w in read_list(attribute.name, _required(condition, attribute.name, "value"))]

        def test(value: Any) -> bool:
            texts = {_text(e) for e in _elements(value)}
            return all(w in texts for w in wanted)

    else:
        element_test = _element_test(attribute, positive, condition, now)

        def test(value: Any) -> bool:
            return any(element_test(e) for e in _elements(value))

    if positive != ope:
        return lambda value: not test(value)
    return test


def _element_test(attribute: Attribute, ope: str, condition: Record, now: datetime) -> Callable[[Any], bool]:
    attr, kind = attribute.name, attribute.kind
    if kind == "birthday":
        return birthday_test(ope, condition, now)
    if ope == "period":
        within = period_date_test(attr, condition, now)
        return lambda e: (moment := stored_instant(e)) is not None and within(moment)
    if ope == "range":
        raw: tuple[Any, ...] = (_required(condition, attr, "from"), _required(condition, attr, "to"))
    elif ope in LIST_OPERATORS:
        wanted = {w.casefold() for w in read_list(attr, _required(condition, attr, "value"))}
        return lambda e: _text(e) in wanted
    else:
        raw = (_required(condition, attr, "value"),)

    if kind == "date":
        spans = tuple(read_date(attr, v, now) for v in raw)
        compare_date = date_test(ope, spans)
        return lambda e: (moment := stored_instant(e)) is not None and compare_date(moment)
    if kind == "year":
        return _period_test(ope, tuple(read_year(attr, v) for v in raw))
    if kind in ("amount", "count", "number", "age_cat"):
        bounds = tuple(_read_ordered(attr, kind, v) for v in raw)
        compare_number = number_test(ope, bounds)
        return lambda e: (number := stored_number(e)) is not None and compare_number(number)

    (value,) = raw
    if kind == "bool":
        wanted_bool = _read_bool(attr, value)
        return lambda e: _stored_bool(e) is wanted_bool
    text = read_scalar(attr, value)
    # Docs' attribute table: gender is M, F or O.
    if kind == "gender" and text.upper() not in ("M", "F", "O"):
        raise QueryError(f"condition on '{attr}': value must be M, F or O, got {value!r}")
    if ope == "eql:strictdata":
        return lambda e: isinstance(e, str | int) and str(e) == text
    if kind == "id":
        return lambda e: e is not None and str(e).strip() == text.strip()
    folded = text.casefold()
    if ope == "start_with":
        return lambda e: _text(e).startswith(folded)
    if ope == "contains":
        return lambda e: folded in _text(e)
    return lambda e: _text(e) == folded


def _read_ordered(attr: str, kind: str, value: Any) -> Any:
    if kind == "amount":
        return read_amount(attr, value)
    if kind == "count":
        return read_count(attr, value)
    number = read_number(attr, value)
    # Docs' attribute table: age categories 0-6.
    if kind == "age_cat" and not (0 <= number <= 6 and number == number.to_integral_value()):
        raise QueryError(f"condition on '{attr}': age categories are 0 to 6, got {value!r}")
    return number


def _period_test(ope: str, years: tuple[int, ...]) -> Callable[[Any], bool]:
    """memberships.period: a membership is active in every year from its start year to its end year."""
    if ope == "range":
        low, high = years
        return lambda span: span is not None and span[0] <= high and span[1] >= low
    (year,) = years
    if ope == "lte":
        return lambda span: span is not None and span[0] <= year
    if ope == "gte":
        return lambda span: span is not None and span[1] >= year
    return lambda span: _active_in(span, year)


def _active_in(span: tuple[int, int] | None, year: int) -> bool:
    return span is not None and span[0] <= year <= span[1]


def _read_validity(condition: Record) -> str:
    value = condition.get("value")
    # Docs, "Sanctions fields": validity is "ongoing" or "ended".
    if value not in ("ongoing", "ended"):
        raise QueryError(f"condition on 'sanctions.validity': value must be 'ongoing' or 'ended', got {value!r}")
    return value


def _sanction_state(dates: tuple[datetime | None, datetime | None], now: datetime, ongoing: bool) -> bool:
    """Ongoing: started and not yet ended; ended: the end date is past. A future sanction is neither."""
    start, end = dates
    if ongoing:
        return start is not None and start <= now and (end is None or end >= now)
    return end is not None and end < now


def _read_bool(attr: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise QueryError(f'condition on \'{attr}\': value must be "true" or "false", got {value!r}')


def _stored_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list):
        return any(_present(item) for item in value)
    return value != {}


def _elements(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [item for item in value if item is not None]
    return [] if value is None else [value]


def _text(value: Any) -> str:
    return str(value).casefold() if isinstance(value, str | int | float) else ""


def _reader(attribute: Attribute) -> Callable[[Record], Any]:
    """Reads the field of a condition from a contact, or from one record of a per-record family."""
    name, family = attribute.name, attribute.family
    key = name.split(".", 1)[-1]
    if family == "contact":
        if name == "tags.name":
            return lambda contact: [tag.get("name") for tag in contact.get("tags") or []]
        if name == "birthday":
            return lambda contact: contact.get("birthdate")
        key = _CONTACT_KEYS.get(name, name)
        return lambda contact: contact.get(key)
    if family == "address":
        return lambda contact: (contact.get("address") or {}).get(key)
    if name == "memberships.period":
        return _years
    if name == "sanctions.validity":
        return lambda record: (
            stored_instant(record.get("start_date")),
            stored_instant(record.get("end_date")),
        )
    return lambda record: record.get(key)


def _cents(record: Record) -> int:
    amount = record.get("amount")
    return amount if isinstance(amount, int) and not isinstance(amount, bool) else 0


def _years(membership: Record) -> tuple[int, int] | None:
    start, end = stored_instant(membership.get("start_date")), stored_instant(membership.get("end_date"))
    return None if start is None or end is None else (start.year, end.year)
