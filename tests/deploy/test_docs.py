"""The README's Deployment steps name files, keys and settings that deploy/ really has."""

from __future__ import annotations

import re

import yaml

from tests.deploy.files import DEPLOY, K8S, REPO, read_env_file

README = (REPO / "README.md").read_text()


def deployment_section() -> str:
    start = README.index("\n## Deployment\n")
    return README[start : README.index("\n## ", start + 1)]


def test_every_deploy_file_the_readme_names_exists() -> None:
    section = deployment_section()
    named = set(re.findall(r"`(deploy/[\w./-]+)`", section))
    assert {"deploy/compose.yaml", "deploy/Caddyfile", "deploy/k8s/"} <= named
    for path in named:
        assert (REPO / path).exists(), path
    for name in re.findall(r"`([\w-]+\.yaml)`", section):
        assert (K8S / name).exists() or (DEPLOY / name).exists(), name
    assert "`env.example`" in section and (DEPLOY / "env.example").is_file()


def test_the_secret_commands_create_the_keys_the_deployment_reads() -> None:
    deployment = yaml.safe_load((K8S / "deployment.yaml").read_text())
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    wanted = {
        variable["valueFrom"]["secretKeyRef"]["key"]
        for variable in container["env"]
        if "valueFrom" in variable and variable["valueFrom"]["secretKeyRef"]["name"] == "qomon-mcp"
    }
    assert wanted == {"mcp-secret", "redis-url"}
    # The same `kubectl create secret` in the README and in secret.yaml's comment.
    for text in (deployment_section(), (K8S / "secret.yaml").read_text()):
        command = text[text.index("create secret generic qomon-mcp") :].split("\n\n")[0]
        assert set(re.findall(r"--from-literal=([\w-]+)=", command)) == wanted


def test_env_example_names_only_what_compose_reads() -> None:
    compose = (DEPLOY / "compose.yaml").read_text()
    commented = re.findall(r"^# (QOMON_\w+)=", (DEPLOY / "env.example").read_text(), re.MULTILINE)
    for name in [*read_env_file(DEPLOY / "env.example"), *commented]:
        assert "${" + name in compose, name
