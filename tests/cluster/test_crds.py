"""Every CRD in crds/ is accepted by a real API server and serves its resources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from controller.lab.kubectl import Kubectl


def live_objects(kubectl: Kubectl, path: Path) -> list[dict[str, Any]]:
    """The objects the API server holds for the ones in `path`."""
    found = kubectl.json("get", f"--filename={path}")
    return found["items"] if found["kind"] == "List" else [found]


@pytest.mark.usefixtures("crds")
def test_crd_is_established(crd_path: Path, kubectl: Kubectl) -> None:
    for crd in live_objects(kubectl, crd_path):
        conditions = {condition["type"]: condition["status"] for condition in crd["status"]["conditions"]}
        assert conditions["NamesAccepted"] == "True", crd["status"]["conditions"]
        assert conditions["Established"] == "True", crd["status"]["conditions"]
        plural, group = crd["spec"]["names"]["plural"], crd["spec"]["group"]
        assert kubectl.json("get", f"{plural}.{group}", "--all-namespaces")["kind"] == "List"
