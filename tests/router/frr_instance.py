"""One FRR instance (zebra, bgpd, staticd, bfdd: the lab router's daemons) in a network namespace of its own,
for tests that load configurations into real FRR and read them back. Started and stopped by PID."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from controller.frrcfg import parse
from controller.frrcfg.model import Bfd, Block, Command, Interface, PrefixListEntry, RouteMapEntry, RouterBgp, Vrf
from controller.router.linux.apply import running_text

DAEMONS = ("zebra", "bgpd", "staticd", "bfdd")
REFUSED = re.compile(r"^line [0-9]+:|Configuration failed", re.MULTILINE)
FRR_RELOAD = "/usr/lib/frr/frr-reload.py"


@dataclass
class FrrInstance:
    """Real FRR daemons in namespace `name`; `baseline` is what they show before anything is loaded."""

    name: str
    scratch: Path
    baseline: str = ""
    restarts: int = 0
    pids: list[int] = field(default_factory=list)

    @property
    def confdir(self) -> Path:
        return Path("/etc/frr") / self.name

    @property
    def rundir(self) -> Path:
        return Path("/var/run/frr") / self.name

    def start(self) -> None:
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        for directory in (self.confdir, self.rundir):
            directory.mkdir(parents=True, exist_ok=True)
            shutil.chown(directory, "frr", "frr")
        (self.confdir / "vtysh.conf").write_text("service integrated-vtysh-config\n")
        shutil.chown(self.confdir / "vtysh.conf", "frr", "frr")
        self._start_daemons()
        self.baseline = self.running()

    def _start_daemons(self) -> None:
        # frr-reload.py ends with `write`: the daemons start from the initial file, not from what it saved.
        (self.confdir / "frr.conf").write_text("frr defaults traditional\n")
        shutil.chown(self.confdir / "frr.conf", "frr", "frr")
        for daemon in DAEMONS:
            pid_file = self.rundir / f"{daemon}.pid"
            pid_file.unlink(missing_ok=True)
            files = ["-f", str(self.confdir / "frr.conf"), "-i", str(pid_file)]
            start = ["ip", "netns", "exec", self.name, f"/usr/lib/frr/{daemon}", "-d", "-N", self.name]
            subprocess.run([*start, "-F", "traditional", *files], check=True, capture_output=True)
        deadline = time.monotonic() + 10
        while not all((self.rundir / f"{daemon}.vty").exists() for daemon in DAEMONS):
            assert time.monotonic() < deadline, "FRR daemons did not open their vty sockets"
            time.sleep(0.05)
        self.pids = [int((self.rundir / f"{daemon}.pid").read_text()) for daemon in DAEMONS]

    def _stop_daemons(self) -> None:
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in self.pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        for path in self.rundir.glob("*.vty"):
            path.unlink(missing_ok=True)
        self.pids = []

    def stop(self) -> None:
        self._stop_daemons()
        subprocess.run(["ip", "netns", "del", self.name], check=False)
        shutil.rmtree(self.confdir, ignore_errors=True)
        shutil.rmtree(self.rundir, ignore_errors=True)

    @classmethod
    @contextlib.contextmanager
    def running_in(cls, name: str, scratch: Path) -> Iterator[FrrInstance]:
        """An instance started in namespace `name`, stopped (daemons, namespace, files) on the way out."""
        instance = cls(name, scratch)
        instance.start()
        try:
            yield instance
        finally:
            instance.stop()

    def vtysh(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["vtysh", "-N", self.name, *args], capture_output=True, text=True, check=False)

    def running(self) -> str:
        """`show running-config` as configuration text."""
        shown = self.vtysh("-c", "show running-config")
        assert shown.returncode == 0, shown.stdout + shown.stderr
        return running_text(shown.stdout)

    def load(self, lines: str) -> str:
        """Send lines in one vtysh session (`vtysh -f`); what vtysh said when FRR refused a line ('' if none).

        vtysh groups lines into transactions and exits 0 when FRR rejected a whole group ("% Configuration
        failed"); a line it refused is reported as `line N: ...`. Other messages are information.
        """
        path = self.scratch / f"{uuid.uuid4().hex}.conf"
        path.write_text(lines)
        done = self.vtysh("-f", str(path))
        path.unlink()
        said = (done.stdout + done.stderr).strip()
        if done.returncode != 0 or REFUSED.search(said):
            return said or f"exit {done.returncode}"
        return ""

    def reload(self, text: str) -> str:
        """frr-reload.py --reload to `text`, as the controller's fallback runs it; what it said on failure."""
        path = self.scratch / f"{uuid.uuid4().hex}.conf"
        path.write_text(text)
        argv = [FRR_RELOAD, "--reload", "--pathspace", self.name, "--stdout", "--rundir", str(self.scratch), str(path)]
        done = subprocess.run(["python3", *argv], capture_output=True, text=True, check=False)
        path.unlink()
        return "" if done.returncode == 0 else (done.stdout + done.stderr).strip()[-2000:]

    def reset(self) -> None:
        """Back to the baseline: every top-level object removed, or the daemons restarted when that fails.

        The baseline's own `no ip forwarding` lines are sent again: forwarding is a kernel setting that
        outlives the daemons.
        """
        current = self.running()
        if current == self.baseline and self._no_bgp_instance():
            return
        kernel = [line for line in self.baseline.splitlines() if line.startswith("no ") and "forwarding" in line]
        self.load("\n".join([*_removals(current), *kernel]) + "\n")
        if self.running() != self.baseline or not self._no_bgp_instance():
            self.restarts += 1
            self._stop_daemons()
            self._start_daemons()
            self.load("\n".join(kernel) + "\n")
            shown = self.running()
            assert shown == self.baseline, f"FRR restarted but does not show its baseline:\n{shown}"

    def _no_bgp_instance(self) -> bool:
        """bgpd holds no BGP instance, not even one it hides (an instance `import vrf` created, say)."""
        shown = self.vtysh("-c", "show bgp vrfs json")
        return shown.returncode == 0 and json.loads(shown.stdout).get("totalVrfs") == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _removals(text: str) -> list[str]:
    """Commands removing every top-level object of a running config (VRF instances before the default one)."""
    config = parse(text, "running configuration")
    routers = sorted((i for i in config.items if isinstance(i, RouterBgp)), key=lambda r: r.vrf is None)
    lines = [f"no {router.header()}" for router in routers]
    for item in config.items:
        if isinstance(item, RouteMapEntry):
            lines.append(f"no route-map {item.name} {item.action} {item.seq}")
        elif isinstance(item, PrefixListEntry):
            lines.append(f"no {item.family} prefix-list {item.name}")
        elif isinstance(item, Bfd):
            lines.append("no bfd")
        elif isinstance(item, Interface):
            lines.append(f"no interface {item.name}" + (f" vrf {item.vrf}" if item.vrf else ""))
        elif isinstance(item, Vrf):
            lines.append(f"no vrf {item.name}")
        elif isinstance(item, Block):
            lines.append(f"no {item.header()}")
        elif isinstance(item, Command) and not item.words.startswith(("frr ", "service ", "no ", "hostname")):
            lines.append(f"no {item.words}")
    return lines
