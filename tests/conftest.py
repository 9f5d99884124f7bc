"""Fixtures every tier may use: the real FRR (`vtysh -C`) and nftables (`nft -c`) checkers."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator

import pytest
from hypothesis import settings

# Property tests never gate on wall-clock time: hypothesis's default 200 ms deadline per example failed
# tests on a loaded machine for being slow, not wrong. Every test without its own deadline gets none.
settings.register_profile("frr-edge", deadline=None)
settings.load_profile("frr-edge")


@pytest.fixture(scope="session")
def vtysh_check(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], subprocess.CompletedProcess[str]]:
    """Run Debian FRR's own `vtysh -C -f` on a configuration text (no daemon needed)."""
    directory = tmp_path_factory.mktemp("vtysh")

    def check(text: str) -> subprocess.CompletedProcess[str]:
        path = directory / f"{uuid.uuid4().hex}.conf"
        path.write_text(text)
        return subprocess.run(["vtysh", "-C", "-f", str(path)], capture_output=True, text=True, check=False)

    return check


@pytest.fixture(scope="session")
def netns() -> Iterator[str]:
    """A network namespace of our own, so that nft checks never touch the host's ruleset."""
    if os.geteuid() != 0:
        pytest.fail("nft checks need root (CAP_NET_ADMIN) to create a network namespace")
    name = f"fe-test-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=True)


@pytest.fixture(scope="session")
def nft_check(
    netns: str, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], subprocess.CompletedProcess[str]]:
    """Run the real `nft -c -f` on a ruleset inside our own namespace."""
    directory = tmp_path_factory.mktemp("nft")

    def check(text: str) -> subprocess.CompletedProcess[str]:
        path = directory / f"{uuid.uuid4().hex}.nft"
        path.write_text(text)
        return subprocess.run(
            ["ip", "netns", "exec", netns, "nft", "-c", "-f", str(path)], capture_output=True, text=True, check=False
        )

    return check
