"""What is generated from the registry: `python -m qomon_mcp.docs` rewrites both.

- the README's tool table;
- the stored tools/list (`qomon_mcp/tools_list.json`) the server answers from without building
  its tools (server/tool_listing.py).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from qomon_mcp.server.registry import ToolSpec

__all__ = ["render_tool_table", "update_readme"]

START, END = "<!-- tools:start -->", "<!-- tools:end -->"


def _first_sentence(text: str) -> str:
    paragraph = text.strip().split("\n\n", 1)[0].replace("\n", " ")
    return re.split(r"(?<=[.!?])\s", paragraph, maxsplit=1)[0]


def render_tool_table(specs: list[ToolSpec]) -> str:
    rows = [
        "| Tool | Toolset | Access | Annotations | What it does |",
        "| --- | --- | --- | --- | --- |",
    ]
    for spec in specs:
        flags = [
            name
            for name, on in (
                ("read-only", spec.read_only),
                ("destructive", spec.destructive),
                ("idempotent", spec.idempotent),
                ("open-world", spec.open_world),
            )
            if on
        ]
        access = "read" if spec.read_only else "write"
        summary = _first_sentence(spec.description).replace("|", "\\|")
        rows.append(f"| `{spec.name}` | {spec.toolset} | {access} | {', '.join(flags) or '—'} | {summary} |")
    return "\n".join(rows)


def update_readme(readme: Path, specs: list[ToolSpec]) -> bool:
    """Rewrite the table between the markers; True when the file changed."""
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{render_tool_table(specs)}\n{END}{tail}"
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


def update_listing(listing: Path, specs: list[ToolSpec]) -> bool:
    """Rewrite the stored tools/list from the tools' code; True when the file changed."""
    import anyio

    from qomon_mcp.server.tool_listing import built_listing, dump_listing

    new = dump_listing(anyio.run(built_listing, specs))
    changed = not listing.is_file() or listing.read_text(encoding="utf-8") != new
    if changed:
        listing.write_text(new, encoding="utf-8")
    return changed


if __name__ == "__main__":
    from qomon_mcp.assemble import LISTING_FILE, all_tool_specs

    specs = all_tool_specs()
    changed = update_readme(Path(sys.argv[1] if len(sys.argv) > 1 else "README.md"), specs)
    print("README.md tool table " + ("updated" if changed else "already up to date"), file=sys.stderr)
    changed = update_listing(LISTING_FILE, specs)
    print(f"{LISTING_FILE.name} " + ("updated" if changed else "already up to date"), file=sys.stderr)
