"""The faults, each done to the real thing by PID or by the lab's own commands, and undone where a human would.

Every fault returns the moment it ended (time.monotonic()): for one that lasts (sshd down, the router
restarting) when it was undone, else when it was done. Convergence is counted from there. While a fault
lasts, the stream goes on changing the cluster (`meanwhile`).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from controller.lab import cluster as cluster_lab
from controller.lab import router as router_lab
from tests.faults.oracle import Sampler
from tests.faults.stream import Stream
from tests.operator.conftest import Controller, World, wait_for

FRR_DAEMONS = ("zebra", "bgpd", "staticd", "bfdd")  # the lab router's (controller/lab/router.py)
# Short timings so takeovers and retries happen within a round; resync reads the router every 5 s.
REPLICA_ARGS = ("--resync", "5")
READY_WITHIN = 180.0  # seconds a replica may take to start: a minute and more on a busy 2-core machine


@dataclass
class Replicas:
    """Two `frr-edge run` replicas with leader election: one leads, one stands by."""

    world: World
    running: list[Controller] = field(default_factory=list)
    started: int = 0
    starting: list[threading.Thread] = field(default_factory=list)

    def start(self, identity: str | None = None) -> Controller:
        if identity is None:
            self.started += 1
            identity = f"r{self.started}"
        controller = self.world.start_controller(identity, *REPLICA_ARGS, ready_within=READY_WITHIN)
        self.running.append(controller)
        return controller

    def stand_by(self) -> None:
        """Start a new replica without waiting for it: the rounds go on while it starts."""
        self.started += 1
        starting = threading.Thread(target=self.start, args=(f"r{self.started}",), name=f"start r{self.started}")
        starting.start()
        self.starting.append(starting)

    def settle(self) -> None:
        """Wait for the replicas still starting."""
        for starting in self.starting:
            starting.join()

    def leader(self, timeout: float = 60) -> Controller:
        found: list[Controller] = []

        def led() -> bool:
            found[:] = [c for c in self.running if c.metric("frr_edge_leader") == 1]
            return len(found) == 1

        wait_for(led, timeout, "one replica leads")
        return found[0]

    def kill(self, controller: Controller) -> None:
        controller.stop(signal.SIGKILL)
        self.running.remove(controller)


@dataclass
class Faults:
    """Each fault kind as a method; `KINDS` names them in the report's order."""

    world: World
    stream: Stream
    sampler: Sampler
    replicas: Replicas
    rng: random.Random
    boot: str  # the router's FRR configuration file before frr-edge ever ran: what a blank router boots with
    mid_apply: dict[str, int] = field(default_factory=dict)  # faults that hit while a writer held the router lock
    api_drops: int = 0

    KINDS = (
        "ssh-cut",
        "sshd-down",
        "bgpd-restart",
        "router-restart",
        "nft-delete",
        "controller-kill",
        "api-drop",
        "leader-lost",
    )

    def applying(self) -> bool:
        """Whether a writer holds the router lock now: its `tee` (RouterCommands.lock) runs in the router."""
        listed = subprocess.run(
            ["ip", "netns", "pids", self.world.lab.router_namespace], capture_output=True, text=True, check=False
        )
        for pid in listed.stdout.split():
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == "tee":
                    return True
            except OSError:
                continue
        return False

    def await_apply(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for an apply to be under way; whether one was."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.applying():
                return True
            time.sleep(0.02)
        return False

    def inject(self, kind: str) -> float:
        if self.applying():
            self.mid_apply[kind] = self.mid_apply.get(kind, 0) + 1
        method: Callable[[], float] = getattr(self, kind.replace("-", "_"))
        print(f"{time.strftime('%H:%M:%S')} fault {kind}", flush=True)
        ended = method()
        print(f"{time.strftime('%H:%M:%S')} fault {kind} ended", flush=True)
        return ended

    def meanwhile(self, low: float, high: float) -> None:
        """Let the fault last a random while, with up to two changes made during it."""
        until = time.monotonic() + self.rng.uniform(low, high)
        for _ in range(self.rng.randint(0, 2)):
            time.sleep(max(0.0, self.rng.uniform(0, until - time.monotonic())))
            self.stream.random_change()
        time.sleep(max(0.0, until - time.monotonic()))

    # -- the link and sshd ---------------------------------------------------------------------------------

    def _sessions(self) -> list[int]:
        """The sshd processes serving connections (not the listening sshd the lab started)."""
        master = int(self.world.lab.sshd_pid_file.read_text()) if self.world.lab.sshd_pid_file.exists() else -1
        return [pid for pid in self.world.sshd_children() if pid != master]

    def _cut(self) -> int:
        cut = 0
        for pid in self._sessions():
            try:
                os.kill(pid, signal.SIGKILL)
                cut += 1
            except ProcessLookupError:
                pass
        return cut

    def ssh_cut(self) -> float:
        self._cut()
        return time.monotonic()

    def sshd_down(self) -> float:
        router_lab.stop_sshd(self.world.lab)
        self._cut()
        self.meanwhile(1.0, 4.0)
        router_lab.start_sshd(self.world.lab)
        return time.monotonic()

    # -- FRR and nftables ----------------------------------------------------------------------------------

    def bgpd_restart(self) -> float:
        router_lab.kill_daemon(self.world.lab, "bgpd")
        self.meanwhile(0.3, 2.0)
        router_lab.start_daemon(self.world.lab, "bgpd")
        return time.monotonic()

    def _delete_table(self) -> None:
        argv = ["ip", "netns", "exec", self.world.lab.router_namespace, "nft", "delete", "table", "inet", "frr_edge"]
        subprocess.run(argv, capture_output=True, check=False)

    def nft_delete(self) -> float:
        self.sampler.expect_absence()
        self._delete_table()
        self.sampler.removed()
        return time.monotonic()

    def router_restart(self) -> float:
        """As a reboot with a blank FRR configuration: every daemon and sshd gone, the table too, then back."""
        lab = self.world.lab
        self.sampler.expect_absence()
        router_lab.stop_sshd(lab)
        self._cut()
        for daemon in FRR_DAEMONS:
            router_lab.kill_daemon(lab, daemon)
        config = Path("/etc/frr") / lab.router_namespace / "frr.conf"
        config.write_text(self.boot)
        shutil.chown(config, "frr", "frr")
        self._delete_table()
        self.sampler.removed()
        self.meanwhile(1.0, 3.0)
        for daemon in FRR_DAEMONS:
            router_lab.start_daemon(lab, daemon)
        router_lab.start_sshd(lab)
        return time.monotonic()

    # -- the controller and the API server -----------------------------------------------------------------

    def controller_kill(self) -> float:
        """SIGKILL the leader (likely mid-apply), and start it again under the same name."""
        leader = self.replicas.leader()
        self.replicas.kill(leader)
        self.meanwhile(0.0, 1.0)
        self.replicas.start(leader.identity)
        return time.monotonic()

    def leader_lost(self) -> float:
        """SIGKILL the leader; the replica standing by takes over (a new one starts to stand by after the round)."""
        self.replicas.kill(self.replicas.leader())
        return time.monotonic()

    def api_drop(self) -> float:
        """The replicas' connections to the API server (their watches among them) drop: every third time
        (the first included) the API server restarts, else the TCP connections are cut."""
        self.api_drops += 1
        if self.api_drops % 3 == 1:
            cluster_lab.restart_apiserver(self.world.cluster, self.rng.uniform(0, 2))
            return time.monotonic()
        return self._cut_api_connections()

    def _cut_api_connections(self) -> float:
        port = self.world.cluster.server.rsplit(":", 1)[1]
        pids = {c.process.pid for c in self.replicas.running if c.process is not None}
        listed = subprocess.run(
            ["ss", "-tnpH", "dst", "127.0.0.1", "dport", "=", f":{port}"], capture_output=True, text=True, check=True
        )
        local_ports = [
            line.split()[3].rsplit(":", 1)[1]
            for line in listed.stdout.splitlines()
            if any(f"pid={pid}," in line for pid in pids)
        ]
        if local_ports:
            sources = " or ".join(f"sport = :{local}" for local in local_ports)
            argv = ["ss", "-K", "-tnH", f"( {sources} ) and dport = :{port} and dst 127.0.0.1"]
            subprocess.run(argv, capture_output=True, check=False)
        return time.monotonic()
