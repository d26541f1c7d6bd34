"""deploy/k8s against the Kubernetes JSON schemas, strictly (an unknown or misspelt field fails).

The schemas are those bundled by kubernetes-validate for the Kubernetes version it is named
after; what is validated is both each file and what `kubectl kustomize` renders from them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy.files import K8S, kustomize, manifest_files, yaml_documents

KUBERNETES_VERSION = kubernetes_validate.utils.latest_version()


def validate_strictly(document: dict[str, Any]) -> None:
    # validate() raises SchemaNotFoundError for a kind or apiVersion it has no schema for: a typo
    # there fails too (the command-line tool would only warn).
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("path", manifest_files(), ids=lambda path: path.name)
def test_each_manifest_file_is_valid(path: Path) -> None:
    documents = yaml_documents(path.read_text())
    assert documents, f"{path.name} holds no object"
    for document in documents:
        validate_strictly(document)


def test_every_rendered_object_is_valid() -> None:
    rendered = kustomize()
    kinds = sorted(f"{document['kind']}/{document['metadata']['name']}" for document in rendered)
    assert kinds == [
        "Deployment/qomon-mcp",
        "Deployment/qomon-mcp-redis",
        "Ingress/qomon-mcp",
        "Namespace/qomon-mcp",
        "NetworkPolicy/qomon-mcp-redis",
        "PodDisruptionBudget/qomon-mcp",
        "Secret/qomon-mcp",
        "Service/qomon-mcp",
        "Service/qomon-mcp-redis",
    ]
    for document in rendered:
        validate_strictly(document)
        if document["kind"] != "Namespace":
            assert document["metadata"]["namespace"] == "qomon-mcp", document["metadata"]


def test_the_kustomization_lists_every_manifest_file() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(path.name for path in manifest_files())


def test_strict_validation_refuses_a_misspelt_field() -> None:
    # The control: the same check on a copy with one field misspelt must fail, or the tests above
    # would prove nothing.
    deployment = yaml.safe_load((K8S / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["readOnlyRootFileSystem"] = container["securityContext"].pop("readOnlyRootFilesystem")
    with pytest.raises(kubernetes_validate.ValidationError, match="readOnlyRootFileSystem"):
        validate_strictly(deployment)


def test_strict_validation_refuses_an_unknown_kind() -> None:
    service = yaml.safe_load((K8S / "service.yaml").read_text())
    service["kind"] = "Servce"
    with pytest.raises(kubernetes_validate.utils.SchemaNotFoundError):
        validate_strictly(service)
