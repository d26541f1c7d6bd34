"""A plain `pip install .` ships the catalogue (tools/*.md, prompts/*.md), the stored tools/list and the view pages."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_wheel_carries_every_tool_description_and_prompt(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", tmp_path, ROOT],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("qomon_mcp-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in ("tools", "prompts"):
        expected = {f"qomon_mcp/catalogue/{kind}/{p.name}" for p in (ROOT / kind).glob("*.md")}
        assert expected and expected <= names, kind
    pages = (ROOT / "qomon_mcp" / "views").iterdir()
    views = {f"qomon_mcp/views/{p.name}" for p in pages if p.suffix in (".html", ".js", ".css")}
    assert len(views) == 6 and views <= names, sorted(views - names)
    # The stored tools/list the server answers from (server/tool_listing.py).
    assert "qomon_mcp/tools_list.json" in names
