"""Random changes while faults hit the link, sshd, FRR, nftables, the controller and the API server (issue 16).

Given the e2e world with two `frr-edge run` replicas (leader election), a seeded stream of changes
(stream.py) runs in rounds: a few changes, one more and a random wait (so an apply is likely under way), one
fault (injector.py), perhaps a change more; then the round waits until the router runs what
`frr-edge render` makes of the API server's objects, and counts how long that took after the fault ended.
A round that does not get there loses the changes made in it, and once it gets there RouterState must name
that state. All the while a sampler checks that every firewall state the router passes through is the
previous desired state or a next one (oracle.py).

At the end: the router runs exactly the render of the last change (FRR running config, the nft table as
nft lists it), RouterState says so (desiredConfigHash, conditions, sessions, no departures left), no change
was lost and no firewall state was foreign. The figures go to the output and to FRR_EDGE_FAULT_REPORT.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kubernetes import config

from controller.router.linux.apply import running_text
from controller.router.state import config_identity
from tests.faults.conftest import Settings
from tests.faults.injector import Faults, Replicas
from tests.faults.oracle import Desired, FrrJudge, Sampler, loaded_listing, nft_listing, render
from tests.faults.stream import Stream
from tests.operator.conftest import World, wait_for

ROUND_TIMEOUT = 90.0  # seconds a round may take to converge before its changes count as lost
STREAK = 3  # samples in a row that must agree before the router counts as converged
STATUS_LAG = 20.0  # seconds RouterState may take to name a state the router already runs (it is written after)


@dataclass
class Round:
    number: int
    kind: str
    changes: int  # changes made in the round
    converged: float | None  # seconds from the end of the fault until the router ran the desired state
    missing: str = ""  # what still differed when the round gave up
    untrue: str = ""  # what RouterState said instead of naming the converged state


def _converged_at(
    sampler: Sampler, judge: FrrJudge, desired: Desired, firewall: frozenset[str], after: float
) -> float | None:
    """When the last streak of samples showing the desired state began, if it is STREAK long and still on."""
    samples = sampler.since(after)
    streak: list[float] = []
    for sample in samples:
        if sample.firewall == firewall and not judge.differences(sample.running, desired.frr):
            streak.append(sample.at)
        else:
            streak = []
    return streak[0] if len(streak) >= STREAK else None


def _missing(world: World, judge: FrrJudge, desired: Desired, firewall: frozenset[str]) -> str:
    from tests.faults.oracle import firewall as router_firewall

    shown = router_firewall(world)
    frr = judge.differences(world.running_config(), desired.frr)
    parts = [f"FRR: {'; '.join(frr[:5])}"] if frr else []
    if shown != firewall:
        extra = sorted(shown - firewall) if shown is not None else ["no table"]
        parts.append(f"firewall: missing {sorted(firewall - (shown or frozenset()))}, extra {extra}")
    applied = world.condition("Applied")
    parts.append(f"RouterState Applied={applied.get('status')} at {applied.get('lastTransitionTime')}")
    return " | ".join(parts)


def _untrue(world: World, desired: Desired) -> str:
    """'' once RouterState names the desired configuration and says Ready (within STATUS_LAG), else what it says."""
    identity = config_identity(desired.frr, desired.nft)
    deadline = time.monotonic() + STATUS_LAG
    while True:
        status = world.status()
        ready: dict[str, Any] = next((c for c in status.get("conditions", []) if c["type"] == "Ready"), {})
        if status.get("desiredConfigHash") == identity and ready.get("status") == "True":
            return ""
        if time.monotonic() > deadline:
            return f"desiredConfigHash {status.get('desiredConfigHash')}, Ready: {ready}"
        time.sleep(0.5)


def _converge(
    world: World, stream: Stream, sampler: Sampler, judge: FrrJudge, directory: Path, ended: float, changed: float
) -> tuple[float | None, str, str]:
    """Seconds from `ended` until the router ran the render of the inputs as they are now (None after the
    timeout: what still differs), and what RouterState said instead of naming that state ('' when it did)."""
    desired = render(world, directory)
    firewall = stream.inputs.firewall()
    deadline = time.monotonic() + ROUND_TIMEOUT
    while time.monotonic() < deadline:
        at = _converged_at(sampler, judge, desired, firewall, changed)
        if at is not None:
            return max(0.0, at - ended), "", _untrue(world, desired)
        time.sleep(0.3)
    return None, _missing(world, judge, desired, firewall), ""


def _round(
    number: int, kind: str, rng: random.Random, stream: Stream, faults: Faults, sampler: Sampler, judge: FrrJudge,
    directory: Path,
) -> Round:
    """A few changes, one more, the fault (mostly while that change is being applied), a change right after;
    then the wait for convergence."""
    before = len(stream.changes)
    for _ in range(rng.randint(0, 2)):
        stream.random_change()
        time.sleep(rng.uniform(0, 0.5))
    stream.random_change()
    if rng.random() < 0.7:
        faults.await_apply(3.0)
        time.sleep(rng.uniform(0, 0.3))
    else:
        time.sleep(rng.uniform(0, 2.0))
    ended = faults.inject(kind)
    time.sleep(rng.uniform(0, 0.5))
    stream.random_change()  # so that every fault has something to catch up with
    seconds, missing, untrue = _converge(faults.world, stream, sampler, judge, directory, ended, time.monotonic())
    if seconds is not None:
        sampler.settled(len(stream.changes) - 1)
    done = Round(number, kind, len(stream.changes) - before, seconds, missing, untrue)
    converged = "not converged" if seconds is None else f"converged after {seconds:.2f} s"
    clock = time.strftime("%H:%M:%S")
    print(f"{clock} round {number}: {kind}: {done.changes} changes, {converged} {missing} {untrue}", flush=True)
    return done


def _schedule(count: int, rng: random.Random) -> list[str]:
    """`count` fault kinds, each kind as often as the others (give or take one), in random order."""
    kinds = [Faults.KINDS[index % len(Faults.KINDS)] for index in range(count)]
    rng.shuffle(kinds)
    return kinds


def _figures(settings: Settings, rounds: list[Round], stream: Stream, sampler: Sampler, faults: Faults,
             seconds: float) -> dict[str, Any]:  # fmt: skip
    per_kind: dict[str, Any] = {}
    for kind in Faults.KINDS:
        times = [r.converged for r in rounds if r.kind == kind and r.converged is not None]
        per_kind[kind] = {
            "count": sum(1 for r in rounds if r.kind == kind),
            "converge_median_s": round(statistics.median(times), 2) if times else None,
            "converge_max_s": round(max(times), 2) if times else None,
            "hit_mid_apply": faults.mid_apply.get(kind, 0),
        }
    done = [r for r in rounds if r.converged is not None]
    longest = max(done, key=lambda r: r.converged or 0.0, default=None)
    return {
        "seed": settings.seed,
        "faults": len(rounds),
        "changes": len(stream.changes) - 1,
        "lost_changes": sum(r.changes for r in rounds if r.converged is None),
        "rounds_not_converged": [asdict(r) for r in rounds if r.converged is None],
        "routerstate_untrue": [asdict(r) for r in rounds if r.untrue],
        "longest_convergence_s": round(longest.converged or 0.0, 2) if longest else None,
        "longest_convergence_after": longest.kind if longest else None,
        "firewall_samples": sampler.count,
        "firewall_samples_without_table": sampler.absences,
        "firewall_violations": len(sampler.violations),
        "firewall_rollbacks_to_previous_state": sampler.rollbacks,
        "firewall_torn_listings": sampler.torn,
        "per_kind": per_kind,
        "api_server_restarts": (faults.api_drops + 2) // 3,
        "seconds": round(seconds, 1),
    }


def _check_router_state(world: World, desired: Desired, stream: Stream) -> None:
    """RouterState names the rendered configuration, all is well, and the sessions are those of the speakers."""
    identity = config_identity(desired.frr, desired.nft)
    wait_for(lambda: world.status().get("desiredConfigHash") == identity, 30, "RouterState's desiredConfigHash")
    status = world.status()
    conditions = {c["type"]: c["status"] for c in status["conditions"]}
    for kind in ("Ready", "Reachable", "Applied", "ConfigValid"):
        assert conditions.get(kind) == "True", f"{kind}: {status['conditions']}"
    assert not status.get("departures"), status.get("departures")
    speakers = {s.address for s in world.lab.speakers if s.name in stream.inputs.speakers}
    wait_for(lambda: {p for p, s in world.sessions().items() if s == "Established"} == speakers, 60,
             f"RouterState shows exactly the present speakers' sessions Established ({sorted(speakers)})")  # fmt: skip


def test_random_changes_and_faults_end_in_the_last_desired_state(
    fault_world: World, settings: Settings, netns: str, tmp_path: Path
) -> None:
    world = fault_world
    started = time.monotonic()
    # Before any replica runs: the router's own configuration, as it boots (file) and as it runs (baseline).
    boot = (Path("/etc/frr") / world.lab.router_namespace / "frr.conf").read_text()
    shown = running_text(world.running_config()).splitlines(keepends=True)
    baseline = "".join(line for line in shown if line.strip() != "end")
    rng = random.Random(settings.seed)
    api = config.new_client_from_config(str(world.cluster.kubeconfig))  # type: ignore[no-untyped-call]
    stream = Stream(rng, api, world.lab)
    replicas = Replicas(world)
    replicas.start()
    replicas.leader()
    replicas.start()
    judge = FrrJudge(baseline)
    sampler = Sampler(world, stream)
    faults = Faults(world, stream, sampler, replicas, rng, boot)
    sampler.start()
    rounds: list[Round] = []
    try:
        try:
            for number, kind in enumerate(_schedule(settings.faults, rng)):
                rounds.append(_round(number, kind, rng, stream, faults, sampler, judge, tmp_path / "render"))
                if kind == "leader-lost":
                    replicas.stand_by()
                sampler.forget_before(time.monotonic())
                if settings.report is not None:  # so far, for a long run watched while it goes
                    figures = _figures(settings, rounds, stream, sampler, faults, time.monotonic() - started)
                    settings.report.write_text(json.dumps(figures, indent=2) + "\n")

            # The last change is made, the faults have stopped: the router runs exactly its render.
            replicas.settle()
            final = render(world, tmp_path / "final")
            firewall = stream.inputs.firewall()
            wait_for(lambda: _converged_at(sampler, judge, final, firewall, time.monotonic() - 30) is not None, 60,
                     "the router runs the last change's render")  # fmt: skip
        finally:
            sampler.stop()
            figures = _figures(settings, rounds, stream, sampler, faults, time.monotonic() - started)
            print(json.dumps(figures, indent=2))
            if settings.report is not None:
                settings.report.write_text(json.dumps(figures, indent=2) + "\n")

        assert not judge.differences(world.running_config(), final.frr)
        assert nft_listing(world.lab.router_namespace) == loaded_listing(netns, final.nft, tmp_path)
        _check_router_state(world, final, stream)
        assert figures["lost_changes"] == 0, figures["rounds_not_converged"]
        assert not figures["routerstate_untrue"]
        if sampler.violations and settings.report is not None:
            violations = [
                asdict(violation) | {"firewall": None if violation.firewall is None else sorted(violation.firewall)}
                for violation in sampler.violations
            ]
            settings.report.with_suffix(".violations.json").write_text(json.dumps(violations, indent=2) + "\n")
        assert not sampler.violations, [(v.at, v.firewall, v.announced, v.matched) for v in sampler.violations[:5]]
        assert {kind for kind in Faults.KINDS if figures["per_kind"][kind]["count"]} == set(Faults.KINDS)
    finally:
        replicas.settle()
        for replica in list(replicas.running):
            replicas.kill(replica)
