"""Slim JSON schemas: every byte of `tools/list` is read by the model in every conversation.

pydantic adds a `title` to every property, and renders each optional argument as
`anyOf: [T, {"type": "null"}]` with `default: null`. Neither tells the model anything
(an argument left out is the same as null here, and results carry no null outside the
cells of a search table, whose rows are untyped arrays), so
they are dropped from both input and output schemas, as are the defaults an omitted
argument has anyway (`false`, `[]`) and JSON Schema's own `additionalProperties: true`.

Input schemas also leave out the guards the server enforces anyway and the model never
needs to plan a call: string lengths (`maxLength`, `minLength`: no one writes a 200-letter
first name) and `additionalProperties: false` (an unknown key is refused with its name).
pydantic still validates every argument against the full model, so a long string or an
unknown key is a tool error and nothing is sent. Bounds a call is planned around (page
sizes, batch sizes, amounts) stay.

Output schemas also fold `anyOf` of bare types into one `type` list (`["integer",
"string"]`), an equivalent spelling; input schemas keep `anyOf`, which more clients
of tool arguments understand.
"""

from __future__ import annotations

from typing import Any

__all__ = ["slim_schema"]

_NULL = {"type": "null"}
_MAPS = ("properties", "$defs", "definitions", "patternProperties")
_IMPLIED_DEFAULTS = (False, [])


def slim_schema(schema: Any, *, output: bool = False) -> Any:
    if isinstance(schema, list):
        return [slim_schema(item, output=output) for item in schema]
    if not isinstance(schema, dict):
        return schema
    slim: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _MAPS and isinstance(value, dict):
            slim[key] = {name: slim_schema(sub, output=output) for name, sub in value.items()}
        elif _says_nothing(key, value) or (not output and _guard_only(key, value)):
            continue
        else:
            slim[key] = slim_schema(value, output=output)
    branches = slim.get("anyOf")
    if isinstance(branches, list) and _NULL in branches:
        rest = [b for b in branches if b != _NULL]
        del slim["anyOf"]
        if len(rest) == 1:
            slim = {**rest[0], **slim}
        elif rest:
            slim["anyOf"] = rest
    if output:
        slim = _fold_types(slim)
    return slim


def _says_nothing(key: str, value: Any) -> bool:
    if key == "title":
        return isinstance(value, str)
    if key == "default":
        return value is None or any(value == d and type(value) is type(d) for d in _IMPLIED_DEFAULTS)
    return key == "additionalProperties" and value is True


def _guard_only(key: str, value: Any) -> bool:
    return key in ("maxLength", "minLength") or (key == "additionalProperties" and value is False)


def _fold_types(schema: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [{"type": "integer"}, {"type": "string"}]` as `type: ["integer", "string"]`."""
    branches = schema.get("anyOf")
    if not isinstance(branches, list) or not all(isinstance(b, dict) and set(b) == {"type"} for b in branches):
        return schema
    types = [b["type"] for b in branches]
    if not all(isinstance(t, str) for t in types) or "type" in schema:
        return schema
    if set(types) == {"integer", "number"}:
        folded: str | list[str] = "number"  # every integer is a number
    else:
        folded = types
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {"type": folded, **rest}
