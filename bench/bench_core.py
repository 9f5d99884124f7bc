"""Merge + render for one router with N neighbors and M Service allow rules: time and peak memory.

Prints medians per size and the growth against the smallest size, next to what n log n would give.
Each size runs in a fresh process so peak memory (max RSS above the process's own baseline) is its own.
Not a CI gate: `python3 bench/bench_core.py [--repeat 3] [--sizes 100x1000,5000x50000]`.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import math
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# The measuring children import the checkout's controller, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIZES = [(n, m) for n in (100, 1000, 5000) for m in (1000, 10000, 50000)]


# As users must: no more than the CRDs' bounds in one object (2000 neighbors, 2000 allow rules).
NEIGHBORS_PER_OBJECT = 1000
RULES_PER_OBJECT = 2000


def documents(neighbors: int, rules: int) -> list[dict[str, Any]]:
    """A Router, FRRConfigurations with N speakers in all, FirewallPolicies with M allow rules in all."""
    base = int(ipaddress.IPv4Address("10.0.0.0"))
    router = {
        "apiVersion": "frr-edge.dev/v1alpha1",
        "kind": "Router",
        "metadata": {"name": "edge-1"},
        "spec": {
            "address": "192.0.2.1",
            "user": "frr-edge",
            "sshKeySecretRef": {"namespace": "n", "name": "k"},
            "insecureIgnoreHostKey": True,
            "firewall": {"publicInterface": "pub0"},
        },
    }
    speakers = [
        {
            "address": str(ipaddress.IPv4Address(base + i + 1)),
            "asn": 64513,
            "holdTime": "90s",
            "toReceive": {
                "allowed": {
                    "prefixes": [{"prefix": "203.0.113.0/24", "le": 32}, {"prefix": "198.51.100.0/24", "le": 32}]
                }
            },
        }
        for i in range(neighbors)
    ]
    frr = [
        {
            "apiVersion": "frr-edge.dev/v1alpha1",
            "kind": "FRRConfiguration",
            "metadata": {"name": f"speakers-{start}", "namespace": "metallb-system"},
            "spec": {
                "bgp": {
                    "routers": [
                        {
                            "asn": 64512,
                            "maximumPaths": 64,
                            "neighbors": speakers[start : start + NEIGHBORS_PER_OBJECT],
                        }
                    ]
                }
            },
        }
        for start in range(0, neighbors, NEIGHBORS_PER_OBJECT)
    ]
    services = int(ipaddress.IPv4Address("100.64.0.0"))
    allow = [
        {
            "name": f"svc-{i}",
            "protocol": "tcp" if i % 3 else "udp",
            "ports": [80 + (i % 7)],
            "destinations": [f"{ipaddress.IPv4Address(services + i // 2)}/32"],
        }
        for i in range(rules)
    ]
    limits = [
        {
            "destination": str(ipaddress.IPv4Address(services + i)),
            "protocol": "tcp",
            "port": 81,
            "rate": "2 mbytes/second",
        }
        for i in range(0, rules // 2, 10)
    ]
    policies = [
        {
            "apiVersion": "frr-edge.dev/v1alpha1",
            "kind": "FirewallPolicy",
            "metadata": {"name": f"services-{start}", "namespace": "metallb-system"},
            "spec": {
                "allow": allow[start : start + RULES_PER_OBJECT],
                "rateLimits": [
                    limit for index, limit in enumerate(limits) if start <= index * 20 < start + RULES_PER_OBJECT
                ],
            },
        }
        for start in range(0, rules, RULES_PER_OBJECT)
    ]
    return [router, *frr, *policies]


def measure(neighbors: int, rules: int, repeat: int) -> dict[str, Any]:
    """Run in this process: load (validation) once per repeat, then merge + render; times in seconds."""
    from controller.inputs import Inputs, add_object
    from controller.pipeline import render_router

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    generated = documents(neighbors, rules)
    load_times, core_times = [], []
    sizes = (0, 0)
    for _ in range(repeat):
        start = time.perf_counter()
        inputs = Inputs()
        for index, document in enumerate(generated):
            add_object(inputs, document, "bench", index)
        loaded = time.perf_counter()
        result = render_router(inputs.routers[0], inputs)
        done = time.perf_counter()
        assert result.ok, result.errors
        assert not inputs.invalid, inputs.invalid[0].error
        load_times.append(loaded - start)
        core_times.append(done - loaded)
        sizes = (result.frr.count("\n"), result.nft.count("\n"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "neighbors": neighbors,
        "rules": rules,
        "load_s": statistics.median(load_times),
        "merge_render_s": statistics.median(core_times),
        "peak_mb": (peak - baseline) / 1024,
        "frr_lines": sizes[0],
        "nft_lines": sizes[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", help="NxM,NxM (default: N in 100,1000,5000 x M in 1000,10000,50000)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        n, m = map(int, args.one.split("x"))
        print(json.dumps(measure(n, m, args.repeat)))
        return
    sizes = [tuple(map(int, s.split("x"))) for s in args.sizes.split(",")] if args.sizes else SIZES
    rows = []
    for n, m in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", f"{n}x{m}", "--repeat", str(args.repeat)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout))
    reference = rows[0]
    ref_work = (reference["neighbors"] + reference["rules"]) * math.log2(reference["neighbors"] + reference["rules"])
    header = (
        "neighbors",
        "rules",
        "load s",
        "merge+render s",
        "peak MB",
        "frr lines",
        "nft lines",
        "x ref",
        "nlogn x ref",
    )
    widths = (9, 6, 8, 15, 8, 9, 9, 7, 11)
    print(" ".join(f"{name:>{width}}" for name, width in zip(header, widths, strict=True)))
    for row in rows:
        total = row["neighbors"] + row["rules"]
        print(
            f"{row['neighbors']:>9} {row['rules']:>6} {row['load_s']:>8.3f} {row['merge_render_s']:>15.3f} "
            f"{row['peak_mb']:>8.1f} {row['frr_lines']:>9} {row['nft_lines']:>9} "
            f"{row['merge_render_s'] / reference['merge_render_s']:>7.1f} {total * math.log2(total) / ref_work:>11.1f}"
        )
    print(f"medians of {args.repeat} runs; 'x ref' is merge+render time against the first size, measured in this run")


if __name__ == "__main__":
    main()
