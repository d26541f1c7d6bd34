"""The README's "Layout" section stays true: every package is named, every tool is where it says."""

from __future__ import annotations

from pathlib import Path

import pytest

from qomon_mcp.assemble import all_tool_specs

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = (ROOT / "README.md").read_text(encoding="utf-8").split("## Layout", 1)[1].split("\n## ", 1)[0]
SPECS = all_tool_specs()


def test_every_package_and_top_module_is_named() -> None:
    package = ROOT / "qomon_mcp"
    named = [p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    named += [p.name for p in package.glob("*.py") if p.name not in {"__init__.py", "__main__.py"}]
    missing = [name for name in named if f"`{name}" not in LAYOUT and f"/{name}" not in LAYOUT]
    assert not missing, f"README Layout does not name {missing}"


@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
def test_a_tool_is_found_from_its_name(spec) -> None:  # type: ignore[no-untyped-def]
    # The declared handler keeps the module of the function it wraps (functools.wraps).
    assert spec.handler.__module__ == f"qomon_mcp.toolsets.{spec.toolset}"
    assert (ROOT / "qomon_mcp" / "toolsets" / f"{spec.toolset}.py").is_file()
    assert (ROOT / "tools" / f"{spec.name}.md").is_file()
    assert (ROOT / "tests" / "server" / "snapshots" / f"{spec.name}.json").is_file()
    tests = list((ROOT / "tests" / "toolsets").glob(f"test_{spec.toolset}*.py"))
    assert any(spec.name in test.read_text(encoding="utf-8") for test in tests), (
        f"no tests/toolsets/test_{spec.toolset}*.py calls {spec.name}"
    )
