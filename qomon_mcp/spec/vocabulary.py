"""Fixed vocabularies of the Qomon API, as the docs list them: form types and action types."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["ACTION_TYPES", "FORM_TYPES", "ActionType", "FormType"]

FormType = Literal["consent", "survey", "level_of_support", "custom_fields", "presence_status", "tasks"]
FORM_TYPES: tuple[FormType, ...] = get_args(FormType)

ActionType = Literal[
    "canvassing", "calling", "mail", "call", "challenge", "static", "sharing", "event",
    "gotvcanvassing", "gotvcalling", "other",
]  # fmt: skip
ACTION_TYPES: tuple[ActionType, ...] = get_args(ActionType)
