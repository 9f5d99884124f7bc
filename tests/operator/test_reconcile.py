"""One Router's run, unit-tested on virtual time: the reconciler with a fake router backend and a fake writer.

The router is faked here, and only here, because these tests are about the orchestration (what is applied
when, what RouterState, Events and metrics say) at points in time a real router cannot be held at: the
backend answers as scripted and records what it was asked. The real backend (FRR, nftables, sshd in
network namespaces) is exercised by tests/router/ and, with the real API server, by test_e2e.py.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from controller.api.router import Router
from controller.api.routerstate import BGPSession, RouterState, RouterStateStatus
from controller.errors import FrrEdgeError
from controller.inputs import Inputs, ssh_private_key
from controller.operator.index import Index
from controller.operator.metrics import Metrics
from controller.operator.reconcile import RouterReconciler
from controller.operator.worker import RunResult
from controller.pipeline import RouterResult
from controller.router.outcome import ApplyReport, ConfigRejected, Observation, Preview, RouterUnreachable
from tests.operator import samples

ROUTER = "edge-dc1"
START = datetime(2026, 1, 1, tzinfo=UTC)
NODE_B = "10.0.0.12"  # the speaker of node-b in samples/metallb
SSH_SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "edge-dc1-ssh", "namespace": "frr-edge-system", "resourceVersion": "1"},
    "data": {"ssh-privatekey": "a2V5"},
}


def sample_objects() -> list[dict[str, Any]]:
    """samples/metallb, and the Router's SSH key Secret (the fake backend never reads the key)."""
    return [*samples.sample_objects(), copy.deepcopy(SSH_SECRET)]


@dataclass
class FakeBackend:
    """A router that answers as scripted: `failure` is raised by apply, `unreachable` by connect."""

    sessions: list[BGPSession] = field(default_factory=list)
    failure: FrrEdgeError | None = None
    unreachable: bool = False
    applied: list[RouterResult] = field(default_factory=list)
    warning: str | None = None  # what the router runs but cannot carry out (ApplyReport.warning)

    async def connect(self) -> None:
        if self.unreachable:
            raise RouterUnreachable("router edge-dc1 (10.10.0.1:22): connection refused")

    async def apply(self, result: RouterResult) -> ApplyReport:
        if self.failure is not None:
            raise self.failure
        changed = not self.applied or self.applied[-1].frr != result.frr
        self.applied.append(result)
        return ApplyReport("delta" if changed else "none", changed, False, 1, 0.01, "applied", None, self.warning)

    async def preview(self, result: RouterResult) -> Preview:
        return Preview(ROUTER, ("router bgp 64512",), (), False, ())

    async def observe(self) -> Observation:
        return Observation("frr version 8.4\n", list(self.sessions))

    async def last_applied(self) -> tuple[str | None, str | None]:
        return (self.applied[-1].frr, self.applied[-1].nft) if self.applied else (None, None)

    def close(self) -> None:
        pass


@dataclass
class FakeBackends:
    backend: FakeBackend

    def backend_for(self, router: Router, inputs: Inputs) -> FakeBackend:
        ssh_private_key(inputs, router)  # as the SSH backend: a Router without its key Secret is not tried
        return self.backend

    def close(self) -> None:
        pass


@dataclass
class FakeWriter:
    states: list[RouterState] = field(default_factory=list)
    router_statuses: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[str, str, str, bool]] = field(default_factory=list)  # (kind, reason, message, warning)

    async def recorded_state(self, name: str) -> RouterStateStatus | None:
        return self.states[-1].status if self.states else None

    async def publish_state(self, router: dict[str, Any], state: RouterState) -> None:
        self.states.append(state)

    async def publish_router_status(self, router: dict[str, Any], status: dict[str, Any]) -> None:
        self.router_statuses.append(status)

    async def event(self, involved: dict[str, Any], kind: str, reason: str, message: str, warning: bool) -> None:
        self.events.append((kind, reason, message, warning))

    def condition(self, kind: str) -> tuple[str, str]:
        state = self.states[-1]
        assert state.status is not None
        (found,) = [c for c in state.status.conditions if c.type == kind]
        return found.status, found.reason

    def reasons(self, kind: str = "Router") -> list[str]:
        """The reasons of the Events posted on objects of this kind, in order."""
        return [reason for involved, reason, _, _ in self.events if involved == kind]


@dataclass
class World:
    """The index, the fake router and writer, and virtual time (wall clock and monotonic move together)."""

    index: Index = field(default_factory=Index)
    backend: FakeBackend = field(default_factory=FakeBackend)
    writer: FakeWriter = field(default_factory=FakeWriter)
    metrics: Metrics = field(default_factory=Metrics)
    elapsed: float = 0.0

    def __post_init__(self) -> None:
        for document in sample_objects():
            self.index.put(document)
        self.reconciler = self._reconciler()

    def _reconciler(self) -> RouterReconciler:
        return RouterReconciler(
            ROUTER,
            self.index,
            self.writer,
            self.metrics,
            lambda: True,
            clock=lambda: START + timedelta(seconds=self.elapsed),
            monotonic=lambda: self.elapsed,
            backends=FakeBackends(self.backend),
        )

    def restart(self) -> None:
        """A new controller (or replica) for the same Router: nothing in memory, the cluster and router as they are."""
        self.reconciler.close()
        self.reconciler = self._reconciler()

    def run(self) -> RunResult:
        return asyncio.run(self.reconciler(resync=False))

    def advance(self, seconds: float) -> None:
        self.elapsed += seconds

    def put(self, document: dict[str, Any]) -> None:
        document = copy.deepcopy(document)
        document["metadata"]["resourceVersion"] = str(int(document["metadata"].get("resourceVersion", "1")) + 1)
        self.index.put(document)

    def drop(self, kind: str, name: str) -> None:
        (document,) = [d for d in sample_objects() if d["kind"] == kind and d["metadata"]["name"] == name]
        self.index.drop(document)


def frr_configuration(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "frr-edge.dev/v1alpha1",
        "kind": "FRRConfiguration",
        "metadata": {"name": name, "namespace": "default", "resourceVersion": "1"},
        "spec": {"routerSelector": {"matchLabels": {"frr-edge.dev/site": "dc1"}}, **spec},
    }


def test_success_applies_the_render_and_reports_ready() -> None:
    world = World()
    assert world.run().reached
    assert len(world.backend.applied) == 1
    assert f"neighbor {NODE_B} remote-as" in world.backend.applied[0].frr
    assert world.writer.condition("Ready") == ("True", "Ready")
    assert world.writer.condition("Applied") == ("True", "Applied")
    assert world.writer.reasons() == ["Applied"]
    assert world.metrics.value("frr_edge_applies_total", router=ROUTER, method="delta") == 1
    assert world.writer.router_statuses[-1]["lastAppliedTime"] == START.isoformat()


def test_an_apply_with_a_warning_posts_a_warning_event_on_the_router() -> None:
    """The router runs the render but cannot carry part of it out (the kernel refused TCP MD5 keys): the apply
    counts as done (Applied, Ready) and a Warning Event on the Router says what, where a user looks."""
    world = World()
    world.backend.warning = "bgpd could not install the TCP MD5 key of 3 neighbors (...)"
    assert world.run().reached
    assert world.writer.condition("Applied") == ("True", "Applied")
    ((kind, reason, message, warning),) = [e for e in world.writer.events if e[0] == "Router"]
    assert (kind, reason, warning) == ("Router", "AppliedWithWarnings", True)
    assert message == world.backend.warning


def test_invalid_input_applies_nothing_and_says_which_object_and_field() -> None:
    world = World()
    world.put(frr_configuration("broken", {"bgp": {"routers": [{"asn": "not-a-number"}]}}))
    world.run()
    assert world.backend.applied == []
    status, reason = world.writer.condition("ConfigValid")
    assert (status, reason) == ("False", "InvalidInput")
    assert world.writer.condition("Ready")[0] == "False"
    ((kind, event, message, warning),) = [e for e in world.writer.events if e[0] == "Router"]
    assert (kind, event, warning) == ("Router", "InvalidInput", True)
    assert "default/broken" in message and "asn" in message


def test_a_conflict_applies_nothing_and_names_both_objects() -> None:
    world = World()
    world.put(frr_configuration("other-asn", {"bgp": {"routers": [{"asn": 65000}]}}))
    world.run()
    assert world.backend.applied == []
    assert world.writer.condition("ConfigValid") == ("False", "MergeConflict")
    ((_, event, message, _),) = [e for e in world.writer.events if e[0] == "Router"]
    assert event == "MergeConflict" and "other-asn" in message and "metallb-edge-dc1" in message
    assert world.metrics.value("frr_edge_conflicts_total", router=ROUTER) == 1


def test_an_unreachable_router_makes_the_worker_back_off_and_reports_it() -> None:
    world = World()
    world.backend.unreachable = True
    assert world.run() == RunResult(reached=False)
    assert world.writer.condition("Reachable") == ("False", "RouterUnreachable")
    assert world.writer.condition("Ready") == ("False", "RouterUnreachable")
    assert world.metrics.value("frr_edge_router_reachable", router=ROUTER) == 0


def test_a_router_without_its_ssh_key_secret_is_not_tried() -> None:
    world = World()
    world.index.drop(SSH_SECRET)
    world.run()
    assert world.backend.applied == []
    status, reason = world.writer.condition("Reachable")
    assert (status, reason) == ("False", "NotTried")


def test_a_rejected_config_is_reported_and_is_no_good_apply() -> None:
    world = World()
    world.run()
    world.advance(30)
    world.put(frr_configuration("extra", {"bgp": {"routers": [{"asn": 64512, "prefixes": ["203.0.113.0/24"]}]}}))
    world.backend.failure = ConfigRejected("FRR refused the configuration (vtysh -C): line 3: unknown command")
    world.run()
    assert world.writer.condition("Applied") == ("False", "ConfigRejected")
    state = world.writer.states[-1]
    assert state.status is not None and state.status.last_good_apply_time is None
    assert world.writer.router_statuses[-1].get("lastAppliedTime") is None
    assert world.writer.reasons() == ["Applied", "ConfigRejected"]
    assert world.metrics.value("frr_edge_apply_failures_total", router=ROUTER, reason="ConfigRejected") == 1


def test_a_departed_speaker_is_held_while_established_then_removed_after_the_grace_period() -> None:
    world = World()
    world.backend.sessions = [BGPSession(peer=NODE_B, state="Established")]
    world.run()
    world.drop("Pod", "speaker-b")
    world.advance(10)
    held = world.run()
    assert f"neighbor {NODE_B} remote-as" in world.backend.applied[-1].frr
    assert held.look_again is not None  # looks again soon while holding
    world.advance(299)  # the samples' Router: gracePeriodSeconds 300 by default
    world.run()
    assert f"neighbor {NODE_B} remote-as" in world.backend.applied[-1].frr
    world.advance(2)
    world.run()
    assert f"neighbor {NODE_B} remote-as" not in world.backend.applied[-1].frr


def test_a_restarted_controller_holds_a_departed_speaker_until_the_grace_period_from_its_departure() -> None:
    world = World()
    world.backend.sessions = [BGPSession(peer=NODE_B, state="Established")]
    world.run()
    world.drop("Pod", "speaker-b")
    world.advance(10)
    world.run()  # departed at 10 s; held while Established
    world.advance(200)
    world.restart()
    world.run()
    assert f"neighbor {NODE_B} remote-as" in world.backend.applied[-1].frr
    world.advance(99)  # 309 s: 299 s after the departure
    world.run()
    assert f"neighbor {NODE_B} remote-as" in world.backend.applied[-1].frr
    world.advance(2)
    world.run()
    assert f"neighbor {NODE_B} remote-as" not in world.backend.applied[-1].frr


def test_an_unchanged_outcome_posts_its_event_once_and_a_condition_keeps_its_transition_time() -> None:
    world = World()
    for _ in range(3):
        world.run()
        world.advance(60)
    # One Applied; the runs after it change nothing (in sync: no Event). The samples' Service with an
    # annotation frr-edge refuses gets one Warning Event, not one per run.
    assert world.writer.reasons() == ["Applied"]
    assert world.writer.reasons("Service") == ["AnnotationRejected"]
    broken_at = START + timedelta(seconds=world.elapsed)
    world.put(frr_configuration("broken", {"bgp": {"routers": [{"asn": "not-a-number"}]}}))
    for _ in range(3):
        world.run()
        world.advance(60)
    assert world.writer.reasons() == ["Applied", "InvalidInput"]
    state = world.writer.states[-1]
    assert state.status is not None
    conditions = {c.type: c for c in state.status.conditions}
    assert conditions["ConfigValid"].last_transition_time == broken_at
    assert conditions["Reachable"].last_transition_time == START  # true since the first run


def test_a_paused_router_is_not_written_and_shows_what_waits() -> None:
    world = World()
    (router,) = [d for d in sample_objects() if d["kind"] == "Router"]
    router["spec"]["paused"] = True
    world.put(router)
    world.run()
    assert world.backend.applied == []
    assert world.writer.condition("Paused") == ("True", "ChangesPending")
    assert world.writer.condition("Ready") == ("False", "Paused")
