"""Departed speakers: their neighbors go once the session drops or the grace period ends, and a neighbor
frr-edge does not own is never removed."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from controller.metallb.departed import DEFAULT_GRACE, departures

NOW = datetime(2026, 11, 22, 12, 0, 0)
A, B, C = ("", "10.0.0.11"), ("", "10.0.0.12"), ("", "10.0.0.13")


def test_a_departed_speaker_with_a_dropped_session_goes_at_once() -> None:
    decision = departures({A: "Established", B: "Active"}, {A}, {}, NOW)
    assert decision.remove == {B} and decision.keep == frozenset()


def test_a_departed_speaker_still_established_stays_for_the_grace_period_then_goes() -> None:
    first = departures({A: "Established", B: "Established"}, {A}, {}, NOW)
    assert first.remove == frozenset() and first.keep == {B}
    later = departures({A: "Established", B: "Established"}, {A}, first.departed_since, NOW + timedelta(minutes=4))
    assert later.keep == {B}
    expired = departures({A: "Established", B: "Established"}, {A}, later.departed_since, NOW + DEFAULT_GRACE)
    assert expired.remove == {B}


def test_a_speaker_that_comes_back_forgets_its_departure() -> None:
    first = departures({B: "Established"}, set(), {}, NOW)
    back = departures({B: "Established"}, {B}, first.departed_since, NOW + timedelta(minutes=10))
    assert back.remove == frozenset() and back.departed_since == {}


STATES = st.sampled_from(["Established", "Active", "Connect", "Idle", "OpenSent"])
KEYS = st.tuples(st.sampled_from(["", "red"]), st.sampled_from(["10.0.0.1", "10.0.0.2", "10.0.0.3", "fd00::1"]))


@given(
    st.dictionaries(KEYS, STATES),
    st.sets(KEYS),
    st.dictionaries(KEYS, st.integers(0, 600).map(lambda s: NOW - timedelta(seconds=s))),
)
def test_only_owned_undesired_neighbors_are_ever_removed(
    owned: dict[tuple[str, str], str], desired: set[tuple[str, str]], since: dict[tuple[str, str], datetime]
) -> None:
    decision = departures(owned, desired, since, NOW)
    assert decision.remove <= set(owned) - desired
    assert decision.remove | decision.keep == set(owned) - desired
    assert all(owned[key] == "Established" for key in decision.keep)
