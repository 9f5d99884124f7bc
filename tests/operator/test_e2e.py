"""The controller as users run it: real API server, real router (FRR, sshd, nft), `frr-edge run` processes.

The tests run in order and share one world: each starts from what the previous one left (documented
at each test), as a cluster's history does.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from controller.lab import router as router_lab
from controller.lab.demo import speaker_ready
from controller.router.ssh.commands import APPLIED_NFT
from tests.operator.conftest import FIXTURES, ROUTER, Controller, World, wait_for

KOPF_MARKS = ("kopf.zalando.org",)


@pytest.fixture(scope="module")
def leader(world: World) -> Controller:
    """Replica `a`, the first controller; it takes the Lease."""
    controller = world.start_controller("a")
    wait_for(lambda: controller.metric("frr_edge_leader") == 1, 30, "replica a leads")
    return controller


def test_metallb_router_applied_and_sessions_established(world: World, leader: Controller) -> None:
    """Given MetalLB with two ready speakers, the router peers with both and RouterState says so."""
    wait_for(lambda: world.sessions() == {"192.0.2.11": "Established", "192.0.2.12": "Established"}, 60,
             "RouterState lists both speakers Established")  # fmt: skip
    status = world.status()
    assert status["conversion"]["result"] == "Success"
    assert status["reload"]["result"] == "Success"
    assert status["sessionsSummary"] == "2/2"
    assert world.condition("Reachable")["status"] == "True"
    assert "sample-only-change-me" not in json.dumps(world.router_state()), "the BGP password leaked into status"
    state = world.router_state()
    router = world.kubectl.json("get", "router", ROUTER)
    assert state["metadata"]["ownerReferences"][0]["uid"] == router["metadata"]["uid"]
    assert leader.metric('frr_edge_bgp_session_up{peer="192.0.2.11"') == 1


def test_user_objects_are_left_untouched(world: World, leader: Controller) -> None:
    """No finalizer, annotation or spec field written by frr-edge on the objects users (or Argo CD) own.

    The Router's status subresource is frr-edge's to write (its Ready column, Argo CD's health check):
    a status field manager does not share fields with what users apply, so it causes no drift.
    """
    for kind, name, namespace in (
        ("router", ROUTER, None),
        ("bgppeer", "lab-edge", "metallb-system"),
        ("node", "node-s1", None),
        ("secret", f"{ROUTER}-ssh", "frr-edge-system"),
    ):
        where = [f"--namespace={namespace}"] if namespace else []
        document = world.kubectl.json("get", kind, name, *where)
        metadata = document["metadata"]
        assert not metadata.get("finalizers"), f"{kind} {name} got finalizers"
        marks = [key for key in metadata.get("annotations", {}) if any(m in key for m in KOPF_MARKS)]
        assert not marks, f"{kind} {name} got annotations {marks}"
        managers = {
            entry["manager"] for entry in metadata.get("managedFields", []) if entry.get("subresource") != "status"
        }
        assert not any("kopf" in m or "python" in m or "frr-edge" in m for m in managers), (kind, managers)
    router = world.kubectl.json("get", "router", ROUTER)
    [ready] = router["status"]["conditions"]
    assert (ready["type"], ready["status"]) == ("Ready", "True")
    assert router["status"]["observedGeneration"] == router["metadata"]["generation"]


def test_service_is_allowed_within_3_seconds(world: World, leader: Controller) -> None:
    """A LoadBalancer Service whose address MetalLB has just written is let through by the router in < 3 s."""
    world.service("shop", "web", "203.0.113.10", [80])
    seconds = wait_for(lambda: "203.0.113.10 . tcp . 80" in world.nft(), 3, "web allowed by the router")
    print(f"service allowed after {seconds:.2f} s")


def test_bad_annotation_is_an_event_and_everything_else_applies(world: World, leader: Controller) -> None:
    """A malformed rate limit skips only that limit: Event on the Service, its port and the others allowed."""
    world.service("shop", "api", "203.0.113.11", [443], {"frr-edge.dev/rate-limit": "fast please"})
    wait_for(lambda: "203.0.113.11 . tcp . 443" in world.nft(), 5, "api allowed despite its annotation")
    assert "203.0.113.10 . tcp . 80" in world.nft()
    wait_for(lambda: world.events("shop", "Service", "api"), 5, "Event on Service shop/api")
    event = world.events("shop", "Service", "api")[0]
    assert event["type"] == "Warning" and event["reason"] == "AnnotationRejected"
    assert "frr-edge.dev/rate-limit" in event["message"]


def test_a_metallb_field_the_router_does_not_mirror_is_an_event_and_a_condition(
    world: World, leader: Controller
) -> None:
    """A BGPPeer `vrf` (the speaker's VRF; issue 12): Warning Event on the BGPPeer, InputsAccepted=False in
    RouterState naming it; Ready stays True; removed, the condition no longer names it."""
    world.kubectl(
        "patch", "bgppeer", "lab-edge", "--namespace=metallb-system", "--type=merge", '--patch={"spec": {"vrf": "red"}}'
    )
    mentioned = "BGPPeer metallb-system/lab-edge: spec.vrf: not mirrored"
    wait_for(lambda: mentioned in world.condition("InputsAccepted").get("message", ""), 10, "InputsAccepted names it")
    # The Service with the rejected annotation (above) is still there: two kinds of warning at once.
    assert world.condition("InputsAccepted")["status"] == "False"
    wait_for(lambda: world.events("metallb-system", "BGPPeer", "lab-edge"), 5, "Event on BGPPeer lab-edge")
    [event] = world.events("metallb-system", "BGPPeer", "lab-edge")
    assert event["type"] == "Warning" and event["reason"] == "FieldNotMirrored" and "spec.vrf" in event["message"]
    assert world.condition("Ready")["status"] == "True"
    world.kubectl(
        "patch",
        "bgppeer",
        "lab-edge",
        "--namespace=metallb-system",
        "--type=json",
        '--patch=[{"op": "remove", "path": "/spec/vrf"}]',
    )
    wait_for(lambda: mentioned not in world.condition("InputsAccepted").get("message", ""), 10, "no longer named")


def test_burst_of_changes_coalesces(world: World, leader: Controller) -> None:
    """500 Services' addresses written as fast as the API server takes them: converged in a few applies."""
    documents = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": f"burst-{number}", "namespace": "shop"},
            "spec": {"type": "LoadBalancer", "ports": [{"port": 10000 + number, "protocol": "TCP"}]},
        }
        for number in range(500)
    ]
    world.kubectl("apply", "--filename=-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": documents}))
    time.sleep(3)  # the creations (no address yet) are applied; the burst is the addresses
    core = world.core()
    before = leader.metric("frr_edge_applies_total")
    started = time.monotonic()
    for number in range(500):
        ingress = {"status": {"loadBalancer": {"ingress": [{"ip": f"203.0.113.{100 + number % 50}"}]}}}
        core.patch_namespaced_service_status(f"burst-{number}", "shop", ingress)
    written = time.monotonic() - started
    wait_for(lambda: "203.0.113.149 . tcp . 10499" in world.nft(), 30, "the last Service of the burst allowed")
    converged = time.monotonic() - started
    time.sleep(2)  # an apply is counted once its run has also read the sessions back
    applies = leader.metric("frr_edge_applies_total") - before
    print(f"burst: 500 addresses written in {written:.1f} s, converged after {converged:.1f} s, {applies:.0f} applies")
    table = world.nft()
    assert all(f"203.0.113.{100 + n % 50} . tcp . {10000 + n}" in table for n in range(500))
    # At most one run per debounce window (1 s) while the writes last, and one after: not one per write.
    assert 1 <= applies <= written + 3, applies


def test_conflicting_configurations_keep_the_last_good_config(world: World, leader: Controller) -> None:
    """Two FRRConfigurations disagreeing on a neighbor: RouterState names both; the router keeps its config."""
    running = world.running_config()
    documents = [
        {
            "apiVersion": "frr-edge.dev/v1alpha1",
            "kind": "FRRConfiguration",
            "metadata": {"name": name, "namespace": "frr-edge-system"},
            "spec": {
                "routerSelector": {"matchLabels": dict(router_lab.LAB_LABELS)},
                "bgp": {"routers": [{"asn": 64512, "neighbors": [{"address": "192.0.2.50", "asn": asn}]}]},
            },
        }
        for name, asn in (("team-a", 64600), ("team-b", 64601))
    ]
    world.kubectl("apply", "--filename=-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": documents}))
    wait_for(lambda: world.condition("ConfigValid").get("status") == "False", 10, "ConfigValid=False")
    message = world.status()["conversion"]["message"]
    assert "team-a" in message and "team-b" in message, message
    assert world.condition("ConfigValid")["reason"] == "MergeConflict"
    wait_for(lambda: world.condition("Ready").get("status") == "False", 10, "RouterState Ready=False")
    assert world.condition("Ready")["reason"] == "MergeConflict"
    columns = world.kubectl("get", "router", ROUTER, "--no-headers").split()
    assert columns[3] == "False", columns  # NAME ADDRESS OWNERSHIP READY AGE
    wait_for(lambda: any(e["reason"] == "MergeConflict" for e in world.events("default", "Router", ROUTER)), 5,
             "MergeConflict Event on the Router")  # fmt: skip
    assert "192.0.2.50" not in world.running_config()
    assert world.running_config() == running
    world.kubectl("delete", "frrconfiguration", "team-a", "team-b", "--namespace=frr-edge-system")
    wait_for(lambda: world.condition("ConfigValid").get("status") == "True", 10, "ConfigValid=True again")


CANARY = "CanaryE2e9"


def test_canary_secrets_reach_no_status_event_or_log(world: World, leader: Controller) -> None:
    """Secrets in a raw snippet (applied, then broken on its password line) and in a Secret frr-edge refuses
    appear in no RouterState, Event or log; the router's running config is shown redacted (issue 11)."""

    def configuration(name: str, spec: dict[str, object]) -> dict[str, object]:
        selector = {"routerSelector": {"matchLabels": dict(router_lab.LAB_LABELS)}}
        return {
            "apiVersion": "frr-edge.dev/v1alpha1",
            "kind": "FRRConfiguration",
            "metadata": {"name": name, "namespace": "frr-edge-system"},
            "spec": {**selector, **spec},
        }

    raw = f"router bgp 64512\n neighbor 192.0.2.70 remote-as 64999\n neighbor 192.0.2.70 password {CANARY}k\n"
    keys = configuration("canary-keys", {"raw": {"rawConfig": raw}})
    world.kubectl("apply", "--filename=-", input=json.dumps(keys))
    wait_for(lambda: "neighbor 192.0.2.70 remote-as" in world.running_config(), 10, "the raw neighbor applied")
    assert f"neighbor 192.0.2.70 password {CANARY}k" in world.running_config()  # on the router, as asked
    wait_for(lambda: "192.0.2.70 password <redacted>" in world.status().get("runningConfig", ""), 10, "shown redacted")
    assert CANARY not in json.dumps(world.router_state())

    broken = configuration(
        "canary-broken", {"raw": {"rawConfig": f"router bgp 64512\n neighbor 192.0.2.60 password {CANARY}r extra\n"}}
    )
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "canary-secret", "namespace": "frr-edge-system"},
        "type": "kubernetes.io/basic-auth",
        "stringData": {"password": f"{CANARY}s with spaces"},
    }
    user = configuration(
        "canary-user",
        {"bgp": {"routers": [{"asn": 64512, "neighbors": [
            {"address": "192.0.2.61", "asn": 64600, "passwordSecret": {"name": "canary-secret"}}
        ]}]}},
    )  # fmt: skip
    for documents in ([broken], [secret, user]):
        listed = json.dumps({"apiVersion": "v1", "kind": "List", "items": documents})
        world.kubectl("apply", "--filename=-", input=listed)
        wait_for(lambda: world.condition("ConfigValid").get("status") == "False", 10, "ConfigValid=False")
        assert CANARY not in json.dumps(world.router_state())
        world.kubectl("delete", "--filename=-", input=listed)
        wait_for(lambda: world.condition("ConfigValid").get("status") == "True", 10, "ConfigValid=True again")
    world.kubectl("delete", "--filename=-", input=json.dumps(keys))
    events = world.kubectl("get", "events", "--all-namespaces", "--output=json")
    assert "canary-broken" in events and "canary-user" in events, "the refusals were not reported"
    assert CANARY not in events
    for controller in world.controllers:
        assert CANARY not in controller.log_text(), controller.log


def test_unreachable_router_recovers_with_changes_made_meanwhile(world: World, leader: Controller) -> None:
    """sshd stopped (and its connections cut): Reachable=False; started again: the change made meanwhile lands."""
    router_lab.stop_sshd(world.lab)
    for pid in world.sshd_children():
        subprocess.run(["kill", str(pid)], check=False)
    world.service("shop", "during-outage", "203.0.113.12", [8080])
    wait_for(lambda: world.condition("Reachable").get("status") == "False", 20, "Reachable=False")
    assert "203.0.113.12 . tcp . 8080" not in world.nft()
    wait_for(lambda: any(e["reason"] == "RouterUnreachable" for e in world.events("default", "Router", ROUTER)), 5,
             "RouterUnreachable Event on the Router")  # fmt: skip
    router_lab.start_sshd(world.lab)
    wait_for(lambda: world.condition("Reachable").get("status") == "True", 20, "Reachable=True again")
    wait_for(lambda: "203.0.113.12 . tcp . 8080" in world.nft(), 10, "the Service created meanwhile allowed")
    assert "203.0.113.10 . tcp . 80" in world.nft()


def test_unknown_host_key_is_refused(world: World, leader: Controller) -> None:
    """A Router pinning another host key: frr-edge refuses to connect and says why; pinned again, it recovers."""
    other = world.directory / "other_host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    pinned = json.dumps({"spec": {"hostKeys": [other.with_suffix(".pub").read_text().strip()]}})
    world.kubectl("patch", "router", ROUTER, "--type=merge", f"--patch={pinned}")
    wait_for(
        lambda: world.condition("Reachable").get("reason") == "HostKeyMismatch", 20, "Reachable=False, HostKeyMismatch"
    )
    restored = json.dumps({"spec": {"hostKeys": [world.lab.host_key]}})
    world.kubectl("patch", "router", ROUTER, "--type=merge", f"--patch={restored}")
    wait_for(lambda: world.condition("Reachable").get("status") == "True", 20, "Reachable=True again")


def test_departed_speaker_neighbor_goes_after_its_session_drops(world: World, leader: Controller) -> None:
    """s2's Node and speaker Pod deleted: its neighbor stays while Established, and goes once the session drops."""
    established = {"192.0.2.11": "Established", "192.0.2.12": "Established"}
    wait_for(lambda: world.sessions() == established, 30, "both sessions Established")
    speaker = world.lab.speakers[1]
    world.kubectl("delete", "pod", "speaker-s2", "--namespace=metallb-system", "--grace-period=0", "--force")
    world.kubectl("delete", "node", "node-s2")
    time.sleep(4)  # several debounce windows: the controller has rendered s2 away by now
    assert "neighbor 192.0.2.12 remote-as" in world.running_config(), "removed while its session was up"
    world.lab.vtysh(speaker.namespace, "configure terminal", "router bgp 64513", "neighbor 192.0.2.1 shutdown")
    wait_for(lambda: "neighbor 192.0.2.12 remote-as" not in world.running_config(), 20, "s2's neighbor removed")
    assert "neighbor 192.0.2.11 remote-as" in world.running_config()
    world.lab.vtysh(speaker.namespace, "configure terminal", "router bgp 64513", "no neighbor 192.0.2.1 shutdown")
    world.kubectl("apply", f"--filename={FIXTURES / 'metallb-lab.yaml'}")
    speaker_ready(world.kubectl, speaker)
    wait_for(lambda: world.sessions() == established, 60, "s2 back and Established")


def test_restart_causes_no_reload(world: World, leader: Controller) -> None:
    """A controller restarted with nothing changed writes nothing to the router."""
    wait_for(lambda: set(world.sessions().values()) == {"Established"}, 30, "sessions Established")
    applied_nft = Path(world.lab.workdir) / APPLIED_NFT
    before = applied_nft.stat()
    leader.stop()
    restarted = world.start_controller("a2")
    wait_for(lambda: restarted.metric("frr_edge_applies_total") >= 1, 40, "the restarted controller's first run")
    assert restarted.metric('frr_edge_applies_total{method="none"') >= 1
    assert restarted.metric('frr_edge_applies_total{method="delta"') == 0
    assert restarted.metric('frr_edge_applies_total{method="frr-reload"') == 0
    after = applied_nft.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), "the nft ruleset was loaded again"
    restarted.stop()


def test_a_restart_during_a_grace_period_keeps_the_neighbor_until_the_period_ends(world: World) -> None:
    """s2 gone with its session Established: RouterState records since when; a controller started in the grace
    period reads it back and keeps the neighbor as it was (no write), until the period counted from then ends."""
    grace = 60
    graced = json.dumps({"spec": {"metallb": {"gracePeriodSeconds": grace}}})
    world.kubectl("patch", "router", ROUTER, "--type=merge", f"--patch={graced}")
    first = world.start_controller("g1")
    established = {"192.0.2.11": "Established", "192.0.2.12": "Established"}
    wait_for(lambda: world.sessions() == established, 60, "both sessions Established")
    world.kubectl("delete", "pod", "speaker-s2", "--namespace=metallb-system", "--grace-period=0", "--force")
    world.kubectl("delete", "node", "node-s2")
    wait_for(lambda: world.status().get("departures"), 20, "RouterState records s2's departure")
    [departure] = world.status()["departures"]
    assert (departure["vrf"], departure["peer"]) == ("default", "192.0.2.12")
    assert "password" not in departure["neighbor"]
    assert router_lab.BGP_PASSWORD not in json.dumps(world.router_state())
    first.stop()
    since = datetime.fromisoformat(departure["since"])

    second = world.start_controller("g2")
    wait_for(lambda: second.metric("frr_edge_applies_total") >= 1, 40, "the restarted controller's first run")
    in_grace = datetime.now(UTC) - since

    assert in_grace < timedelta(seconds=grace), "the restart took longer than the grace period"
    assert "neighbor 192.0.2.12 remote-as" in world.running_config(), "removed at once by the restarted controller"
    assert second.metric('frr_edge_applies_total{method="none"') >= 1
    assert second.metric('frr_edge_applies_total{method="delta"') == 0
    assert second.metric('frr_edge_applies_total{method="frr-reload"') == 0
    assert world.status()["departures"] == [departure]

    wait_for(lambda: "neighbor 192.0.2.12 remote-as" not in world.running_config(), grace + 30, "s2's neighbor removed")
    removed_after = datetime.now(UTC) - since
    print(f"restarted {in_grace.total_seconds():.1f} s into the grace period; removed after {removed_after}")
    assert removed_after >= timedelta(seconds=grace)
    wait_for(lambda: not world.status().get("departures"), 10, "no departure left in RouterState")

    world.kubectl("apply", f"--filename={FIXTURES / 'metallb-lab.yaml'}")
    speaker_ready(world.kubectl, world.lab.speakers[1])
    wait_for(lambda: world.sessions() == established, 60, "s2 back and Established")
    ungraced = json.dumps([{"op": "remove", "path": "/spec/metallb/gracePeriodSeconds"}])
    world.kubectl("patch", "router", ROUTER, "--type=json", f"--patch={ungraced}")
    second.stop()


def test_leader_killed_other_replica_takes_over(world: World, leader: Controller) -> None:
    """Two replicas: one applies; the leader killed with SIGKILL, the other takes the Lease and applies."""
    first = world.start_controller("b")
    wait_for(lambda: first.metric("frr_edge_leader") == 1, 30, "replica b leads")
    second = world.start_controller("c")
    time.sleep(3)
    assert second.metric("frr_edge_leader") == 0, "two leaders at once"
    world.service("shop", "before-failover", "203.0.113.13", [8081])
    wait_for(lambda: "203.0.113.13 . tcp . 8081" in world.nft(), 5, "the leader applies")
    assert second.metric("frr_edge_applies_total") == 0, "the follower applied"
    first.stop(signal.SIGKILL)
    seconds = wait_for(lambda: second.metric("frr_edge_leader") == 1, 20, "replica c takes over")
    world.service("shop", "after-failover", "203.0.113.14", [8082])
    wait_for(lambda: "203.0.113.14 . tcp . 8082" in world.nft(), 5, "the new leader applies")
    print(f"takeover after {seconds:.1f} s")
    second.stop()


def test_deleted_router_takes_its_routerstate_along(world: World) -> None:
    """A Router deleted: its worker stops, and its RouterState goes with it (owner reference, garbage collector)."""
    controller = world.start_controller("d")
    wait_for(lambda: controller.metric("frr_edge_router_reachable") == 1, 30, "replica d reaches the router")
    world.kubectl("delete", "router", ROUTER)
    wait_for(lambda: not world.router_state(), 30, "RouterState deleted")
    wait_for(lambda: controller.metric("frr_edge_router_reachable") == 0, 10, "the router's series forgotten")
    time.sleep(3)
    assert not world.router_state(), "a worker wrote the RouterState of a deleted Router again"
    controller.stop()


def test_logs_hold_no_secret(world: World) -> None:
    """Whatever happened above, no controller logged the BGP password or the SSH private key."""
    key = world.lab.ssh_key.read_text().splitlines()[1]
    for controller in world.controllers:
        text = controller.log_text()
        assert router_lab.BGP_PASSWORD not in text, controller.log
        assert key not in text, controller.log
