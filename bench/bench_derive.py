"""Derive + merge + render for one MetalLB-enabled router: N nodes (each with a speaker) and M Services.

Times read_cluster (raw objects to the normalised cluster) + derive + merge + render, medians of
--repeat runs, each size in a fresh process for its own peak memory; the growth against the smallest size
is printed next to what linear growth would give. Not a CI gate:
`python3 bench/bench_derive.py [--repeat 3] [--sizes 200x5000,2000x50000]`.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# The measuring children import the checkout's controller, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIZES = [(200, 5000), (1000, 25000), (2000, 50000)]


def cluster_objects(nodes: int, services: int) -> list[dict[str, Any]]:
    """A Router, MetalLB's configuration, N nodes with ready speakers, M LoadBalancer Services."""
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": "frr-edge.dev/v1alpha1",
            "kind": "Router",
            "metadata": {"name": "edge-1"},
            "spec": {
                "address": "10.255.0.1",
                "user": "frr-edge",
                "sshKeySecretRef": {"namespace": "n", "name": "k"},
                "insecureIgnoreHostKey": True,
                "bgpAddresses": ["10.255.0.1"],
                "firewall": {"publicInterface": "pub0"},
                "metallb": {"enabled": True},
            },
        },
        {
            "apiVersion": "metallb.io/v1beta2",
            "kind": "BGPPeer",
            "metadata": {"name": "edge", "namespace": "metallb-system"},
            "spec": {"myASN": 64513, "peerASN": 64512, "peerAddress": "10.255.0.1", "holdTime": "90s"},
        },
        {
            "apiVersion": "metallb.io/v1beta1",
            "kind": "IPAddressPool",
            "metadata": {"name": "public", "namespace": "metallb-system"},
            "spec": {"addresses": ["100.64.0.0/10", "198.51.100.0/24"]},
        },
        {
            "apiVersion": "metallb.io/v1beta1",
            "kind": "BGPAdvertisement",
            "metadata": {"name": "public", "namespace": "metallb-system"},
            "spec": {"ipAddressPools": ["public"]},
        },
    ]
    base = int(ipaddress.IPv4Address("10.0.0.0"))
    for index in range(nodes):
        address = str(ipaddress.IPv4Address(base + index + 2))
        name = f"node-{index}"
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
                "status": {"addresses": [{"type": "InternalIP", "address": address}]},
            }
        )
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": f"speaker-{index}",
                    "namespace": "metallb-system",
                    "labels": {"app.kubernetes.io/component": "speaker"},
                },
                "spec": {"nodeName": name},
                "status": {"conditions": [{"type": "Ready", "status": "True"}], "podIPs": [{"ip": address}]},
            }
        )
    services_base = int(ipaddress.IPv4Address("100.64.0.0"))
    for index in range(services):
        annotations = {"frr-edge.dev/rate-limit": "2 mbytes/second burst 512 kbytes"} if index % 10 == 0 else {}
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": f"svc-{index}", "namespace": f"team-{index % 50}", "annotations": annotations},
                "spec": {
                    "type": "LoadBalancer",
                    "ports": [{"port": 80, "protocol": "TCP"}, {"port": 443, "protocol": "TCP"}],
                },
                "status": {"loadBalancer": {"ingress": [{"ip": str(ipaddress.IPv4Address(services_base + index))}]}},
            }
        )
    return objects


def measure(nodes: int, services: int, repeat: int) -> dict[str, Any]:
    from controller.inputs import Inputs, add_object
    from controller.pipeline import render_all

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    objects = cluster_objects(nodes, services)
    timings = []
    lines = (0, 0)
    for _ in range(repeat):
        inputs = Inputs()
        for index, document in enumerate(objects):
            add_object(inputs, document, "bench", index)
        start = time.perf_counter()
        [result] = render_all(inputs)
        timings.append(time.perf_counter() - start)
        assert result.ok, result.errors
        lines = (result.frr.count("\n"), result.nft.count("\n"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "nodes": nodes,
        "services": services,
        "seconds": statistics.median(timings),
        "peak_mb": (peak - baseline) / 1024,
        "frr_lines": lines[0],
        "nft_lines": lines[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", help="NODESxSERVICES,... (default 200x5000,1000x25000,2000x50000)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        nodes, services = map(int, args.one.split("x"))
        print(json.dumps(measure(nodes, services, args.repeat)))
        return
    sizes = [tuple(map(int, s.split("x"))) for s in args.sizes.split(",")] if args.sizes else SIZES
    rows = []
    for nodes, services in sizes:
        command = [sys.executable, __file__, "--one", f"{nodes}x{services}", "--repeat", str(args.repeat)]
        rows.append(json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout))
    reference = rows[0]
    header = (
        "nodes",
        "services",
        "derive+merge+render s",
        "peak MB",
        "frr lines",
        "nft lines",
        "x ref",
        "linear x ref",
    )
    widths = (6, 8, 22, 8, 9, 9, 6, 12)
    print(" ".join(f"{name:>{width}}" for name, width in zip(header, widths, strict=True)))
    for row in rows:
        linear = (row["nodes"] + row["services"]) / (reference["nodes"] + reference["services"])
        values = (
            row["nodes"],
            row["services"],
            f"{row['seconds']:.3f}",
            f"{row['peak_mb']:.1f}",
            row["frr_lines"],
            row["nft_lines"],
            f"{row['seconds'] / reference['seconds']:.1f}",
            f"{linear:.1f}",
        )
        print(" ".join(f"{value:>{width}}" for value, width in zip(values, widths, strict=True)))
    print(f"medians of {args.repeat} runs; 'x ref' against the first size, measured in this run")


if __name__ == "__main__":
    main()
