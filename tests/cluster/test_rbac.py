"""deploy/rbac lets the frr-edge ServiceAccount do what the controller needs, and nothing more."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from controller.lab import cluster as lab
from controller.lab.kubectl import Kubectl

RBAC = Path(__file__).resolve().parents[2] / "deploy" / "rbac"

# (verb, resource, where): `where` is a namespace, "*" for all namespaces, or "" for cluster scope.
ALLOWED = [
    # its inputs, watched into the index
    *[
        (verb, resource, where)
        for verb in ("get", "list", "watch")
        for resource, where in [
            ("routers.frr-edge.dev", ""),
            ("frrconfigurations.frr-edge.dev", "*"),
            ("firewallpolicies.frr-edge.dev", "*"),
            ("services", "*"),
            ("nodes", ""),
            ("bgppeers.metallb.io", "metallb-system"),
            ("bfdprofiles.metallb.io", "metallb-system"),
            ("ipaddresspools.metallb.io", "metallb-system"),
            ("bgpadvertisements.metallb.io", "metallb-system"),
            ("communities.metallb.io", "metallb-system"),
            ("pods", "metallb-system"),
            ("configmaps", "metallb-system"),
            ("secrets", "frr-edge-system"),
            ("routerstates.frr-edge.dev", ""),
        ]
    ],
    # its output
    ("create", "routerstates.frr-edge.dev", ""),
    ("patch", "routerstates.frr-edge.dev/status", ""),
    ("patch", "routers.frr-edge.dev/status", ""),
    ("create", "events", "default"),
    ("create", "events", "shop"),
    # leader election
    *[
        (verb, "leases.coordination.k8s.io", "frr-edge-system")
        for verb in ("get", "watch", "create", "update", "patch")
    ],
    ("watch", "customresourcedefinitions.apiextensions.k8s.io", ""),
]

DENIED = [
    # never changes the user's configuration
    *[
        (verb, resource, where)
        for verb in ("create", "update", "patch", "delete")
        for resource, where in [
            ("routers.frr-edge.dev", ""),
            ("frrconfigurations.frr-edge.dev", "default"),
            ("firewallpolicies.frr-edge.dev", "default"),
        ]
    ],
    ("update", "routerstates.frr-edge.dev", ""),
    ("delete", "routerstates.frr-edge.dev", ""),
    ("update", "routers.frr-edge.dev/status", ""),
    ("update", "routerstates.frr-edge.dev/status", ""),
    # Secrets: only read, only in its own namespace
    ("get", "secrets", "default"),
    ("get", "secrets", "kube-system"),
    ("list", "secrets", "*"),
    ("create", "secrets", "frr-edge-system"),
    ("update", "secrets", "frr-edge-system"),
    ("delete", "secrets", "frr-edge-system"),
    # the rest of the cluster is only read where the controller reads it
    ("patch", "services", "default"),
    ("update", "services/status", "default"),
    ("patch", "nodes", ""),
    ("list", "pods", "default"),
    ("delete", "pods", "metallb-system"),
    ("create", "bgppeers.metallb.io", "metallb-system"),
    ("get", "configmaps", "frr-edge-system"),
    ("list", "configmaps", "*"),
    ("update", "configmaps", "metallb-system"),
    ("create", "leases.coordination.k8s.io", "kube-system"),
    ("delete", "events", "default"),
    ("create", "customresourcedefinitions.apiextensions.k8s.io", ""),
    # no way to give itself more
    ("create", "clusterrolebindings", ""),
    ("escalate", "clusterroles", ""),
    ("bind", "clusterroles", ""),
    ("impersonate", "users", ""),
    ("create", "serviceaccounts/token", "frr-edge-system"),
    ("*", "*", "*"),
]


@pytest.fixture(scope="module")
def rbac(kubectl: Kubectl, crds: object, metallb_crds: object) -> None:
    """deploy/rbac applied in a cluster that knows frr-edge's and MetalLB's resources and namespace."""
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "metallb-system"}}
    kubectl("apply", "--filename=-", input=json.dumps(namespace))
    kubectl("apply", f"--filename={RBAC}")


def can_i(kubectl: Kubectl, verb: str, resource: str, where: str) -> str:
    resource, _, subresource = resource.partition("/")
    scope = ["--all-namespaces"] if where == "*" else [f"--namespace={where}"] if where else []
    result = kubectl.run(
        "auth",
        "can-i",
        verb,
        resource,
        *scope,
        *([f"--subresource={subresource}"] if subresource else []),
        f"--as={lab.CONTROLLER_USER}",
    )
    assert result.returncode in (0, 1), result.stderr
    return result.stdout.strip()


@pytest.mark.usefixtures("rbac")
@pytest.mark.parametrize(("verb", "resource", "where"), ALLOWED)
def test_controller_may(kubectl: Kubectl, verb: str, resource: str, where: str) -> None:
    assert can_i(kubectl, verb, resource, where) == "yes"


@pytest.mark.usefixtures("rbac")
@pytest.mark.parametrize(("verb", "resource", "where"), DENIED)
def test_controller_may_not(kubectl: Kubectl, verb: str, resource: str, where: str) -> None:
    assert can_i(kubectl, verb, resource, where) == "no"


@pytest.mark.usefixtures("rbac")
@pytest.mark.parametrize(
    ("verb", "resource", "where", "allowed"),
    [
        # The admission webhook's certificate: its own Secret and its own configuration, by name only.
        ("update", "secret/frr-edge-webhook-tls", "frr-edge-system", "yes"),
        ("update", "secret/some-other-secret", "frr-edge-system", "no"),
        ("patch", "validatingwebhookconfiguration/frr-edge", "", "yes"),
        ("patch", "validatingwebhookconfiguration/another-webhook", "", "no"),
        ("create", "validatingwebhookconfigurations", "", "no"),
        ("delete", "validatingwebhookconfiguration/frr-edge", "", "no"),
    ],
)
def test_controller_may_write_only_its_webhooks_certificate(
    kubectl: Kubectl, verb: str, resource: str, where: str, allowed: str
) -> None:
    scope = [f"--namespace={where}"] if where else []
    result = kubectl.run("auth", "can-i", verb, resource, *scope, f"--as={lab.CONTROLLER_USER}")
    assert result.stdout.strip() == allowed, result.stderr


@pytest.mark.usefixtures("rbac")
def test_service_account_token_reads_its_secrets_and_no_others(kubectl: Kubectl, cluster: lab.Cluster) -> None:
    for namespace in ("frr-edge-system", "default"):
        kubectl("create", "secret", "generic", "router-ssh-key", f"--namespace={namespace}", "--from-literal=k=v")
    controller = cluster.controller_kubectl

    assert controller.json("get", "secret", "router-ssh-key", "--namespace=frr-edge-system")["data"] == {"k": "dg=="}
    denied = controller.run("get", "secret", "router-ssh-key", "--namespace=default")
    assert denied.returncode == 1
    assert "Forbidden" in denied.stderr
    assert controller.json("get", "routers.frr-edge.dev")["items"] == []


@pytest.mark.usefixtures("rbac")
def test_a_role_binding_lets_routers_reference_secrets_in_another_namespace(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "edge-secrets")
    assert can_i(kubectl, "get", "secrets", "edge-secrets") == "no"

    # As deploy/rbac/secrets.yaml tells an admin to do.
    kubectl(
        "create",
        "rolebinding",
        "frr-edge-secret-reader",
        "--namespace=edge-secrets",
        "--clusterrole=frr-edge-secret-reader",
        f"--serviceaccount={lab.CONTROLLER_NAMESPACE}:{lab.CONTROLLER_SERVICE_ACCOUNT}",
    )

    assert can_i(kubectl, "get", "secrets", "edge-secrets") == "yes"
    assert can_i(kubectl, "get", "secrets", "kube-system") == "no"
