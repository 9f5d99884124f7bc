"""A paused Router (spec.paused) is not written to while its inputs change; its RouterState shows what an apply
would change, bounded in size and redacted; unpaused, frr-edge applies it all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.lab import router as router_lab
from controller.router.ssh.commands import APPLIED_NFT
from controller.router.state import PENDING_LIMIT
from tests.operator.conftest import ROUTER, Controller, World, apply_router, wait_for

PASSWORD = "PausedCanary7"
NEIGHBOR = {
    "apiVersion": "frr-edge.dev/v1alpha1",
    "kind": "FRRConfiguration",
    "metadata": {"name": "while-paused", "namespace": "frr-edge-system"},
    "spec": {
        "routerSelector": {"matchLabels": dict(router_lab.LAB_LABELS)},
        "bgp": {
            "routers": [{"asn": 64512, "neighbors": [{"address": "192.0.2.60", "asn": 64600, "password": PASSWORD}]}]
        },
    },
}
MANY = 300  # Services created while paused: their nft changes alone are far beyond the 8 KiB shown


@pytest.fixture(scope="module")
def controller(world: World) -> Iterator[Controller]:
    apply_router(world.kubectl, world.lab)  # the e2e tests before this module may have deleted it
    started = world.start_controller("paused")
    wait_for(lambda: world.sessions() == {"192.0.2.11": "Established", "192.0.2.12": "Established"}, 60, "sessions up")
    yield started
    started.stop()


def pause(world: World, paused: bool) -> None:
    world.kubectl("patch", "router", ROUTER, "--type=merge", f"--patch={json.dumps({'spec': {'paused': paused}})}")


def many_services(world: World) -> None:
    items = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": f"paused-{number}", "namespace": "shop"},
            # Ports apart: adjacent ones would join into one range, one line of the ruleset.
            "spec": {"type": "LoadBalancer", "ports": [{"port": 20000 + 7 * number, "protocol": "TCP"}]},
        }
        for number in range(MANY)
    ]
    world.kubectl("apply", "--filename=-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    core = world.core()
    for number in range(MANY):
        ingress = {"status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.20"}]}}}
        core.patch_namespaced_service_status(f"paused-{number}", "shop", ingress)


def test_a_paused_router_is_not_touched_shows_what_is_pending_and_unpaused_applies_it(
    world: World, controller: Controller
) -> None:
    applied_nft = Path(world.lab.workdir) / APPLIED_NFT
    running, table, written = world.running_config(), world.nft(), applied_nft.stat()

    pause(world, True)
    wait_for(lambda: world.condition("Paused").get("reason") == "NothingPending", 20, "Paused, nothing pending")
    world.kubectl("apply", "--filename=-", input=json.dumps(NEIGHBOR))
    many_services(world)

    wait_for(lambda: "cut at" in world.status().get("pendingChanges", ""), 30, "the Services' nft changes pending")
    wait_for(lambda: " neighbor 192.0.2.60 password <redacted>" in world.status().get("pendingChanges", ""), 20,
             "the new neighbor pending")  # fmt: skip
    status = world.status()
    pending = status["pendingChanges"]
    assert "# frr-edge diff: router lab-edge: FRR: " in pending
    # Only set elements change (the Services, the new neighbor's BGP peer): apply would load just those.
    assert "# frr-edge diff: router lab-edge: nftables: " in pending
    assert " set and map elements added, 0 removed, in one nft transaction:" in pending
    assert len(pending.encode()) <= PENDING_LIMIT
    assert f"# frr-edge: cut at {PENDING_LIMIT} bytes: " in pending, "300 Services' changes were not cut"
    assert PASSWORD not in json.dumps(world.router_state())
    paused = world.condition("Paused")
    assert (paused["status"], paused["reason"]) == ("True", "ChangesPending")
    assert world.condition("Ready")["reason"] == "Paused"
    router = world.kubectl.json("get", "router", ROUTER)
    assert {c["type"]: c["status"] for c in router["status"]["conditions"]} == {"Ready": "False", "Paused": "True"}
    # Nothing reached the router: not FRR, not nftables, not even the applied ruleset's file.
    assert world.running_config() == running
    assert world.nft() == table
    after = applied_nft.stat()
    assert (after.st_ino, after.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)

    pause(world, False)

    wait_for(lambda: "neighbor 192.0.2.60 remote-as 64600" in world.running_config(), 20, "the neighbor applied")
    wait_for(lambda: "203.0.113.20 . tcp . 22093" in world.nft(), 20, "the Services allowed")
    wait_for(lambda: world.condition("Paused").get("status") == "False", 20, "Paused=False")
    assert world.status().get("pendingChanges", "") == ""
    wait_for(lambda: world.condition("Ready").get("status") == "True", 20, "Ready again")
    world.kubectl("delete", "--filename=-", input=json.dumps(NEIGHBOR))
    core = world.core()
    for number in range(MANY):
        core.delete_namespaced_service(f"paused-{number}", "shop")
    wait_for(lambda: "192.0.2.60" not in world.running_config(), 20, "the neighbor removed again")
