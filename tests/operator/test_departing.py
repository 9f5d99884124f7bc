"""A departed speaker's neighbor, on a real render of the MetalLB samples: kept while Established, then gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from controller.api.routerstate import RouterStateStatus
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


def _kept_before_a_restart() -> tuple[Departing, RouterResult]:
    """node-b gone at NOW, its session Established: held, and that render applied (the last good config)."""
    departing = _applied()
    held = _render(without_node_b=True)
    assert departing.hold(held, {NODE_B: "Established"}, NOW, GRACE)
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
    during = _render(without_node_b=True)
    assert restarted.hold(during, {NODE_B: "Established"}, NOW + GRACE / 2, GRACE)

    assert during.frr == held.frr and during.nft == held.nft
    assert " neighbor 10.0.0.12 password sample-only-change-me" in during.frr
    assert restarted.since == {NODE_B: NOW}

    restarted.applied(during)
    after = _render(without_node_b=True)
    assert not restarted.hold(after, {NODE_B: "Established"}, NOW + GRACE, GRACE)
    assert "neighbor 10.0.0.12 remote-as" not in after.frr


def test_a_record_that_cannot_be_read_back_decides_its_neighbor_afresh() -> None:
    departing, held = _kept_before_a_restart()
    [record] = _read_back(departing).departures
    unreadable = record.model_copy(update={"neighbor": {"peer": "10.0.0.12", "remote_as": ["not", "a", "number"]}})

    restarted = Departing.restored([unreadable], last_good_frr=held.frr)
    result = _render(without_node_b=True)

    assert not restarted.hold(result, {NODE_B: "Established"}, NOW, GRACE)
    assert "neighbor 10.0.0.12 remote-as" not in result.frr
