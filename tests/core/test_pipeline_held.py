"""Departed speakers' neighbors are an input of the one pipeline: held, a neighbor renders as any other.

MetalLB's rule keeps a departed speaker's neighbor while its session drains (controller/operator/departing.py
decides which and until when); `render_router`'s `held` renders it. These fail if a hold is rendered apart from
the pipeline, or changes what the pipeline computed for the inputs alone (which the controller's memo keeps).
"""

from __future__ import annotations

import re
from pathlib import Path

from controller.desired import DesiredNeighbor
from controller.inputs import Inputs, load_paths
from controller.metallb.resources import read_cluster
from controller.pipeline import RouterResult, desired_routing, held_routing, render_router

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "metallb"
NODE_B = ("10.0.0.12", "fd00:10::12")  # the neighbors of speaker node-b, one per family


def _inputs(without_node_b: bool = False) -> Inputs:
    inputs = load_paths([SAMPLES])
    if without_node_b:
        inputs.others = [
            (origin, document) for origin, document in inputs.others if origin.name not in ("node-b", "speaker-b")
        ]
    return inputs


def _render(inputs: Inputs, held: list[DesiredNeighbor] | None = None) -> RouterResult:
    result = render_router(inputs.routers[0], inputs, held=held or [])
    assert result.ok, result.errors
    assert result.desired is not None
    return result


def _neighbors_of_node_b() -> list[DesiredNeighbor]:
    """node-b's neighbors as the last render with node-b desired them (what departing.py keeps)."""
    desired = _render(_inputs()).desired
    assert desired is not None
    return [desired.frr.routers[""].neighbors[peer] for peer in NODE_B]


def _peer_group(frr: str, peer: str) -> str:
    match = re.search(rf"^ neighbor {re.escape(peer)} peer-group (\S+)$", frr, re.MULTILINE)
    assert match, f"{peer} has no peer-group"
    return match.group(1)


def test_a_held_neighbor_renders_exactly_as_if_its_speaker_had_stayed() -> None:
    """node-b gone, its neighbors held: FRR and nftables are byte for byte those of the render with node-b."""
    with_node_b = _render(_inputs())

    held = _render(_inputs(without_node_b=True), _neighbors_of_node_b())

    assert held.frr == with_node_b.frr
    assert held.nft == with_node_b.nft
    assert held.desired is not None
    assert held.desired.held == {("", peer) for peer in NODE_B}


def test_a_held_neighbor_shares_the_peer_group_and_policy_of_the_live_speakers() -> None:
    held = _render(_inputs(without_node_b=True), _neighbors_of_node_b())

    assert _peer_group(held.frr, "10.0.0.12") == _peer_group(held.frr, "10.0.0.11")
    for direction in ("in", "out"):
        live = re.search(rf"neighbor 10\.0\.0\.11 route-map (\S+) {direction}\n", held.frr)
        assert live, held.frr
        assert f"neighbor 10.0.0.12 route-map {live.group(1)} {direction}\n" in held.frr
    assert held.desired is not None
    assert ("10.0.0.12", 179) in held.desired.firewall.bgp_peers  # the firewall admits its session


def test_a_neighbor_the_inputs_still_desire_stays_as_they_desire_it() -> None:
    """A held neighbor that came back (or never left) is the inputs' own: the hold changes nothing."""
    inputs = _inputs()
    stale = _neighbors_of_node_b()[0]
    stale.hold_time, stale.keepalive_time = 9, 3

    result = _render(inputs, [stale])

    assert result.frr == _render(inputs).frr
    assert result.desired is not None and result.desired.held == frozenset()


def test_a_held_neighbor_whose_bgp_instance_is_gone_goes_with_it() -> None:
    elsewhere = DesiredNeighbor(vrf="red", peer="10.0.0.12", interface=False, remote_as="64513")

    result = _render(_inputs(without_node_b=True), [elsewhere])

    assert "10.0.0.12" not in result.frr + result.nft
    assert result.desired is not None and result.desired.held == frozenset()


def test_holding_leaves_the_routing_of_the_inputs_as_it_was() -> None:
    """The controller's memo keeps the routing of the inputs alone (operator/memo.py): a hold copies it."""
    inputs = _inputs(without_node_b=True)
    [router] = inputs.routers
    name = router.object.metadata.name
    routing = desired_routing(router, inputs, read_cluster(inputs.others))
    text, peers = routing.text, set(routing.frr.routers[""].neighbors)

    held = held_routing(name, routing, _neighbors_of_node_b())

    assert "neighbor 10.0.0.12 remote-as" in held.text
    assert (routing.text, set(routing.frr.routers[""].neighbors)) == (text, peers)
    assert held_routing(name, routing, []) is routing
