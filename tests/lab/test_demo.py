"""README's first command: the demo starts everything, shows the sessions Established and a conflict refused at
kubectl apply, and stops cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def frr_edge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "controller", *args], capture_output=True, text=True, cwd=REPO, timeout=300
    )


def test_demo_starts_shows_established_sessions_and_stops_everything(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    started = frr_edge("lab", "demo", "start", "--dir", str(directory))
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert "routerstate.frr-edge.dev/lab-edge   True        Success   Success   2/2" in started.stdout
        assert started.stdout.count("state: Established") == 2
        assert "Total number of neighbors 2" in started.stdout
        # The admission webhook is registered: a conflict with MetalLB's BGPPeer is refused at kubectl apply.
        assert (
            'admission webhook "validate.frr-edge.dev" denied the request: FRRConfiguration '
            "frr-edge-system/team-a-speaker would break router lab-edge: "
        ) in started.stdout
        assert "asn: 64999 (from frr-edge-system/team-a-speaker) != 64513 (from metallb-system/metallb-lab-edge)" in (
            started.stdout
        )
        assert "python3 -m controller lab demo stop --dir" in started.stdout
        again = frr_edge("lab", "demo", "start", "--dir", str(directory))
        assert again.returncode == 1 and "a demo already runs" in again.stderr
    finally:
        stopped = frr_edge("lab", "demo", "stop", "--dir", str(directory))
    assert stopped.returncode == 0
    assert stopped.stdout.startswith("stopped: frr-edge run, ")
    assert frr_edge("lab", "demo", "stop", "--dir", str(directory)).stdout.strip() == "stopped: nothing was running"
