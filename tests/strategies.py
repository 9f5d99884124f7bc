"""Hypothesis strategies for cluster objects as the API server sends them, shared by the tiers.

Services are drawn from a small world on purpose (a few names, addresses, ports and source ranges), so that
random sequences update and delete the same objects, share addresses (MetalLB's IP sharing), and meet the
cases that matter: overlapping source ranges, neighbouring ports that join, a bad rate annotation,
another load balancer's Service, one still waiting for its address.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

SERVICE_NAMESPACES = ("shop", "infra")
SERVICE_NAMES = ("web", "api", "dns", "db")
SERVICE_ADDRESSES = ("203.0.113.10", "203.0.113.11", "203.0.113.12", "2001:db8:100::12")
SERVICE_PORTS = (53, 80, 81, 443)
SOURCE_RANGES = ("192.0.2.0/24", "192.0.2.0/25", "198.51.100.0/24", "2001:db8:1::/48")
RATES = ("2 mbytes/second burst 512 kbytes", "10 mbytes/second", "fast please")


@st.composite
def services(draw: st.DrawFn) -> dict[str, Any]:
    """One Service document, LoadBalancer mostly, with its status as MetalLB writes it (or none yet)."""
    ports = draw(st.lists(st.tuples(st.sampled_from(SERVICE_PORTS), st.sampled_from(("TCP", "UDP"))), max_size=3))
    annotations = {"frr-edge.dev/rate-limit": draw(st.sampled_from(RATES))} if draw(st.integers(0, 3)) == 0 else {}
    spec: dict[str, Any] = {
        "type": draw(st.sampled_from(("LoadBalancer", "LoadBalancer", "LoadBalancer", "ClusterIP"))),
        "ports": [{"name": f"p{n}", "port": port, "protocol": protocol} for n, (port, protocol) in enumerate(ports)],
    }
    sources = draw(st.lists(st.sampled_from(SOURCE_RANGES), max_size=2, unique=True))
    if sources:
        spec["loadBalancerSourceRanges"] = sources
    if draw(st.integers(0, 9)) == 0:
        spec["loadBalancerClass"] = "example.com/other"
    addresses = draw(st.lists(st.sampled_from(SERVICE_ADDRESSES), max_size=2, unique=True))
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": draw(st.sampled_from(SERVICE_NAMES)),
            "namespace": draw(st.sampled_from(SERVICE_NAMESPACES)),
            "annotations": annotations,
        },
        "spec": spec,
        "status": {"loadBalancer": {"ingress": [{"ip": address} for address in addresses]}},
    }


def service_sets() -> st.SearchStrategy[list[dict[str, Any]]]:
    """Services of distinct names, as one moment of a cluster holds them."""
    return st.lists(services(), max_size=6, unique_by=lambda s: (s["metadata"]["namespace"], s["metadata"]["name"]))


@st.composite
def service_changes(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Services before and after a few events: a Service created, changed (same name) or deleted."""
    before = draw(service_sets())
    after = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in before}
    for _ in range(draw(st.integers(1, 3))):
        service = draw(services())
        key = (service["metadata"]["namespace"], service["metadata"]["name"])
        if key in after and draw(st.booleans()):
            del after[key]
        else:
            after[key] = service
    return before, list(after.values())
