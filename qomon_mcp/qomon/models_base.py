"""The lenient base every Qomon model builds on.

Qomon's published shapes and what live spaces send do not always agree: ids
come as numbers or strings, booleans and lists come as null, new fields appear,
and a field sometimes arrives in a shape nobody documented. A model that
rejected any of that would turn a working answer into an error, so every field
is optional, lists default to empty, unknown fields are kept, and a field whose
value fits none of its documented shapes is set aside whole: the typed field
keeps its default, the value stays readable in `raw_fields`, and one DEBUG line
names where it was found (never what it held: answers carry contact data).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import CoreSchema, SchemaValidator, core_schema

__all__ = ["Amount", "Id", "ListOf", "QomonModel", "Text", "UnionText", "answer_path", "record"]

logger = logging.getLogger("qomon_mcp.qomon")

T = TypeVar("T")

# How deep the current validation is in nested Qomon models, and whether anything was set aside:
# only the outermost model logs, so that each line can name the full path of the field.
_depth: ContextVar[int] = ContextVar("qomon_model_depth", default=0)
_set_aside: ContextVar[bool] = ContextVar("qomon_model_set_aside", default=False)
# Where the outermost model sits in Qomon's answer ("ActionsAggreg[3]"), set by `transport.Answer`.
answer_path: ContextVar[str | None] = ContextVar("qomon_answer_path", default=None)
# Enough for one pass per failing field of the worst answer seen; a loop guard, not a limit that matters.
_MAX_PASSES = 8


def _none_to_empty(value: Any) -> Any:
    return [] if value is None else value


def _number_to_str(value: Any) -> Any:
    if type(value) is str:  # nearly every value, on every text field of every record read
        return value
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _str_reading_numbers(source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
    return core_schema.str_schema(coerce_numbers_to_str=True)


Text = Annotated[str, GetPydanticSchema(get_pydantic_core_schema=_str_reading_numbers)]
"""A string that also reads numbers (postal codes, phone numbers and labels sometimes come as numbers).

pydantic-core's own coercion (str() of ints and floats, never of bools), with no Python call
per value: a page of 50 contacts has about 2,000 of them. It runs in lax validation only, so in
a union with a number (`float | Text`) the number would win: unions use `UnionText`."""

UnionText = Annotated[str, BeforeValidator(_number_to_str)]
"""`Text` for a member of a union: it turns a number into a string before the union picks a
member (`float | UnionText` reads 0 as "0", as `Text` alone does)."""

Id = int | str
"""An identifier, as sent: usually an integer, sometimes a string."""

Amount = int | float
"""A sum in cents (integers on the wire; floats tolerated)."""

ListOf = Annotated[list[T], BeforeValidator(_none_to_empty)]
"""A list that reads `null` as empty."""


class QomonModel(BaseModel):
    # Built on first use, not at import: a server's first tools/list needs none of these models
    # (tool schemas are the views'), and building some sixty of them was a fifth of its wait.
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)

    @property
    def raw_fields(self) -> dict[str, Any]:
        """Values Qomon sent in a shape this model does not know, by their key in the answer
        (`"goal_forms"`, or `"tags[2]"` for one item of a list); the typed field kept its default."""
        # Kept in the instance's __dict__ (outside the fields: not dumped, not compared) rather than
        # as a pydantic private attribute, which costs every model built a post-init call: a fifth
        # of reading a search page, for something few answers ever set.
        return self.__dict__.get(_RAW_FIELDS, {})

    @classmethod
    def model_validate(cls, obj: Any, **options: Any) -> Self:
        # Most answers are well formed: read them first without the validator below on every
        # nested model (a Python call each, which doubled the cost of reading an answer), and
        # set fields aside only when that fails.
        if not options:
            try:
                return _plain_validator(cls).validate_python(obj)
            except ValidationError:
                pass
        return super().model_validate(obj, **options)

    @model_validator(mode="wrap")
    @classmethod
    def _set_aside_unreadable_fields(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        depth = _depth.get()
        depth_token = _depth.set(depth + 1)
        aside_token = _set_aside.set(False) if depth == 0 else None
        try:
            model, raw = _validate_setting_aside(cls, data, handler)
            if raw:
                model.__dict__[_RAW_FIELDS] = {**model.raw_fields, **raw}
                _set_aside.set(True)
            if depth == 0 and _set_aside.get():
                _log_set_aside(model, answer_path.get() or cls.__name__)
            return model
        finally:
            _depth.reset(depth_token)
            if aside_token is not None:
                _set_aside.reset(aside_token)


_RAW_FIELDS = "_raw_fields"

_PLAIN_VALIDATORS: dict[type[QomonModel], SchemaValidator] = {}


def _plain_validator(cls: type[QomonModel]) -> SchemaValidator:
    """`cls`'s own validator with `_set_aside_unreadable_fields` taken out at every level.

    It builds the same model instances (same classes, fields, aliases and coercions), so an
    answer it accepts reads exactly as through `model_validate`, only faster."""
    validator = _PLAIN_VALIDATORS.get(cls)
    if validator is None:
        if not cls.__pydantic_complete__:
            cls.model_rebuild()  # a deferred model's schema is built on first use
        validator = _PLAIN_VALIDATORS[cls] = SchemaValidator(_without_set_aside(cls.__pydantic_core_schema__))
    return validator


def _without_set_aside(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_set_aside(item) for item in node]
    if not isinstance(node, dict):
        return node
    function = node.get("function", {}).get("function") if node.get("type") == "function-wrap" else None
    if getattr(function, "__name__", None) == "_set_aside_unreadable_fields":
        inner = dict(_without_set_aside(node["schema"]))
        # The wrapper holds the model's definition reference; the model schema takes its place.
        inner.update({key: node[key] for key in ("ref", "metadata") if key in node})
        return inner
    return {key: _without_set_aside(value) for key, value in node.items()}


def _validate_setting_aside(
    cls: type[QomonModel], data: Any, handler: ValidatorFunctionWrapHandler
) -> tuple[Any, dict[str, Any]]:
    """`handler(data)`, retried without each field that fails; returns the model and what was set aside.

    Nested Qomon models set their own fields aside first, so the fields failing here are this
    model's own: a scalar of another type, a nested object given a non-object, or list items."""
    raw: dict[str, Any] = {}
    for _ in range(_MAX_PASSES):
        try:
            return handler(data), raw
        except ValidationError as exc:
            if not isinstance(data, dict):
                raise
            data, removed = _without_failing(cls, data, exc)
            if not removed:
                raise
            raw |= removed
    return handler(data), raw


def _keys_of(cls: type[QomonModel], key: str) -> list[str]:
    """Every spelling an answer may use for the field that `key` names (its name, alias, choices)."""
    for name, info in cls.model_fields.items():
        spellings = {name, info.alias}
        choices = getattr(info.validation_alias, "choices", None)
        spellings |= set(choices or [info.validation_alias])
        if key in spellings:
            return [s for s in spellings if isinstance(s, str)]
    return [key]


def _without_failing(cls: type[QomonModel], data: dict[str, Any], exc: ValidationError) -> tuple[dict, dict]:
    cleaned, removed = dict(data), {}
    dropped_items: dict[str, set[int]] = {}
    for error in exc.errors():
        loc = error["loc"]
        if not loc or not isinstance(loc[0], str):
            continue
        for key in _keys_of(cls, loc[0]):
            if key not in cleaned:
                continue
            value = cleaned[key]
            if isinstance(value, list) and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(value):
                dropped_items.setdefault(key, set()).add(loc[1])  # one bad item: keep the others
            else:
                removed[key] = cleaned.pop(key)
    for key, indexes in dropped_items.items():
        if key not in cleaned:
            continue
        items = cleaned[key]
        removed |= {f"{key}[{i}]": items[i] for i in sorted(indexes)}
        cleaned[key] = [item for i, item in enumerate(items) if i not in indexes]
    return cleaned, removed


def _children(model: QomonModel) -> Iterator[tuple[str, QomonModel]]:
    for name, info in type(model).model_fields.items():
        key = info.alias or name
        value = getattr(model, name, None)
        if isinstance(value, QomonModel):
            yield key, value
        elif isinstance(value, list):
            yield from ((f"{key}[{i}]", v) for i, v in enumerate(value) if isinstance(v, QomonModel))


def _log_set_aside(model: QomonModel, path: str) -> None:
    for key, value in model.raw_fields.items():
        # The path and the type only: the value may be a person's data.
        logger.debug("kept as raw data, shape not documented: %s.%s (%s)", path, key, type(value).__name__)
    for key, child in _children(model):
        _log_set_aside(child, f"{path}.{key}")


def record(model: QomonModel) -> dict[str, Any]:
    """The model as a plain dict for a view: its known fields that are set, plus what was set aside."""
    return {**model.model_dump(exclude_none=True), **model.raw_fields}
