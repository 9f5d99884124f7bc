"""A departed speaker's neighbor, on a real render of the MetalLB samples: kept while Established, then gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from controller.inputs import Inputs, load_paths
from controller.operator.departing import Departing
from controller.pipeline import RouterResult, render_all

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "metallb"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
GRACE = timedelta(seconds=300)
NODE_B = ("default", "10.0.0.12")
UPSTREAM = Path(__file__).parent / "fixtures" / "upstream-neighbor.yaml"
UPSTREAM_PEER = ("default", "10.0.0.99")


def _render(without_node_b: bool = False) -> RouterResult:
    inputs: Inputs = load_paths([SAMPLES])
    if without_node_b:
        inputs.others = [
            (origin, document) for origin, document in inputs.others if origin.name not in ("node-b", "speaker-b")
        ]
    (result,) = render_all(inputs)
    assert result.ok, result.errors
    return result


def _applied() -> Departing:
    departing = Departing()
    departing.applied(_render())
    return departing


def test_the_samples_peer_with_node_b() -> None:
    assert "neighbor 10.0.0.12 remote-as" in _render().frr
    assert "neighbor 10.0.0.12 remote-as" not in _render(without_node_b=True).frr


def test_established_neighbor_is_kept_in_frr_and_firewall() -> None:
    """node-b gone, its session still Established: the router is not told to remove it yet."""
    departing = _applied()
    result = _render(without_node_b=True)
    assert departing.hold(result, {NODE_B: "Established"}, NOW, GRACE)
    assert "neighbor 10.0.0.12 remote-as" in result.frr
    assert "10.0.0.12" in result.nft
    assert departing.since == {NODE_B: NOW}


def test_neighbor_goes_when_its_session_leaves_established() -> None:
    departing = _applied()
    departing.hold(_render(without_node_b=True), {NODE_B: "Established"}, NOW, GRACE)
    result = _render(without_node_b=True)
    assert not departing.hold(result, {NODE_B: "Active"}, NOW + timedelta(seconds=5), GRACE)
    assert "neighbor 10.0.0.12 remote-as" not in result.frr


def test_neighbor_goes_after_the_grace_period_even_if_established() -> None:
    departing = _applied()
    departing.hold(_render(without_node_b=True), {NODE_B: "Established"}, NOW, GRACE)
    result = _render(without_node_b=True)
    assert not departing.hold(result, {NODE_B: "Established"}, NOW + GRACE, GRACE)
    assert "neighbor 10.0.0.12 remote-as" not in result.frr


def test_a_neighbor_never_applied_is_never_held() -> None:
    """After a restart nothing was applied by this process: no neighbor is a candidate."""
    result = _render(without_node_b=True)
    assert not Departing().hold(result, {NODE_B: "Established"}, NOW, GRACE)
    assert "neighbor 10.0.0.12 remote-as" not in result.frr


def _with_upstream(without_upstream: bool = False) -> RouterResult:
    paths = [SAMPLES] if without_upstream else [SAMPLES, UPSTREAM]
    (result,) = render_all(load_paths(paths))
    assert result.ok, result.errors
    return result


def test_a_neighbor_a_user_removes_goes_at_once_though_established() -> None:
    """A user deleting a neighbor from an FRRConfiguration means it: no grace period, whatever its session."""
    departing = Departing()
    departing.applied(_with_upstream())
    assert "neighbor 10.0.0.99 remote-as 65099" in _with_upstream().frr

    result = _with_upstream(without_upstream=True)
    held = departing.hold(result, {UPSTREAM_PEER: "Established", NODE_B: "Established"}, NOW, GRACE)

    assert not held
    assert "neighbor 10.0.0.99" not in result.frr
    assert departing.since == {}


def test_a_speaker_leaving_while_a_user_removes_a_neighbor_only_the_speaker_waits() -> None:
    departing = Departing()
    departing.applied(_with_upstream())
    inputs: Inputs = load_paths([SAMPLES])
    inputs.others = [
        (origin, document) for origin, document in inputs.others if origin.name not in ("node-b", "speaker-b")
    ]
    (result,) = render_all(inputs)

    assert departing.hold(result, {UPSTREAM_PEER: "Established", NODE_B: "Established"}, NOW, GRACE)

    assert "neighbor 10.0.0.12 remote-as" in result.frr
    assert "neighbor 10.0.0.99" not in result.frr
    assert departing.since == {NODE_B: NOW}
