"""Tools as small declared units: name, toolset, title, the four annotations, and a handler.

Each toolset module builds a `Toolset` and declares its tools with `@toolset.tool(...)`.
The wrapper added here is the one place where a tool's result is shaped for the
model, where Qomon client errors become one-sentence tool errors, and where the
call's one deadline (`qomon.deadline`) is opened.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel

from qomon_mcp.qomon.deadline import call_deadline
from qomon_mcp.server.catalogue import tool_description
from qomon_mcp.server.explain import Missing, told
from qomon_mcp.server.sdk_seam import present_signature
from qomon_mcp.server.shaping import dumps, tool_result
from qomon_mcp.toolset_table import TOOLSETS

__all__ = ["ToolSpec", "Toolset"]

Handler = Callable[..., Awaitable[BaseModel]]
# The declared function itself is returned, so a caller (a resource) keeps its precise result type.
H = TypeVar("H", bound=Handler)

_PAGE_SIZES = frozenset({"limit", "per_page"})


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    toolset: str
    title: str
    handler: Callable[..., Awaitable[CallToolResult]]
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool

    @property
    def description(self) -> str:
        return tool_description(self.name)

    @property
    def annotations(self) -> ToolAnnotations:
        # No `title` here: the tool's own `title` carries it, and repeating it cost 0.9 KB of tools/list.
        return ToolAnnotations(
            read_only_hint=self.read_only,
            destructive_hint=self.destructive,
            idempotent_hint=self.idempotent,
            open_world_hint=self.open_world,
        )


@dataclass
class Toolset:
    name: str
    tools: list[ToolSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.name not in TOOLSETS:
            raise ValueError(f"unknown toolset {self.name!r}")

    def tool(
        self,
        *,
        title: str,
        read_only: bool,
        destructive: bool,
        idempotent: bool,
        open_world: bool,
        not_found: Missing | None = None,
        exact: bool = False,
    ) -> Callable[[H], H]:
        """Declare a tool. All four annotations are required, so none is ever left to a client's guess.

        `not_found` names the record a 404 is about and the argument holding its id
        (`Missing("contact", "contact_id")`); the sentence itself is `explain.missing`'s.
        `exact` sends the result as its model dumps it, empty values included, for
        clients that expect fixed keys (ChatGPT's `search` and `fetch`).
        """
        if read_only and destructive:
            raise ValueError("a read-only tool cannot be destructive")

        def declare(fn: H) -> H:
            self.tools.append(
                ToolSpec(
                    name=fn.__name__,
                    toolset=self.name,
                    title=title,
                    handler=_shaped(fn, not_found, exact=exact),
                    read_only=read_only,
                    destructive=destructive,
                    idempotent=idempotent,
                    open_world=open_world,
                )
            )
            return fn

        return declare


def _shaped(fn: Handler, not_found: Missing | None, *, exact: bool = False) -> Callable[..., Awaitable[CallToolResult]]:
    hints = typing.get_type_hints(fn, include_extras=True)
    output_model = hints.pop("return")

    # A tool that takes a page size is one where a smaller page may help a slow answer.
    paged = bool(_PAGE_SIZES & set(inspect.signature(fn).parameters))

    @functools.wraps(fn)
    async def handler(**arguments: Any) -> CallToolResult:
        hint = not_found.sentence(arguments) if not_found else None
        # One deadline for the whole call: every request, wait and retry the tool makes.
        with told(not_found=hint, paged=paged), call_deadline():
            result = await fn(**arguments)
        return _exact_result(result) if exact else tool_result(result)

    # The SDK builds the input schema from the signature and the output schema from
    # `Annotated[CallToolResult, Model]`: the handler returns ready-shaped results.
    signature = inspect.signature(fn)
    parameters = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()]
    returns = Annotated[CallToolResult, output_model]
    present_signature(
        handler, signature.replace(parameters=parameters, return_annotation=returns), {**hints, "return": returns}
    )
    return handler


def _exact_result(value: BaseModel) -> CallToolResult:
    """One text item holding the model's JSON, every key kept; the same data as structured content."""
    data = value.model_dump(mode="json", by_alias=True)
    return CallToolResult(content=[TextContent(type="text", text=dumps(data))], structured_content=data)
