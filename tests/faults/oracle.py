"""What the router runs, sampled while faults happen, and what it should run, from `frr-edge render`.

The sampler lists frr-edge's allow sets (the Service IP:port let through) and FRR's running config about
every `interval` seconds, as root in the router namespace, not through frr-edge. Each firewall sample must be
a desired state: the one the router last converged to (`settled`, the previous) or that of a change
announced since (the next ones; coalescing may skip some). A sample showing an older of those than one shown
before is counted apart (`rollbacks`): an apply whose FRR part failed restores the firewall it replaced. A
missing table is allowed only after a fault removed it, until it is back.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from controller.frrcfg import Config, parse
from controller.frrcfg.model import canonical
from controller.render.nft import TABLE
from controller.router.frr.plan import remaining
from controller.router.linux.apply import running_text
from tests.faults.stream import Stream
from tests.operator.conftest import REPO, ROUTER, World

# Every kind frr-edge's Router, MetalLB derivation and the firewall read (controller/operator/index.py).
_KINDS = (
    "routers.frr-edge.dev,frrconfigurations.frr-edge.dev,firewallpolicies.frr-edge.dev,"
    "bgppeers.metallb.io,ipaddresspools.metallb.io,bgpadvertisements.metallb.io,bfdprofiles.metallb.io,"
    "communities.metallb.io,nodes,pods,services"
)


def _element(value: object) -> str:
    if isinstance(value, dict):
        if "range" in value:
            first, last = value["range"]
            return f"{first}-{last}"
        if "prefix" in value:
            return f"{value['prefix']['addr']}/{value['prefix']['len']}"
        if "concat" in value:
            return " . ".join(_element(part) for part in value["concat"])
        if "elem" in value:
            return _element(value["elem"]["val"])
    return str(value)


def listing(world: World) -> str | None:
    """frr-edge's table as `nft -j` lists it, or None when it is not there."""
    listed = subprocess.run(
        ["ip", "netns", "exec", world.lab.router_namespace, "nft", "-j", "list", "table", "inet", TABLE],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return listed.stdout if listed.returncode == 0 else None


def firewall(world: World) -> frozenset[str] | None:
    """The elements of frr-edge's allow sets (every layer), or None when its table is not there."""
    return allowed(listing(world))


def allowed(listed: str | None) -> frozenset[str] | None:
    """The elements of the allow sets in a JSON listing (None: no table)."""
    if listed is None:
        return None
    elements: set[str] = set()
    for entry in json.loads(listed)["nftables"]:
        found = entry.get("set")
        if found and found["name"].startswith(("allow_v", "allow_host_v")):
            elements.update(_element(element) for element in found.get("elem", []))
    return frozenset(elements)


def nft_listing(namespace: str) -> str:
    """frr-edge's table as `nft -s` lists it (no counters, no handles), or '' when it is not there."""
    argv = ["ip", "netns", "exec", namespace, "nft", "-s", "list", "table", "inet", TABLE]
    listed = subprocess.run(argv, capture_output=True, text=True, check=False)
    return listed.stdout if listed.returncode == 0 else ""


def loaded_listing(namespace: str, ruleset: str, directory: Path) -> str:
    """`ruleset` loaded by the real nft into a namespace of the test's own, listed as nft_listing does."""
    path = directory / "desired.nft"
    path.write_text(ruleset)
    subprocess.run(["ip", "netns", "exec", namespace, "nft", "-f", str(path)], check=True)
    return nft_listing(namespace)


@dataclass(frozen=True)
class Desired:
    """What `frr-edge render` makes of the inputs in the API server: FRR text and nftables ruleset."""

    frr: str
    nft: str


def render(world: World, directory: Path) -> Desired:
    """The cluster's objects as kubectl shows them, rendered by `frr-edge render` for the lab's Router."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "objects.yaml").write_text(world.kubectl("get", _KINDS, "--all-namespaces", "--output=json"))
    for namespace in ("frr-edge-system", "metallb-system"):
        secrets = world.kubectl("get", "secrets", f"--namespace={namespace}", "--output=json")
        (directory / f"secrets-{namespace}.yaml").write_text(secrets)
    argv = [sys.executable, "-m", "controller", "render", "-f", str(directory), "--router", ROUTER, "--output=json"]
    rendered = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=REPO)
    assert rendered.returncode == 0, f"frr-edge render of the cluster's objects failed:\n{rendered.stderr}"
    [router] = json.loads(rendered.stdout)["routers"]
    return Desired(router["frr"], router["nft"])


class FrrJudge:
    """Whether a running config is the router's baseline plus exactly the rendered text (cached per text)."""

    def __init__(self, baseline: str) -> None:
        self.baseline = baseline
        self._desired: str | None = None
        self._model: Config | None = None
        self._verdicts: dict[str, tuple[str, ...]] = {}

    def differences(self, running: str, desired: str) -> tuple[str, ...]:
        if desired != self._desired:
            self._desired, self._verdicts = desired, {}
            self._model = canonical(parse(running_text(self.baseline + desired), source="baseline + rendered"))
        if running not in self._verdicts:
            assert self._model is not None
            self._verdicts[running] = remaining(running_text(running), self._model)
        return self._verdicts[running]


@dataclass(frozen=True)
class Sample:
    began: float  # time.monotonic() before the reads
    at: float  # time.monotonic() once both reads were done
    firewall: frozenset[str] | None
    running: str


@dataclass
class Violation:
    at: float
    firewall: frozenset[str] | None
    announced: int  # changes announced when the sample was taken
    matched: int  # the latest desired state seen before
    listing: str | None = None  # the table as nft listed it, to tell a real state from a torn listing


@dataclass
class Sampler:
    """A thread reading the router; judges each firewall sample against the stream's history as it goes."""

    world: World
    stream: Stream
    interval: float = 0.2
    samples: list[Sample] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    count: int = 0
    absences: int = 0
    rollbacks: int = 0
    torn: int = 0  # listings that showed a foreign state, and another at once right after
    floor: int = 0  # the change whose state the router last converged to: the previous desired state
    matched: int = 0  # the newest change whose state a sample showed
    _absence_allowed: bool = False
    _removed_at: float | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="router-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def expect_absence(self) -> None:
        """A fault is about to remove frr-edge's table: a missing table is not a violation until it is back."""
        with self._lock:
            self._absence_allowed, self._removed_at = True, None

    def removed(self) -> None:
        """The fault has removed it: the next sample read from now on that shows the table ends the allowance."""
        with self._lock:
            self._removed_at = time.monotonic()

    def settled(self, change: int) -> None:
        """The router converged to the state of `change`: from now on, that is the previous desired state."""
        with self._lock:
            self.floor = self.matched = change

    def since(self, moment: float) -> list[Sample]:
        with self._lock:
            return [sample for sample in self.samples if sample.at >= moment]

    def forget_before(self, moment: float) -> None:
        with self._lock:
            self.samples = [sample for sample in self.samples if sample.at >= moment]

    def _run(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            listed = listing(self.world)
            running = self.world.running_config()
            sample = Sample(began, time.monotonic(), allowed(listed), running)
            if self._foreign(sample):
                # nft 1.0.6's listing is not atomic: while a table is created in one transaction, a listing may
                # show it with empty sets (2% of listings in a loop of loads and deletions here). A state the
                # router really has is still there when listed again at once.
                began = time.monotonic()
                again = listing(self.world)
                if allowed(again) != sample.firewall:
                    self.torn += 1
                    listed, sample = again, Sample(began, time.monotonic(), allowed(again), running)
            self._judge(sample, listed)
            self._stop.wait(self.interval)

    def _foreign(self, sample: Sample) -> bool:
        """Whether `sample` shows no desired state (nor an absence a fault allows)."""
        history = self.stream.history()
        with self._lock:
            if sample.firewall is None:
                return not self._absence_allowed
            return all(change.firewall != sample.firewall for change in history[self.floor :])

    def _judge(self, sample: Sample, listed: str | None) -> None:
        history = self.stream.history()  # read after the sample: every change it can show is announced
        with self._lock:
            self.samples.append(sample)
            self.count += 1
            if sample.firewall is None:
                self.absences += 1
                if not self._absence_allowed:
                    self.violations.append(Violation(sample.at, None, len(history), self.matched))
                return
            if self._removed_at is not None and sample.began > self._removed_at:
                self._absence_allowed, self._removed_at = False, None
            desired = [c.number for c in history[self.floor :] if c.firewall == sample.firewall]
            if not desired:
                self.violations.append(Violation(sample.at, sample.firewall, len(history), self.matched, listed))
                return
            later = [number for number in desired if number >= self.matched]
            if later:
                self.matched = later[0]
            else:
                self.rollbacks += 1
