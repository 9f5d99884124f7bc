"""deploy/ renders with kubectl's kustomize, the real API server accepts every object, and Pods are locked down."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from controller.lab.kubectl import Kubectl

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
NAMESPACE = "frr-edge-system"


@pytest.fixture(scope="module")
def rendered(cluster_bin_dir: Path) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize deploy/` prints."""
    result = subprocess.run(
        [str(cluster_bin_dir / "kubectl"), "kustomize", str(DEPLOY)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return [document for document in YAML(typ="safe").load_all(result.stdout) if document]


def one(rendered: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [o for o in rendered if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} objects"
    return matches[0]


def test_base_holds_the_crds_rbac_and_controller(rendered: list[dict[str, Any]]) -> None:
    crds = sorted(REPO.joinpath("crds").glob("*.yaml"))
    expected = {("CustomResourceDefinition", YAML(typ="safe").load(path)["metadata"]["name"]) for path in crds}
    for path in sorted((DEPLOY / "rbac").glob("*.yaml")):
        expected |= {(o["kind"], o["metadata"]["name"]) for o in YAML(typ="safe").load_all(path) if o}
    expected |= {
        ("Deployment", "frr-edge"),
        ("Service", "frr-edge-metrics"),
        ("PodDisruptionBudget", "frr-edge"),
        ("Service", "frr-edge-webhook"),
        ("Secret", "frr-edge-webhook-tls"),
        ("ValidatingWebhookConfiguration", "frr-edge"),
    }
    assert {(o["kind"], o["metadata"]["name"]) for o in rendered} == expected


def test_crds_are_the_generated_files_and_come_first_in_argo_cd(rendered: list[dict[str, Any]]) -> None:
    for path in sorted(REPO.joinpath("crds").glob("*.yaml")):
        generated = YAML(typ="safe").load(path)
        crd = one(rendered, "CustomResourceDefinition", generated["metadata"]["name"])
        assert crd["spec"] == generated["spec"]
        assert crd["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "-1"
        assert crd["metadata"]["annotations"]["argocd.argoproj.io/sync-options"] == "Prune=false"
    unannotated = [o for o in rendered if o["kind"] != "CustomResourceDefinition"]
    assert all("argocd.argoproj.io/sync-wave" not in o["metadata"].get("annotations", {}) for o in unannotated)


def test_two_replicas_run_frr_edge_run_with_probes_on_the_health_port(rendered: list[dict[str, Any]]) -> None:
    deployment = one(rendered, "Deployment", "frr-edge")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert deployment["spec"]["replicas"] == 2
    assert container["image"] == f"frr-edge:{version}"
    assert container["args"] == ["run", "--webhook-address", "0.0.0.0:9443"]
    assert pod["serviceAccountName"] == "frr-edge"
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    service = one(rendered, "Service", "frr-edge-metrics")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert [(p["targetPort"], p["port"]) for p in service["spec"]["ports"]] == [("http", ports["http"])]
    webhook = one(rendered, "Service", "frr-edge-webhook")
    assert webhook["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert [(p["targetPort"], p["port"]) for p in webhook["spec"]["ports"]] == [("webhook", 443)]
    assert ports["webhook"] == 9443
    budget = one(rendered, "PodDisruptionBudget", "frr-edge")
    assert budget["spec"]["selector"] == deployment["spec"]["selector"]
    assert budget["spec"]["minAvailable"] == 1


def test_controller_runs_unprivileged_on_a_read_only_root(rendered: list[dict[str, Any]]) -> None:
    pod = one(rendered, "Deployment", "frr-edge")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert "hostNetwork" not in pod and "hostPID" not in pod
    for container in pod["containers"] + pod.get("initContainers", []):
        context = container["securityContext"]
        assert context["runAsNonRoot"] is True
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["privileged"] is False
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    namespace = one(rendered, "Namespace", NAMESPACE)
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_api_server_accepts_every_rendered_object(
    kubectl: Kubectl, rendered: list[dict[str, Any]], tmp_path: Path
) -> None:
    # MetalLB's namespace exists in a cluster running MetalLB; the RoleBinding reading it lives there.
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "metallb-system"}}
    kubectl("apply", "--filename=-", input=json.dumps(namespace))
    manifest = tmp_path / "deploy.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": rendered}))
    dry_run = ("--server-side", "--dry-run=server", "--field-manager=argocd-controller")
    output = kubectl("apply", *dry_run, f"--filename={manifest}")
    assert output.count("serverside-applied (server dry run)") == len(rendered), output


def test_api_server_admits_the_pod_under_the_restricted_pod_security_standard(
    kubectl: Kubectl, rendered: list[dict[str, Any]]
) -> None:
    # A throwaway namespace enforcing "restricted", as deploy/ labels frr-edge-system: the real admission
    # plugin judges the Pod the Deployment would create (a Deployment alone is only warned about).
    namespace = "frr-edge-psa-check"
    labels = one(rendered, "Namespace", NAMESPACE)["metadata"]["labels"]
    kubectl("create", "namespace", namespace)
    try:
        kubectl("label", "namespace", namespace, *(f"{k}={v}" for k, v in labels.items()))
        kubectl("create", "serviceaccount", "frr-edge", f"--namespace={namespace}")
        template = one(rendered, "Deployment", "frr-edge")["spec"]["template"]
        metadata = {"name": "frr-edge", "namespace": namespace}
        pod: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": template["spec"]}
        assert "created (server dry run)" in kubectl("create", "--dry-run=server", "-f", "-", input=json.dumps(pod))
        # The same Pod running as root is refused: the check above is not vacuous.
        pod["spec"] = json.loads(json.dumps(template["spec"]))
        pod["spec"]["containers"][0]["securityContext"]["runAsNonRoot"] = False
        refused = kubectl.run("create", "--dry-run=server", "-f", "-", input=json.dumps(pod))
        assert refused.returncode != 0
        assert 'violates PodSecurity "restricted:latest"' in refused.stderr
    finally:
        kubectl("delete", "namespace", namespace, "--wait=false")
