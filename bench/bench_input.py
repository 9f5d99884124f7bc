"""Hostile-input costs (issue 11), this tree against a baseline revision measured in the same run.

Cases, each in a fresh process (wall time from start to exit, peak RSS), `frr-edge validate` in-process:
- `policy-128`: one allow rule of 128 destinations x 128 sources x 64 ports;
- `policy-1024`: 1,024 x 1,024 x 64 (67 million combinations when expanded);
- `services-10k` / `services-100k`: a YAML file of that many LoadBalancer Services with a MetalLB router.
The baseline is checked out with `git worktree` into a temporary directory; a baseline run that passes
--timeout seconds or --memory-mb is stopped and reported as such. Not a CI gate:
`python3 bench/bench_input.py [--baseline REV] [--repeat 3] [--cases policy-128,services-10k]`.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from bench_derive import cluster_objects  # noqa: E402

# The last commit that landed before issue 11's work.
LANDED = "0c555ad"
CASES = ("policy-128", "policy-1024", "services-10k", "services-100k")

ROUTER = {
    "apiVersion": "frr-edge.dev/v1alpha1",
    "kind": "Router",
    "metadata": {"name": "edge"},
    "spec": {
        "address": "192.0.2.1",
        "user": "frr-edge",
        "sshKeySecretRef": {"namespace": "n", "name": "k"},
        "insecureIgnoreHostKey": True,
    },
}


def policy(destinations: int, sources: int, ports: int) -> list[dict[str, Any]]:
    def address(base: str, index: int, step: int) -> str:
        return str(ipaddress.IPv4Address(int(ipaddress.IPv4Address(base)) + index * step))

    rule = {
        "name": "big",
        "protocol": "tcp",
        "ports": [1000 + 3 * index for index in range(ports)],
        "destinations": [f"{address('10.0.0.0', index, 2)}/32" for index in range(destinations)],
        "sources": [f"{address('172.16.0.0', index, 4)}/31" for index in range(sources)],
    }
    document = {
        "apiVersion": "frr-edge.dev/v1alpha1",
        "kind": "FirewallPolicy",
        "metadata": {"name": "p", "namespace": "d"},
    }
    return [ROUTER, {**document, "spec": {"allow": [rule]}}]


def write_case(case: str, directory: Path) -> Path:
    path = directory / f"{case}.yaml"
    if not path.exists():
        if case.startswith("policy-"):
            size = int(case.split("-")[1])
            documents = policy(size, size, 64)
        else:
            documents = cluster_objects(100, int(case.split("-")[1].rstrip("k")) * 1000)
        path.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    return path


RUN = """
import resource, sys, time
started = time.perf_counter()
from controller.cli import main
code = main(["validate", "-f", sys.argv[1]])
print(code, time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def run_once(tree: Path, path: Path, timeout: float, memory_mb: int) -> dict[str, Any]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))

    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", RUN, str(path)],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"outcome": f"> {timeout:.0f} s"}
    wall = time.perf_counter() - started
    lines = done.stdout.strip().split("\n")
    if done.returncode != 0 or not lines[-1]:
        kind = "MemoryError" if "MemoryError" in done.stderr else done.stderr.strip().split("\n")[-1][:60]
        return {"outcome": f"failed: {kind or done.returncode}"}
    code, _, peak_kb = lines[-1].split()
    return {"outcome": f"exit {code}", "seconds": wall, "peak_mb": int(peak_kb) / 1024}


def measure(tree: Path, path: Path, repeat: int, timeout: float, memory_mb: int) -> dict[str, Any]:
    runs = []
    for _ in range(repeat):
        runs.append(run_once(tree, path, timeout, memory_mb))
        if "seconds" not in runs[-1]:
            return runs[-1]  # stopped: once is enough to say so
    return {
        "outcome": runs[0]["outcome"],
        "seconds": statistics.median(run["seconds"] for run in runs),
        "peak_mb": statistics.median(run["peak_mb"] for run in runs),
    }


def shown(row: dict[str, Any]) -> str:
    if "seconds" not in row:
        return f"{row['outcome']:>28}"
    return f"{row['seconds']:>9.2f} s {row['peak_mb']:>7.0f} MB {row['outcome']:>8}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=LANDED, help="git revision to compare with (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds a baseline run may take")
    parser.add_argument("--memory-mb", type=int, default=6144, help="address space a run may use")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="frr-edge-bench-") as scratch:
        directory = Path(scratch)
        baseline = directory / "baseline"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(baseline), args.baseline],
            check=True,
            capture_output=True,
        )
        try:
            print(f"{'case':>14} {'this tree':>28} {'baseline ' + args.baseline:>28} {'ratio':>7}")
            for case in args.cases.split(","):
                path = write_case(case, directory)
                mine = measure(REPO, path, args.repeat, args.timeout, args.memory_mb)
                theirs = measure(baseline, path, args.repeat, args.timeout, args.memory_mb)
                ratio = (
                    f"{theirs['seconds'] / mine['seconds']:.1f}x" if "seconds" in mine and "seconds" in theirs else "-"
                )
                print(f"{case:>14} {shown(mine)} {shown(theirs)} {ratio:>7}", flush=True)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(baseline)], check=True)
    print(f"wall time from process start to exit and peak RSS, medians of {args.repeat}; ratio = baseline / this tree")


if __name__ == "__main__":
    main()
