"""Event-to-applied latency of `frr-edge run`: from a Service's address written (as MetalLB does) to the router
letting it through (its element in frr-edge's nft set), for single changes and for a burst.

Run as root: `python3 bench/bench_controller.py [--singles 30] [--burst 500]`. Starts its own API server,
router lab and controller (the e2e tier's harness, tests/operator/conftest.py), measures, stops them.
Single changes are spaced so that each one opens its own debounce window (default 1 s); the burst writes
every Service's status as fast as the API server takes them and reports each Service's latency, the time
to converge and the number of applies.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from kubernetes import client, config

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from controller.lab import cluster as cluster_lab
from controller.lab import router as router_lab
from tests.operator.conftest import REPO, World, _install, wait_for


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _summary(values: list[float]) -> str:
    return (
        f"n={len(values)} p50={_percentile(values, 0.5) * 1000:.0f} ms p99={_percentile(values, 0.99) * 1000:.0f} ms "
        f"max={max(values) * 1000:.0f} ms mean={statistics.mean(values) * 1000:.0f} ms"
    )


def _address(number: int) -> str:
    return f"203.0.113.{20 + number % 200}"


def _service(core: client.CoreV1Api, name: str, port: int) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"type": "LoadBalancer", "ports": [{"port": port, "protocol": "TCP"}]},
    }
    core.create_namespaced_service("shop", body)  # type: ignore[arg-type]


def _ingress(core: client.CoreV1Api, name: str, ip: str) -> None:
    core.patch_namespaced_service_status(name, "shop", {"status": {"loadBalancer": {"ingress": [{"ip": ip}]}}})


def singles(world: World, core: client.CoreV1Api, count: int) -> list[float]:
    latencies = []
    for number in range(count):
        name, port, ip = f"single-{number}", 20000 + number, _address(number)
        _service(core, name, port)
        time.sleep(1.5)  # the creation (no address yet) has its own window; the measured event is the address
        written = time.monotonic()
        _ingress(core, name, ip)
        element = f"{ip} . tcp . {port}"
        wait_for(lambda element=element: element in world.nft(), 10, f"{name} allowed", interval=0.01)  # type: ignore[misc]
        latencies.append(time.monotonic() - written)
    return latencies


def burst(world: World, core: client.CoreV1Api, count: int) -> dict[str, object]:
    names = [(f"burst-{n}", 30000 + n, _address(n)) for n in range(count)]
    for name, port, _ in names:
        _service(core, name, port)
    time.sleep(3)
    leader = world.controllers[0]
    applies_before = leader.metric("frr_edge_applies_total")
    written: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = threading.Event()

    def watch_router() -> None:
        while not done.is_set():
            table, now = world.nft(), time.monotonic()
            for name, port, ip in names:
                if name not in seen and name in written and f"{ip} . tcp . {port}" in table:
                    seen[name] = now
            time.sleep(0.02)

    watcher = threading.Thread(target=watch_router)
    watcher.start()
    started = time.monotonic()
    for name, _, ip in names:
        _ingress(core, name, ip)
        written[name] = time.monotonic()
    writing = time.monotonic() - started
    wait_for(lambda: len(seen) == count, 120, "every burst Service allowed")
    converged = max(seen.values()) - started
    done.set()
    watcher.join()
    time.sleep(2)  # the last apply is counted once its run has also observed the router
    applies = leader.metric("frr_edge_applies_total") - applies_before
    latencies = [seen[name] - written[name] for name, _, _ in names]
    return {"writing_s": writing, "converged_s": converged, "applies": applies, "latencies": latencies}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--singles", type=int, default=30)
    parser.add_argument("--burst", type=int, default=500)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="bench-controller-"))
    bin_dir = cluster_lab.DEFAULT_BIN_DIR
    lab = router_lab.start(directory / "router", speakers=2)
    try:
        cluster = cluster_lab.start(directory / "cluster", bin_dir)
        world = World(cluster, lab, directory)
        try:
            _install(cluster.kubectl, lab)
            controller = world.start_controller("bench")
            wait_for(lambda: world.status().get("sessionsSummary") == "2/2", 60, "sessions Established")
            core = client.CoreV1Api(config.new_client_from_config(str(cluster.kubeconfig)))
            single = singles(world, core, args.singles)
            print(f"single changes: {_summary(single)}")
            result = burst(world, core, args.burst)
            latencies = result.pop("latencies")
            assert isinstance(latencies, list)
            print(
                f"burst of {args.burst}: written in {result['writing_s']:.1f} s, converged after "
                f"{result['converged_s']:.1f} s, {result['applies']:.0f} applies; per Service: {_summary(latencies)}"
            )
            controller.stop()
        finally:
            for running in world.controllers:
                running.stop()
            cluster_lab.stop(directory / "cluster")
    finally:
        router_lab.stop(directory / "router")
    print(f"(logs in {directory}; repository {REPO})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
