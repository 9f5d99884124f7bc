"""e2e tier: a real API server, the router lab and `frr-edge run` as separate processes, one of each per session.

The world the tests start from: frr-edge's CRDs, MetalLB's CRDs, deploy/rbac, MetalLB configured for the
lab's two speakers (fixtures/metallb-lab.yaml, with Node and Pod status written as the kubelet would), and
the lab's Router with MetalLB integration on. The controller runs as the frr-edge ServiceAccount.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config
from ruamel.yaml import YAML

from controller.lab import cluster as cluster_lab
from controller.lab import metallb_crds
from controller.lab import router as router_lab
from controller.lab.demo import speaker_ready, write_status
from controller.lab.kubectl import Kubectl
from controller.lab.processes import free_port
from controller.offline import dump_yaml

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
ROUTER = router_lab.ROUTER_NAME
# Short timings so failures and takeovers happen within a test; the debounce window is the default.
CONTROLLER_ARGS = ("--resync", "10", "--backoff-max", "4", "--lease-duration", "6", "--connect-timeout", "3")


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> float:
    """Seconds until condition() is true; fails the test naming `what` after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)
    return time.monotonic() - started


@dataclass
class Controller:
    """One `frr-edge run` process (a replica), its log and its metrics endpoint."""

    identity: str
    log: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    def metrics(self) -> dict[str, float]:
        """Every sample of /metrics, keyed by its series line (name and labels)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as response:
            text = response.read().decode()
        samples = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                series, _, value = line.rpartition(" ")
                samples[series] = float(value)
        return samples

    def metric(self, prefix: str) -> float:
        """The sum of every series starting with `prefix`."""
        try:
            return sum(value for series, value in self.metrics().items() if series.startswith(prefix))
        except OSError:
            return -1

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class World:
    """Everything the e2e tests drive: the cluster, the router lab, and the controllers started so far."""

    cluster: cluster_lab.Cluster
    lab: router_lab.RouterLab
    directory: Path
    controllers: list[Controller] = field(default_factory=list)

    @property
    def kubectl(self) -> Kubectl:
        return self.cluster.kubectl

    def start_controller(self, identity: str, *extra: str, ready_within: float = 60) -> Controller:
        controller = Controller(identity, self.directory / f"controller-{identity}.log", free_port())
        argv = [
            sys.executable, "-m", "controller", "run",
            "--kubeconfig", str(self.cluster.controller_kubeconfig),
            "--metrics-address", f"127.0.0.1:{controller.port}",
            "--identity", identity,
            "--secret-namespace", "frr-edge-system", "--secret-namespace", "metallb-system",
            *CONTROLLER_ARGS, *extra,
        ]  # fmt: skip
        with controller.log.open("ab") as log:
            controller.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        self.controllers.append(controller)
        wait_for(controller.ready, ready_within, f"controller {identity} ready (log: {controller.log})")
        return controller

    def core(self) -> client.CoreV1Api:
        """The kubernetes client as the lab's cluster-admin, for writes faster than one kubectl process each."""
        return client.CoreV1Api(config.new_client_from_config(str(self.cluster.kubeconfig)))

    def router_state(self) -> dict[str, Any]:
        result = self.kubectl.run("get", "routerstate", ROUTER, "--output=json")
        return json.loads(result.stdout) if result.returncode == 0 else {}

    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = self.router_state().get("status", {})
        return status

    def condition(self, kind: str) -> dict[str, Any]:
        return next((c for c in self.status().get("conditions", []) if c["type"] == kind), {})

    def sessions(self) -> dict[str, str]:
        return {s["peer"]: s["state"] for s in self.status().get("sessions", [])}

    def nft(self) -> str:
        """frr-edge's table on the router, as root lists it in the router namespace."""
        shown = subprocess.run(
            ["ip", "netns", "exec", self.lab.router_namespace, "nft", "list", "table", "inet", "frr_edge"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        return shown.stdout if shown.returncode == 0 else ""

    def running_config(self) -> str:
        return self.lab.vtysh(self.lab.router_namespace, "show running-config")

    def service(
        self, namespace: str, name: str, ip: str, ports: list[int], annotations: dict[str, str] | None = None
    ) -> None:
        """A LoadBalancer Service, then its address in status as MetalLB's controller writes it."""
        document = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "annotations": annotations or {}},
            "spec": {"type": "LoadBalancer", "ports": [{"name": f"p{p}", "port": p, "protocol": "TCP"} for p in ports]},
        }
        self.kubectl("apply", "--filename=-", input=dump_yaml([document]))
        self.set_ingress(namespace, name, ip)

    def set_ingress(self, namespace: str, name: str, ip: str) -> None:
        write_status(self.kubectl, "service", name, namespace, {"loadBalancer": {"ingress": [{"ip": ip}]}})

    def events(self, namespace: str, kind: str, name: str) -> list[dict[str, Any]]:
        listed = self.kubectl.json(
            "get", "events", f"--namespace={namespace}",
            f"--field-selector=involvedObject.kind={kind},involvedObject.name={name}",
        )  # fmt: skip
        events: list[dict[str, Any]] = listed["items"]
        return events

    def sshd_children(self) -> list[int]:
        """PIDs of sshd processes serving connections in the router namespace (the lab's sshd forked them)."""
        listed = subprocess.run(
            ["ip", "netns", "pids", self.lab.router_namespace], capture_output=True, text=True, check=True
        )
        pids = []
        for pid in map(int, listed.stdout.split()):
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip().startswith("sshd"):
                    pids.append(pid)
            except OSError:
                continue
        return pids


def apply_router(kubectl: Kubectl, lab: router_lab.RouterLab) -> None:
    """The lab's Router (and its SSH key Secret) with MetalLB integration on, as the world starts with it."""
    documents = list(YAML(typ="safe").load_all(lab.router_manifest.read_text()))
    for document in documents:
        if document["kind"] == "Router":
            document["spec"]["metallb"] = {"enabled": True}
    kubectl("apply", "--filename=-", input=dump_yaml(documents))


def _install(kubectl: Kubectl, lab: router_lab.RouterLab) -> None:
    for folder in (REPO / "crds", metallb_crds.write(lab.directory / "metallb-crds")):
        kubectl("apply", "--server-side", f"--filename={folder}")
    kubectl("wait", "--for=condition=Established", "--timeout=60s", "customresourcedefinitions", "--all")
    kubectl("create", "namespace", "metallb-system")
    kubectl("create", "namespace", "shop")
    kubectl("apply", f"--filename={REPO / 'deploy' / 'rbac'}")
    kubectl("apply", f"--filename={FIXTURES / 'metallb-lab.yaml'}")
    for speaker in lab.speakers:
        speaker_ready(kubectl, speaker)
    apply_router(kubectl, lab)


@contextlib.contextmanager
def running_world(directory: Path) -> Iterator[World]:
    """An API server and a router lab with the world installed; stopped, with every controller, at the end."""
    if os.geteuid() != 0:
        pytest.fail("the e2e tier needs root: network namespaces, FRR, sshd and a login user")
    build = subprocess.run([str(REPO / "scripts" / "build-cluster.sh")], capture_output=True, text=True, check=False)
    assert build.returncode == 0, f"scripts/build-cluster.sh failed:\n{build.stderr}"
    bin_dir = Path(build.stdout.strip().splitlines()[-1])
    lab = router_lab.start(directory / "router", speakers=2)
    world: World | None = None
    try:
        cluster = cluster_lab.start(directory / "cluster", bin_dir)
        try:
            _install(cluster.kubectl, lab)
            world = World(cluster, lab, directory)
            yield world
        finally:
            if world is not None:
                for controller in world.controllers:
                    controller.stop(signal.SIGKILL)
            cluster_lab.stop(directory / "cluster")
    finally:
        router_lab.stop(directory / "router")


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with running_world(tmp_path_factory.mktemp("e2e")) as running:
        yield running
