"""`kubectl get routers,routerstates` shows what a user looks for first, from the status frr-edge writes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from controller.lab.kubectl import Kubectl

ROUTER = Path(__file__).parent / "fixtures" / "printer-columns.yaml"


def tables(output: str) -> dict[str, list[dict[str, str]]]:
    """kubectl's tables, one per resource type, as rows of column -> value keyed by the NAME's type."""
    found: dict[str, list[dict[str, str]]] = {}
    for block in output.strip().split("\n\n"):
        header, *rows = block.splitlines()
        columns = re.split(r"\s{2,}", header.strip())
        for row in rows:
            values = dict(zip(columns, re.split(r"\s{2,}", row.strip()), strict=True))
            resource, _, values["NAME"] = values["NAME"].partition("/")
            found.setdefault(resource, []).append(values)
    return found


@pytest.fixture
def router_with_status(kubectl: Kubectl, crds: object) -> Iterator[None]:
    kubectl("create", f"--filename={ROUTER}")
    with ROUTER.open() as stream:
        for resource in YAML(typ="safe").load_all(stream):
            status = json.dumps({"status": resource["status"]})
            name = f"{resource['kind'].lower()}/{resource['metadata']['name']}"
            kubectl("patch", name, "--subresource=status", "--type=merge", f"--patch={status}")
    yield
    kubectl("delete", f"--filename={ROUTER}")


@pytest.mark.usefixtures("router_with_status")
def test_get_routers_and_routerstates_shows_their_columns(kubectl: Kubectl) -> None:
    shown = tables(kubectl("get", "routers,routerstates"))

    (router,) = [row for row in shown["router.frr-edge.dev"] if row["NAME"] == "edge-printer"]
    assert router.items() >= {"ADDRESS": "192.0.2.254", "OWNERSHIP": "Full", "READY": "False"}.items()
    assert list(router) == ["NAME", "ADDRESS", "OWNERSHIP", "READY", "AGE"]
    (state,) = [row for row in shown["routerstate.frr-edge.dev"] if row["NAME"] == "edge-printer"]
    assert state.items() >= {"REACHABLE": "True", "CONFIG": "Success", "RELOAD": "Failed", "SESSIONS": "1/2"}.items()
    assert list(state) == ["NAME", "REACHABLE", "CONFIG", "RELOAD", "SESSIONS", "AGE"]
