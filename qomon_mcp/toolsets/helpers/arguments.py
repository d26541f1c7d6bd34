"""Strict integer arguments: ids, amounts and offsets.

pydantic's lax mode turns `true` into 1, `"12"` into 12 and `1.0` into 1, so a model
that sends a boolean where an id goes would act on contact 1. Every id, amount and
offset a tool takes is one of these types instead: a JSON integer and nothing else,
within a range Qomon can hold. Counts (page sizes, limits) are pydantic's `StrictInt`
with their bounds declared where the tool takes them.

Every byte of `tools/list` is read by the model, so each type advertises only what a
call is planned around (`WithJsonSchema`): an id is an integer, an amount an integer of
at least 0 (or above 0). The upper bounds are enforced all the same.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, WithJsonSchema

__all__ = ["MAX_CENTS", "MAX_ID", "MAX_OFFSET", "Cents", "ExternalId", "Id", "Offset", "PositiveCents"]

# The largest integer every JSON reader keeps exact (2**53 - 1); Qomon's ids are far below it.
MAX_ID = 2**53 - 1
# One billion in the currency's unit: more than any one payment a campaign records.
MAX_CENTS = 100_000_000_000
# Pages and offsets past this find nothing in any space.
MAX_OFFSET = 10_000_000

_INTEGER = WithJsonSchema({"type": "integer"})

Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID), _INTEGER]
# Ids another system gave (a payment provider's), which may be 0.
ExternalId = Annotated[int, Field(strict=True, ge=0, le=MAX_ID), _INTEGER]
Offset = Annotated[int, Field(strict=True, ge=0, le=MAX_OFFSET), _INTEGER]
Cents = Annotated[int, Field(strict=True, ge=0, le=MAX_CENTS), WithJsonSchema({"type": "integer", "minimum": 0})]
PositiveCents = Annotated[
    int, Field(strict=True, gt=0, le=MAX_CENTS), WithJsonSchema({"type": "integer", "exclusiveMinimum": 0})
]
