"""The lab itself: what it writes for the user, two labs side by side, and a stop that leaves nothing behind."""

from __future__ import annotations

import pwd
import subprocess
import sys
from pathlib import Path

import pytest

from controller.api.router import Router
from controller.inputs import load_paths
from controller.lab import router as lab
from tests.router.conftest import SAMPLES, frr_edge_command


def _status(running: lab.RouterLab) -> int:
    files = [running.router_manifest, *SAMPLES]
    argv = ["status", *(arg for path in files for arg in ("-f", str(path)))]
    return frr_edge_command(*argv, "--router", lab.ROUTER_NAME).code


def test_the_router_manifest_pins_the_lab_host_key_and_carries_the_ssh_key(router_lab: lab.RouterLab) -> None:
    inputs = load_paths([router_lab.router_manifest])

    assert not inputs.invalid
    router: Router = inputs.routers[0].object
    assert router.spec.host_keys == [router_lab.host_key]
    assert router.spec.address == router_lab.management_address
    assert router.spec.user == router_lab.user
    assert router.spec.frr.pathspace == router_lab.router_namespace
    ref = router.spec.ssh_key_secret_ref
    assert inputs.secrets[(ref.namespace, ref.name)].values[ref.key] == router_lab.ssh_key.read_text()


def _namespaces() -> list[str]:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in listed.splitlines() if line.strip()]


def test_a_second_lab_runs_beside_the_first_and_its_stop_removes_only_its_own(
    router_lab: lab.RouterLab, tmp_path: Path
) -> None:
    second = lab.start(tmp_path / "second", speakers=1)
    try:
        assert second.router_namespace != router_lab.router_namespace
        assert second.management_address != router_lab.management_address
        assert second.user != router_lab.user
        assert _status(second) == 0
    finally:
        stopped = lab.stop(tmp_path / "second")

    assert "sshd" in stopped
    namespaces = _namespaces()
    assert second.router_namespace not in namespaces
    assert second.client_namespace not in namespaces
    assert router_lab.router_namespace in namespaces
    with pytest.raises(KeyError):
        pwd.getpwnam(second.user)
    assert not Path(f"/etc/sudoers.d/frr-edge-lab-{second.lab_id}").exists()
    assert not Path(f"/etc/frr/{second.router_namespace}").exists()
    assert not Path(second.home).exists()
    assert _status(router_lab) == 0


def test_without_root_the_lab_says_it_needs_root(tmp_path: Path) -> None:
    # Parse first (the interpreter and its modules may live under /root), then drop to nobody, then run.
    script = (
        "import os, sys\n"
        "from controller.cli import build_parser\n"
        f"args = build_parser().parse_args(['lab', 'router', 'start', '--dir', '{tmp_path / 'lab'}'])\n"
        "os.setegid(65534); os.seteuid(65534)\n"
        "sys.exit(args.run(args))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)

    assert result.returncode == 1
    assert "needs root" in result.stderr
    assert not (tmp_path / "lab").exists()
