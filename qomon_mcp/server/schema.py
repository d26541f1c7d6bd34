"""Slim JSON schemas: every byte of `tools/list` is read by the model in every conversation.

pydantic adds a `title` to every property, and renders each optional argument as
`anyOf: [T, {"type": "null"}]` with `default: null`. Neither tells the model anything
(an argument left out is the same as null here, and results never carry nulls), so
they are dropped from both input and output schemas.
"""

from __future__ import annotations

from typing import Any

__all__ = ["slim_schema"]

_NULL = {"type": "null"}
_MAPS = ("properties", "$defs", "definitions", "patternProperties")


def slim_schema(schema: Any) -> Any:
    if isinstance(schema, list):
        return [slim_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    slim: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _MAPS and isinstance(value, dict):
            slim[key] = {name: slim_schema(sub) for name, sub in value.items()}
        elif (key == "title" and isinstance(value, str)) or (key == "default" and value is None):
            continue
        else:
            slim[key] = slim_schema(value)
    branches = slim.get("anyOf")
    if isinstance(branches, list) and _NULL in branches:
        rest = [b for b in branches if b != _NULL]
        del slim["anyOf"]
        if len(rest) == 1:
            slim = {**rest[0], **slim}
        elif rest:
            slim["anyOf"] = rest
    return slim
