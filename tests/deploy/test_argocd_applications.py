"""docs/argocd/applications.yaml: frr-edge installs from deploy/ before the routers' configuration syncs."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
APPLICATIONS = {
    document["metadata"]["name"]: document
    for document in YAML(typ="safe").load_all((REPO / "docs" / "argocd" / "applications.yaml").read_text())
}


def wave(application: dict[str, Any]) -> int:
    return int(application["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])


def test_frr_edge_installs_from_the_kustomize_base_at_this_version() -> None:
    source = APPLICATIONS["frr-edge"]["spec"]["source"]
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert (REPO / source["path"] / "kustomization.yaml").is_file()
    assert source["targetRevision"] == f"v{version}"
    (image,) = source["kustomize"]["images"]
    assert image.startswith("frr-edge=") and image.endswith(f"/frr-edge:{version}")


def test_configuration_syncs_after_frr_edge_even_before_its_crds_exist() -> None:
    routers = APPLICATIONS["frr-edge-routers"]
    assert wave(routers) > wave(APPLICATIONS["frr-edge"])
    assert "SkipDryRunOnMissingResource=true" in routers["spec"]["syncPolicy"]["syncOptions"]


def test_every_application_applies_server_side() -> None:
    # Server-side apply: no last-applied annotation, and the same field manager semantics the cluster tests use.
    for application in APPLICATIONS.values():
        assert "ServerSideApply=true" in application["spec"]["syncPolicy"]["syncOptions"]


def test_what_frr_edge_writes_itself_is_no_drift() -> None:
    # The webhook's certificate: frr-edge fills the Secret and sets the caBundle (deploy/webhook.yaml).
    ignored = APPLICATIONS["frr-edge"]["spec"]["ignoreDifferences"]
    kinds = {entry["kind"]: entry for entry in ignored}
    assert kinds["ValidatingWebhookConfiguration"]["jqPathExpressions"] == [".webhooks[].clientConfig.caBundle"]
    assert kinds["Secret"]["jsonPointers"] == ["/data"] and kinds["Secret"]["name"] == "frr-edge-webhook-tls"
    assert "RespectIgnoreDifferences=true" in APPLICATIONS["frr-edge"]["spec"]["syncPolicy"]["syncOptions"]
