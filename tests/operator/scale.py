"""The controller at scale on the real API server and router lab (issue 14 point 2), for the bench and the test.

The world: the e2e tier's (tests/operator/conftest.py: MetalLB for the lab's two speakers, the lab's Router
with MetalLB on), plus N Nodes with Ready speaker Pods and M LoadBalancer Services with their addresses,
written with the kubernetes client from a pool of threads, status through the status subresource as the
kubelet and MetalLB write it. Only the lab's two speakers are real FRR instances: the router is configured
with a neighbor for every other speaker too, at an address of 198.18.0.0/15 (the benchmarking range, with
no route in the lab, so nothing is ever sent there), and those sessions stay down.

What a round measures, on one `frr-edge run` process started for it: start to the router applied (and to
the index synced and to every Service allowed, on the way); single Service changes, each its own window,
from the address written to its element in the router's nft set; a burst of changes, from the first write
to every new element in the set, and the applies it took; the controller's peak RSS and CPU from /proc.
"""

from __future__ import annotations

import ipaddress
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from controller.lab import router as router_lab
from controller.lab.processes import free_port
from tests.operator.conftest import REPO, Controller, World

NODE_BASE = ipaddress.IPv4Address("198.18.0.10")  # unrouted in the lab: these speakers never answer
SERVICE_POOL = "100.64.0.0/10"
SERVICE_BASE = ipaddress.IPv4Address("100.64.0.1")
SINGLE_BASE = ipaddress.IPv4Address("100.96.0.1")  # addresses single changes move Services to
BURST_BASE = ipaddress.IPv4Address("100.112.0.1")  # addresses a burst moves Services to
SERVICE_NAMESPACES = 20
PORTS = (80, 443)
RATE_LIMITED_EVERY = 10  # every tenth Service carries a rate-limit annotation
WRITERS = 16
# The controller's own timings; a resync is left at its default so that it adds no runs to what is counted.
CONTROLLER_ARGS = ("--connect-timeout", "10", "--lease-duration", "15")


@dataclass(frozen=True)
class Size:
    nodes: int  # every Node with a ready speaker Pod, the lab's two real speakers among them
    services: int
    singles: int
    burst: int


def _address(base: ipaddress.IPv4Address, number: int) -> str:
    return str(base + number)


def service_name(number: int) -> tuple[str, str]:
    return f"scale-{number % SERVICE_NAMESPACES}", f"svc-{number}"


class Writer:
    """The kubernetes client as the lab's cluster-admin, one ApiClient per thread, responses not decoded."""

    def __init__(self, kubeconfig: Path) -> None:
        self._kubeconfig = str(kubeconfig)
        self._local = threading.local()

    def core(self) -> client.CoreV1Api:
        api = getattr(self._local, "core", None)
        if api is None:
            api = client.CoreV1Api(config.new_client_from_config(self._kubeconfig))
            self._local.core = api
        return api

    def parallel(self, calls: Iterable[Callable[[client.CoreV1Api], object]]) -> float:
        """Run every call from WRITERS threads; seconds taken. A call that fails fails the whole run, and the
        calls not started yet are dropped (so does an interrupt)."""
        started = time.monotonic()
        pool = ThreadPoolExecutor(WRITERS)
        try:
            for future in [pool.submit(lambda call=call: _released(_retried(call, self.core()))) for call in calls]:
                future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return time.monotonic() - started


def _retried(call: Callable[[client.CoreV1Api], object], api: client.CoreV1Api, tries: int = 3) -> object:
    """`call`, again after an answer that says the API server was too busy (429, 5xx): a loaded shared machine
    times a request out now and then, which should not end a population or a burst."""
    for attempt in range(tries):
        try:
            return call(api)
        except ApiException as error:
            if error.status not in (429, 500, 503, 504) or attempt == tries - 1:
                raise
            time.sleep(1.0 + attempt)
    raise AssertionError("unreachable")


def _released(response: object) -> None:
    """Read a response asked for with `_preload_content=False` to its end, which gives its connection back to the
    pool: one left unread keeps its socket, and a population ran out of file descriptors."""
    if isinstance(response, urllib3.HTTPResponse):
        response.read()
        response.release_conn()


def _node(number: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A Node, its speaker Pod, and the status the kubelet writes for both."""
    name, address = f"node-{number:05d}", _address(NODE_BASE, number)
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}}}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"speaker-{number:05d}",
            "namespace": "metallb-system",
            "labels": {"app.kubernetes.io/name": "metallb", "app.kubernetes.io/component": "speaker"},
        },
        "spec": {
            "nodeName": name,
            "hostNetwork": True,
            "containers": [{"name": "speaker", "image": "quay.io/metallb/speaker:v0.14.8"}],
        },
    }
    ready = {"conditions": [{"type": "Ready", "status": "True"}], "podIPs": [{"ip": address}]}
    return node, pod, ready


def _service(number: int) -> dict[str, Any]:
    namespace, name = service_name(number)
    annotations = (
        {"frr-edge.dev/rate-limit": "2 mbytes/second burst 512 kbytes"} if number % RATE_LIMITED_EVERY == 0 else {}
    )
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
        "spec": {
            "type": "LoadBalancer",
            "allocateLoadBalancerNodePorts": False,  # 50,000 Services would not fit the NodePort range
            "ports": [{"name": f"p{port}", "port": port, "protocol": "TCP"} for port in PORTS],
        },
    }


def ingress(ip: str) -> dict[str, Any]:
    return {"status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}


@dataclass
class Population:
    """What was written, and how long it took."""

    size: Size
    seconds: dict[str, float] = field(default_factory=dict)


def _created(create: Callable[[client.CoreV1Api], object]) -> Callable[[client.CoreV1Api], object]:
    """`create`, where an object that already exists counts as created (a population resumed)."""

    def call(api: client.CoreV1Api) -> object:
        try:
            return create(api)
        except ApiException as error:
            if error.status != 409:
                raise
            return None

    return call


def _existing(world: World, plural: str) -> set[str]:
    """Names (namespace/name) of the objects of a kind already in the cluster: a resumed population skips
    them (creating a Service again costs the API server a ClusterIP it then gives back)."""
    listed = world.kubectl.run("get", plural, "--all-namespaces", "--output=jsonpath={range .items[*]}"
                               "{.metadata.namespace}/{.metadata.name}{'\\n'}{end}")  # fmt: skip
    return set(listed.stdout.split()) if listed.returncode == 0 else set()


def populate(world: World, size: Size) -> Population:
    """N-2 more Nodes with ready speakers (the lab's two are there), M Services with their addresses.

    Objects already there (an earlier population cut short, on the same cluster's data) are kept.
    """
    kubectl = world.kubectl
    extra = [
        {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
         "metadata": {"name": "scale", "namespace": "metallb-system"}, "spec": {"addresses": [SERVICE_POOL]}},
        {"apiVersion": "metallb.io/v1beta1", "kind": "BGPAdvertisement",
         "metadata": {"name": "scale", "namespace": "metallb-system"}, "spec": {"ipAddressPools": ["scale"]}},
        *({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"scale-{n}"}}
          for n in range(SERVICE_NAMESPACES)),
    ]  # fmt: skip
    kubectl("apply", "--filename=-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": extra}))
    population = Population(size)
    writer = Writer(world.cluster.kubeconfig)
    nodes = [_node(number) for number in range(size.nodes - len(world.lab.speakers))]
    known = {plural: _existing(world, plural) for plural in ("nodes", "pods", "services")}
    population.seconds["nodes"] = writer.parallel(
        [
            _created(lambda api, node=node: api.create_node(node, _preload_content=False))
            for node, _, _ in nodes
            if f"/{node['metadata']['name']}" not in known["nodes"]
        ]
    )
    population.seconds["pods"] = writer.parallel(
        [
            _created(lambda api, pod=pod: api.create_namespaced_pod("metallb-system", pod, _preload_content=False))
            for _, pod, _ in nodes
            if f"metallb-system/{pod['metadata']['name']}" not in known["pods"]
        ]
    )
    population.seconds["node and pod status"] = writer.parallel(
        [
            call
            for node, pod, ready in nodes
            for call in (
                lambda api, node=node, ready=ready: api.patch_node_status(
                    node["metadata"]["name"],
                    {"status": {"addresses": [{"type": "InternalIP", "address": ready["podIPs"][0]["ip"]}]}},
                    _preload_content=False,
                ),
                lambda api, pod=pod, ready=ready: api.patch_namespaced_pod_status(
                    pod["metadata"]["name"], "metallb-system", {"status": ready}, _preload_content=False
                ),
            )
        ]
    )
    services = [_service(number) for number in range(size.services)]
    population.seconds["services"] = writer.parallel(
        [
            _created(
                lambda api, service=service: api.create_namespaced_service(
                    service["metadata"]["namespace"], service, _preload_content=False
                )
            )
            for service in services
            if f"{service['metadata']['namespace']}/{service['metadata']['name']}" not in known["services"]
        ]
    )
    population.seconds["service status"] = writer.parallel(
        [
            lambda api, number=number: api.patch_namespaced_service_status(
                service_name(number)[1],
                service_name(number)[0],
                ingress(_address(SERVICE_BASE, number)),
                _preload_content=False,
            )
            for number in range(size.services)
        ]
    )
    return population


def route_services(lab: router_lab.RouterLab) -> None:
    """Give the Services' addresses somewhere to go, so a packet the router lets through gets an answer.

    The router sends SERVICE_POOL to the first speaker, which holds the whole range as local addresses and
    answers a SYN to any of them with a reset: a SYN the firewall drops is never answered.
    """
    speaker = lab.speakers[0]
    for namespace, route in (
        (lab.router_namespace, ["route", "replace", SERVICE_POOL, "via", speaker.address]),
        (speaker.namespace, ["route", "replace", "local", SERVICE_POOL, "dev", "lo"]),
    ):
        subprocess.run(["ip", "-n", namespace, *route], check=True, capture_output=True)


class Prober:
    """Real packets through the router: `router_traffic probe` in the client namespace, behind pub0.

    `allowed(addresses)` sends SYNs to each address's first port until one is answered and returns the
    monotonic time (shared by every namespace) when the last of them first got through: the moment the
    router allowed it, without asking nft (listing a set of 100,000 elements takes nft most of a second).
    """

    def __init__(self, lab: router_lab.RouterLab) -> None:
        self._namespace = lab.client_namespace
        self._process: subprocess.Popen[str] | None = None
        self._answers: queue.Queue[str] = queue.Queue()

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            probe = [sys.executable, "-m", "controller.lab.router_traffic", "probe"]
            argv = ["ip", "netns", "exec", self._namespace, *probe]
            self._process = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO,
                env={**os.environ, "PYTHONPATH": str(REPO)},
            )  # fmt: skip
            self._answers = queue.Queue()
            threading.Thread(target=self._read, args=(self._process, self._answers), daemon=True).start()
        return self._process

    @staticmethod
    def _read(process: subprocess.Popen[str], answers: queue.Queue[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            answers.put(line)

    def allowed(self, addresses: list[str], timeout: float, what: str) -> float:
        """When the last of `addresses` was first let through; raises TimeoutError naming `what`."""
        process = self._started()
        assert process.stdin is not None
        process.stdin.write("".join(f"{address}:{PORTS[0]}\n" for address in addresses))
        process.stdin.flush()
        deadline = time.monotonic() + timeout
        last = 0.0
        for _ in addresses:
            try:
                answer = self._answers.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.close()  # it is still retrying an address: a fresh prober for the next question
                raise TimeoutError(f"{what}: not within {timeout:.0f} s") from None
            last = max(last, float(answer.split()[1]))
        return last

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None


@dataclass
class ProcessUsage:
    """CPU seconds and memory of one process, from /proc."""

    pid: int

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory_mb(self) -> dict[str, float]:
        """VmHWM (peak resident set) and VmRSS, in MB."""
        values = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                values[name] = int(value.split()[0]) / 1024
        return values


def wait_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.01) -> float:
    """Seconds until condition() is true; raises TimeoutError naming `what`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)
    return time.monotonic() - started


@dataclass
class Round:
    """The figures of one round (seconds unless named otherwise)."""

    synced: float = 0.0  # start to /readyz (the index holds everything listed)
    allowed: float = 0.0  # start to every Service allowed (the nft part of the first apply)
    applied: float = 0.0  # start to the first apply done and reported (FRR's part included)
    first_apply: dict[str, float] = field(default_factory=dict)  # the controller's own account of it
    singles: list[float] = field(default_factory=list)
    single_applies: float = 0.0  # applies that changed the router during the single changes
    burst_written: float = 0.0
    burst_converged: float = 0.0  # from the first write
    burst_applies: float = 0.0
    renders: dict[str, float] = field(default_factory=dict)  # full / delta, over the whole round
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per phase
    peak_rss_mb: float = 0.0
    rss_mb: float = 0.0


def start_controller(world: World, identity: str, *extra: str) -> Controller:
    """`frr-edge run` as the frr-edge ServiceAccount, not waited for (its start is what is measured)."""
    controller = Controller(identity, world.directory / f"controller-{identity}.log", free_port())
    argv = [
        sys.executable, "-m", "controller", "run",
        "--kubeconfig", str(world.cluster.controller_kubeconfig),
        "--metrics-address", f"127.0.0.1:{controller.port}",
        "--identity", identity,
        "--secret-namespace", "frr-edge-system", "--secret-namespace", "metallb-system",
        *CONTROLLER_ARGS, *extra,
    ]  # fmt: skip
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    with controller.log.open("ab") as log:
        controller.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO, env=environment)
    world.controllers.append(controller)
    return controller


def _first_apply(log: str) -> dict[str, float]:
    """The first apply's line in the controller's log: its seconds, and the render's."""
    for line in log.splitlines():
        if ": delta in " in line or ": frr-reload in " in line or ": none in " in line:
            words = line.split()
            applied = float(words[words.index("in") + 1])
            render = float(words[words.index("(render") + 1]) if "(render" in words else -1.0
            return {"apply": applied, "render": render}
    return {}


def _sample(size: Size, count: int = 50) -> list[str]:
    """Addresses of Services spread over the whole population, the first and the last among them."""
    numbers = sorted({0, size.services - 1, *range(0, size.services, max(1, size.services // count))})
    return [_address(SERVICE_BASE, number) for number in numbers]


CHANGES = "frr_edge_changes_total"  # applies that changed the router


def run_round(
    world: World, size: Size, number: int, timeouts: float = 1.0, profile: Path | None = None, settle: bool = True
) -> Round:
    """One controller process: start to applied, single changes, a burst; the controller stopped after.

    `timeouts` scales every wait (1.0 at full scale); `profile` records the controller with py-spy;
    `settle` waits, before the single changes and the burst, until the controller has been idle for a while
    (after an FRR change it looks at the sessions every 2 s for a minute), so that each measures the
    change alone.
    """
    figures = Round()
    route_services(world.lab)
    prober = Prober(world.lab)
    log = world.directory / f"controller-scale-{number}.log"
    earlier = log.stat().st_size if log.exists() else 0  # a kept world's log holds earlier runs' lines too
    started = time.monotonic()
    controller = start_controller(world, f"scale-{number}")
    assert controller.process is not None
    usage = ProcessUsage(controller.process.pid)
    spy = None
    if profile is not None:
        spy = subprocess.Popen(
            ["py-spy", "record", "--pid", str(controller.process.pid), "--rate", "50", "--format", "raw",
             "--output", str(profile), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        figures.synced = wait_until(controller.ready, 300 * timeouts, "index synced", 0.05)
        figures.allowed = prober.allowed(_sample(size), 3600 * timeouts, "every Service allowed") - started
        wait_until(lambda: controller.metric(CHANGES) >= 1, 3600 * timeouts, "first apply", 0.05)
        figures.applied = time.monotonic() - started
        figures.first_apply = _first_apply(controller.log.read_bytes()[earlier:].decode(errors="replace"))
        figures.cpu["start to applied"] = usage.cpu_seconds()
        if settle:
            _settle(controller)

        cpu, before = usage.cpu_seconds(), controller.metric(CHANGES)
        core = world.core()
        for change in range(size.singles):
            ip = _address(SINGLE_BASE, number * 1000 + change)
            namespace, name = service_name(change * (size.services // max(size.singles, 1)) + 2)
            applied = controller.metric(CHANGES)
            written = time.monotonic()
            core.patch_namespaced_service_status(name, namespace, ingress(ip), _preload_content=False)
            figures.singles.append(prober.allowed([ip], 60 * timeouts, f"{namespace}/{name} allowed") - written)
            # The next change opens a window of its own: after this one's apply has finished. Asked every 200 ms:
            # /metrics lists every speaker's session, and serving it takes the controller's event loop (at 2,000
            # speakers, asked every 50 ms, /metrics was 44% of the controller's CPU while the applies ran).
            wait_until(lambda applied=applied: controller.metric(CHANGES) > applied, 60 * timeouts, "apply done", 0.2)  # type: ignore[misc]
        figures.single_applies = controller.metric(CHANGES) - before
        if figures.singles:  # said now: a later phase that fails must not lose them
            ordered = sorted(figures.singles)
            print(f"  single changes: n={len(ordered)} p50 {ordered[len(ordered) // 2]:.2f} s, "
                  f"max {ordered[-1]:.2f} s, start to applied {figures.applied:.1f} s", flush=True)  # fmt: skip
        figures.cpu["single changes"] = usage.cpu_seconds() - cpu

        if settle:
            _settle(controller)
        cpu, before = usage.cpu_seconds(), controller.metric(CHANGES)
        moved = [
            (number * 100_000 + change, change * (size.services // size.burst) + 1) for change in range(size.burst)
        ]
        writer = Writer(world.cluster.kubeconfig)
        first_write = time.monotonic()
        figures.burst_written = writer.parallel(
            [
                lambda api, address=address, service=service: api.patch_namespaced_service_status(
                    service_name(service)[1], service_name(service)[0], ingress(_address(BURST_BASE, address)),
                    _preload_content=False,
                )
                for address, service in moved
            ]
        )  # fmt: skip
        expected = [_address(BURST_BASE, address) for address, _ in moved]
        figures.burst_converged = prober.allowed(expected, 300 * timeouts, "every burst change allowed") - first_write
        _quiet(controller, CHANGES)
        figures.burst_applies = controller.metric(CHANGES) - before
        figures.cpu["burst"] = usage.cpu_seconds() - cpu
        figures.renders = {how: controller.metric(f'frr_edge_renders_total{{how="{how}"') for how in ("full", "delta")}
        memory = usage.memory_mb()
        figures.peak_rss_mb, figures.rss_mb = memory["VmHWM"], memory["VmRSS"]
    finally:
        prober.close()
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its profile when interrupted
            spy.wait(timeout=30)
        controller.stop()
    return figures


def _quiet(controller: Controller, metric: str, quiet: float = 3.0) -> None:
    """Wait until `metric` has not moved for `quiet` seconds: the run in progress, if any, is counted."""
    value, since = controller.metric(metric), time.monotonic()
    while time.monotonic() - since < quiet:
        time.sleep(0.2)
        now = controller.metric(metric)
        if now != value:
            value, since = now, time.monotonic()


def _settle(controller: Controller) -> None:
    """Wait until no run at all (applies and looks at the sessions alike) for 3 s."""
    _quiet(controller, "frr_edge_applies_total")
