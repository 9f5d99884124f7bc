"""One run for one Router: render from the index, apply over SSH, observe, and report what happened.

Reports go three ways: RouterState status (always), Events (on the Router when its outcome changes, on a
Service whose annotation was rejected), metrics. Secrets never reach any of them: errors from the core
name objects and fields, not values, and the running config is redacted by `observe`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from controller.api.common import GROUP, Condition
from controller.api.router import Router
from controller.api.routerstate import Departure, RouterState, RouterStateStatus
from controller.desired import DesiredNeighbor
from controller.errors import FrrEdgeError, InputWarning, MergeConflict
from controller.inputs import Inputs, Loaded, NotInInputs, router_named
from controller.metallb.resources import METALLB_GROUP
from controller.operator.departing import Departing
from controller.operator.incremental import IncrementalRender
from controller.operator.index import Index, Snapshot
from controller.operator.memo import RenderMemo
from controller.operator.metrics import Metrics
from controller.operator.worker import RunResult
from controller.pipeline import DERIVED, RouterResult
from controller.router.backend import Backend, Backends
from controller.router.linux.backend import SshBackends
from controller.router.outcome import (
    ApplyReport,
    ConfigRejected,
    InvalidConfiguration,
    Observation,
    Preview,
    RouterUnreachable,
)
from controller.router.ssh.transport import COMMAND_TIMEOUT
from controller.router.state import config_identity, reported_state

logger = logging.getLogger(__name__)


class Writer(Protocol):
    async def recorded_state(self, name: str) -> RouterStateStatus | None: ...

    async def publish_state(self, router: dict[str, Any], state: RouterState) -> None: ...

    async def publish_router_status(self, router: dict[str, Any], status: dict[str, Any]) -> None: ...

    async def event(self, involved: dict[str, Any], kind: str, reason: str, message: str, warning: bool) -> None: ...


@dataclass
class RouterReconciler:
    """Everything one Router's runs remember: its SSH connection, its conditions, the Events already posted."""

    name: str
    index: Index
    writer: Writer
    metrics: Metrics
    may_apply: Callable[[], bool]
    connect_timeout: float = 10.0
    command_timeout: float = COMMAND_TIMEOUT
    memo: RenderMemo = field(default_factory=RenderMemo)
    renders: IncrementalRender = field(default_factory=IncrementalRender)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    monotonic: Callable[[], float] = time.monotonic  # durations and the settling window; tests pass virtual time
    backends: Backends | None = None  # SshBackends with the timeouts above unless given
    _conditions: dict[str, Condition] = field(default_factory=dict)
    _last_router_event: tuple[str, str] | None = None
    _object_warnings: set[tuple[str, str, str, str]] = field(default_factory=set)
    _departing: Departing = field(default_factory=Departing)
    _sessions: dict[tuple[str, str], str] = field(default_factory=dict)
    # Whether _departing took over what the controller that led before recorded (RouterState), and that record.
    _restored: bool = False
    _recorded: RouterStateStatus | None = None

    settle_interval: float = 2.0
    settle_for: float = 60.0
    _changed_at: float = -1e9

    def __post_init__(self) -> None:
        if self.backends is None:
            self.backends = SshBackends(self.connect_timeout, self.command_timeout)

    async def __call__(self, resync: bool) -> RunResult:
        """The router unreached makes the worker back off; sessions not yet Established make it look again soon."""
        document = self.index.get((GROUP, "Router", "", self.name))
        if document is None or not self.may_apply():
            self._restored = False  # a replica that leads again reads what the last leader recorded
            return RunResult(reached=True)
        if not self._restored:
            self._recorded = await self.writer.recorded_state(self.name)
        snapshotting = self.monotonic()  # the index's snapshot and the core (_render): the controller's own time
        snapshot = self.index.snapshot()
        snapshotted = self.monotonic() - snapshotting
        inputs = snapshot.inputs
        try:
            loaded = router_named(inputs, self.name)
        except FrrEdgeError as problem:  # invalid (the error says why), or not in the snapshot
            await self._router_event(document, "InvalidRouter", str(problem), True)
            return RunResult(reached=True)
        router = loaded.object
        started = self.monotonic()
        # The router first: what it ran before this controller (_restore) and its sessions decide which departed
        # speakers' neighbors the render keeps. Unusable or unreached, it is reported with a render of the inputs.
        backend, unusable = await self._reach(router, inputs)
        now = self.clock()
        grace = timedelta(seconds=router.spec.metallb.grace_period_seconds)
        held = self._departing.held(self._sessions, now, grace) if unusable is None else []
        result, rendering, how = await self._render(loaded, snapshot, held)
        if backend is None or unusable is not None:
            await self._report(document, router, result, unusable, None)
            return RunResult(reached=not isinstance(unusable, RouterUnreachable))
        holding = result.ok and self._departing.kept(result, now)
        outcome: ApplyReport | FrrEdgeError | None = None
        pending: Preview | None = None
        try:
            if result.ok and not router.spec.paused:
                try:
                    outcome = await backend.apply(result)
                except (InvalidConfiguration, ConfigRejected) as error:
                    outcome = error
            elif result.ok:  # paused: nothing is written; RouterState shows what an apply would change
                try:
                    pending = await backend.preview(result)
                except InvalidConfiguration as error:
                    outcome = error
            observation = await backend.observe()
        except RouterUnreachable as error:
            await self._report(document, router, result, error, None)
            return RunResult(reached=False)
        if isinstance(outcome, ApplyReport):
            seconds = self.monotonic() - started - rendering  # the router's part: reach, apply, read back
            self.metrics.observe_duration(seconds, router=self.name)
            level = logging.INFO if outcome.method != "none" or outcome.nft_changed else logging.DEBUG
            logger.log(
                level,
                "router %s: %s in %.2f s (render %.2f s, %s): %s",
                self.name,
                outcome.method,
                seconds,
                snapshotted + rendering,
                how,
                outcome.message,
            )
            self._departing.applied(result)
        self._sessions = {(s.vrf, s.peer): s.state for s in observation.sessions if s.owned}
        await self._report(document, router, result, outcome, observation, pending)
        if isinstance(outcome, ApplyReport) and outcome.method != "none":
            self._changed_at = self.monotonic()
        # After a change, sessions take seconds to come up: look again soon, for a while, to report them.
        settling = holding or (
            self.monotonic() - self._changed_at < self.settle_for
            and any(s.owned and s.state != "Established" for s in observation.sessions)
        )
        return RunResult(reached=True, look_again=self.settle_interval if settling else None)

    async def _reach(self, router: Router, inputs: Inputs) -> tuple[Backend | None, FrrEdgeError | None]:
        """The Router's backend, connected, with the departures of the controller before taken over; or why not:
        RouterUnreachable, or an FrrEdgeError when its SSH key cannot be read."""
        assert self.backends is not None
        try:
            backend = self.backends.backend_for(router, inputs)
        except NotInInputs as missing:
            unreadable = FrrEdgeError(
                f"{missing} is not readable by frr-edge (missing, or its namespace is not watched: "
                "see deploy/rbac/secrets.yaml)"
            )
            return None, unreadable
        except FrrEdgeError as error:  # the Secret holds no readable private key
            return None, error
        try:
            await backend.connect()
            if not self._restored:
                await self._restore(backend)
        except RouterUnreachable as error:
            return backend, error
        return backend, None

    async def _render(
        self, loaded: Loaded[Router], snapshot: Snapshot, held: list[DesiredNeighbor]
    ) -> tuple[RouterResult, float, str]:
        """The pipeline's render of the Router, with the departed speakers' neighbors it keeps (`held`); the
        seconds it took and how ("full" or "delta"). Counts it, and posts its warnings as Events."""
        rendering = self.monotonic()
        # The core is pure and CPU-bound: in a thread, so watch events keep flowing into the index meanwhile.
        self.memo.turn()
        memo = self.memo.at(snapshot.routing_version)
        deltas = self.renders.deltas
        result = await asyncio.to_thread(self.renders.render, loaded, snapshot, memo, held)
        rendered = self.monotonic() - rendering
        how = "delta" if self.renders.deltas > deltas else "full"
        self.metrics.inc("frr_edge_renders_total", router=self.name, how=how)
        await self._object_events(result.warnings)
        if result.errors:
            self.metrics.inc("frr_edge_conflicts_total", router=self.name)
        return result, rendered, how

    async def _restore(self, backend: Backend) -> None:
        """Take over the departures the controller before this one recorded, when the router still has the last
        good configuration RouterState names (desiredConfigHash): the kept neighbors' passwords come from it."""
        recorded, self._departing = self._recorded, Departing()
        if recorded is not None and recorded.departures:
            frr, nft = await backend.last_applied()
            if frr is not None and nft is not None and config_identity(frr, nft) == recorded.desired_config_hash:
                self._departing = Departing.restored(recorded.departures, frr)
                observed = await backend.observe()  # their sessions now, not as last reported
                self._sessions = {(s.vrf, s.peer): s.state for s in observed.sessions if s.owned}
            else:
                logger.warning(
                    "router %s: the router's last good configuration is not the one RouterState names (another "
                    "writer applied since?): the neighbors of %d departed speakers are decided afresh",
                    self.name,
                    len(recorded.departures),
                )
        self._restored, self._recorded = True, None

    def _departures(self) -> list[Departure]:
        """What RouterState keeps of the departures: this controller's, or, until it took them over, the record."""
        if self._restored:
            return self._departing.records()
        return list(self._recorded.departures) if self._recorded is not None else []

    def close(self) -> None:
        if self.backends is not None:
            self.backends.close()

    async def _report(
        self,
        document: dict[str, Any],
        router: Router,
        result: RouterResult,
        outcome: ApplyReport | FrrEdgeError | None,
        observation: Observation | None,
        pending: Preview | None = None,
    ) -> None:
        state = reported_state(
            router, result, outcome, observation, self.clock(), self._conditions, pending, self._departures()
        )
        assert state.status is not None
        self._conditions = {c.type: c for c in state.status.conditions}
        first = result.errors[0] if result.errors else None
        await self.writer.publish_state(document, state)
        # The Router shows Ready too (its printer column, Argo CD's health check); only its status subresource.
        mirrored = [self._conditions[kind] for kind in ("Ready", "Paused") if kind in self._conditions]
        router_status: dict[str, Any] = {
            "observedGeneration": router.metadata.generation,
            "conditions": [
                c.model_dump(mode="json", by_alias=True, exclude_none=True)
                for c in mirrored
                if c.type == "Ready" or c.status == "True"
            ],
        }
        if state.status.last_good_apply_time is not None:
            router_status["lastAppliedTime"] = state.status.last_good_apply_time.isoformat()
        await self.writer.publish_router_status(document, router_status)
        self._record(outcome, observation, first)
        await self._outcome_event(document, outcome, first)

    def _record(self, outcome: object, observation: Observation | None, first: FrrEdgeError | None) -> None:
        name = self.name
        self.metrics.set("frr_edge_router_reachable", 0 if isinstance(outcome, RouterUnreachable) else 1, router=name)
        if isinstance(outcome, ApplyReport):
            self.metrics.inc("frr_edge_applies_total", router=name, method=outcome.method)
            if outcome.method != "none" or outcome.nft_changed:
                self.metrics.inc("frr_edge_changes_total", router=name)
            self.metrics.set("frr_edge_last_good_apply_timestamp_seconds", self.clock().timestamp(), router=name)
        elif isinstance(outcome, FrrEdgeError):
            self.metrics.inc("frr_edge_apply_failures_total", router=name, reason=type(outcome).__name__)
        elif first is not None:
            self.metrics.inc("frr_edge_apply_failures_total", router=name, reason=type(first).__name__)
        if observation is not None:
            self.metrics.forget("frr_edge_bgp_session_up", router=name)
            for session in observation.sessions:
                up = 1 if session.state == "Established" else 0
                self.metrics.set("frr_edge_bgp_session_up", up, router=name, peer=session.peer, vrf=session.vrf)

    async def _outcome_event(
        self, document: dict[str, Any], outcome: ApplyReport | FrrEdgeError | None, first: FrrEdgeError | None
    ) -> None:
        if first is not None:
            reason = "MergeConflict" if isinstance(first, MergeConflict) else "InvalidInput"
            await self._router_event(document, reason, str(first), True)
        elif isinstance(outcome, FrrEdgeError):
            await self._router_event(document, type(outcome).__name__, str(outcome), True)
        elif isinstance(outcome, ApplyReport) and outcome.warning is not None:
            await self._router_event(document, "AppliedWithWarnings", outcome.warning, True, repeat=True)
        elif isinstance(outcome, ApplyReport) and outcome.method != "none":
            await self._router_event(document, "Applied", outcome.message, False, repeat=True)
        elif isinstance(outcome, ApplyReport):
            await self._router_event(document, "InSync", "the router runs the desired configuration", False)

    async def _router_event(
        self, document: dict[str, Any], reason: str, message: str, warning: bool, repeat: bool = False
    ) -> None:
        """An Event when the outcome changes (or for every apply that changed something)."""
        if not repeat and self._last_router_event == (reason, message):
            return
        self._last_router_event = (reason, message)
        if reason == "InSync":
            return  # back in sync after a problem is said by RouterState; no Event for the quiet state
        await self.writer.event(document, "Router", reason, message, warning)

    async def _object_events(self, warnings: list[InputWarning]) -> None:
        """One Warning Event per problem on the object it is about, posted once while the problem lasts."""
        current: set[tuple[str, str, str, str]] = set()
        for warning in warnings:
            origin = warning.origin
            group = _EVENT_GROUPS.get(origin.kind)
            if group is None or origin.path == DERIVED:
                continue
            key = (origin.kind, origin.namespace or "", origin.name, warning.message)
            current.add(key)
            if key in self._object_warnings:
                continue
            involved = self.index.get((group, origin.kind, key[1], origin.name))
            if involved is not None:
                await self.writer.event(involved, origin.kind, warning.reason, warning.message, True)
        self._object_warnings = current


# The kinds an InputWarning may be about, with their API groups, to find the object for its Event.
_EVENT_GROUPS = {
    "Service": "",
    "Node": "",
    "Pod": "",
    "FirewallPolicy": GROUP,
    "FRRConfiguration": GROUP,
    "BGPPeer": METALLB_GROUP,
    "BGPAdvertisement": METALLB_GROUP,
    "IPAddressPool": METALLB_GROUP,
    "BFDProfile": METALLB_GROUP,
    "Community": METALLB_GROUP,
}
