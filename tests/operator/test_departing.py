"""A departed speaker's neighbor, on a real render of the MetalLB samples: kept while Established, then gone.

Each run as the controller makes it (operator/reconcile.py): Departing says which neighbors to keep
(`held`), the pipeline renders with them, Departing records what the render kept (`kept`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from controller.api.routerstate import RouterStateStatus
from controller.desired import DesiredNeighbor
from controller.inputs import Inputs, load_paths
from controller.metallb.departed import NeighborKey
from controller.operator.departing import Departing
from controller.pipeline import RouterResult, render_router

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "metallb"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
GRACE = timedelta(seconds=300)
NODE_B = ("default", "10.0.0.12")
UPSTREAM = Path(__file__).parent / "fixtures" / "upstream-neighbor.yaml"
UPSTREAM_PEER = ("default", "10.0.0.99")


def _render(without_node_b: bool = False, held: Sequence[DesiredNeighbor] = ()) -> RouterResult:
    inputs: Inputs = load_paths([SAMPLES])
    if without_node_b:
        inputs.others = [
            (origin, document) for origin, document in inputs.others if origin.name not in ("node-b", "speaker-b")
        ]
    result = render_router(inputs.routers[0], inputs, held=held)
    assert result.ok, result.errors
    return result


def _without_node_b(held: Sequence[DesiredNeighbor]) -> RouterResult:
    return _render(without_node_b=True, held=held)


def _hold(
    departing: Departing,
    render: Callable[[Sequence[DesiredNeighbor]], RouterResult],
    sessions: Mapping[NeighborKey, str],
    now: datetime,
) -> tuple[bool, RouterResult]:
    """One run: the neighbors Departing keeps, the pipeline's render with them, and whether the render kept any."""
    result = render(departing.held(sessions, now, GRACE))
    return departing.kept(result, now), result


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
    held, result = _hold(departing, _without_node_b, {NODE_B: "Established"}, NOW)
    assert held
    assert "neighbor 10.0.0.12 remote-as" in result.frr
    assert "10.0.0.12" in result.nft
    assert departing.since == {NODE_B: NOW}


def test_neighbor_goes_when_its_session_leaves_established() -> None:
    departing = _applied()
    _hold(departing, _without_node_b, {NODE_B: "Established"}, NOW)
    held, result = _hold(departing, _without_node_b, {NODE_B: "Active"}, NOW + timedelta(seconds=5))
    assert not held
    assert "neighbor 10.0.0.12 remote-as" not in result.frr


def test_neighbor_goes_after_the_grace_period_even_if_established() -> None:
    departing = _applied()
    _hold(departing, _without_node_b, {NODE_B: "Established"}, NOW)
    held, result = _hold(departing, _without_node_b, {NODE_B: "Established"}, NOW + GRACE)
    assert not held
    assert "neighbor 10.0.0.12 remote-as" not in result.frr


def test_a_neighbor_never_applied_is_never_held() -> None:
    """After a restart nothing was applied by this process: no neighbor is a candidate."""
    held, result = _hold(Departing(), _without_node_b, {NODE_B: "Established"}, NOW)
    assert not held
    assert "neighbor 10.0.0.12 remote-as" not in result.frr


def _with_upstream(without_upstream: bool = False, held: Sequence[DesiredNeighbor] = ()) -> RouterResult:
    inputs = load_paths([SAMPLES] if without_upstream else [SAMPLES, UPSTREAM])
    result = render_router(inputs.routers[0], inputs, held=held)
    assert result.ok, result.errors
    return result


def _without_upstream(held: Sequence[DesiredNeighbor]) -> RouterResult:
    return _with_upstream(without_upstream=True, held=held)


def test_a_neighbor_a_user_removes_goes_at_once_though_established() -> None:
    """A user deleting a neighbor from an FRRConfiguration means it: no grace period, whatever its session."""
    departing = Departing()
    departing.applied(_with_upstream())
    assert "neighbor 10.0.0.99 remote-as 65099" in _with_upstream().frr

    held, result = _hold(departing, _without_upstream, {UPSTREAM_PEER: "Established", NODE_B: "Established"}, NOW)

    assert not held
    assert "neighbor 10.0.0.99" not in result.frr
    assert departing.since == {}


def test_a_speaker_leaving_while_a_user_removes_a_neighbor_only_the_speaker_waits() -> None:
    departing = Departing()
    departing.applied(_with_upstream())

    held, result = _hold(departing, _without_node_b, {UPSTREAM_PEER: "Established", NODE_B: "Established"}, NOW)

    assert held

    assert "neighbor 10.0.0.12 remote-as" in result.frr
    assert "neighbor 10.0.0.99" not in result.frr
    assert departing.since == {NODE_B: NOW}


def _kept_before_a_restart() -> tuple[Departing, RouterResult]:
    """node-b gone at NOW, its session Established: held, and that render applied (the last good config)."""
    departing = _applied()
    kept, held = _hold(departing, _without_node_b, {NODE_B: "Established"}, NOW)
    assert kept
    departing.applied(held)
    return departing, held


def _read_back(departing: Departing) -> RouterStateStatus:
    """The departures as RouterState holds them: written as JSON by one controller, read by the next."""
    written = RouterStateStatus(departures=departing.records()).model_dump(mode="json", by_alias=True)
    return RouterStateStatus.model_validate(written)


def test_a_departure_is_recorded_without_its_password() -> None:
    departing, _ = _kept_before_a_restart()

    [record] = _read_back(departing).departures

    assert (record.vrf, record.peer, record.since) == (*NODE_B, NOW)
    assert record.neighbor["peer"] == "10.0.0.12"
    assert "password" not in record.neighbor
    assert "sample-only-change-me" not in str(record.model_dump())


def test_a_restarted_controller_keeps_the_neighbor_as_it_was_until_the_grace_period_ends() -> None:
    """The render after a restart is the one applied before it: the router is told nothing new."""
    departing, held = _kept_before_a_restart()
    recorded = _read_back(departing).departures

    restarted = Departing.restored(recorded, last_good_frr=held.frr)
    kept, during = _hold(restarted, _without_node_b, {NODE_B: "Established"}, NOW + GRACE / 2)
    assert kept

    assert during.frr == held.frr and during.nft == held.nft
    assert " neighbor 10.0.0.12 password sample-only-change-me" in during.frr
    assert restarted.since == {NODE_B: NOW}

    restarted.applied(during)
    kept, after = _hold(restarted, _without_node_b, {NODE_B: "Established"}, NOW + GRACE)
    assert not kept
    assert "neighbor 10.0.0.12 remote-as" not in after.frr


def test_a_record_that_cannot_be_read_back_decides_its_neighbor_afresh() -> None:
    departing, held = _kept_before_a_restart()
    [record] = _read_back(departing).departures
    unreadable = record.model_copy(update={"neighbor": {"peer": "10.0.0.12", "remote_as": ["not", "a", "number"]}})

    restarted = Departing.restored([unreadable], last_good_frr=held.frr)

    kept, result = _hold(restarted, _without_node_b, {NODE_B: "Established"}, NOW)

    assert not kept
    assert "neighbor 10.0.0.12 remote-as" not in result.frr
