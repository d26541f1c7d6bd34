"""deploy/compose.yaml: valid compose, three replicas of the repository's image sharing one secret
and one Redis, behind Caddy on the port and host that QOMON_PUBLIC_URL names."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from compose_spec import PyOptions

from qomon_mcp.auth.keys import Keyring
from qomon_mcp.http.origins import public_url_problem
from qomon_mcp.settings import Settings
from tests.deploy.files import COMPOSE, DEPLOY, REPO, compose_services, interpolate, load_compose, read_env_file

SECRET = "k1:" + "c" * 48
REPLICAS = ("mcp-1", "mcp-2", "mcp-3")


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    return compose_services({"QOMON_MCP_SECRET": SECRET})


def test_the_file_is_valid_compose_with_three_replicas_redis_and_caddy(services: dict[str, dict[str, Any]]) -> None:
    assert sorted(services) == ["caddy", *REPLICAS, "redis"]


def test_the_compose_parser_refuses_an_unknown_key() -> None:
    # The control: the parser behind load_compose must refuse what compose does not know.
    broken = COMPOSE.read_text().replace("  read_only: true\n", "  read_only: true\n  readonly: true\n", 1)
    assert broken != COMPOSE.read_text()
    with pytest.raises(ValueError, match="readonly"):
        PyOptions(apply_merge=True).from_yaml(interpolate(broken, {"QOMON_MCP_SECRET": SECRET})).validate()


def test_the_secret_must_be_given() -> None:
    with pytest.raises(ValueError, match="QOMON_MCP_SECRET"):
        load_compose({})
    with pytest.raises(ValueError, match="QOMON_MCP_SECRET"):
        load_compose({"QOMON_MCP_SECRET": ""})


def test_replicas_build_the_repository_dockerfile_into_one_image(services: dict[str, dict[str, Any]]) -> None:
    images = {services[name]["image"] for name in REPLICAS}
    assert len(images) == 1
    for name in REPLICAS:
        build = services[name]["build"]
        context = (DEPLOY / build["context"]).resolve()
        assert context == REPO, name
        assert (context / build["dockerfile"]).resolve() == REPO / "Dockerfile", name


def test_replicas_share_one_secret_and_one_redis(services: dict[str, dict[str, Any]]) -> None:
    environments = [services[name]["environment"] for name in REPLICAS]
    assert {env["QOMON_MCP_SECRET"] for env in environments} == {SECRET}
    assert {env["QOMON_REDIS_URL"] for env in environments} == {"redis://redis:6379/0"}
    assert {env["QOMON_PUBLIC_URL"] for env in environments} == {"https://localhost:8443"}
    Keyring.parse(SECRET)
    # The Redis the URL names is the compose service of that name, healthy before the replicas start.
    assert "redis" in services["redis"]["image"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    for name in REPLICAS:
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy", name


def test_replicas_settings_are_accepted(services: dict[str, dict[str, Any]]) -> None:
    env = services["mcp-1"]["environment"]
    known = {f"QOMON_{name.upper()}" for name in Settings.model_fields}
    # QOMON_REDIS_URL belongs to the shared-state work; every other variable is a setting today.
    assert set(env) - known <= {"QOMON_REDIS_URL"}
    settings = Settings(**{name.removeprefix("QOMON_").lower(): value for name, value in env.items() if name in known})
    assert settings.public_url and public_url_problem(settings.public_url) is None


def test_replicas_are_hardened_and_reached_only_through_caddy(services: dict[str, dict[str, Any]]) -> None:
    for name in REPLICAS:
        service = services[name]
        assert service["read_only"] is True and service["tmpfs"] == ["/tmp"], name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert "ports" not in service, name
    assert "ports" not in services["redis"]


def caddy_ports(services: dict[str, dict[str, Any]]) -> dict[int, int]:
    """Container port -> published host port, for Caddy."""
    published = {}
    for entry in services["caddy"]["ports"]:
        host, _, container = str(entry).rpartition(":")
        published[int(container)] = int(host)
    return published


@pytest.mark.parametrize(
    "env",
    [{}, read_env_file(DEPLOY / "env.example")],
    ids=["defaults", "env.example"],
)
def test_the_public_url_is_where_caddy_answers(env: dict[str, str]) -> None:
    # OAuth clients check that the issuer is the URL they reach: Caddy's site (QOMON_DOMAIN) and
    # its published https port must be QOMON_PUBLIC_URL's host and port.
    services = compose_services({**env, "QOMON_MCP_SECRET": SECRET})
    public = urlsplit(services["mcp-1"]["environment"]["QOMON_PUBLIC_URL"])
    assert public.scheme == "https"
    assert services["caddy"]["environment"]["QOMON_DOMAIN"] == public.hostname
    assert caddy_ports(services)[443] == (public.port or 443)


def test_a_public_host_configuration_stays_consistent() -> None:
    # The commented-out block of env.example, as a user would uncomment it.
    lines = (DEPLOY / "env.example").read_text().splitlines()
    start = lines.index("# A host of your own whose DNS name points at this machine, ports 80 and 443 open")
    public = {}
    for line in lines[start + 2 : start + 6]:
        name, _, value = line.removeprefix("# ").partition("=")
        public[name] = value
    services = compose_services({**public, "QOMON_MCP_SECRET": SECRET})
    assert services["mcp-1"]["environment"]["QOMON_PUBLIC_URL"] == "https://mcp.example.org"
    assert services["caddy"]["environment"]["QOMON_DOMAIN"] == "mcp.example.org"
    assert caddy_ports(services) == {443: 443, 80: 80}


def test_caddy_mounts_the_caddyfile_and_waits_for_the_replicas(services: dict[str, dict[str, Any]]) -> None:
    caddy = services["caddy"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    assert (DEPLOY / "Caddyfile").is_file()
    assert set(caddy["depends_on"]) == set(REPLICAS)
