"""Would this object break a Router? The admission webhook's verdict, from the controller's own core.

Pure: the objects the cluster holds (as Inputs), the candidate object and the version it replaces go in; a
verdict comes out. The check is the controller's: select, merge and render each Router the candidate
touches, once with the candidate and once with what it replaces. It refuses only what the candidate
causes, so a Router that is already broken by other objects never blocks an unrelated edit (or the fix):
- the candidate is invalid in itself (what the CRD schema cannot say, such as a raw snippet FRR refuses);
- a Router rendered fine before and fails with the candidate (a conflict, a broken reference, a missing
  Secret), whichever objects the error names;
- a Router already failing fails with a different error that names the candidate.
Deletes are never refused: they are not reviewed at all.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from controller import collector
from controller.api.common import GROUP
from controller.api.router import Router
from controller.desired import DesiredFRR, DesiredRouter
from controller.errors import FrrEdgeError, InputWarning, InvalidInput, MergeConflict, Origin
from controller.inputs import Inputs, Loaded, add_object
from controller.metallb.resources import Cluster, read_cluster
from controller.pipeline import desired_router, desired_routing
from controller.render.frr import session_resets

REVIEWED_KINDS = ("Router", "FRRConfiguration", "FirewallPolicy")
# What the API server passes on to kubectl: messages and warnings stay readable and bounded.
_MESSAGE_LIMIT = 3000
_WARNING_LIMIT = 240
_WARNINGS = 8


@dataclass(frozen=True, slots=True)
class Verdict:
    """Admit or refuse, with the message kubectl prints and warnings it shows either way."""

    allowed: bool
    message: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Identity:
    kind: str
    namespace: str
    name: str

    @classmethod
    def of(cls, origin: Origin) -> _Identity:
        return cls(origin.kind, origin.namespace or "", origin.name)

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"


def _metadata(document: dict[str, Any]) -> dict[str, Any]:
    """The object's metadata, or none when it is not a mapping (the candidate is then refused as invalid)."""
    metadata = document.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def _identity(document: dict[str, Any]) -> _Identity:
    metadata = _metadata(document)
    kind = str(document.get("kind", ""))
    namespace = "" if kind == "Router" else str(metadata.get("namespace") or "default")
    return _Identity(kind, namespace, str(metadata.get("name", "")))


def _copied(document: dict[str, Any]) -> dict[str, Any]:
    # add_object fills in metadata.namespace: the request's own objects stay as they came.
    return {**document, "metadata": dict(_metadata(document))}


def _without(inputs: Inputs, identity: _Identity) -> Inputs:
    """`inputs` without the object `identity` names (a shallow copy: new lists of the same objects)."""

    def other(origin: Origin) -> bool:
        return _Identity.of(origin) != identity

    rest = copy.copy(inputs)
    rest.routers = [r for r in inputs.routers if other(r.origin)]
    rest.frr_configurations = [c for c in inputs.frr_configurations if other(c.origin)]
    rest.firewall_policies = [p for p in inputs.firewall_policies if other(p.origin)]
    rest.invalid = [i for i in inputs.invalid if other(i.error.origin)]
    seen = (f"{GROUP}/{identity.kind}", identity.namespace, identity.name)
    rest.seen = {key: origin for key, origin in inputs.seen.items() if key != seen}
    return rest


def _with(inputs: Inputs, document: dict[str, Any] | None) -> Inputs:
    """A shallow copy of `inputs` holding `document` too, leaving `inputs` as it was."""
    changed = copy.copy(inputs)
    for name in ("routers", "frr_configurations", "firewall_policies", "invalid", "others", "warnings"):
        setattr(changed, name, list(getattr(inputs, name)))
    changed.secrets = dict(inputs.secrets)
    changed.seen = dict(inputs.seen)
    if document is not None:
        add_object(changed, _copied(document))
    return changed


def _names(error: FrrEdgeError) -> set[_Identity]:
    if isinstance(error, InvalidInput):
        return {_Identity.of(error.origin)}
    if isinstance(error, MergeConflict):
        return {_Identity.of(error.first), _Identity.of(error.second)}
    return set()


def _selected(inputs: Inputs, identity: _Identity) -> set[str]:
    """The Routers the object `identity` names in `inputs` applies to."""
    if identity.kind == "Router":
        return {r.object.metadata.name for r in inputs.routers if r.object.metadata.name == identity.name}
    configurations: Iterable[Loaded[Any]] = (
        inputs.frr_configurations if identity.kind == "FRRConfiguration" else inputs.firewall_policies
    )
    for loaded in configurations:
        if _Identity.of(loaded.origin) == identity:
            selector = loaded.object.spec.router_selector
            return {r.object.metadata.name for r in inputs.routers if selector.matches(r.object.metadata.labels)}
    return set()


def _router(inputs: Inputs, name: str) -> Loaded[Router] | None:
    """The valid Router `name` of `inputs`, or None (inputs.router_named raises instead, for the CLI)."""
    return next((r for r in inputs.routers if r.object.metadata.name == name), None)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """Router `name` derived, selected and merged from some inputs: its desired state, or the error that stops
    it as the controller meets it first, and the warnings of the inputs."""

    desired: DesiredRouter | None = None
    error: FrrEdgeError | None = None
    warnings: tuple[InputWarning, ...] = ()


def _outcome(inputs: Inputs, name: str, cluster: Cluster) -> _Outcome:
    """What the controller would make of Router `name` (no Router of that name: an empty outcome).

    Derive, select and merge only: rendering the merged model as text never fails, and at 50,000 Services
    it is a fifth of the time (bench/bench_admission.py).
    """
    router = _router(inputs, name)
    if router is None:
        return _Outcome()
    # As render_router does: the collector would rescan the growing heap again and again at scale.
    with collector.paused():
        try:
            desired, warnings = desired_router(router, inputs, cluster)
        except (InvalidInput, MergeConflict) as error:
            return _Outcome(error=error)
    return _Outcome(desired, None, tuple(warnings))


def _routing(inputs: Inputs, name: str, cluster: Cluster) -> DesiredFRR | None:
    """The FRR side of Router `name`, or None when there is no such Router or it is not rendered.

    Without the firewall, which at 50,000 Services is most of a review (bench/bench_admission.py).
    """
    router = _router(inputs, name)
    if router is None:
        return None
    with collector.paused():
        try:
            return desired_routing(router, inputs, cluster).frr
        except (InvalidInput, MergeConflict):
            return None


def _resets(name: str, before: DesiredFRR | None, after: DesiredRouter | None) -> list[str]:
    """Warnings for the BGP sessions of Router `name` that going from `before` to `after` would reset.

    FRR-K8s's webhook warns when an update changes enableGracefulRestart, since the session resets; frr-edge
    warns for every setting whose change resets a session (render.frr.session_resets).
    """
    if before is None or after is None:
        return []
    return [
        f"router {name}: the BGP session with neighbor {reset.peer}"
        + (f" (VRF {reset.vrf})" if reset.vrf else "")
        + f" will be reset ({', '.join(reset.settings)} changes)"
        for reset in session_resets(before, after.frr)
    ]


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def review(
    existing: Inputs, candidate: dict[str, Any], replaced: dict[str, Any] | None, cluster: Cluster | None = None
) -> Verdict:
    """The verdict on creating `candidate`, or on `candidate` replacing `replaced`, among `existing`.

    `existing` may hold `replaced` already (the controller's index does); it is taken out either way.
    `cluster` is MetalLB's side of `existing` (read_cluster), when the caller keeps it.
    """
    identity = _identity(candidate)
    if identity.kind not in REVIEWED_KINDS or str(candidate.get("apiVersion", "")).split("/")[0] != GROUP:
        return Verdict(True)
    cluster = cluster if cluster is not None else read_cluster(existing.others)
    rest = _without(existing, identity)
    after, before = _with(rest, candidate), _with(rest, replaced)
    for invalid in after.invalid:
        if _Identity.of(invalid.error.origin) == identity:
            return Verdict(False, _bounded(str(invalid.error), _MESSAGE_LIMIT))
    refusals: list[str] = []
    warnings: list[str] = []
    for name in sorted(_selected(after, identity) | _selected(before, identity)):
        outcome = _outcome(after, name, cluster)
        warnings += [str(w) for w in outcome.warnings if _Identity.of(w.origin) == identity]
        error = outcome.error
        if error is None:
            if replaced is not None:
                warnings += _resets(name, _routing(before, name, cluster), outcome.desired)
            continue
        previous = _outcome(before, name, cluster).error
        if previous is None or (str(previous) != str(error) and identity in _names(error)):
            subject = (
                "would be left without a valid configuration"
                if identity.kind == "Router"
                else f"would break router {name}"
            )
            refusals.append(f"{identity} {subject}: {error}")
        else:
            warnings.append(f"router {name} is already not rendered, not because of this object: {error}")
    shown = tuple(dict.fromkeys(_bounded(w, _WARNING_LIMIT) for w in warnings))[:_WARNINGS]
    if not refusals:
        return Verdict(True, warnings=shown)
    return Verdict(False, _bounded("; ".join(refusals), _MESSAGE_LIMIT), shown)
