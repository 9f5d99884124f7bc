"""Prometheus metrics in the text exposition format, and the /metrics, /healthz, /readyz endpoints.

A few counters and gauges do not justify a dependency: the format is plain text, written here.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Callable

from aiohttp import web

Labels = tuple[tuple[str, str], ...]

_HELP = {
    "frr_edge_applies_total": ("counter", "Applies by router and method (none, delta, frr-reload)."),
    "frr_edge_changes_total": ("counter", "Applies that changed the router (its FRR, its nftables, or both)."),
    "frr_edge_apply_failures_total": ("counter", "Failed runs by router and reason."),
    "frr_edge_conflicts_total": ("counter", "Runs that stopped at a merge conflict or an invalid input."),
    "frr_edge_apply_duration_seconds": ("histogram", "Duration of applies that reached the router."),
    "frr_edge_bgp_session_up": ("gauge", "1 when the BGP session is Established, else 0."),
    "frr_edge_router_reachable": ("gauge", "1 when the router answered the last run."),
    "frr_edge_last_good_apply_timestamp_seconds": ("gauge", "Unix time of the last good apply."),
    "frr_edge_leader": ("gauge", "1 on the replica that holds the leader Lease."),
    "frr_edge_index_objects": ("gauge", "Objects in the in-memory index."),
    "frr_edge_renders_total": ("counter", "Renders by router: from scratch (full), or from the last one (delta)."),
}
_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, math.inf)


def _labels(**labels: str) -> Labels:
    return tuple(sorted(labels.items()))


@functools.lru_cache(maxsize=65536)
def _format(labels: Labels) -> str:
    """`{k="v",...}`, escaped; remembered, since every scrape prints every series again (a router with 2,000
    speakers has 2,000 session gauges, and /metrics is served on the event loop that runs the applies)."""
    if not labels:
        return ""
    inner = ",".join(f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"' for k, v in labels)
    return "{" + inner + "}"


class Metrics:
    """Counters, gauges and one histogram, keyed by name and labels."""

    def __init__(self) -> None:
        self._values: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._histogram: dict[Labels, list[float]] = {}

    def inc(self, name: str, **labels: str) -> None:
        series = self._values[name]
        key = _labels(**labels)
        series[key] = series.get(key, 0.0) + 1

    def set(self, name: str, value: float, **labels: str) -> None:
        self._values[name][_labels(**labels)] = value

    def forget(self, name: str, **labels: str) -> None:
        """Drop every series of `name` whose labels include these (a peer or router that is gone)."""
        wanted = set(labels.items())
        self._values[name] = {k: v for k, v in self._values[name].items() if not wanted <= set(k)}

    def observe_duration(self, seconds: float, **labels: str) -> None:
        key = _labels(**labels)
        counts = self._histogram.setdefault(key, [0.0] * (len(_BUCKETS) + 1))
        for position, bound in enumerate(_BUCKETS):
            if seconds <= bound:
                counts[position] += 1
        counts[-1] += seconds

    def value(self, name: str, **labels: str) -> float | None:
        return self._values[name].get(_labels(**labels))

    def render(self) -> str:
        lines: list[str] = []
        for name, (kind, help_text) in _HELP.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
            if kind == "histogram":
                for key, counts in sorted(self._histogram.items()):
                    for bound, count in zip(_BUCKETS, counts, strict=False):
                        le = "+Inf" if bound == math.inf else repr(bound)
                        lines.append(f"{name}_bucket{_format((*key, ('le', le)))} {count:g}")
                    lines.append(f"{name}_sum{_format(key)} {counts[-1]:g}")
                    lines.append(f"{name}_count{_format(key)} {counts[len(_BUCKETS) - 1]:g}")
                continue
            for key, value in sorted(self._values.get(name, {}).items()):
                lines.append(f"{name}{_format(key)} {value!r}")
        return "\n".join(lines) + "\n"


async def serve(metrics: Metrics, ready: Callable[[], bool], host: str, port: int) -> web.AppRunner:
    """Start the HTTP endpoints; the caller cleans the returned runner up."""

    async def metrics_page(_: web.Request) -> web.Response:
        return web.Response(text=metrics.render(), content_type="text/plain", charset="utf-8")

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(_: web.Request) -> web.Response:
        return web.Response(text="ready\n") if ready() else web.Response(status=503, text="not ready\n")

    app = web.Application()
    app.add_routes([web.get("/metrics", metrics_page), web.get("/healthz", healthz), web.get("/readyz", readyz)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
