"""Completions for prompt arguments and resource-template variables, from fixed lists or the caller's space.

A prompt argument names the kind of value it takes (`prompts/*.md`, e.g. `(team_names)`);
a kind is either a fixed list known here or read from the caller's Qomon space. Space
reads are best-effort: when Qomon cannot answer, the completion is simply empty.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import Completion, CompletionArgument, CompletionContext, PromptReference, ResourceTemplateReference

from qomon_mcp.qomon.errors import QomonError
from qomon_mcp.server import privacy
from qomon_mcp.spec.vocabulary import ACTION_TYPES, FORM_TYPES

if TYPE_CHECKING:
    from qomon_mcp.qomon.client import QomonClient
    from qomon_mcp.server.app import QomonServer
    from qomon_mcp.server.prompts import PromptSpec

__all__ = ["FIXED", "KINDS", "register_completions", "suggestions"]

# The spec caps a completion at 100 values.
_MAX_VALUES = 100
# Tags and cities are read from the most recently changed contacts: Qomon lists neither.
_SAMPLE = 100
_TTL_SECONDS = 300.0

FIXED: dict[str, tuple[str, ...]] = {
    "form_types": FORM_TYPES,
    "action_types": ACTION_TYPES,
    "payment_kinds": ("donation", "membership"),
}


async def _team_names(client: QomonClient) -> list[str]:
    return [t.name for t in await client.list_teams() if t.name]


async def _actions(client: QomonClient) -> list[str]:
    return [a.action.name for a in await client.list_actions() if a.action is not None and a.action.name]


async def _action_ids(client: QomonClient) -> list[str]:
    return [str(a.action.id) for a in await client.list_actions() if a.action is not None and a.action.id is not None]


_samples: weakref.WeakKeyDictionary[QomonClient, tuple[float, dict[str, list[str]]]] = weakref.WeakKeyDictionary()


async def _sample(client: QomonClient) -> dict[str, list[str]]:
    """Tag names and cities seen on the latest changed contacts, cached for a few minutes."""
    cached = _samples.get(client)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    contacts = await client.search_contacts({"$all": []}, per_page=_SAMPLE, sort_attr="lastchange", sort_asc=False)
    seen = {
        "tags": [tag.name for c in contacts for tag in c.tags if tag.name],
        "cities": [c.address.city for c in contacts if c.address is not None and c.address.city],
    }
    found = {kind: sorted(set(values), key=str.casefold) for kind, values in seen.items()}
    _samples[client] = (time.monotonic() + _TTL_SECONDS, found)
    return found


async def _tags(client: QomonClient) -> list[str]:
    return (await _sample(client))["tags"]


async def _cities(client: QomonClient) -> list[str]:
    return (await _sample(client))["cities"]


_FROM_SPACE: dict[str, Callable[[QomonClient], Awaitable[list[str]]]] = {
    "team_names": _team_names,
    "actions": _actions,
    "action_ids": _action_ids,
    "tags": _tags,
    "cities": _cities,
}

KINDS = frozenset(FIXED) | frozenset(_FROM_SPACE)

# Resource-template variables with known values: (template, variable) -> kind.
_TEMPLATE_KINDS = {
    ("qomon://forms/{type}", "type"): "form_types",
    ("qomon://actions/{id}", "id"): "action_ids",
}


async def suggestions(kind: str, typed: str, client: Callable[[], QomonClient]) -> Completion:
    """The values of `kind` that start with (or else contain) what was typed, case-insensitively."""
    if kind in FIXED:
        values: list[str] = list(FIXED[kind])
    else:
        try:
            values = list(dict.fromkeys(await _FROM_SPACE[kind](client())))
        except (QomonError, ToolError):  # Qomon unreachable, or no key configured: nothing to suggest
            values = []
    needle = typed.strip().casefold()
    starting = [v for v in values if v.casefold().startswith(needle)]
    matched = starting + [v for v in values if needle in v.casefold() and v not in starting]
    return Completion(values=matched[:_MAX_VALUES], total=len(matched), has_more=len(matched) > _MAX_VALUES)


def register_completions(server: QomonServer, prompts: Mapping[str, PromptSpec]) -> None:
    """Answer `completion/complete` for the prompts' arguments and the resource templates' variables."""

    @server.completion()
    async def complete(
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion | None:
        kind: str | None = None
        if isinstance(ref, PromptReference) and ref.name in prompts:
            kind = prompts[ref.name].completes(argument.name)
        elif isinstance(ref, ResourceTemplateReference):
            kind = _TEMPLATE_KINDS.get((ref.uri, argument.name))
        if kind is None:
            return None
        found = await suggestions(kind, argument.value, server.qomon)
        if server.access().masked:
            # Values come from the space (tags, names): one holding an email or a phone number is masked.
            found.values = [privacy.scrub_text(value) for value in found.values]
        return found
