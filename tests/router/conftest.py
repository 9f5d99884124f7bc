"""Router tier: one lab (FRR, OpenSSH, nftables in network namespaces) for the session, driven through the CLI."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from controller.frrcfg import parse
from controller.frrcfg.model import canonical
from controller.lab import router as lab
from controller.router.frr.plan import remaining
from controller.router.linux.apply import running_text

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
# The desired state of the lab: the core samples (speakers 192.0.2.11/12, LoadBalancer IPs 203.0.113.0/24,
# the web FirewallPolicy with a 2 MB/s limit on 203.0.113.10:80), without the samples' own Router.
SAMPLES = [REPO / "samples" / "core" / name for name in ("bgp-base.yaml", "bgp-layer.yaml", "firewall.yaml")]


@dataclass(frozen=True)
class Run:
    """One `frr-edge apply|status` run: exit code, the RouterState it printed, and its messages."""

    code: int
    state: dict[str, Any]
    stderr: str

    @property
    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = self.state.get("status", {})
        return status

    @property
    def method(self) -> str | None:
        method: str | None = self.status.get("reload", {}).get("method")
        return method

    def sessions(self) -> dict[str, str]:
        return {session["peer"]: session["state"] for session in self.status.get("sessions", [])}


FrrEdge = Callable[..., Run]


@dataclass(frozen=True)
class Canary:
    """A root-only file on the router (root, 0600) holding a secret no output of frr-edge may show."""

    path: Path
    secret: str


@pytest.fixture(scope="session")
def router_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[lab.RouterLab]:
    if os.geteuid() != 0:
        pytest.fail("the router tier needs root: network namespaces, FRR, sshd and a login user")
    directory = tmp_path_factory.mktemp("router-lab")
    running = lab.start(directory, speakers=2)
    try:
        yield running
    finally:
        lab.stop(directory)


def frr_edge_command(*argv: str, timeout: float = 300) -> Run:
    """Run the frr-edge CLI as a user would and read the RouterState it prints."""
    result = subprocess.run(
        [sys.executable, "-m", "controller", *argv], capture_output=True, text=True, timeout=timeout, check=False
    )
    state = YAML(typ="safe").load(result.stdout) if result.stdout.strip() else {}
    return Run(result.returncode, state or {}, result.stderr)


@pytest.fixture(scope="session")
def canary(router_lab: lab.RouterLab) -> Iterator[Canary]:
    """A shadow-like line in /etc (the login user may look the file up, not read it)."""
    secret = f"CANARY-{secrets.token_hex(8)}"
    path = Path(f"/etc/frr-edge-canary-{router_lab.lab_id}")
    path.touch(mode=0o600)
    path.write_text(f"root:$6${secret}:19000:0:99999:7:::\n")
    try:
        yield Canary(path, secret)
    finally:
        path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def frr_edge(router_lab: lab.RouterLab) -> FrrEdge:
    """`frr_edge("apply", *paths)`: the CLI against the lab's Router; paths default to the samples."""

    def run(command: str, *paths: Path, manifest: Path | None = None, extra: tuple[str, ...] = ()) -> Run:
        files = [manifest or router_lab.router_manifest, *(paths or SAMPLES)]
        argv = [command, *(arg for path in files for arg in ("-f", str(path))), "--router", lab.ROUTER_NAME, *extra]
        return frr_edge_command(*argv)

    return run


def running_config(router_lab: lab.RouterLab) -> str:
    """The router's running config as root sees it (not through frr-edge)."""
    return router_lab.vtysh(router_lab.router_namespace, "show running-config")


def nft_table(router_lab: lab.RouterLab, table: str = "inet frr_edge") -> str:
    """A table with rule handles, as root lists it in the router namespace ('' when it does not exist)."""
    shown = subprocess.run(
        ["ip", "netns", "exec", router_lab.router_namespace, "nft", "-a", "list", "table", *table.split()],
        capture_output=True,
        text=True,
        check=False,
    )
    return shown.stdout if shown.returncode == 0 else ""


def same_config(first: str, second: str) -> bool:
    """Whether two running configs are the same configuration: nothing to change from one to the other."""
    return not remaining(running_text(first), canonical(parse(running_text(second))))


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.5) -> float:
    """Seconds until condition() held; fails the test after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"condition not met within {timeout:.0f} s")
        time.sleep(interval)
    return time.monotonic() - started


@pytest.fixture()
def applied(frr_edge: FrrEdge, router_lab: lab.RouterLab) -> Run:
    """The samples applied and every session Established (the state most tests start from)."""
    run = frr_edge("apply")
    assert run.code == 0, run.stderr
    wait_for(lambda: set(frr_edge("status").sessions().values()) == {"Established"}, timeout=30)
    return run
