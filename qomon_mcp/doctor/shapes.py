"""Where an answer's JSON differs from what the client's models expect: field path, expected, seen.

The client's models are lenient on purpose (a field of an unknown shape is set
aside, never an error), so validating through them cannot show drift. This
module walks a model's declared fields itself, in parallel with the raw JSON,
and reports every value that none of the field's declared shapes accepts.
Field-level `BeforeValidator`s run first, as they do in the client (tags given
as names, members given as ids, numbers read as text), so what the client reads
on purpose is not reported. Only types are ever reported, never values: answers
carry people's data.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, ForwardRef, Literal, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, GetPydanticSchema, PlainValidator, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

__all__ = ["Mismatch", "json_type", "mismatches"]

# Deep enough for any Qomon answer (contact > formdatas[] > data ...); a guard, not a limit that matters.
_MAX_DEPTH = 12


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One value whose shape the client does not expect. `path` has `[]` for "an item of this list"."""

    path: str
    expected: str
    seen: str


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type: object, list, string, integer, number, boolean, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def mismatches(model: type[BaseModel], value: Any, path: str) -> list[Mismatch]:
    """Every place in `value` (one record as Qomon sent it) that `model` does not expect."""
    return _check(model, value, path, 0)


def _check(annotation: Any, value: Any, path: str, depth: int) -> list[Mismatch]:
    if depth > _MAX_DEPTH or annotation is Any or annotation is object:
        return []
    annotation = _resolve(annotation)
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        for item in metadata:
            if isinstance(item, PlainValidator):
                return []  # a custom reader: whatever it takes is expected
            if isinstance(item, GetPydanticSchema):
                # A type with its own core schema (Text reads numbers): pydantic says what it takes.
                accepted = _leaf_accepts(annotation, value)
                return [] if accepted else [Mismatch(path, describe(base), json_type(value))]
            if isinstance(item, BeforeValidator):
                try:
                    # The models' before-validators take the value alone, never pydantic's info argument.
                    value = item.func(value)  # type: ignore[call-arg]
                except (TypeError, ValueError):
                    return [Mismatch(path, describe(base), json_type(value))]
        return _check(base, value, path, depth)
    if origin in (Union, types.UnionType):
        return _check_union(annotation, value, path, depth)
    if origin in (list, tuple, set, frozenset):
        if not isinstance(value, list):
            return [Mismatch(path, describe(annotation), json_type(value))]
        (item_type, *_) = get_args(annotation) or (Any,)
        found: list[Mismatch] = []
        for item in value:
            found += _check(item_type, item, f"{path}[]", depth + 1)
        return found
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if not isinstance(value, dict):
            return [Mismatch(path, describe(annotation), json_type(value))]
        return _check_fields(annotation, value, path, depth)
    return [] if _leaf_accepts(annotation, value) else [Mismatch(path, describe(annotation), json_type(value))]


def _check_union(annotation: Any, value: Any, path: str, depth: int) -> list[Mismatch]:
    members = [m for m in get_args(annotation) if m is not type(None)]
    if value is None and len(members) < len(get_args(annotation)):
        return []
    closest: list[Mismatch] | None = None
    for member in members:
        found = _check(member, value, path, depth)
        if not found:
            return []
        # A member of the value's own kind (a list for a list, a model for an object) says more
        # than "expected A or B": its nested mismatches point at the field inside.
        if closest is None and _same_kind(member, value):
            closest = found
    return closest if closest is not None else [Mismatch(path, describe(annotation), json_type(value))]


def _check_fields(model: type[BaseModel], value: dict[str, Any], path: str, depth: int) -> list[Mismatch]:
    found: list[Mismatch] = []
    for name, info in model.model_fields.items():
        key = next((k for k in _spellings(name, info) if k in value), None)
        if key is None:
            continue  # every field is optional; a missing one is not a shape difference
        annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        found += _check(annotation, value[key], f"{path}.{key}" if path else key, depth + 1)
    return found


def _spellings(name: str, info: FieldInfo) -> list[str]:
    spellings = [name]
    if info.alias:
        spellings.insert(0, info.alias)
    choices = getattr(info.validation_alias, "choices", None)
    if choices:
        spellings += [c for c in choices if isinstance(c, str)]
    elif isinstance(info.validation_alias, str):
        spellings.append(info.validation_alias)
    return spellings


def _same_kind(annotation: Any, value: Any) -> bool:
    annotation = _resolve(annotation)
    origin = get_origin(annotation)
    if origin is Annotated:
        return _same_kind(get_args(annotation)[0], value)
    if origin in (list, tuple, set, frozenset):
        return isinstance(value, list)
    return isinstance(value, dict) and isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _resolve(annotation: Any) -> Any:
    """A forward reference ("TeamUser") resolved among the client's models; unknown names accept anything."""
    name = annotation.__forward_arg__ if isinstance(annotation, ForwardRef) else annotation
    if not isinstance(name, str):
        return annotation
    from qomon_mcp.qomon import models

    return getattr(models, name, Any)


@cache
def _adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


def _leaf_accepts(annotation: Any, value: Any) -> bool:
    """Whether the client reads `value` as `annotation` (int, str, bool, dict[str, Any], a Literal...)."""
    try:
        _adapter(annotation).validate_python(value)
    except ValidationError:
        return False
    except TypeError:  # an annotation pydantic cannot build a validator for on its own: do not guess
        return True
    return True


_NAMES = {int: "integer", float: "number", str: "string", bool: "boolean", dict: "object", type(None): "null"}


def describe(annotation: Any) -> str:
    """A short human name of a declared shape: "integer or list", "Role object or string"."""
    annotation = _resolve(annotation)
    origin = get_origin(annotation)
    if origin is Annotated:
        return describe(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        names: list[str] = []
        for member in get_args(annotation):
            if member is type(None):
                continue
            name = describe(member)
            if name not in names:
                names.append(name)
        if set(names) >= {"integer", "number"}:
            names.remove("integer")
        return " or ".join(names)
    if origin in (list, tuple, set, frozenset):
        args = get_args(annotation)
        inner = describe(args[0]) if args and args[0] is not Any else ""
        return f"list of {inner}s" if inner.endswith(" object") else f"list of {inner}" if inner else "list"
    if origin is dict:
        return "object"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"{annotation.__name__} object"
    return _NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))
