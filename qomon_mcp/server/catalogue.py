"""The catalogue the model reads: tool descriptions (`tools/*.md`) and prompt templates (`prompts/*.md`).

In a checkout they sit at the repository's top level; in an installed wheel they
are shipped inside the package as `qomon_mcp/catalogue/`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["catalogue_dir", "tool_description"]

_PACKAGE = Path(__file__).resolve().parent.parent


@cache
def catalogue_dir(kind: str) -> Path:
    """The folder holding `kind` ("tools" or "prompts"), wherever this copy was installed from."""
    for candidate in (_PACKAGE / "catalogue" / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {kind}/ catalogue is missing from this installation")


def tool_description(name: str) -> str:
    """The description of tool `name` for the model, from `tools/<name>.md`."""
    path = catalogue_dir("tools") / f"{name}.md"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise FileNotFoundError(f"tool {name!r} has no description file tools/{name}.md") from None
