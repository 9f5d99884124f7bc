"""derive → select → merge → render for every Router: the pure core, shared by the CLI and the controller."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from controller import collector
from controller.api import FirewallPolicy, FRRConfiguration, Router
from controller.api.firewallpolicy import AllowRule
from controller.desired import DesiredFirewall, DesiredFRR, DesiredNeighbor, DesiredRouter
from controller.errors import FrrEdgeError, InputWarning, InvalidInput, MergeConflict, Origin
from controller.inputs import Inputs, Loaded
from controller.merge.firewall import RuleParts, merge_firewall, rule_parts
from controller.merge.frr import merge_frr
from controller.render.frr import render_frr
from controller.render.nft import render_nft

if TYPE_CHECKING:
    from controller.metallb.derive import ServiceRules
    from controller.metallb.resources import Cluster, Service


@dataclass(slots=True)
class RouterResult:
    """For one Router: the rendered configuration, or the errors that stopped it."""

    name: str
    desired: DesiredRouter | None = None
    frr: str = ""
    nft: str = ""
    errors: list[FrrEdgeError] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


DERIVED = "(derived)"


def _derived_origin(derived: FRRConfiguration | FirewallPolicy) -> Origin:
    return Origin(derived.kind, derived.metadata.namespace or "default", derived.metadata.name, DERIVED, 0)


class Memo(Protocol):
    """What a long-running caller keeps between renders: results the core would otherwise compute again.

    Each answer must equal what the core computes from scratch (`FROM_SCRATCH`); the controller's index
    keeps them while their inputs are unchanged (controller/operator/memo.py).
    """

    def service_rules(self, service: Service) -> ServiceRules:
        """`derive.service_rules(service)`."""
        ...

    def rule_parts(self, rule: AllowRule) -> RuleParts:
        """`merge.firewall.rule_parts(rule)`."""
        ...

    def routing(self, router: str, compute: Callable[[], Routing]) -> Routing:
        """`compute()`, the router's routing half, for inputs that are the same as the last time."""
        ...


class _FromScratch:
    """No memory: everything computed again."""

    def service_rules(self, service: Service) -> ServiceRules:
        from controller.metallb.derive import service_rules

        return service_rules(service)

    def rule_parts(self, rule: AllowRule) -> RuleParts:
        return rule_parts(rule)

    def routing(self, router: str, compute: Callable[[], Routing]) -> Routing:
        return compute()


FROM_SCRATCH: Memo = _FromScratch()


@dataclass(frozen=True, slots=True)
class Routing:
    """The routing half of one router: its merged FRR configuration, rendered, and what the firewall needs.

    It reads no Service: Services change only the firewall half, so a caller may keep this while only
    Services change.
    """

    frr: DesiredFRR
    text: str
    bgp_ports: dict[str, int]
    warnings: tuple[InputWarning, ...]  # of the derived FRRConfiguration and of merging
    # (vrf, peer) of the neighbors MetalLB's speakers contribute (DesiredRouter.speakers)
    speakers: frozenset[tuple[str, str]] = frozenset()
    # (vrf, peer) of the neighbors put back by `held_routing` (DesiredRouter.held)
    held: frozenset[tuple[str, str]] = frozenset()


def desired_routing(router: Loaded[Router], inputs: Inputs, cluster: Cluster | None) -> Routing:
    """Derive, select, merge and render the FRR side of one router; raises InvalidInput or MergeConflict."""
    labels = router.object.metadata.labels
    name = router.object.metadata.name
    for invalid in inputs.invalid:
        if invalid.spoils(labels):
            raise invalid.error
    configurations = [c for c in inputs.frr_configurations if c.object.spec.router_selector.matches(labels)]
    warnings: list[InputWarning] = []
    bgp_ports: dict[str, int] = {}
    speakers: frozenset[tuple[str, str]] = frozenset()
    if router.object.spec.metallb.enabled:
        # MetalLB's models and rules load with the first router that follows it: importing them cost every
        # `frr-edge validate` of a small file about 20 ms of CPU (issue 14).
        from controller.metallb.derive import derive_frr

        assert cluster is not None, "a router that follows MetalLB is rendered with the cluster"
        asn_hint = next(
            (r.asn for c in configurations for r in c.object.spec.bgp.routers if not r.vrf),
            None,
        )
        derived = derive_frr(router.object, cluster, asn_hint, inputs.secrets)
        warnings, bgp_ports = derived.warnings, derived.bgp_ports
        if derived.frr is not None:
            configurations.append(Loaded(_derived_origin(derived.frr), derived.frr))
            speakers = frozenset((r.vrf or "", n.peer) for r in derived.frr.spec.bgp.routers for n in r.neighbors)
    spec = router.object.spec
    frr = merge_frr(name, configurations, inputs.secrets, frozenset([spec.address, *spec.peering_addresses]), warnings)
    return Routing(frr, render_frr(name, frr), bgp_ports, tuple(warnings), speakers)


def held_routing(name: str, routing: Routing, held: Sequence[DesiredNeighbor]) -> Routing:
    """`routing` with the held neighbors put back that it no longer has, rendered again; `routing` itself when
    none is put back.

    `held`: neighbors of departed speakers the router keeps for now (MetalLB's rule: a speaker's session
    drains before its neighbor goes; controller/operator/departing.py decides which and until when). A
    neighbor the inputs still desire stays as they desire it; one whose BGP instance is gone goes with it.
    A held neighbor is rendered as any other: it shares the peer-groups and policies of live ones, and the
    firewall admits it. `routing` is not changed (a caller's memo may keep it).
    """
    routers = dict(routing.frr.routers)
    kept: set[tuple[str, str]] = set()
    for neighbor in held:
        bgp = routers.get(neighbor.vrf)
        if bgp is None or neighbor.peer in bgp.neighbors:
            continue
        if bgp is routing.frr.routers[neighbor.vrf]:
            bgp = routers[neighbor.vrf] = dataclasses.replace(bgp, neighbors=dict(bgp.neighbors))
        bgp.neighbors[neighbor.peer] = copy.deepcopy(neighbor)
        kept.add((neighbor.vrf, neighbor.peer))
    if not kept:
        return routing
    frr = dataclasses.replace(routing.frr, routers=routers)
    return dataclasses.replace(routing, frr=frr, text=render_frr(name, frr), held=frozenset(kept))


def selected_policies(router: Loaded[Router], inputs: Inputs) -> list[Loaded[FirewallPolicy]]:
    """The FirewallPolicies whose routerSelector matches the router."""
    labels = router.object.metadata.labels
    return [p for p in inputs.firewall_policies if p.object.spec.router_selector.matches(labels)]


def desired_firewall(
    router: Loaded[Router], inputs: Inputs, cluster: Cluster | None, routing: Routing, memo: Memo = FROM_SCRATCH
) -> tuple[DesiredFirewall, list[InputWarning], list[InputWarning]]:
    """Derive, select and merge the firewall of one router; raises InvalidInput or MergeConflict.

    Returns the firewall, the warnings of derivation (skipped objects, Services) and those of merging.
    """
    policies = selected_policies(router, inputs)
    derived_warnings: list[InputWarning] = []
    if router.object.spec.metallb.enabled:
        from controller.metallb.derive import derive_firewall

        assert cluster is not None, "a router that follows MetalLB is rendered with the cluster"
        derived_warnings = [
            InputWarning(error.origin, f"skipped: {error.field}: {error.why}", "ObjectSkipped")
            for error in cluster.skipped
        ]
        derived, service_warnings = derive_firewall(router.object, cluster, memo.service_rules)
        derived_warnings += service_warnings
        policies.append(Loaded(_derived_origin(derived), derived))
    merge_warnings: list[InputWarning] = []
    firewall = merge_firewall(router.object, policies, routing.frr, merge_warnings, routing.bgp_ports, memo.rule_parts)
    return firewall, derived_warnings, merge_warnings


def desired_router(
    router: Loaded[Router], inputs: Inputs, cluster: Cluster | None = None, memo: Memo = FROM_SCRATCH
) -> tuple[DesiredRouter, list[InputWarning]]:
    """Derive, select and merge everything that applies to one router.

    Raises InvalidInput or MergeConflict; returns the warnings of what derivation skipped and of fields
    accepted but not rendered.
    """
    desired, _, warnings = _desired(router, inputs, cluster, memo, ())
    return desired, warnings


def _desired(
    router: Loaded[Router], inputs: Inputs, cluster: Cluster | None, memo: Memo, held: Sequence[DesiredNeighbor]
) -> tuple[DesiredRouter, Routing, list[InputWarning]]:
    if cluster is None and router.object.spec.metallb.enabled:
        from controller.metallb.resources import read_cluster

        cluster = read_cluster(inputs.others)
    name = router.object.metadata.name
    routing = held_routing(name, memo.routing(name, lambda: desired_routing(router, inputs, cluster)), held)
    firewall, derived_warnings, merge_warnings = desired_firewall(router, inputs, cluster, routing, memo)
    desired = DesiredRouter(
        name=name,
        ownership=router.object.spec.frr.ownership,
        frr=routing.frr,
        firewall=firewall,
        speakers=routing.speakers,
        held=routing.held,
    )
    return desired, routing, [*derived_warnings, *routing.warnings, *merge_warnings]


def render_router(
    router: Loaded[Router],
    inputs: Inputs,
    cluster: Cluster | None = None,
    memo: Memo = FROM_SCRATCH,
    held: Sequence[DesiredNeighbor] = (),
) -> RouterResult:
    """The rendered configuration of one router, or its errors; never raises for bad input.

    `held`: neighbors of departed speakers to keep though the inputs no longer desire them (held_routing;
    DesiredRouter.held says which were put back).
    """
    name = router.object.metadata.name
    with collector.paused():
        try:
            desired, routing, warnings = _desired(router, inputs, cluster, memo, held)
        except (InvalidInput, MergeConflict) as error:
            return RouterResult(name=name, errors=[error])
        return RouterResult(
            name=name,
            desired=desired,
            frr=routing.text,
            nft=render_nft(name, desired.firewall),
            warnings=warnings,
        )


def render_all(inputs: Inputs, cluster: Cluster | None = None, memo: Memo = FROM_SCRATCH) -> list[RouterResult]:
    """Every router's result, sorted by name; one router's errors never stop another's rendering."""
    if cluster is None and any(router.object.spec.metallb.enabled for router in inputs.routers):
        from controller.metallb.resources import read_cluster

        with collector.paused():
            cluster = read_cluster(inputs.others)
    routers = sorted(inputs.routers, key=lambda r: r.object.metadata.name)
    return [render_router(router, inputs, cluster, memo) for router in routers]
