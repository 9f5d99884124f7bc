"""Apply latency on the lab router, and frr-edge's delta against `frr-reload.py --reload` for the same change.

Run as root: `python3 bench/bench_apply.py [--sizes 100 500 1000] [--speakers 1000]`. Starts its own router
lab, measures, stops it. Cases:
- no change; one neighbor added; one removed; 1000 Services changed (nft only);
- onboarding a cluster: N speakers sharing one policy (one AS, one pool) added at once by frr-edge's apply,
  against frr-reload.py --reload with the very same desired file from the same start; then the first
  speaker and the (N+1)th added alone (sharing makes them cost the same); and, for comparison, the same
  speakers as FRR dynamic neighbors (`bgp listen range` into a peer-group) loaded with vtysh;
- removing N neighbors of N distinct AS numbers by frr-edge's apply (delta) and by frr-reload.py run
  directly on the router with the very same desired file, from the same starting config; the two results
  are compared;
- Services moving in a large table (`--moved 2000 --of 50000`): the element delta into the plain hash set
  frr-edge renders Services' ports into (render.nft.HOST_SETS), against the same delta into a concatenated
  interval set (where they were before), each a table of its own in the lab's router namespace, median of 3.
Extra neighbors are IPv6 addresses on the router's own bridge, so no packet leaves the lab.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from controller.desired import ANY_SOURCE, AllowEntry, DesiredFirewall
from controller.frrcfg import parse
from controller.inputs import load_paths
from controller.lab import router as lab
from controller.pipeline import RouterResult, render_router
from controller.render.nft import HOST_SETS, TABLE, render_nft
from controller.router.frr.plan import canonical, plan, remaining
from controller.router.linux.apply import apply, read_running
from controller.router.nftables.delta import element_delta
from controller.router.outcome import ApplyReport
from controller.router.ssh.transport import RouterConnection, load_private_key

REPO = Path(__file__).resolve().parents[1]
SAMPLES = [REPO / "samples" / "core" / name for name in ("bgp-base.yaml", "bgp-layer.yaml", "firewall.yaml")]
T = TypeVar("T")


def _neighbors(count: int) -> dict[str, Any]:
    return {
        "apiVersion": "frr-edge.dev/v1alpha1",
        "kind": "FRRConfiguration",
        "metadata": {"name": f"many-{count}", "namespace": "frr-edge-system"},
        "spec": {
            "routerSelector": {"matchLabels": lab.LAB_LABELS},
            "bgp": {
                "routers": [
                    {
                        "asn": lab.ROUTER_ASN,
                        "neighbors": [
                            {"address": f"2001:db8::{0x1000 + index:x}", "asn": 65000 + index % 500}
                            for index in range(count)
                        ],
                    }
                ]
            },
        },
    }


def _speakers(count: int) -> dict[str, Any]:
    """N MetalLB-like speakers of one cluster: one AS, one pool received, the same policy for all."""
    return {
        "apiVersion": "frr-edge.dev/v1alpha1",
        "kind": "FRRConfiguration",
        "metadata": {"name": "speakers", "namespace": "frr-edge-system"},
        "spec": {
            "routerSelector": {"matchLabels": lab.LAB_LABELS},
            "bgp": {
                "routers": [
                    {
                        "asn": lab.ROUTER_ASN,
                        "neighbors": [
                            {
                                "address": f"2001:db8::{0x1000 + index:x}",
                                "asn": 64513,
                                "toReceive": {"allowed": {"prefixes": [{"prefix": "2001:db8:100::/120", "le": 128}]}},
                            }
                            for index in range(count)
                        ],
                    }
                ]
            },
        },
    }


def _dynamic_text(count: int) -> str:
    """The same speakers as FRR dynamic neighbors: one listen range into one peer-group, one policy."""
    return "\n".join(
        [
            "ipv6 prefix-list bench-dynamic-in seq 5 permit 2001:db8:100::/120 le 128",
            "route-map bench-dynamic-in permit 10",
            " match ipv6 address prefix-list bench-dynamic-in",
            "exit",
            f"router bgp {lab.ROUTER_ASN}",
            " neighbor bench-dynamic peer-group",
            " neighbor bench-dynamic remote-as 64513",
            f" bgp listen limit {max(count, 100)}",
            " bgp listen range 2001:db8::1000/116 peer-group bench-dynamic",
            " address-family ipv6 unicast",
            "  neighbor bench-dynamic activate",
            "  neighbor bench-dynamic route-map bench-dynamic-in in",
            " exit-address-family",
            "exit",
            "",
        ]
    )


def _services(count: int, port_base: int) -> dict[str, Any]:
    return {
        "apiVersion": "frr-edge.dev/v1alpha1",
        "kind": "FirewallPolicy",
        "metadata": {"name": "many-services", "namespace": "frr-edge-system"},
        "spec": {
            "routerSelector": {"matchLabels": lab.LAB_LABELS},
            "allow": [
                {
                    "name": f"svc-{index}",
                    "protocol": "tcp",
                    "ports": [port_base + index % 1000],
                    "destinations": [f"203.0.113.{index // 1000 + 100}/32"],
                }
                for index in range(count)
            ],
        },
    }


class Bench:
    def __init__(self, running: lab.RouterLab, scratch: Path) -> None:
        self.lab = running
        self.scratch = scratch

    def render(self, *extra: dict[str, Any]) -> RouterResult:
        paths: list[Path] = [self.lab.router_manifest, *SAMPLES]
        for index, document in enumerate(extra):
            path = self.scratch / f"extra-{index}.yaml"
            path.write_text(json.dumps(document))
            paths.append(path)
        inputs = load_paths(paths)
        router = next(r for r in inputs.routers if r.object.metadata.name == lab.ROUTER_NAME)
        result = render_router(router, inputs)
        assert result.ok, result.errors
        return result


async def _timed(action: Awaitable[T]) -> tuple[T, float]:
    started = time.monotonic()
    value = await action
    return value, time.monotonic() - started


def _reload_directly(running: lab.RouterLab, desired_file: Path) -> float:
    argv = ["/usr/lib/frr/frr-reload.py", "--reload", "--pathspace", running.router_namespace, str(desired_file)]
    started = time.monotonic()
    subprocess.run(["ip", "netns", "exec", running.router_namespace, *argv], check=True, capture_output=True)
    return time.monotonic() - started


def _nft(running: lab.RouterLab, path: Path) -> float:
    started = time.monotonic()
    subprocess.run(["ip", "netns", "exec", running.router_namespace, "nft", "-f", str(path)], check=True)
    return time.monotonic() - started


def _entry(number: int) -> AllowEntry:
    address = f"10.{64 + number // 62500}.{number // 250 % 250}.{number % 250}/32"
    return AllowEntry(4, address, "tcp", (80 + number % 2,) * 2, ANY_SOURCE)


def _set_kinds(running: lab.RouterLab, scratch: Path, moved: int, of: int, report: Callable[[str], None]) -> None:
    """`moved` of `of` Services moved: the element delta frr-edge computes, loaded into the ruleset it renders
    (their elements in a hash set), against the same with that set an interval set (as before). Under a table
    name of its own, accepting everything, so the lab's traffic is untouched."""

    def ruleset(numbers: range, interval: bool) -> str:
        text = render_nft("bench", DesiredFirewall(default_action="accept", allow=sorted(map(_entry, numbers))))
        if interval:
            declaration = f"\tset {HOST_SETS[4]} {{\n\t\ttype ipv4_addr . inet_proto . inet_service\n"
            text = text.replace(declaration, declaration + "\t\tflags interval\n")
        return text

    medians = {}
    for kind in ("hash set", "interval set"):
        before, after = ruleset(range(of), kind != "hash set"), ruleset(range(moved, of + moved), kind != "hash set")
        delta = element_delta(before, after)
        assert delta is not None and delta.added == delta.removed == moved, delta
        (scratch / "sets.nft").write_text(before.replace(f"inet {TABLE}", "inet bench_sets"))
        (scratch / "moved.nft").write_text(delta.forward.replace(f"inet {TABLE}", "inet bench_sets"))
        seconds = []
        for _ in range(3):
            _nft(running, scratch / "sets.nft")
            seconds.append(_nft(running, scratch / "moved.nft"))
        drop = ["nft", "delete", "table", "inet", "bench_sets"]
        subprocess.run(["ip", "netns", "exec", running.router_namespace, *drop], check=True)
        medians[kind] = statistics.median(seconds)
        seconds_ms = medians[kind] * 1000
        report(f"{moved} Services moved in {of}, {kind}: {seconds_ms:8.0f} ms (element delta, median of 3)")
    report(f"   interval set / hash set: {medians['interval set'] / medians['hash set']:.0f}x")


async def run(sizes: list[int], speakers: int, moved: tuple[int, int], report: Callable[[str], None]) -> None:
    with tempfile.TemporaryDirectory(prefix="frr-edge-bench-") as directory:
        running = lab.start(Path(directory) / "lab", speakers=1)
        try:
            bench = Bench(running, Path(directory))
            key = load_private_key(running.ssh_key.read_text())
            router_spec = next(r.object.spec for r in load_paths([running.router_manifest]).routers)
            if moved[0]:
                _set_kinds(running, Path(directory), moved[0], moved[1], report)
            async with RouterConnection(router_spec, key, command_timeout=3600) as connection:
                await _latency(connection, bench, report)
                if speakers:
                    await _onboarding(connection, bench, speakers, report)
                for size in sizes:
                    await _removal(connection, bench, size, report)
        finally:
            lab.stop(Path(directory) / "lab")


async def _apply(connection: RouterConnection, result: RouterResult) -> tuple[ApplyReport, float]:
    return await _timed(apply(connection, result))


async def _latency(connection: RouterConnection, bench: Bench, report: Callable[[str], None]) -> None:
    base = bench.render()
    await apply(connection, base)
    outcome, seconds = await _apply(connection, base)
    report(f"no change:                 {seconds * 1000:8.0f} ms  (method {outcome.method})")
    one = bench.render(_neighbors(1))
    outcome, seconds = await _apply(connection, one)
    report(f"one neighbor added:        {seconds * 1000:8.0f} ms  (method {outcome.method})")
    outcome, seconds = await _apply(connection, base)
    report(f"one neighbor removed:      {seconds * 1000:8.0f} ms  (method {outcome.method})")
    await apply(connection, bench.render(_services(1000, 10000)))
    outcome, seconds = await _apply(connection, bench.render(_services(1000, 20000)))
    report(f"1000 Services changed:     {seconds * 1000:8.0f} ms  (nft changed: {outcome.nft_changed})")
    await apply(connection, base)


def _vtysh_load(running: lab.RouterLab, text: str, scratch: Path) -> float:
    path = scratch / "dynamic.conf"
    path.write_text(text)
    path.chmod(0o644)
    started = time.monotonic()
    subprocess.run(["vtysh", "-N", running.router_namespace, "-f", str(path)], check=True, capture_output=True)
    return time.monotonic() - started


async def _onboarding(connection: RouterConnection, bench: Bench, size: int, report: Callable[[str], None]) -> None:
    base, many = bench.render(), bench.render(_speakers(size))
    await apply(connection, base)
    outcome, seconds = await _apply(connection, many)
    report(
        f"{size} speakers sharing one policy added by frr-edge: {seconds:.2f} s "
        f"(method {outcome.method}, {outcome.delta_commands} commands)"
    )
    more, next_seconds = await _apply(connection, bench.render(_speakers(size + 1)))
    report(f"  speaker {size + 1} added to them:   {next_seconds * 1000:8.0f} ms (method {more.method})")
    await apply(connection, base)
    first, first_seconds = await _apply(connection, bench.render(_speakers(1)))
    report(f"  speaker 1 added to none:     {first_seconds * 1000:8.0f} ms (method {first.method})")

    await apply(connection, base)
    desired = plan(await read_running(connection), many.frr, connection.spec.frr.ownership)
    desired_file = bench.scratch / "desired.conf"
    desired_file.write_text(desired.text)
    desired_file.chmod(0o644)
    reload_seconds = _reload_directly(bench.lab, desired_file)
    report(
        f"  the same {size} by frr-reload.py --reload: {reload_seconds:.2f} s "
        f"({reload_seconds / seconds:.1f}x frr-edge's apply)"
    )
    await apply(connection, base)
    dynamic_seconds = _vtysh_load(bench.lab, _dynamic_text(size), bench.scratch)
    report(
        f"  as dynamic neighbors (listen range, vtysh -f): {dynamic_seconds:.2f} s "
        f"({seconds / dynamic_seconds:.1f}x faster than static; sessions still come one by one)"
    )
    await apply(connection, base)


async def _removal(connection: RouterConnection, bench: Bench, size: int, report: Callable[[str], None]) -> None:
    base, many = bench.render(), bench.render(_neighbors(size))
    outcome, seconds = await _apply(connection, many)
    report(f"{size} neighbors added by frr-edge: {seconds:.2f} s (method {outcome.method})")

    removed, delta_seconds = await _apply(connection, base)
    by_delta = await read_running(connection)

    await apply(connection, many)
    desired = plan(await read_running(connection), base.frr, connection.spec.frr.ownership)
    desired_file = bench.scratch / "desired.conf"
    desired_file.write_text(desired.text)
    desired_file.chmod(0o644)
    reload_seconds = _reload_directly(bench.lab, desired_file)
    by_reload = await read_running(connection)

    same = not remaining(by_delta, canonical(parse(by_reload)))
    report(
        f"remove {size:5} neighbors: frr-edge apply ({removed.method}, {removed.delta_commands} commands) "
        f"{delta_seconds:7.2f} s, frr-reload.py --reload {reload_seconds:7.2f} s, "
        f"{reload_seconds / delta_seconds:6.0f}x; identical running config: {same}"
    )
    if not same:
        report("   left after frr-reload.py: " + "; ".join(remaining(by_delta, canonical(parse(by_reload)))[:10]))
    await apply(connection, base)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 500, 1000])
    parser.add_argument("--speakers", type=int, default=1000, help="speakers onboarded at once (0: skip)")
    parser.add_argument("--moved", type=int, default=2000, help="Services moved in the set comparison (0: skip)")
    parser.add_argument("--of", type=int, default=50000, help="Services in the set comparison's table")
    args = parser.parse_args()
    asyncio.run(run(args.sizes, args.speakers, (args.moved, args.of), lambda line: print(line, flush=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
