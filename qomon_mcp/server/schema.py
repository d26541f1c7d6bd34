"""Slim JSON schemas: every byte of `tools/list` is read by the model in every conversation.

pydantic adds a `title` to every property, and renders each optional argument as
`anyOf: [T, {"type": "null"}]` with `default: null`. Neither tells the model anything
(an argument left out is the same as null here, and results carry no null but in the
cells of a search table, which have no default and keep their null branch), so
they are dropped from both input and output schemas, as are the defaults an omitted
argument has anyway (`false`, `[]`) and JSON Schema's own `additionalProperties: true`.

Input schemas also leave out the guards the server enforces anyway and the model never
needs to plan a call: string lengths (`maxLength`, `minLength`: no one writes a 200-letter
first name), `additionalProperties: false` (an unknown key is refused with its name), and the
`minimum` of ids, offsets and pages (nobody plans a call around "ids start at 1").
pydantic still validates every argument against the full model, so a long string or an
unknown key is a tool error and nothing is sent. Bounds a call is planned around (page
sizes, batch sizes, amounts) stay.

Unions stay `anyOf` branches of one `type` each, never a `type` list (`["integer",
"string"]`): clients that map schemas onto a single-type dialect (Gemini's OpenAPI
subset) reject a list, and the MCP Inspector's `--strict` lint warns about it. Only
`integer | number` becomes `number`, since every integer is one.
"""

from __future__ import annotations

from typing import Any

__all__ = ["slim_schema"]

_NULL = {"type": "null"}
_MAPS = ("properties", "$defs", "definitions", "patternProperties")
_IMPLIED_DEFAULTS: tuple[object, ...] = (False, [])
_INTEGER_OR_NUMBER = ({"type": "integer"}, {"type": "number"})


def slim_schema(schema: Any, *, output: bool = False) -> Any:
    if isinstance(schema, list):
        return [slim_schema(item, output=output) for item in schema]
    if not isinstance(schema, dict):
        return schema
    slim: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _MAPS and isinstance(value, dict):
            slim[key] = {
                name: _floor_dropped(key, name, slim_schema(sub, output=output), output) for name, sub in value.items()
            }
        elif _says_nothing(key, value) or (not output and _guard_only(key, value)):
            continue
        else:
            slim[key] = slim_schema(value, output=output)
    branches = slim.get("anyOf")
    # Null is dropped from optional fields (`default: null`) only: a union without a default,
    # such as a search table's cell, really holds null.
    if isinstance(branches, list) and _NULL in branches and schema.get("default", _NULL) is None:
        rest = [b for b in branches if b != _NULL]
        del slim["anyOf"]
        if len(rest) == 1:
            slim = {**rest[0], **slim}
        elif rest:
            slim["anyOf"] = rest
    return _fold_numbers(slim)


def _says_nothing(key: str, value: Any) -> bool:
    if key == "title":
        return isinstance(value, str)
    if key == "default":
        return value is None or any(value == d and type(value) is type(d) for d in _IMPLIED_DEFAULTS)
    return key == "additionalProperties" and value is True


def _floor_dropped(key: str, name: str, schema: Any, output: bool) -> Any:
    """An input id's (or offset's) `minimum`: no call is planned around "ids start at 1"."""
    if output or key != "properties" or not isinstance(schema, dict) or "minimum" not in schema:
        return schema
    if name in ("id", "offset", "page") or name.endswith("_id"):
        return {k: v for k, v in schema.items() if k != "minimum"}
    return schema


def _guard_only(key: str, value: Any) -> bool:
    return key in ("maxLength", "minLength") or (key == "additionalProperties" and value is False)


def _fold_numbers(schema: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [{"type": "integer"}, {"type": "number"}]` as `type: "number"`."""
    branches = schema.get("anyOf")
    if not isinstance(branches, list) or "type" in schema:
        return schema
    if len(branches) != 2 or any(b not in branches for b in _INTEGER_OR_NUMBER):
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {"type": "number", **rest}
