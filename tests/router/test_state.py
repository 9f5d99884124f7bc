"""RouterState as the controller writes it: what a router with thousands of neighbors shows in its status."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from controller.inputs import load_paths
from controller.pipeline import RouterResult
from controller.router.outcome import Observation
from controller.router.state import RUNNING_CONFIG_SHOWN, router_state

ROUTER = load_paths([Path(__file__).resolve().parents[2] / "samples" / "core" / "router.yaml"]).routers[0].object


def test_a_running_config_past_what_status_holds_is_cut_at_a_line_and_says_so() -> None:
    """Given 2,000 neighbors with policies of their own (1.4 MB of running config, past the 1 MiB the field
    allows), RouterState still validates: whole lines up to the limit, then a line saying what was left out."""
    lines = [
        f"ip prefix-list frr-edge-10.0.{n // 256}.{n % 256}-in-v4 seq 5 permit 100.64.0.0/10" for n in range(20000)
    ]
    running = "\n".join(lines) + "\n"
    assert len(running) > 1024 * 1024
    observation = Observation(running_config=running, sessions=[])
    state = router_state(ROUTER, RouterResult(name="edge-1"), None, observation, datetime.now(UTC))
    assert state.status is not None
    shown = state.status.running_config
    assert len(shown) <= RUNNING_CONFIG_SHOWN
    kept, note = shown.rstrip("\n").rsplit("\n", 1)
    assert running.startswith(kept + "\n")
    assert note == f"! frr-edge: {len(running) - len(kept) - 1} of {len(running)} characters not shown here"


def test_a_running_config_that_fits_is_shown_whole() -> None:
    observation = Observation(running_config="router bgp 64512\nexit\n", sessions=[])
    state = router_state(ROUTER, RouterResult(name="edge-1"), None, observation, datetime.now(UTC))
    assert state.status is not None
    assert state.status.running_config == "router bgp 64512\nexit\n"
