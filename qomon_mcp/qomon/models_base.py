"""The lenient base every Qomon model builds on.

Qomon's published shapes and what live spaces send do not always agree: ids
come as numbers or strings, booleans and lists come as null, new fields appear.
A model that rejected any of that would turn a working answer into an error, so
every field is optional, lists default to empty, and unknown fields are kept.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict

__all__ = ["Amount", "Id", "ListOf", "QomonModel", "Text"]

T = TypeVar("T")


def _none_to_empty(value: Any) -> Any:
    return [] if value is None else value


def _number_to_str(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


Text = Annotated[str, BeforeValidator(_number_to_str)]
"""A string that also reads numbers (postal codes, phone numbers and labels sometimes come as numbers)."""

Id = int | str
"""An identifier, as sent: usually an integer, sometimes a string."""

Amount = int | float
"""A sum in cents (integers on the wire; floats tolerated)."""

ListOf = Annotated[list[T], BeforeValidator(_none_to_empty)]
"""A list that reads `null` as empty."""


class QomonModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
