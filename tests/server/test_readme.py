"""The README stays true: every setting documented, the commands it gives exist."""

from pathlib import Path

import pytest

from qomon_mcp.cli import build_parser
from qomon_mcp.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("field", sorted(Settings.model_fields), ids=str)
def test_every_setting_has_a_row_in_the_settings_table(field: str) -> None:
    assert f"| `QOMON_{field.upper()}` |" in README


def test_the_two_commands_are_the_makefile_targets_ci_runs() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    assert "make run " in README and "make test " in README
    assert "\nrun: setup\n\t$(BIN)/qomon-mcp --sandbox" in makefile
    assert "make test" in ci


@pytest.mark.parametrize("command", ["tools", "call", "sandbox", "serve", "doctor"], ids=str)
def test_the_subcommands_the_readme_names_exist(command: str) -> None:
    assert f"qomon-mcp {command}" in README
    build_parser().parse_args([command, "x"] if command == "call" else [command])
