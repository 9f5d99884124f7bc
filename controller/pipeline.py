"""select → merge → render for every Router: the pure core, shared by the CLI and the controller."""

from __future__ import annotations

from dataclasses import dataclass, field

from controller.api import Router
from controller.desired import DesiredRouter
from controller.errors import FrrEdgeError, InvalidInput, MergeConflict
from controller.inputs import Inputs, Loaded
from controller.merge.firewall import merge_firewall
from controller.merge.frr import merge_frr
from controller.render.frr import render_frr
from controller.render.nft import render_nft


@dataclass(slots=True)
class RouterResult:
    """For one Router: the rendered configuration, or the errors that stopped it."""

    name: str
    desired: DesiredRouter | None = None
    frr: str = ""
    nft: str = ""
    errors: list[FrrEdgeError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def desired_router(router: Loaded[Router], inputs: Inputs) -> DesiredRouter:
    """Select and merge everything that applies to one router; raises InvalidInput or MergeConflict."""
    labels = router.object.metadata.labels
    name = router.object.metadata.name
    for invalid in inputs.invalid:
        if invalid.spoils(labels):
            raise invalid.error
    configurations = [c for c in inputs.frr_configurations if c.object.spec.router_selector.matches(labels)]
    policies = [p for p in inputs.firewall_policies if p.object.spec.router_selector.matches(labels)]
    frr = merge_frr(name, configurations, inputs.secrets)
    firewall = merge_firewall(router.object, policies, frr)
    return DesiredRouter(name=name, ownership=router.object.spec.frr.ownership, frr=frr, firewall=firewall)


def render_router(router: Loaded[Router], inputs: Inputs) -> RouterResult:
    """The rendered configuration of one router, or its errors; never raises for bad input."""
    name = router.object.metadata.name
    try:
        desired = desired_router(router, inputs)
    except (InvalidInput, MergeConflict) as error:
        return RouterResult(name=name, errors=[error])
    return RouterResult(
        name=name,
        desired=desired,
        frr=render_frr(name, desired.frr),
        nft=render_nft(name, desired.firewall),
    )


def render_all(inputs: Inputs) -> list[RouterResult]:
    """Every router's result, sorted by name; one router's errors never stop another's rendering."""
    return [render_router(router, inputs) for router in sorted(inputs.routers, key=lambda r: r.object.metadata.name)]
