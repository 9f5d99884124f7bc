"""The API server takes a Router's localInclude only inside /etc/frr-edge/include.d, as frr-edge's model does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from controller.api.router import INCLUDE_PATTERN
from controller.lab.kubectl import Kubectl
from tests.core.test_local_include import ACCEPTED, REFUSED


def _router(local_include: str) -> dict[str, Any]:
    return {
        "apiVersion": "frr-edge.dev/v1alpha1",
        "kind": "Router",
        "metadata": {"name": "include-router"},
        "spec": {
            "address": "192.0.2.1",
            "user": "frr-edge",
            "sshKeySecretRef": {"namespace": "frr-edge-system", "name": "edge-ssh"},
            "insecureIgnoreHostKey": True,
            "firewall": {"localInclude": local_include},
        },
    }


def _create_dry_run(kubectl: Kubectl, local_include: str) -> tuple[int, str]:
    created = kubectl.run("create", "--dry-run=server", "--filename=-", input=json.dumps(_router(local_include)))
    return created.returncode, created.stderr


@pytest.mark.usefixtures("crds")
@pytest.mark.parametrize("local_include", REFUSED, ids=repr)
def test_a_path_outside_the_include_directory_is_refused(kubectl: Kubectl, local_include: str) -> None:
    returncode, error = _create_dry_run(kubectl, local_include)

    assert returncode == 1
    assert "spec.firewall.localInclude: Invalid value:" in error
    assert f"should match '{INCLUDE_PATTERN}'" in error


@pytest.mark.usefixtures("crds")
@pytest.mark.parametrize("local_include", ACCEPTED)
def test_a_file_or_glob_inside_the_include_directory_is_accepted(kubectl: Kubectl, local_include: str) -> None:
    assert _create_dry_run(kubectl, local_include) == (0, "")
