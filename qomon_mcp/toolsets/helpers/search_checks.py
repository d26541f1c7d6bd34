"""Checks on a search query's values, made before anything is sent to Qomon.

Qomon answers a malformed condition with a bare 422, and a few mistakes it does
not refuse at all (an amount of "fifty", a form value id from another form): it
then quietly matches nobody. Each condition is checked here against the
attribute reference (operators, value kinds) and the space's forms, and refused
with one sentence naming what it accepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mcp.server.mcpserver.exceptions import ToolError

from qomon_mcp.qomon.models import Form, RefValue
from qomon_mcp.server.quoting import quoted, shortened
from qomon_mcp.spec.datemath import is_valid_date_value
from qomon_mcp.spec.search_attributes import ATTRIBUTES, FORM_ATTRIBUTES, LIST_OPERATORS, NO_VALUE_OPERATORS
from qomon_mcp.toolsets.helpers.forms_directory import FormsDirectory
from qomon_mcp.toolsets.helpers.search_query import Condition, Query, iter_conditions

__all__ = ["check_date", "checked_query", "needs_forms"]

# Long choice lists would crowd the error; get_forms lists everything.
_MAX_CHOICES = 12
_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
_DATE_HINT = "use ISO-8601 (2024-05-01, 2024-05-01T10:00:00Z) or date math (now, now-30d, now-1d/d, now+1y)"


class _Refused(ValueError):
    """What is wrong with one condition; the caller adds where it sits."""


def needs_forms(query: Query | None) -> bool:
    return query is not None and any(c.attr in FORM_ATTRIBUTES for _, c in iter_conditions(query))


def checked_query(query: Query, forms: FormsDirectory | None) -> Query:
    """`query` with every value checked and normalized ("m" -> "M"); ToolError on the first mistake."""
    checked: dict[int, Condition] = {}
    for where, condition in iter_conditions(query):
        try:
            checked[id(condition)] = _checked(condition, forms)
        except _Refused as refused:
            raise ToolError(f"{where} ({condition.attr} {condition.ope}): {refused}.") from None

    return query.model_copy(
        update={
            "conditions": [checked[id(c)] for c in query.conditions],
            "groups": [
                g.model_copy(update={"conditions": [checked[id(c)] for c in g.conditions]}) for g in query.groups
            ],
        }
    )


def check_date(name: str, value: str) -> str:
    if not is_valid_date_value(value):
        raise ToolError(f"{name} {quoted(value)} is not a date; {_DATE_HINT}.")
    return value.strip()


def _checked(condition: Condition, forms: FormsDirectory | None) -> Condition:
    attribute = ATTRIBUTES[condition.attr]
    attr, ope = condition.attr, condition.ope
    if ope not in attribute.operators:
        raise _Refused(f"{attr} does not accept {ope}; use one of: {', '.join(attribute.operators)}")
    is_form = attr in FORM_ATTRIBUTES
    if not is_form and (condition.form_id is not None or condition.form_ref_ids is not None):
        raise _Refused("form_id and form_ref_ids belong only to form and custom_fields conditions; remove them")
    update: dict[str, object] = {}
    if is_form:
        update |= _form_fields(condition, forms)
    check = _VALUE_CHECKS.get(attribute.kind, _text)
    if ope in NO_VALUE_OPERATORS:
        # ext / not_ext take no value: one sent along is dropped rather than refused.
        update |= {"value": None, "from_": None, "to": None}
    elif ope == "range" or (ope == "period" and (condition.from_ is not None or condition.to is not None)):
        if condition.from_ is None or condition.to is None:
            raise _Refused(f'{ope} needs both from and to, such as "from": "2024-01-01", "to": "2024-12-31"')
        update |= {"value": None, "from_": check(condition.from_), "to": check(condition.to)}
    elif ope == "period" and condition.value is None:
        raise _Refused('period needs a value naming the period, such as "now/M" or "2024-05-01", or from and to')
    elif ope in LIST_OPERATORS:
        if not isinstance(condition.value, list) or not condition.value:
            raise _Refused(f'{ope} takes a list of values, such as ["volunteer", "donor"]')
        update["value"] = [check(v) for v in condition.value]
    elif isinstance(condition.value, list):
        several = (
            "use any_of" if "any_of" in attribute.operators else "use one condition per value in an at_least_one group"
        )
        raise _Refused(f"{ope} takes one value, not a list; for several values {several}")
    elif condition.value is None:
        if not (is_form and ope in ("eql", "not_eql")):
            raise _Refused(f"{ope} needs a value")
    else:
        update["value"] = check(condition.value)
    return condition.model_copy(update=update)


# Values, by the kind of value the attribute reference gives each attribute


def _text(value: str) -> str:
    if not value.strip():
        raise _Refused("the value is empty")
    return value


def _date(value: str) -> str:
    if not is_valid_date_value(value):
        raise _Refused(f"{quoted(value)} is not a date; {_DATE_HINT}")
    return value.strip()


def _amount(value: str) -> str:
    if not _DECIMAL.fullmatch(value.strip()):
        raise _Refused(f'{quoted(value)} is not an amount; give euros as a string such as "50" or "12.5"')
    return value.strip()


def _count(value: str) -> str:
    if not value.strip().isdigit():
        raise _Refused(f'{quoted(value)} is not a count; give a whole number as a string such as "3"')
    return value.strip()


def _number(value: str) -> str:
    if not _DECIMAL.fullmatch(value.strip()):
        raise _Refused(f'{quoted(value)} is not a number; give one as a string such as "75"')
    return value.strip()


def _record_id(value: str) -> str:
    if not value.strip().isdigit():
        raise _Refused(f'{quoted(value)} is not an id; ids are whole numbers such as "42"')
    return value.strip()


def _choice(*choices: str, fold: Callable[[str], str] = str.lower) -> Callable[[str], str]:
    def check(value: str) -> str:
        normalized = fold(value.strip())
        if normalized not in choices:
            raise _Refused(f"{quoted(value)} is not accepted; use one of: {', '.join(choices)}")
        return normalized

    return check


def _birthday(value: str) -> str:
    if value.strip().lower() == "today":
        return "today"
    if not is_valid_date_value(value):
        raise _Refused(
            f'{quoted(value)} is not a day; use "today" or a date such as 2024-05-01 (its day and month count)'
        )
    return value.strip()


def _year(value: str) -> str:
    text = value.strip()
    if not (len(text) == 4 and text.isdigit()):
        raise _Refused(f'{quoted(value)} is not a year; give one such as "2024"')
    return text


_VALUE_CHECKS: dict[str, Callable[[str], str]] = {
    "date": _date,
    "amount": _amount,
    "count": _count,
    "number": _number,
    "id": _record_id,
    "bool": _choice("true", "false"),
    "gender": _choice("M", "F", "O", fold=str.upper),
    "age_cat": _choice(*"0123456"),
    "year": _year,
    "validity": _choice("ongoing", "ended"),
    "birthday": _birthday,
}


# Form answers: the form and its values must exist in the space, in the right category


def _form_fields(condition: Condition, forms: FormsDirectory | None) -> dict[str, object]:
    if forms is None:  # pragma: no cover - the tools load forms whenever a query has form conditions
        return {}
    custom = condition.attr == "custom_fields"
    wanted = "a custom field" if custom else "a consent, survey, support, presence or task form"
    choices = [f for key, f in forms.forms.items() if (forms.form_types[key] == "custom_fields") is custom]
    if condition.form_id is None:
        raise _Refused(f"needs form_id, the id of {wanted}; choose among: {_forms_list(choices)}")
    form = forms.forms.get(str(condition.form_id))
    if form is None:
        raise _Refused(f"this space has no form {condition.form_id}; choose among: {_forms_list(choices)}")
    if (forms.form_types[str(form.id)] == "custom_fields") is not custom:
        other = "form" if custom else "custom_fields"
        category = forms.form_types[str(form.id)].replace("_", " ")
        raise _Refused(f"form {form.id} ({form.label}) is a {category} form: use attr {other} for it")
    if condition.ope in NO_VALUE_OPERATORS:
        return {"form_ref_ids": None}  # ext / not_ext only look at whether the form was answered
    known = {str(r.id): r for r in form.refvalues}
    refs = condition.form_ref_ids
    if not refs:
        if len(known) == 1:
            return {"form_ref_ids": [int(form.refvalues[0].id or 0)]}
        raise _Refused(f"needs form_ref_ids, the ids of the answers to match; {_values_list(form)}")
    unknown = [r for r in refs if str(r) not in known]
    if unknown:
        raise _Refused(f"form {form.id} ({form.label}) has no value {shortened(unknown[0])}; {_values_list(form)}")
    return {}


def _forms_list(forms: list[Form]) -> str:
    shown = ", ".join(f"{f.id} {f.label}" for f in forms[:_MAX_CHOICES])
    return shown + (", ... (get_forms lists them all)" if len(forms) > _MAX_CHOICES else "")


def _values_list(form: Form) -> str:
    def one(ref: RefValue) -> str:
        return f"{ref.id} {ref.label}" + (f" ({ref.value})" if ref.value and ref.value != ref.label else "")

    shown = ", ".join(one(r) for r in form.refvalues[:_MAX_CHOICES])
    more = ", ... (get_forms lists them all)" if len(form.refvalues) > _MAX_CHOICES else ""
    return f"its values are: {shown}{more}"
