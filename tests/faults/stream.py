"""A stream of random changes to the cluster, drawn from a seeded generator, and the test's own record of them.

Each change is one write a user or MetalLB makes: a LoadBalancer Service added (created, then its address
written as MetalLB's controller does), removed, or given other ports; a speaker leaving (its Pod, and
sometimes its Node, deleted; its FRR shuts its session, as a node that goes away stops talking) or coming
back; the user's FRRConfiguration given other neighbors, or deleted. Every write is retried until the API
server took it, since some faults take the API server away; the record of the change is appended *before*
the write, so whatever state the router shows was already announced (Firewall samples are judged against
it, oracle.py).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from controller.lab import router as router_lab

NAMESPACE = "shop"
ADDRESSES = tuple(f"203.0.113.{n}" for n in range(20, 60))  # inside MetalLB's pool (fixtures/metallb-lab.yaml)
PORTS = (80, 443, 1883, 5432, 6379, 8080, 8443, 9000, 9090, 9443)
USER_NEIGHBORS = {f"192.0.2.{n}": 64600 + n - 100 for n in range(100, 108)}  # nobody answers: Active, as wanted
USER_CONFIG = "faults-user"
GROUP, VERSION = "frr-edge.dev", "v1alpha1"
_RETRY_FOR = 120.0  # seconds: longer than any fault keeps the API server away
T = TypeVar("T")


@dataclass(frozen=True)
class Change:
    """One write, numbered in order; `firewall` is the set of allowed `IP . tcp . port` once it is made."""

    number: int
    kind: str
    what: str
    firewall: frozenset[str]
    at: float  # time.monotonic() when it was announced (just before the write)


@dataclass
class Inputs:
    """What the test has written so far: Services (address, ports), speakers present, the user's neighbors."""

    services: dict[str, tuple[str, tuple[int, ...]]] = field(default_factory=dict)
    speakers: set[str] = field(default_factory=set)
    neighbors: dict[str, int] = field(default_factory=dict)

    def firewall(self) -> frozenset[str]:
        """The Service IP:port the router must let through (frr-edge's allow sets), in nft's notation."""
        return frozenset(f"{ip} . tcp . {port}" for ip, ports in self.services.values() for port in ports)


def retried(call: Callable[[], T], what: str) -> T:
    """`call()` until the API server answers it; an answer other than 429 or 5xx is raised to the caller."""
    deadline = time.monotonic() + _RETRY_FOR
    while True:
        try:
            return call()
        except ApiException as error:
            if (error.status < 500 and error.status != 429) or time.monotonic() > deadline:
                raise
        except (urllib3.exceptions.HTTPError, OSError):
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


def _ignoring(status: int, call: Callable[[], object], what: str) -> None:
    try:
        retried(call, what)
    except ApiException as error:
        if error.status != status:
            raise


class Stream:
    """Draws and makes changes; `changes` is the announced history (read by the firewall sampler's checks)."""

    def __init__(self, rng: random.Random, api: client.ApiClient, lab: router_lab.RouterLab) -> None:
        self.rng = rng
        self.core = client.CoreV1Api(api)
        self.custom = client.CustomObjectsApi(api)
        self.lab = lab
        self.inputs = Inputs(speakers={s.name for s in lab.speakers})
        self.changes: list[Change] = []
        self.lock = threading.Lock()
        self._names = 0
        self._announce("start", "the world as installed")

    def _announce(self, kind: str, what: str) -> None:
        with self.lock:
            number = len(self.changes)
            self.changes.append(Change(number, kind, what, self.inputs.firewall(), time.monotonic()))
        print(f"{time.strftime('%H:%M:%S')} change {number}: {kind} {what}", flush=True)

    def history(self) -> list[Change]:
        with self.lock:
            return list(self.changes)

    # -- drawing -------------------------------------------------------------------------------------------

    def random_change(self) -> Change:
        """Draw one change that makes sense now, make it, and return its record."""
        choices: list[tuple[int, Callable[[], None]]] = [(5, self.add_service), (2, self.change_user_config)]
        if self.inputs.services:
            choices += [(3, self.remove_service), (3, self.change_ports)]
        if self.inputs.speakers:
            choices.append((1, self.speaker_leaves))
        if len(self.inputs.speakers) < len(self.lab.speakers):
            choices.append((3, self.speaker_joins))
        weights = [weight for weight, _ in choices]
        self.rng.choices([make for _, make in choices], weights)[0]()
        return self.changes[-1]

    def _ports(self) -> tuple[int, ...]:
        return tuple(sorted(self.rng.sample(PORTS, self.rng.randint(1, 3))))

    # -- Services ------------------------------------------------------------------------------------------

    def add_service(self) -> None:
        self._names += 1
        name = f"svc-{self._names}"
        ip, ports = self.rng.choice(ADDRESSES), self._ports()
        body: Any = {
            "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"type": "LoadBalancer", "ports": [{"name": f"p{p}", "port": p, "protocol": "TCP"} for p in ports]},
        }
        _ignoring(409, lambda: self.core.create_namespaced_service(NAMESPACE, body), f"create Service {name}")
        self.inputs.services[name] = (ip, ports)
        self._announce("service-add", f"{name} {ip} {ports}")
        ingress = {"status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}
        retried(lambda: self.core.patch_namespaced_service_status(name, NAMESPACE, ingress), f"address of {name}")

    def remove_service(self) -> None:
        name = self.rng.choice(sorted(self.inputs.services))
        del self.inputs.services[name]
        self._announce("service-remove", name)
        _ignoring(404, lambda: self.core.delete_namespaced_service(name, NAMESPACE), f"delete Service {name}")

    def change_ports(self) -> None:
        name = self.rng.choice(sorted(self.inputs.services))
        ip, _ = self.inputs.services[name]
        ports = self._ports()
        self.inputs.services[name] = (ip, ports)
        self._announce("service-ports", f"{name} {ports}")
        patch = [{"op": "replace", "path": "/spec/ports", "value": [
            {"name": f"p{p}", "port": p, "protocol": "TCP"} for p in ports
        ]}]  # fmt: skip
        retried(lambda: self.core.patch_namespaced_service(name, NAMESPACE, patch), f"ports of {name}")

    # -- speakers ------------------------------------------------------------------------------------------

    def _speaker(self, name: str) -> router_lab.Speaker:
        return next(speaker for speaker in self.lab.speakers if speaker.name == name)

    def _session(self, speaker: router_lab.Speaker, up: bool) -> None:
        self.lab.vtysh(
            speaker.namespace,
            "configure terminal",
            f"router bgp {router_lab.SPEAKER_ASN}",
            f"{'no ' if up else ''}neighbor {router_lab.ROUTER_LAN} shutdown",
        )

    def speaker_leaves(self) -> None:
        name = self.rng.choice(sorted(self.inputs.speakers))
        self.inputs.speakers.discard(name)
        node_too = self.rng.random() < 0.5
        self._announce("speaker-leave", f"{name}{' with its Node' if node_too else ''}")
        pod = f"speaker-{name}"
        _ignoring(404, lambda: self.core.delete_namespaced_pod(pod, "metallb-system", grace_period_seconds=0), pod)
        if node_too:
            _ignoring(404, lambda: self.core.delete_node(f"node-{name}"), f"node-{name}")
        self._session(self._speaker(name), up=False)

    def speaker_joins(self) -> None:
        name = self.rng.choice(sorted({s.name for s in self.lab.speakers} - self.inputs.speakers))
        speaker = self._speaker(name)
        self.inputs.speakers.add(name)
        self._announce("speaker-join", name)
        self._session(speaker, up=True)
        node: Any = {"metadata": {"name": f"node-{name}", "labels": {"kubernetes.io/hostname": f"node-{name}"}}}
        _ignoring(409, lambda: self.core.create_node(node), f"node-{name}")
        pod: Any = {
            "metadata": {
                "name": f"speaker-{name}",
                "namespace": "metallb-system",
                "labels": {"app.kubernetes.io/name": "metallb", "app.kubernetes.io/component": "speaker"},
            },
            "spec": {
                "nodeName": f"node-{name}",
                "hostNetwork": True,
                "containers": [{"name": "speaker", "image": "quay.io/metallb/speaker:v0.14.8"}],
            },
        }
        _ignoring(409, lambda: self.core.create_namespaced_pod("metallb-system", pod), f"speaker-{name}")
        addresses = {"status": {"addresses": [{"type": "InternalIP", "address": speaker.address}]}}
        retried(lambda: self.core.patch_node_status(f"node-{name}", addresses), f"node-{name} status")
        ready = {"status": {"conditions": [{"type": "Ready", "status": "True"}], "podIPs": [{"ip": speaker.address}]}}
        retried(
            lambda: self.core.patch_namespaced_pod_status(f"speaker-{name}", "metallb-system", ready),
            f"speaker-{name} status",
        )

    # -- the user's FRRConfiguration -----------------------------------------------------------------------

    def change_user_config(self) -> None:
        chosen = self.rng.sample(sorted(USER_NEIGHBORS), self.rng.randint(0, 3))
        self.inputs.neighbors = {address: USER_NEIGHBORS[address] for address in sorted(chosen)}
        self._announce("frrconfiguration", f"neighbors {sorted(chosen)}" if chosen else "deleted")
        arguments = (GROUP, VERSION, "frr-edge-system", "frrconfigurations")
        if not chosen:
            _ignoring(404, lambda: self.custom.delete_namespaced_custom_object(*arguments, USER_CONFIG), USER_CONFIG)
            return
        body: dict[str, Any] = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "FRRConfiguration",
            "metadata": {"name": USER_CONFIG, "namespace": "frr-edge-system"},
            "spec": {
                "routerSelector": {"matchLabels": dict(router_lab.LAB_LABELS)},
                "bgp": {"routers": [{"asn": router_lab.ROUTER_ASN, "neighbors": [
                    {"address": address, "asn": asn} for address, asn in self.inputs.neighbors.items()
                ]}]},
            },
        }  # fmt: skip
        try:
            retried(lambda: self.custom.create_namespaced_custom_object(*arguments, body), USER_CONFIG)
        except ApiException as error:
            if error.status != 409:
                raise
            patch = {"spec": body["spec"]}  # a merge patch: the lists in it replace those there
            retried(lambda: self.custom.patch_namespaced_custom_object(*arguments, USER_CONFIG, patch), USER_CONFIG)
