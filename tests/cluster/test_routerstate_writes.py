"""RouterState status writes on the real API server: only what changed is sent while the RouterState is as
the controller left it, and the whole status again after anyone else wrote to it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from kubernetes import config

from controller.api.common import GROUP, VERSION
from controller.api.routerstate import RouterState, RouterStateStatus
from controller.lab import cluster as lab
from controller.lab.kubectl import Kubectl
from controller.operator.kube import KubeWriter

NAME = "edge-writes"
# The owner of the RouterState: a real Router (the lab's garbage collector deletes what an absent one owns).
ROUTER: dict[str, Any] = {
    "apiVersion": f"{GROUP}/{VERSION}",
    "kind": "Router",
    "metadata": {"name": NAME},
    "spec": {
        "address": "192.0.2.254",
        "user": "frr-edge",
        "sshKeySecretRef": {"namespace": "frr-edge-system", "name": "edge-writes-ssh"},
        "insecureIgnoreHostKey": True,
    },
}
RUNNING = "frr version 8.4.4\n" + "".join(f"neighbor 198.18.{n // 250}.{n % 250} remote-as 1\n" for n in range(2000))


def _state(summary: str, running: str = RUNNING) -> RouterState:
    status = RouterStateStatus(running_config=running, sessions_summary=summary, observed_generation=1)
    return RouterState.model_validate({"metadata": {"name": NAME}, "status": status.model_dump(by_alias=True)})


def _shown(kubectl: Kubectl) -> dict[str, Any]:
    status: dict[str, Any] = json.loads(kubectl("get", f"routerstate/{NAME}", "--output=json"))["status"]
    return status


@pytest.mark.usefixtures("crds")
def test_only_changed_status_fields_are_sent_until_someone_else_writes(cluster: lab.Cluster, kubectl: Kubectl) -> None:
    api = config.new_client_from_config(str(cluster.kubeconfig))  # type: ignore[no-untyped-call]
    router = json.loads(kubectl("create", "--filename=-", "--output=json", input=json.dumps(ROUTER)))
    writer = KubeWriter(api, "test")
    sent: list[dict[str, Any]] = []
    patch = writer._custom.patch_cluster_custom_object_status  # what reaches the real API server, recorded

    def recorded(*arguments: Any) -> Any:
        sent.append(arguments[-1])
        return patch(*arguments)

    writer._custom.patch_cluster_custom_object_status = recorded  # type: ignore[method-assign]
    try:
        asyncio.run(writer.publish_state(router, _state("0/2000")))
        assert _shown(kubectl)["runningConfig"] == RUNNING
        assert sent[-1]["status"]["runningConfig"] == RUNNING  # created: all of it

        asyncio.run(writer.publish_state(router, _state("2/2000")))
        assert sent[-1]["status"] == {"sessionsSummary": "2/2000"}  # the running config is the same: not sent
        assert _shown(kubectl).items() >= {"runningConfig": RUNNING, "sessionsSummary": "2/2000"}.items()

        # Someone else writes: the next write cannot be a difference from what this writer wrote last.
        tampered = json.dumps({"status": {"runningConfig": "tampered\n", "sessionsSummary": "9/9"}})
        kubectl("patch", f"routerstate/{NAME}", "--subresource=status", "--type=merge", f"--patch={tampered}")
        asyncio.run(writer.publish_state(router, _state("2/2000")))
        assert _shown(kubectl).items() >= {"runningConfig": RUNNING, "sessionsSummary": "2/2000"}.items()
        assert sent[-1]["status"]["runningConfig"] == RUNNING

        # Deleted: created again, whole.
        kubectl("delete", f"routerstate/{NAME}")
        asyncio.run(writer.publish_state(router, _state("2/2000")))
        assert _shown(kubectl).items() >= {"runningConfig": RUNNING, "sessionsSummary": "2/2000"}.items()
    finally:
        kubectl("delete", f"routerstate/{NAME}", f"router/{NAME}", "--ignore-not-found")
        api.close()  # type: ignore[no-untyped-call]
