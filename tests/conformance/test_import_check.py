"""frr-edge keeps FRR's `bgp network import-check`, where FRR-K8s turns it off (docs/layering.md, row
import-check): a router prefix is announced only while the router has a route for it. Shown with FRR's
own zebra, staticd and bgpd running in a network namespace of the test's own."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conformance.conftest import Rendered
from tests.core.builders import frr_configuration

Render = Callable[..., Rendered]
DAEMONS = ("zebra", "staticd", "bgpd")
PREFIX = "203.0.113.0/24"


@dataclass(frozen=True)
class Frr:
    """FRR daemons in their own network namespace and pathspace, driven through vtysh."""

    pathspace: str

    def vtysh(self, *commands: str) -> str:
        argv = ["vtysh", "-N", self.pathspace]
        for command in commands:
            argv += ["-c", command]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def configure(self, text: str) -> None:
        self.vtysh("configure terminal", *(line for line in text.split("\n") if line.strip()))

    def announced(self) -> set[str]:
        """IPv4 prefixes of the default instance with a valid path: only those become best and are announced.

        A `network` prefix the import check finds no route for stays in the table with an invalid path
        (its next hop is not accessible), so no neighbor is sent it.
        """
        shown = json.loads(self.vtysh("show bgp ipv4 unicast json"))
        return {prefix for prefix, paths in shown.get("routes", {}).items() if any(p.get("valid") for p in paths)}


@pytest.fixture
def frr() -> Iterator[Frr]:
    if os.geteuid() != 0:
        pytest.fail("running FRR needs root: a network namespace and FRR's daemons")
    name = f"fe-ic-{uuid.uuid4().hex[:8]}"
    run = Path("/var/run/frr") / name
    etc = Path(tempfile.mkdtemp(prefix="fe-import-check-"))
    etc.chmod(0o755)
    config = etc / "frr.conf"
    config.write_text("")
    config.chmod(0o644)
    subprocess.run(["ip", "netns", "add", name], check=True)
    run.mkdir(parents=True)
    shutil.chown(run, "frr", "frr")
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        for daemon in DAEMONS:
            options = ["-d", "-N", name, "-F", "traditional", "-f", str(config), "-i", str(run / f"{daemon}.pid")]
            subprocess.run(["ip", "netns", "exec", name, f"/usr/lib/frr/{daemon}", *options], check=True, timeout=30)
        started = Frr(name)
        deadline = time.monotonic() + 20
        while subprocess.run(["vtysh", "-N", name, "-c", "show version"], capture_output=True).returncode != 0:
            assert time.monotonic() < deadline, "FRR did not answer vtysh"
            time.sleep(0.2)
        yield started
    finally:
        for daemon in DAEMONS:
            pid_file = run / f"{daemon}.pid"
            if pid_file.exists():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid_file.read_text()), signal.SIGTERM)
        time.sleep(0.5)
        subprocess.run(["ip", "netns", "del", name], check=False)
        shutil.rmtree(run, ignore_errors=True)
        shutil.rmtree(etc, ignore_errors=True)


ROUTER_PREFIX = frr_configuration(
    "uplink",
    f"""
    bgp:
      routers:
        - asn: 64520
          id: 10.255.0.1
          prefixes: [{PREFIX}]
          neighbors: [{{address: 192.0.2.30, asn: 64530, toAdvertise: {{allowed: {{mode: all}}}}}}]
    """,
    "network",
)


def wait_for(condition: Callable[[], bool], timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)
    return True


def test_the_rendered_configuration_keeps_the_import_check(render: Render) -> None:
    rendered = render(ROUTER_PREFIX)
    assert "import-check" not in rendered.text
    assert rendered.meaning.router().networks[4] == {PREFIX}


def test_a_router_prefix_is_announced_only_while_the_router_has_a_route(render: Render, frr: Frr) -> None:
    frr.configure(render(ROUTER_PREFIX).text)
    # No route to 203.0.113.0/24 on the router: the prefix stays out of the BGP table, nothing is announced.
    assert not wait_for(lambda: PREFIX in frr.announced(), timeout=3)
    # A route for it (here the usual way to pin an aggregate): the prefix is announced.
    frr.configure(f"ip route {PREFIX} blackhole")
    assert wait_for(lambda: PREFIX in frr.announced())
    # What FRR-K8s writes on a node: announced whether or not a route exists.
    frr.configure(f"no ip route {PREFIX} blackhole")
    assert wait_for(lambda: PREFIX not in frr.announced())
    frr.configure("router bgp 64520\n no bgp network import-check")
    assert wait_for(lambda: PREFIX in frr.announced())
