"""The controller's incremental render: after any sequence of watch events, the result a render from scratch
gives; a single Service event touches one Service, not fifty thousand."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from controller.desired import DesiredNeighbor
from controller.operator.incremental import IncrementalRender
from controller.operator.index import Index
from controller.operator.memo import RenderMemo
from controller.pipeline import RouterResult, render_router
from tests.strategies import services

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "metallb"
# A user's policy whose prefix contains Service addresses (an interval set's element, beside their host set's).
WIDE_POLICY: dict[str, Any] = {
    "apiVersion": "frr-edge.dev/v1alpha1",
    "kind": "FirewallPolicy",
    "metadata": {"name": "office", "namespace": "default"},
    "spec": {"allow": [{"protocol": "tcp", "destinations": ["203.0.113.0/28"], "ports": ["80"]}]},
}
# A user's policy allowing exactly what Services allow (host entries a Service shares: counted, not doubled),
# a range and a source on the same addresses, and a wide IPv6 prefix.
HOST_POLICY: dict[str, Any] = {
    "apiVersion": "frr-edge.dev/v1alpha1",
    "kind": "FirewallPolicy",
    "metadata": {"name": "hosts", "namespace": "default"},
    "spec": {
        "allow": [
            {"protocol": "tcp", "destinations": ["203.0.113.10/32", "2001:db8:100::12/128"], "ports": ["80", "53-81"]},
            {"protocol": "udp", "destinations": ["203.0.113.11/32"], "ports": ["53"]},
            {"protocol": "tcp", "destinations": ["203.0.113.12/32"], "ports": ["80"], "sources": ["192.0.2.0/24"]},
            {"protocol": "sctp", "destinations": ["2001:db8:100::/64"], "ports": ["80"]},
        ]
    },
}


def _world() -> list[dict[str, Any]]:
    """The MetalLB samples without their Services: the router edge-dc1 following MetalLB, three speakers."""
    documents: list[dict[str, Any]] = []
    for name in ("router.yaml", "metallb.yaml", "cluster.yaml"):
        documents += [d for d in YAML(typ="safe").load_all((SAMPLES / name).read_text()) if d]
    return documents


class Controller:
    """The index, memo and incremental render of one controller, and a render from scratch beside them."""

    def __init__(self) -> None:
        self.index = Index()
        self.memo = RenderMemo()
        self.render = IncrementalRender()
        for document in _world():
            self.index.put(document)

    def both(self, held: Sequence[DesiredNeighbor] = ()) -> tuple[RouterResult, RouterResult]:
        snapshot = self.index.snapshot()
        [router] = snapshot.inputs.routers
        self.memo.turn()
        incremental = self.render.render(router, snapshot, self.memo.at(snapshot.routing_version), held)
        return incremental, render_router(router, snapshot.inputs, snapshot.cluster, held=held)


def _same(incremental: RouterResult, scratch: RouterResult) -> None:
    assert incremental.nft == scratch.nft
    assert incremental.frr == scratch.frr
    assert [str(w) for w in incremental.warnings] == [str(w) for w in scratch.warnings]
    assert [str(e) for e in incremental.errors] == [str(e) for e in scratch.errors]
    assert incremental.desired == scratch.desired


Event = tuple[str, dict[str, Any]]

events = st.lists(
    st.one_of(
        services().map(lambda service: ("put", service)),
        services().map(lambda service: ("drop", service)),
        st.sampled_from([("put", WIDE_POLICY), ("drop", WIDE_POLICY), ("put", HOST_POLICY), ("drop", HOST_POLICY)]),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(events)
def test_after_any_events_the_incremental_render_is_the_render_from_scratch(sequence: list[Event]) -> None:
    """Services created, changed and deleted (some with source ranges, rate limits, bad annotations, another
    load balancer's class, shared addresses), and a user's policy whose prefix contains Service addresses
    coming and going: after every event, the controller's result is the one rendered from scratch."""
    controller = Controller()
    for verb, document in sequence:
        if verb == "put":
            controller.index.put(copy.deepcopy(document))
        else:
            controller.index.drop(document)
        _same(*controller.both())


def _service(name: str, ip: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "protocol": "TCP"}, {"port": 443, "protocol": "TCP"}]},
        "status": {"loadBalancer": {"ingress": [{"ip": ip}]}},
    }


def test_one_service_event_touches_one_service() -> None:
    """Given 200 Services rendered once, when one of them moves to another address, the index reads that one
    Service again, its rules are derived once, the routing half is not computed again, and the render is
    the last one with that Service's elements changed: equal to a render from scratch."""
    controller = Controller()
    for number in range(200):
        controller.index.put(_service(f"svc-{number}", f"198.51.100.{number % 250}"))
    _same(*controller.both())
    reads, rules = controller.index.reads, controller.memo.service_rules.computed
    parts, routings = controller.memo.rule_parts.computed, controller.memo.routings_computed
    assert controller.render.full == 1

    controller.index.put(_service("svc-7", "203.0.113.77"))
    _same(*controller.both())

    assert controller.index.reads - reads == 1
    assert controller.memo.service_rules.computed - rules == 1
    assert controller.memo.rule_parts.computed - parts == 1
    assert controller.memo.routings_computed == routings
    assert (controller.render.full, controller.render.deltas) == (1, 1)


def test_a_change_that_is_not_simple_is_rendered_from_scratch() -> None:
    """A Service gaining loadBalancerSourceRanges, and a user's policy arriving, each need a full render."""
    controller = Controller()
    controller.index.put(_service("web", "203.0.113.10"))
    controller.both()
    ranged = _service("web", "203.0.113.10")
    ranged["spec"]["loadBalancerSourceRanges"] = ["192.0.2.0/24"]
    controller.index.put(ranged)
    _same(*controller.both())
    controller.index.put(copy.deepcopy(WIDE_POLICY))
    _same(*controller.both())
    assert (controller.render.full, controller.render.deltas) == (3, 0)


def test_a_neighbor_held_or_let_go_is_rendered_from_scratch_and_the_routing_memo_keeps_the_inputs_own() -> None:
    """A departed speaker's neighbor held (controller/operator/departing.py), then let go, with no watch event
    in between: each render is the one from scratch with the same neighbors held, never the last render
    with its old neighbors; the memo keeps the routing of the inputs alone, computed once."""
    controller = Controller()
    controller.index.put(_service("web", "203.0.113.10"))
    _same(*controller.both())
    departed = DesiredNeighbor(vrf="", peer="10.0.0.99", interface=False, remote_as="64513")

    held, scratch = controller.both([departed])
    _same(held, scratch)
    assert "neighbor 10.0.0.99 remote-as 64513" in held.frr
    assert held.desired is not None and held.desired.held == {("", "10.0.0.99")}

    let_go, scratch = controller.both()
    _same(let_go, scratch)
    assert "10.0.0.99" not in let_go.frr + let_go.nft
    assert (controller.render.full, controller.render.deltas) == (3, 0)
    assert controller.memo.routings_computed == 1


def test_holding_live_speakers_whose_sessions_are_up_keeps_service_changes_incremental() -> None:
    """The controller holds every owned speaker whose session is up, live ones too (departing.Departing.held);
    only those the inputs no longer desire are put back. Sessions coming up on live speakers change `held`
    but not the render: a Service change after that is still a delta (the scale tier rendered everything
    again when the lab's speakers came up)."""
    controller = Controller()
    controller.index.put(_service("web", "203.0.113.10"))
    first, _ = controller.both()
    assert first.desired is not None
    live = [n for bgp in first.desired.frr.routers.values() for n in bgp.neighbors.values()]
    assert live, "the sample router has speakers"

    controller.index.put(_service("web", "203.0.113.11"))
    changed, scratch = controller.both(live)
    _same(changed, scratch)

    assert changed.desired is not None and changed.desired.held == frozenset()
    assert (controller.render.full, controller.render.deltas) == (1, 1)
