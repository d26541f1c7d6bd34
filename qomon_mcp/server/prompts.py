"""Workflow prompts, one `prompts/<name>.md` each, loaded when the server starts.

A prompt file opens with a header between `---` lines, then the text to render:

    ---
    title: Weekly sync of changed contacts
    description: Fetch every contact created or changed since a date and summarize what changed.
    argument since (required): The start of the period, as a date (YYYY-MM-DD).
    argument tag (tags): Only contacts with this tag.
    ---
    Sync the Qomon contacts created or changed since {since}.
    Only keep contacts tagged "{tag}".

An argument's parentheses hold `required` and/or the kind of value it completes to
(see `completions.KINDS`). In the text, `{name}` is replaced by the argument's value
and `{{`/`}}` are literal braces; a line naming an optional argument that was left
out is dropped, so the text reads right either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from mcp.server.mcpserver.prompts.base import Message, Prompt, PromptArgument, UserMessage
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from qomon_mcp.server.catalogue import catalogue_dir
from qomon_mcp.server.completions import FIXED, KINDS

if TYPE_CHECKING:
    from qomon_mcp.server.app import QomonServer

__all__ = ["PromptArg", "PromptSpec", "load_prompts", "parse_prompt", "register_prompts"]

_ARGUMENT = re.compile(r"argument (?P<name>[a-z_]+)(?: \((?P<flags>[^)]*)\))?: (?P<description>.+)")
_FIELD = re.compile(r"\{\{|\}\}|\{([a-z_]+)\}")
# A value is one line of a form field, not a document: it must not take over the prompt.
_MAX_VALUE = 500


@dataclass(frozen=True, slots=True)
class PromptArg:
    name: str
    description: str
    required: bool
    kind: str | None  # what it completes to, if anything


@dataclass(frozen=True, slots=True)
class PromptSpec:
    name: str
    title: str
    description: str
    arguments: tuple[PromptArg, ...]
    text: str

    def tools(self, known: set[str]) -> set[str]:
        """The tools this prompt's steps name (of `known`): a caller without them gets no use of it."""
        return {word for word in re.findall(r"\b[a-z]+_[a-z_]+\b", self.text) if word in known}

    def completes(self, argument: str) -> str | None:
        return next((a.kind for a in self.arguments if a.name == argument), None)

    def render(self, values: dict[str, Any]) -> str:
        """The prompt text for `values`; MCPError (invalid params) with one sentence for a wrong value."""
        known = {a.name: a for a in self.arguments}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise _invalid(f"{self.name} takes no argument {', '.join(unknown)}; it takes {', '.join(known)}.")
        given = {name: str(value).strip() for name, value in values.items() if str(value).strip()}
        for argument in self.arguments:
            value = given.get(argument.name)
            if value is None:
                if argument.required:
                    raise _invalid(f"{self.name} needs {argument.name} ({argument.description.rstrip('.')}).")
                continue
            if len(value) > _MAX_VALUE or "\n" in value:
                raise _invalid(f"{argument.name} must be one line of at most {_MAX_VALUE} characters.")
            allowed = FIXED.get(argument.kind or "")
            if allowed is not None and value not in allowed:
                raise _invalid(f"{argument.name} must be one of: {', '.join(allowed)}.")
        lines = [
            _FIELD.sub(lambda m: given[m[1]] if m[1] else m[0][0], line)
            for line in self.text.splitlines()
            if all(name in given for name in _FIELD.findall(line) if name)
        ]
        return "\n".join(lines).strip()


def _invalid(message: str) -> MCPError:
    return MCPError(code=INVALID_PARAMS, message=message)


def parse_prompt(name: str, source: str) -> PromptSpec:
    """A prompt file read; ValueError naming the file and the problem when it is malformed."""
    header, sep, text = source.removeprefix("---\n").partition("\n---\n")
    if not source.startswith("---\n") or not sep:
        raise ValueError(f"prompts/{name}.md must open with a header between --- lines")
    fields: dict[str, str] = {}
    arguments: list[PromptArg] = []
    for line in header.splitlines():
        if match := _ARGUMENT.fullmatch(line.strip()):
            flags = {f.strip() for f in re.split(r"[;,]", match["flags"] or "") if f.strip()}
            kinds = flags - {"required"}
            if len(kinds) > 1 or not kinds <= KINDS:
                raise ValueError(f"prompts/{name}.md: argument {match['name']} has unknown flags {sorted(kinds)}")
            arguments.append(
                PromptArg(match["name"], match["description"].strip(), "required" in flags, next(iter(kinds), None))
            )
        elif ":" in line:
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
    if not fields.get("title") or not fields.get("description"):
        raise ValueError(f"prompts/{name}.md needs a title and a description")
    declared = {a.name for a in arguments}
    used = {n for n in _FIELD.findall(text) if n}
    if used - declared:
        raise ValueError(f"prompts/{name}.md uses undeclared arguments {sorted(used - declared)}")
    return PromptSpec(name, fields["title"], fields["description"], tuple(arguments), text.strip())


def load_prompts(folder: Path | None = None) -> dict[str, PromptSpec]:
    folder = folder or catalogue_dir("prompts")
    return {
        path.stem: parse_prompt(path.stem, path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.md"))
    }


def register_prompts(server: QomonServer) -> dict[str, PromptSpec]:
    """Add every prompt of the catalogue to `server`; the specs, by name, for completions."""
    specs = load_prompts()
    for spec in specs.values():
        arguments = [
            PromptArgument(name=a.name, description=a.description, required=a.required) for a in spec.arguments
        ]
        server.add_prompt(
            _FilePrompt(
                name=spec.name, title=spec.title, description=spec.description, arguments=arguments, fn=spec.render
            )
        )
    return specs


class _FilePrompt(Prompt):
    """A prompt whose arguments are checked by its spec, so that every mistake reads as one sentence."""

    async def render(self, arguments: dict[str, Any] | None, context: Any) -> list[Message]:
        # `fn` is always a PromptSpec's `render` (register_prompts): it returns the text; the SDK types it loosely.
        return [UserMessage(cast(str, self.fn(arguments or {})))]
