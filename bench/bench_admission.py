"""The admission webhook's check at scale: one MetalLB-enabled router, N nodes and M Services in the index.

Times, medians of --repeat runs: building the index's Inputs and MetalLB's view of them (done once per index
version, so paid by the first review after any change), then one review of an FRRConfiguration for the
router that is admitted, one that conflicts with what MetalLB derives (refused: the router is rendered
twice, with and without it), and an update of the admitted one (rendered twice too: before and after, for
the warning about BGP sessions an update would reset). The webhook's timeoutSeconds is 5. Not a CI gate:
`python3 bench/bench_admission.py [--repeat 3] [--sizes 200x5000,2000x50000]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_derive import cluster_objects
from controller.admission import review
from controller.operator.index import Index

SIZES = [(200, 5000), (2000, 50000)]


def configuration(name: str, asn: int) -> dict[str, object]:
    # node-0's speaker, as MetalLB's BGPPeer has it (AS 64513, hold time 90 s), or in another AS.
    neighbor = {"address": "10.0.0.2", "asn": asn, "holdTime": "90s"}
    return {
        "apiVersion": "frr-edge.dev/v1alpha1",
        "kind": "FRRConfiguration",
        "metadata": {"name": name, "namespace": "team"},
        "spec": {"bgp": {"routers": [{"asn": 64512, "neighbors": [neighbor]}]}},
    }


def median(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(nodes: int, services: int, repeat: int) -> tuple[float, float, float, float]:
    index = Index()
    for document in cluster_objects(nodes, services):
        index.put(document)
    build = median(repeat, lambda: index.snapshot().cluster)
    snapshot = index.snapshot()
    inputs, cluster = snapshot.inputs, snapshot.cluster
    assert review(inputs, configuration("agrees", 64513), None, cluster).allowed
    assert not review(inputs, configuration("clashes", 64999), None, cluster).allowed
    admitted = median(repeat, lambda: review(inputs, configuration("agrees", 64513), None, cluster))
    refused = median(repeat, lambda: review(inputs, configuration("clashes", 64999), None, cluster))
    old, new = configuration("agrees", 64513), configuration("agrees", 64513)
    new["metadata"]["labels"] = {"edited": "yes"}  # type: ignore[index]
    assert review(inputs, new, old, cluster).allowed
    updated = median(repeat, lambda: review(inputs, new, old, cluster))
    return build, admitted, refused, updated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default=",".join(f"{n}x{m}" for n, m in SIZES))
    args = parser.parse_args()
    print("| nodes | Services | index to Inputs + MetalLB s | admitted review s | refused review s | update s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes.split(","):
        nodes, services = (int(part) for part in size.split("x"))
        build, admitted, refused, updated = measure(nodes, services, args.repeat)
        print(f"| {nodes:,} | {services:,} | {build:.2f} | {admitted:.2f} | {refused:.2f} | {updated:.2f} |")


if __name__ == "__main__":
    main()
