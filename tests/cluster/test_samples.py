"""Every file in samples/ applies as a user or a GitOps tool would, and is stored as written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from controller.lab.kubectl import Kubectl

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def documents(path: Path) -> list[dict[str, Any]]:
    with path.open() as stream:
        return [document for document in YAML(typ="safe").load_all(stream) if document]


def live_objects(kubectl: Kubectl, path: Path) -> list[dict[str, Any]]:
    found = kubectl.json("get", f"--filename={path}")
    return found["items"] if found["kind"] == "List" else [found]


def assert_samples_stored_as_written(path: Path, kubectl: Kubectl) -> None:
    """frr-edge's resources in `path` are stored field for field (a CRD schema prunes what it lacks)."""
    for written, stored in zip(documents(path), live_objects(kubectl, path), strict=True):
        if written["apiVersion"].startswith("frr-edge.dev/"):
            assert_stored_as_written(written, stored, f"{written['kind']} {written['metadata']['name']}")


def assert_stored_as_written(written: Any, stored: Any, where: str) -> None:
    """Every field of `written` is in `stored` with the same value: nothing was pruned or rewritten."""
    if isinstance(written, dict):
        assert isinstance(stored, dict), where
        for key, value in written.items():
            assert key in stored, f"{where}.{key} was dropped by the API server"
            assert_stored_as_written(value, stored[key], f"{where}.{key}")
    elif isinstance(written, list):
        assert isinstance(stored, list) and len(stored) == len(written), where
        for index, (item, stored_item) in enumerate(zip(written, stored, strict=True)):
            assert_stored_as_written(item, stored_item, f"{where}[{index}]")
    else:
        assert stored == written, f"{where}: wrote {written!r}, stored {stored!r}"


def delete(kubectl: Kubectl, path: Path) -> None:
    # At once: no kubelet will ever confirm that a sample Pod bound to a sample Node has stopped.
    kubectl("delete", f"--filename={path}", "--wait=true", "--grace-period=0", "--force")


@pytest.fixture(scope="module", autouse=True)
def sample_namespaces(kubectl: Kubectl, crds: object, metallb_crds: object) -> None:
    """The namespaces the samples name, created as a user does before applying them."""
    names = {
        document["metadata"]["namespace"]
        for path in SAMPLES.rglob("*.yaml")
        for document in documents(path)
        if "namespace" in document["metadata"]
    }
    for name in sorted(names):
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        kubectl("apply", "--filename=-", input=json.dumps(namespace))
        # Pods are admitted once the namespace has its default ServiceAccount, as in any cluster.
        kubectl("wait", "--for=create", "--timeout=30s", "serviceaccount/default", f"--namespace={name}")


def test_sample_applies_client_side(sample_path: Path, kubectl: Kubectl) -> None:
    kubectl("apply", f"--filename={sample_path}")
    try:
        assert_samples_stored_as_written(sample_path, kubectl)
    finally:
        delete(kubectl, sample_path)


# Nodes are the kubelet's, not something GitOps applies; and a dual-stack Node's two InternalIP addresses
# cannot go through server-side apply at all (kubernetes/kubernetes#121896: `addresses` is keyed by type).
NOT_APPLIED_SERVER_SIDE = {"Node"}


def test_sample_applies_server_side_and_shows_no_drift(sample_path: Path, kubectl: Kubectl, tmp_path: Path) -> None:
    # As Argo CD applies with server-side apply: its own field manager, then a diff to detect drift.
    kept = [d for d in documents(sample_path) if d["kind"] not in NOT_APPLIED_SERVER_SIDE]
    assert kept, f"{sample_path} holds nothing a GitOps tool would apply"
    if len(kept) != len(documents(sample_path)):
        sample_path = tmp_path / sample_path.name
        sample_path.write_text("\n---\n".join(json.dumps(document) for document in kept))
    apply = ("--server-side", "--field-manager=argocd-controller", f"--filename={sample_path}")
    kubectl("apply", *apply)
    try:
        assert_samples_stored_as_written(sample_path, kubectl)
        diff = kubectl.run("diff", *apply)
        assert diff.returncode == 0, f"applying again would change:\n{diff.stdout}{diff.stderr}"
    finally:
        delete(kubectl, sample_path)
