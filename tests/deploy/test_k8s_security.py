"""What deploy/k8s promises beyond the schemas: hardened pods, probes, limits, three replicas, and
settings the server accepts, all read from what `kubectl kustomize` renders."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest

from qomon_mcp.auth.keys import Keyring, SecretError
from qomon_mcp.http.origins import public_url_problem
from qomon_mcp.settings import Settings
from tests.deploy.files import REPO, kustomize
from tests.http.support import served

IMAGE_UID = 10001


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict[str, Any]]:
    return {f"{document['kind']}/{document['metadata']['name']}": document for document in kustomize()}


def pod_templates(rendered: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    deployments = (name for name in rendered if name.startswith("Deployment/"))
    return [(name, rendered[name]["spec"]["template"]) for name in deployments]


def server_container(rendered: dict[str, dict[str, Any]]) -> dict[str, Any]:
    (container,) = rendered["Deployment/qomon-mcp"]["spec"]["template"]["spec"]["containers"]
    return container


def env_values(container: dict[str, Any]) -> dict[str, Any]:
    return {variable["name"]: variable.get("value", variable.get("valueFrom")) for variable in container["env"]}


def test_three_replicas_and_rollouts_keep_them(rendered: dict[str, dict[str, Any]]) -> None:
    spec = rendered["Deployment/qomon-mcp"]["spec"]
    assert spec["replicas"] == 3
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert rendered["PodDisruptionBudget/qomon-mcp"]["spec"]["minAvailable"] == 2
    assert rendered["PodDisruptionBudget/qomon-mcp"]["spec"]["selector"] == spec["selector"]


def test_the_server_runs_as_the_images_non_root_user(rendered: dict[str, dict[str, Any]]) -> None:
    user = re.search(r"^USER (\d+):(\d+)$", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    assert user and int(user.group(1)) == IMAGE_UID and int(user.group(2)) == IMAGE_UID
    pod = rendered["Deployment/qomon-mcp"]["spec"]["template"]["spec"]
    for context in (pod["securityContext"], server_container(rendered)["securityContext"]):
        assert context["runAsNonRoot"] is True
        assert context["runAsUser"] == IMAGE_UID
        assert context["runAsGroup"] == IMAGE_UID
    assert pod["automountServiceAccountToken"] is False


def test_every_pod_meets_the_restricted_profile(rendered: dict[str, dict[str, Any]]) -> None:
    # The namespace enforces Pod Security "restricted": a pod that fails it would be refused.
    labels = rendered["Namespace/qomon-mcp"]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    templates = pod_templates(rendered)
    assert [name for name, _ in templates] == ["Deployment/qomon-mcp", "Deployment/qomon-mcp-redis"]
    for name, template in templates:
        pod = template["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] != 0, name
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        assert not pod.get("hostNetwork") and not pod.get("hostPID") and not pod.get("hostIPC"), name
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context.get("privileged", False) is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert "add" not in context["capabilities"], name
            # Requests and limits, CPU and memory, on every container.
            for kind in ("requests", "limits"):
                assert set(container["resources"][kind]) == {"cpu", "memory"}, (name, kind)


def test_writable_places_are_empty_dirs(rendered: dict[str, dict[str, Any]]) -> None:
    for name, template in pod_templates(rendered):
        volumes = {volume["name"]: volume for volume in template["spec"]["volumes"]}
        for container in template["spec"]["containers"]:
            for mount in container["volumeMounts"]:
                assert "emptyDir" in volumes[mount["name"]], (name, mount)
    mounts = {mount["mountPath"] for mount in server_container(rendered)["volumeMounts"]}
    assert mounts == {"/tmp"}


def test_probes_ask_healthz_on_the_served_port(rendered: dict[str, dict[str, Any]]) -> None:
    container = server_container(rendered)
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    env = env_values(container)
    assert ports == {"http": 8000} and env["QOMON_PORT"] == "8000" and env["QOMON_HOST"] == "0.0.0.0"
    for probe in ("readinessProbe", "livenessProbe"):
        check = container[probe]["httpGet"]
        assert check["path"] == "/healthz", probe
        assert ports[check["port"]] == 8000, probe


@pytest.mark.anyio
async def test_healthz_answers_the_probes_host_and_metadata_names_the_public_url(
    rendered: dict[str, dict[str, Any]],
) -> None:
    # The kubelet's probe names the pod's address in Host, never the public one: /healthz must
    # answer it anyway. And whatever address a request comes in by, the OAuth metadata names the
    # public URL, the one clients check. Only the header names that address: the requests go to
    # the server on loopback.
    public_url = env_values(server_container(rendered))["QOMON_PUBLIC_URL"]
    pod_host = {"Host": "10.0.0.7:8000"}
    with served(public_url=public_url) as s:
        async with httpx2.AsyncClient(timeout=10) as http:
            health = await http.get(f"{s.url}/healthz", headers=pod_host)
            challenge = await http.get(f"{s.url}/mcp", headers=pod_host)
            metadata = await http.get(f"{s.url}/.well-known/oauth-authorization-server", headers=pod_host)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert challenge.status_code == 401
    expected = f'resource_metadata="{public_url}/.well-known/oauth-protected-resource/mcp"'
    assert expected in challenge.headers["www-authenticate"]
    assert metadata.json()["issuer"] == public_url


def test_the_deployments_settings_are_accepted(rendered: dict[str, dict[str, Any]]) -> None:
    env = env_values(server_container(rendered))
    plain = {name: value for name, value in env.items() if isinstance(value, str)}
    settings = Settings(**{name.removeprefix("QOMON_").lower(): value for name, value in plain.items()})
    assert settings.public_url and public_url_problem(settings.public_url) is None
    assert urlsplit(settings.public_url).scheme == "https"
    # The secrets come from the Secret, each key of which exists.
    secret = rendered["Secret/qomon-mcp"]
    for name in ("QOMON_MCP_SECRET", "QOMON_REDIS_URL"):
        reference = env[name]["secretKeyRef"]
        assert reference["name"] == secret["metadata"]["name"], name
        assert reference["key"] in secret["stringData"], name


def test_the_placeholder_secret_is_refused_at_start(rendered: dict[str, dict[str, Any]]) -> None:
    # An unedited copy must not run with a secret published in this repository.
    placeholder = rendered["Secret/qomon-mcp"]["stringData"]["mcp-secret"]
    with pytest.raises(SecretError, match="at least 32 characters"):
        Keyring.parse(placeholder)


def test_the_redis_url_names_the_redis_service(rendered: dict[str, dict[str, Any]]) -> None:
    url = urlsplit(rendered["Secret/qomon-mcp"]["stringData"]["redis-url"])
    service = rendered["Service/qomon-mcp-redis"]
    assert url.scheme == "redis" and url.hostname == service["metadata"]["name"]
    assert url.port == service["spec"]["ports"][0]["port"] == 6379
    redis = rendered["Deployment/qomon-mcp-redis"]
    assert redis["spec"]["replicas"] == 1
    assert service["spec"]["selector"] == redis["spec"]["template"]["metadata"]["labels"]
    # Only the server's pods may reach it.
    policy = rendered["NetworkPolicy/qomon-mcp-redis"]["spec"]
    assert policy["podSelector"]["matchLabels"] == service["spec"]["selector"]
    server_labels = rendered["Deployment/qomon-mcp"]["spec"]["template"]["metadata"]["labels"]
    assert [peer["podSelector"]["matchLabels"] for peer in policy["ingress"][0]["from"]] == [server_labels]


def test_service_and_ingress_reach_the_server(rendered: dict[str, dict[str, Any]]) -> None:
    template = rendered["Deployment/qomon-mcp"]["spec"]["template"]
    service = rendered["Service/qomon-mcp"]
    assert service["spec"]["selector"] == template["metadata"]["labels"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    ingress = rendered["Ingress/qomon-mcp"]
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    assert path["path"] == "/" and path["pathType"] == "Prefix"
    assert path["backend"]["service"] == {"name": "qomon-mcp", "port": {"name": service["spec"]["ports"][0]["name"]}}
    # TLS for the very host of QOMON_PUBLIC_URL: the OAuth issuer and the allowed Host.
    public_host = urlsplit(env_values(server_container(rendered))["QOMON_PUBLIC_URL"]).netloc
    assert rule["host"] == public_host
    assert [tls["hosts"] for tls in ingress["spec"]["tls"]] == [[public_host]]


def test_the_ingress_streams_mcp_and_outlasts_a_tool_call(rendered: dict[str, dict[str, Any]]) -> None:
    ingress = rendered["Ingress/qomon-mcp"]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    # The Ingress covers /mcp (prefix /), so the annotation applies to it.
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["path"] == "/"
    deadline = Settings().deadline
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) > deadline
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) > deadline


def test_the_image_is_set_in_one_place(rendered: dict[str, dict[str, Any]]) -> None:
    # kustomization.yaml's `images` replaces the Deployment's `qomon-mcp` with the pushed image.
    image = server_container(rendered)["image"]
    assert image == "registry.example.org/qomon-mcp:0.1.0"
