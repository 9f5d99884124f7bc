"""`frr-edge run` at scale (issue 14 point 2): a real API server with N Nodes with ready speaker Pods and M
LoadBalancer Services, one Router on the router lab (real FRR, sshd and nftables), the figures against the
targets, median of the rounds.

Run as root: `python3 bench/bench_scale.py [--nodes 2000] [--services 50000] [--singles 100] [--burst 5000]
[--rounds 3] [--world DIR]`. The objects are written with the kubernetes client from 16 threads, status
through the status subresource as the kubelet and MetalLB write it. The cluster runs the kube-apiserver of
scripts/build-scale-apiserver.sh: the cluster tier's, less a metrics refresh that makes the n-th ClusterIP
allocation cost O(n) (50,000 Services took hours; the script says more). `--world DIR` keeps the populated
cluster's data in DIR, and a later run with the same DIR and sizes starts that cluster again instead of
writing everything anew.

Only the lab's two speakers are real FRR instances; the router holds a neighbor for every other speaker
too, whose session stays down (tests/operator/scale.py). Each round starts a new router lab (FRR and
nftables empty) and a new controller: start to applied covers the index, the render, FRR taking every
neighbor and nft loading every Service. "Allowed" is measured with real packets: a SYN from the client
namespace answered behind the router.

The reference, measured in the same run on the same objects (listed from the API server into an index in
this process): a render from scratch, every Service's rules derived and every set laid out again (what the
controller did on every run before the incremental render), against the incremental render after one
Service change. Not part of `make test`: tests/operator/test_scale.py runs the same at a small size.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from controller.lab import cluster as cluster_lab
from controller.lab import router as router_lab
from controller.operator.incremental import IncrementalRender
from controller.operator.index import Index
from controller.operator.memo import RenderMemo
from controller.pipeline import render_router
from tests.operator.conftest import REPO, World, _install, apply_router
from tests.operator.scale import (
    Round,
    Size,
    populate,
    run_round,
)

TARGETS: dict[str, tuple[float, str, str]] = {
    "start to applied": (60.0, "s", "<"),
    "single change p99": (2.0, "s", "<"),
    "burst converged": (10.0, "s", "<"),
    "burst applies": (5, "", "<="),
    "peak RSS": (1024.0, "MB", "<"),
}
WATCHED = [
    ("routers.frr-edge.dev", None),
    ("frrconfigurations.frr-edge.dev", None),
    ("firewallpolicies.frr-edge.dev", None),
    ("secrets", "frr-edge-system"),
    ("secrets", "metallb-system"),
    ("bgppeers.metallb.io", "metallb-system"),
    ("bfdprofiles.metallb.io", "metallb-system"),
    ("ipaddresspools.metallb.io", "metallb-system"),
    ("bgpadvertisements.metallb.io", "metallb-system"),
    ("communities.metallb.io", "metallb-system"),
    ("pods", "metallb-system"),
    ("nodes", None),
    ("services", None),
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def line(name: str, value: float, unit: str = "s") -> str:
    verdict = ""
    if name in TARGETS:
        target, _, comparison = TARGETS[name]
        met = value <= target if comparison == "<=" else value < target
        verdict = f"  target {comparison} {target:g} {unit}".rstrip() + ("  met" if met else "  NOT MET")
    return f"  {name:<40} {value:>9.2f} {unit:<3}{verdict}"


def report_round(figures: Round) -> None:
    singles = figures.singles
    print(f"  start to index synced {figures.synced:.1f} s, to every Service allowed {figures.allowed:.1f} s, "
          f"to applied {figures.applied:.1f} s (first apply {figures.first_apply.get('apply', -1):.1f} s, "
          f"of which the controller's render {figures.first_apply.get('render', -1):.2f} s)")  # fmt: skip
    if singles:
        print(f"  single changes: n={len(singles)} p50 {percentile(singles, 0.5):.2f} s, "
              f"p99 {percentile(singles, 0.99):.2f} s, max {max(singles):.2f} s, "
              f"{figures.single_applies:.0f} applies")  # fmt: skip
    print(f"  burst: written in {figures.burst_written:.1f} s, converged {figures.burst_converged:.1f} s after "
          f"the first write ({figures.burst_converged - figures.burst_written:.1f} s after the last), "
          f"{figures.burst_applies:.0f} applies")  # fmt: skip
    renders = ", ".join(f"{how} {count:.0f}" for how, count in figures.renders.items())
    cpu = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in figures.cpu.items())
    print(f"  renders: {renders}; controller peak RSS {figures.peak_rss_mb:.0f} MB; CPU {cpu}", flush=True)


def report(rounds: list[Round]) -> None:
    def median(pick: Callable[[Round], float]) -> float:
        return statistics.median(pick(r) for r in rounds)

    print(f"\nmedians of {len(rounds)} rounds:")
    print(line("index synced", median(lambda r: r.synced)))
    print(line("every Service allowed", median(lambda r: r.allowed)))
    print(line("start to applied", median(lambda r: r.applied)))
    print(line("  first apply (SSH: FRR and nft)", median(lambda r: r.first_apply.get("apply", -1))))
    print(line("  the controller's render in it", median(lambda r: r.first_apply.get("render", -1))))
    if all(r.singles for r in rounds):
        print(line("single change p50", median(lambda r: percentile(r.singles, 0.5))))
        print(line("single change p99", median(lambda r: percentile(r.singles, 0.99))))
    print(line("burst written (API server)", median(lambda r: r.burst_written)))
    print(line("burst converged", median(lambda r: r.burst_converged)))
    print(line("  after the last write", median(lambda r: r.burst_converged - r.burst_written)))
    print(line("burst applies", median(lambda r: r.burst_applies), ""))
    print(line("peak RSS", median(lambda r: r.peak_rss_mb), "MB"))
    for phase in rounds[0].cpu:
        print(line(f"CPU, {phase}", median(lambda r, phase=phase: r.cpu.get(phase, 0.0)), "s"))  # type: ignore[misc]


def listed(world: World) -> list[dict[str, Any]]:
    """Every object the controller watches, as the API server lists it."""
    documents = []
    for resource, namespace in WATCHED:
        scope = [f"--namespace={namespace}"] if namespace else ["--all-namespaces"]
        answer = world.kubectl.run("get", resource, *scope, "--output=json", "--ignore-not-found")
        if answer.returncode != 0 or not answer.stdout.strip():
            continue
        documents += json.loads(answer.stdout)["items"]
    return documents


def reference(world: World) -> dict[str, float]:
    """Render times on the same objects, in this process: from scratch, and incremental after one change."""
    index = Index()
    for document in listed(world):
        index.put(document)
    snapshot = index.snapshot()
    [router] = snapshot.inputs.routers
    services = len(index.keys("Service"))
    assert services > 0, "no Services listed"
    scratch = []
    for _ in range(2):
        started = time.perf_counter()
        render_router(router, snapshot.inputs, snapshot.cluster)
        scratch.append(time.perf_counter() - started)
    memo, renders = RenderMemo(), IncrementalRender()
    renders.render(router, snapshot, memo.at(snapshot.routing_version))
    service = next(d for d in listed_services(index) if not d["metadata"].get("annotations"))
    deltas = []
    for number in range(5):
        moved = copy.deepcopy(service)
        moved["status"]["loadBalancer"]["ingress"] = [{"ip": f"100.127.255.{number + 1}"}]
        index.put(moved)
        snapshot = index.snapshot()
        started = time.perf_counter()
        memo.turn()
        renders.render(router, snapshot, memo.at(snapshot.routing_version))
        deltas.append(time.perf_counter() - started)
    assert renders.deltas == 5, "the reference change was not applied as a delta"
    return {"scratch": statistics.median(scratch), "delta": statistics.median(deltas), "services": services}


def listed_services(index: Index) -> list[dict[str, Any]]:
    return [document for key in index.keys("Service")[:50] if (document := index.get(key)) is not None]


def _world(directory: Path, bin_dir: Path, size: Size) -> tuple[World, bool]:
    """The cluster of `directory` (started again from its data, when it has some), populated for `size`, and a
    new router lab; whether the population was there already."""
    marker = directory / "population.json"
    installed = (directory / "cluster" / "etcd").exists()
    populated = marker.exists() and json.loads(marker.read_text()) == {"nodes": size.nodes, "services": size.services}
    lab = router_lab.start(directory / "router", speakers=2)
    cluster = cluster_lab.start(directory / "cluster", bin_dir)
    world = World(cluster, lab, directory)
    if installed:
        apply_router(cluster.kubectl, lab)
    else:
        _install(cluster.kubectl, lab)
    if not populated:
        started = time.monotonic()
        population = populate(world, size)
        written = ", ".join(f"{what} {seconds:.0f} s" for what, seconds in population.seconds.items())
        print(f"written in {time.monotonic() - started:.0f} s: {written}", flush=True)
        marker.write_text(json.dumps({"nodes": size.nodes, "services": size.services}))
    return world, populated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--services", type=int, default=50000)
    parser.add_argument("--singles", type=int, default=100)
    parser.add_argument("--burst", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--world", type=Path, metavar="DIR", help="keep the populated cluster's data here")
    parser.add_argument("--populate-only", action="store_true", help="populate the world (--world), measure nothing")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="py-spy each round's controller into DIR")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench_scale.py needs root: network namespaces, FRR, sshd", file=sys.stderr)
        return 2
    size = Size(args.nodes, args.services, args.singles, args.burst)
    directory = (args.world or Path(tempfile.mkdtemp(prefix="bench-scale-"))).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    build = "scripts/build-scale-apiserver.sh"
    built = subprocess.run([build], capture_output=True, text=True, cwd=REPO, check=False)
    if built.returncode != 0:
        print(f"{build} failed:\n{built.stderr}", file=sys.stderr)
        return 3
    bin_dir = Path(built.stdout.strip().splitlines()[-1])
    print(f"{args.nodes} Nodes with ready speakers, {args.services} LoadBalancer Services; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)  # fmt: skip
    world: World | None = None
    try:
        try:
            world, reused = _world(directory, bin_dir, size)
        except (cluster_lab.ClusterError, router_lab.LabError) as error:
            print(f"bench_scale.py: the world did not start: {error}", file=sys.stderr)
            return 3
        print(f"{'cluster started again from its data' if reused else 'cluster populated'} in {directory}")
        if args.populate_only:
            return 0
        rounds: list[Round] = []
        # Each round moves Services to addresses of its own (tests/operator/scale.py: by round number). A world
        # kept from an earlier run still has that run's addresses: a round numbered as one of those would
        # write no change at all. So the numbering goes on from the world's earlier rounds (ten, then again).
        counter = directory / "rounds-run"
        earlier = int(counter.read_text()) if counter.exists() else 0
        for number in range(args.rounds):
            if number:
                router_lab.stop(directory / "router")
                world.lab = router_lab.start(directory / "router", speakers=2)
                apply_router(world.cluster.kubectl, world.lab)
            profile = args.profile / f"round-{number}.txt" if args.profile else None
            if args.profile:
                args.profile.mkdir(parents=True, exist_ok=True)
            print(f"round {number + 1} (load average {os.getloadavg()[0]:.1f}):", flush=True)
            counter.write_text(str(earlier + number + 1))
            rounds.append(run_round(world, size, (earlier + number) % 10, profile=profile))
            report_round(rounds[-1])
        if rounds:
            report(rounds)
        times = reference(world)
        print(f"\nreference, same objects ({times['services']:.0f} Services), in this process: a render from "
              f"scratch {times['scratch']:.2f} s; "
              f"the incremental render after one Service change {times['delta']:.3f} s "
              f"({times['scratch'] / max(times['delta'], 1e-6):.0f}x less)")  # fmt: skip
    finally:
        if world is not None:
            for controller in world.controllers:
                controller.stop()
        cluster_lab.stop(directory / "cluster")
        router_lab.stop(directory / "router")
    print(f"(logs in {directory})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
