"""The controller at a tenth of issue 14's scale on a world of its own: 200 Nodes with ready speaker Pods,
5,000 LoadBalancer Services, one Router (bench/bench_scale.py runs the same at 2,000 and 50,000 and reports
times against the targets).

What is asserted is behaviour: the router gets every Service and every speaker's neighbor, every render
after the first is a delta of the last one, each single change reaches the router in one apply, a burst
coalesces into a few applies, memory stays bounded. Times are printed, never gated (the waits are generous
sanity limits on a shared 2-core machine).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.operator.conftest import World, running_world
from tests.operator.scale import NODE_BASE, Round, Size, populate, run_round

SIZE = Size(nodes=200, services=5000, singles=10, burst=500)


@pytest.fixture(scope="module")
def scale_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with running_world(tmp_path_factory.mktemp("scale")) as world:
        population = populate(world, SIZE)
        print(f"written: {population.seconds}")
        yield world


@pytest.fixture(scope="module")
def figures(scale_world: World) -> Round:
    measured = run_round(scale_world, SIZE, 0, timeouts=0.1, settle=False)
    print(f"\nscale {SIZE}: {measured}")
    return measured


def test_the_router_holds_every_speaker_and_service(scale_world: World, figures: Round) -> None:
    """Started on 200 speakers and 5,000 Services, the controller's first apply configures them all: a
    neighbor per speaker (the lab's two Established, the others down), every Service's port let through."""
    running = scale_world.running_config()
    assert running.count(" remote-as 64513") == SIZE.nodes
    assert f"neighbor {NODE_BASE + SIZE.nodes - 3} remote-as 64513" in running
    state = scale_world.router_state()["status"]
    assert state["reload"]["result"] == "Success"
    assert state["sessionsSummary"] == f"2/{SIZE.nodes}"
    assert figures.synced <= figures.allowed <= figures.applied


def test_every_render_after_the_first_is_a_delta(figures: Round) -> None:
    """Single changes and the burst (500 of 5,000 Services) are applied to the last render: one render from
    scratch in the whole round, the first."""
    assert figures.renders["full"] == 1, figures.renders
    assert figures.renders["delta"] >= SIZE.singles + 1


def test_every_single_change_reaches_the_router_in_one_apply(figures: Round) -> None:
    """Each Service's new address is let through (a packet answered behind the router), by an apply of its
    own: an element delta, not a reload."""
    assert len(figures.singles) == SIZE.singles
    assert figures.single_applies == SIZE.singles


def test_a_burst_coalesces(figures: Round) -> None:
    """500 addresses written from 16 threads: at most one apply per debounce window (1 s) while the writes
    last, and one after, not one per write."""
    assert 1 <= figures.burst_applies <= figures.burst_written + 2, figures


def test_memory_stays_bounded(figures: Round) -> None:
    """The controller's peak RSS at this size (the 1 GB target is for 2,000 Nodes and 50,000 Services)."""
    assert 0 < figures.peak_rss_mb < 512
    assert figures.cpu["start to applied"] > 0
