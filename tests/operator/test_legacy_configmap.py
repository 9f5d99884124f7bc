"""MetalLB <= 0.12's ConfigMap `config` is watched: the router follows it, and follows an edit of it.

The Router's MetalLB namespace is switched to one holding only the legacy ConfigMap and speaker Pods for
the lab's two speakers (no MetalLB CRD objects there, so frr-edge reads the ConfigMap); then the ConfigMap's
hold time is edited, and the router's neighbors change with it, without any other write.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from controller.lab import router as router_lab
from controller.lab.demo import write_status
from controller.offline import dump_yaml
from tests.operator.conftest import ROUTER, Controller, World, apply_router, wait_for

LEGACY = "metallb-legacy"


def legacy_config(hold_time: str) -> dict[str, object]:
    config = {
        "peers": [
            {
                "peer-address": router_lab.ROUTER_LAN,
                "peer-asn": router_lab.ROUTER_ASN,
                "my-asn": router_lab.SPEAKER_ASN,
                "password": router_lab.BGP_PASSWORD,
                "hold-time": hold_time,
            }
        ],
        "address-pools": [{"name": "public", "protocol": "bgp", "addresses": ["203.0.113.0/24"]}],
    }
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "config", "namespace": LEGACY},
        "data": {"config": dump_yaml([config])},
    }


@pytest.fixture(scope="module")
def controller(world: World) -> Iterator[Controller]:
    """MetalLB's legacy namespace with speakers on the lab's nodes, and a controller that may read it."""
    kubectl = world.kubectl
    kubectl("create", "namespace", LEGACY)
    kubectl(
        "create", "rolebinding", "frr-edge-metallb-reader", f"--namespace={LEGACY}",
        "--clusterrole=frr-edge-metallb-reader", "--serviceaccount=frr-edge-system:frr-edge",
    )  # fmt: skip
    for speaker in world.lab.speakers:
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"speaker-{speaker.name}", "namespace": LEGACY,
                         "labels": {"app": "metallb", "component": "speaker"}},
            "spec": {"nodeName": f"node-{speaker.name}", "hostNetwork": True,
                     "containers": [{"name": "speaker", "image": "quay.io/metallb/speaker:v0.12.1"}]},
        }  # fmt: skip
        kubectl("apply", "--filename=-", input=json.dumps(pod))
        ready = {"conditions": [{"type": "Ready", "status": "True"}], "podIPs": [{"ip": speaker.address}]}
        write_status(kubectl, "pod", f"speaker-{speaker.name}", LEGACY, ready)
    kubectl("apply", "--filename=-", input=json.dumps(legacy_config("90s")))
    apply_router(kubectl, world.lab)  # the e2e tests before this module may have deleted it
    started = world.start_controller("legacy", "--metallb-namespace", "metallb-system", "--metallb-namespace", LEGACY)
    yield started
    back = json.dumps({"spec": {"metallb": {"namespace": None}}})  # the default again: metallb-system
    kubectl("patch", "router", ROUTER, "--type=merge", f"--patch={back}")
    started.stop()


def test_the_router_follows_the_legacy_configmap_and_an_edit_of_it(world: World, controller: Controller) -> None:
    patch = json.dumps({"spec": {"metallb": {"enabled": True, "namespace": LEGACY}}})
    world.kubectl("patch", "router", ROUTER, "--type=merge", f"--patch={patch}")
    wait_for(
        lambda: "neighbor 192.0.2.11 timers 30 90" in world.running_config(), 20, "hold time 90s from the ConfigMap"
    )
    assert "neighbor 192.0.2.12 timers 30 90" in world.running_config()

    world.kubectl("apply", "--filename=-", input=json.dumps(legacy_config("60s")))

    seconds = wait_for(
        lambda: "neighbor 192.0.2.11 timers 20 60" in world.running_config(), 20, "hold time 60s after the edit"
    )
    print(f"ConfigMap edit applied after {seconds:.1f} s")
    wait_for(
        lambda: world.sessions() == {"192.0.2.11": "Established", "192.0.2.12": "Established"},
        60,
        "both speakers Established with the legacy configuration",
    )
    assert world.condition("ConfigValid")["status"] == "True"
