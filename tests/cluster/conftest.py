"""Cluster tier: one real etcd + kube-apiserver for the whole session, built by scripts/build-cluster.sh."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from controller.lab import cluster as lab
from controller.lab import metallb_crds as metallb_crd_definitions
from controller.lab.kubectl import Kubectl

REPO = Path(__file__).resolve().parents[2]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`crd_path` and `sample_path` run a test once per YAML file under crds/ and samples/, whatever is there."""
    for argument, folder in (("crd_path", "crds"), ("sample_path", "samples")):
        if argument in metafunc.fixturenames:
            paths = sorted((REPO / folder).rglob("*.yaml"))
            # An empty parameter set would skip the test; an empty folder is a failure here.
            assert paths, f"{folder}/ holds no YAML file"
            ids = [str(path.relative_to(REPO / folder)) for path in paths]
            metafunc.parametrize(argument, paths, ids=ids)


@pytest.fixture(scope="session")
def cluster_bin_dir() -> Path:
    """The directory with etcd, kube-apiserver and kubectl; built on first use, reused afterwards."""
    build = subprocess.run([str(REPO / "scripts" / "build-cluster.sh")], capture_output=True, text=True, check=False)
    assert build.returncode == 0, f"scripts/build-cluster.sh failed:\n{build.stderr}"
    return Path(build.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def cluster(cluster_bin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[lab.Cluster]:
    directory = tmp_path_factory.mktemp("cluster")
    running = lab.start(directory, cluster_bin_dir)
    try:
        yield running
    finally:
        lab.stop(directory)


@pytest.fixture(scope="session")
def kubectl(cluster: lab.Cluster) -> Kubectl:
    """kubectl as the lab's cluster-admin."""
    return cluster.kubectl


@pytest.fixture(scope="session")
def crds(kubectl: Kubectl) -> list[dict[str, Any]]:
    """Every CRD in crds/, applied and Established."""
    paths = sorted((REPO / "crds").glob("*.yaml"))
    assert paths, "crds/ holds no CRD (make crds writes them)"
    return install_crds(kubectl, paths)


@pytest.fixture(scope="session")
def metallb_crds(kubectl: Kubectl, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Stand-ins for MetalLB's CRDs, Established, as in a cluster running MetalLB."""
    return install_crds(kubectl, [metallb_crd_definitions.write(tmp_path_factory.mktemp("metallb"))])


def install_crds(kubectl: Kubectl, paths: list[Path]) -> list[dict[str, Any]]:
    definitions = []
    for path in paths:
        kubectl("apply", "--server-side", f"--filename={path}")
        definitions += load_documents(path)
    for definition in definitions:
        kubectl(
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            f"customresourcedefinition/{definition['metadata']['name']}",
        )
    return definitions


def load_documents(path: Path) -> list[dict[str, Any]]:
    """The objects in a YAML file, in order."""
    with path.open() as stream:
        return [document for document in YAML(typ="safe").load_all(stream) if document]
