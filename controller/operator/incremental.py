"""A router's render after Service changes, computed from its last render instead of from scratch.

At 50,000 Services a render from scratch takes seconds: every Service's entries merged, sorted, laid out in
sets and printed again. A Service that comes, goes or moves changes a handful of set elements. So for each
router the controller keeps what its last full render used: each Service's entries, how many contributors
each allowed entry has, and the ruleset's layout. When only Services changed since (the index's
`routing_version` is the same) and every change is simple, the new result is the last one with those
elements changed, at a cost that grows with the changes, not with the Services. Simple: each of the
Service's entries allows one address and one port from any source (an element of the plain sets
`allow_host_v4` / `allow_host_v6`, render.nft.is_host_entry; no source ranges), its rate limits stay
the same, and nothing about it is a warning or invalid. Anything else is rendered from scratch. Either way
the result is the one `pipeline.render_router` computes from scratch (tests/operator/test_incremental.py
runs random event sequences through both).
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from controller.api import Router
from controller.desired import AllowEntry, DesiredNeighbor
from controller.errors import InvalidInput
from controller.inputs import Loaded
from controller.merge.firewall import MAX_ELEMENTS
from controller.metallb.resources import Service
from controller.operator.index import Key, Snapshot
from controller.pipeline import Memo, RouterResult, render_router, selected_policies
from controller.render.nft import HOST_SETS, host_element, is_host_entry
from controller.router.nftables.delta import Layout, layout, remember


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one Service adds to the firewall.

    `simple` when a change of it may be applied as a delta; `placed` when a warning about one of its rules
    names the rule's place among all Services' rules (which a change of any Service before it moves).
    """

    entries: tuple[AllowEntry, ...]
    limits: tuple[tuple[str, str, int, str], ...]  # (destination, protocol, port, rate)
    simple: bool = True
    placed: bool = False


_NOTHING = Contribution((), ())


def contribution(service: Service, memo: Memo) -> Contribution:
    """What the Service adds to the firewall of a router that takes its rules (derive_firewall)."""
    rules = memo.service_rules(service)
    entries: list[AllowEntry] = []
    placed = False
    plain = True
    for rule in rules.allow:
        parts = memo.rule_parts(rule)
        entries += parts.entries
        placed = placed or bool(parts.warnings) or parts.error is not None
        plain = plain and not parts.sets
    simple = not rules.warnings and not placed and plain and all(is_host_entry(entry) for entry in entries)
    limits = tuple((limit.destination, limit.protocol, limit.port, limit.rate) for limit in rules.rate_limits)
    return Contribution(tuple(entries), limits, simple, placed)


def _counted(router: Router, service: Service) -> bool:
    """Whether derive_firewall takes the Service's rules for this router."""
    return service.load_balancer_class == router.spec.metallb.load_balancer_class and bool(service.ingress_ips)


def _is_service(key: Key) -> bool:
    return key[:2] == ("", "Service")


@dataclass
class _Last:
    """What the last render of one router used, kept up to date by each delta."""

    version: int
    routing_version: int
    held: tuple[DesiredNeighbor, ...]  # the departed speakers' neighbors it put back (_put_back)
    result: RouterResult
    contributions: dict[Key, Contribution]
    invalid: set[Key]  # Services that failed their model: a change of one is rendered from scratch
    # How many contributors (Services, and the user's policies together as one) each allowed entry has.
    counts: Counter[AllowEntry]
    # The entries of `allow_host_v4` and `allow_host_v6` (render.nft.HOST_SETS) by family, in the order
    # rendered, and their elements as rendered.
    hosts: dict[int, list[AllowEntry]]
    elements: dict[int, list[str]]
    layout: Layout
    placed: bool  # some Service's rule is warned about by its place among all rules: no deltas


@dataclass
class IncrementalRender:
    """One router's renders; `full` and `deltas` count how each was computed."""

    full: int = 0
    deltas: int = 0
    _last: _Last | None = field(default=None, repr=False)

    def render(
        self, router: Loaded[Router], snapshot: Snapshot, memo: Memo, held: Sequence[DesiredNeighbor] = ()
    ) -> RouterResult:
        """`render_router` for the snapshot and the held neighbors (pipeline.held_routing); from the last render
        when only simple Service changes came and the same neighbors are held."""
        last = self._last
        held = tuple(held)
        if (
            last is not None
            and last.routing_version == snapshot.routing_version
            and _put_back(last.result, held) == last.held
        ):
            result = _update(last, snapshot, router.object, memo)
            if result is not None:
                self.deltas += 1
                return dataclasses.replace(result)
        self.full += 1
        result = render_router(router, snapshot.inputs, snapshot.cluster, memo, held)
        self._last = None
        if result.ok and result.desired is not None:
            self._last = _record(router, snapshot, memo, result, held)
        return result


def _put_back(result: RouterResult, held: tuple[DesiredNeighbor, ...]) -> tuple[DesiredNeighbor, ...]:
    """The neighbors of `held` a render of `result`'s inputs puts back (pipeline.held_routing): of an instance
    it has, and not desired by the inputs. The controller holds every owned speaker whose session is up, live
    ones too; only those put back change the render, so only they decide whether it can be a delta."""
    desired = result.desired
    if desired is None:
        return held
    routers = desired.frr.routers
    by_inputs = {(vrf, peer) for vrf, bgp in routers.items() for peer in bgp.neighbors} - set(desired.held)
    return tuple(n for n in held if n.vrf in routers and (n.vrf, n.peer) not in by_inputs)


def _record(
    router: Loaded[Router],
    snapshot: Snapshot,
    memo: Memo,
    result: RouterResult,
    held: tuple[DesiredNeighbor, ...],
) -> _Last:
    assert result.desired is not None
    services = [(key, value) for key, value in snapshot.core.items() if _is_service(key)]
    contributions = {
        key: contribution(value, memo)
        for key, value in services
        if isinstance(value, Service) and _counted(router.object, value)
    }
    counts: Counter[AllowEntry] = Counter()
    for given in contributions.values():
        counts.update(set(given.entries))
    counts.update(
        {
            entry
            for policy in selected_policies(router, snapshot.inputs)
            for rule in policy.object.spec.allow
            for entry in memo.rule_parts(rule).entries
        }
    )
    hosts: dict[int, list[AllowEntry]] = {4: [], 6: []}
    for entry in result.desired.firewall.allow:  # sorted, as render_nft lays the host sets out
        if is_host_entry(entry):
            hosts[entry.family].append(entry)
    return _Last(
        version=snapshot.version,
        routing_version=snapshot.routing_version,
        held=_put_back(result, held),
        result=dataclasses.replace(result),
        contributions=contributions,
        invalid={key for key, value in services if isinstance(value, InvalidInput)},
        counts=counts,
        hosts=hosts,
        elements={number: [host_element(entry) for entry in entries] for number, entries in hosts.items()},
        layout=layout(result.nft),
        placed=any(given.placed for given in contributions.values()),
    )


def _update(last: _Last, snapshot: Snapshot, router: Router, memo: Memo) -> RouterResult | None:
    """The new result from the last one and the Services that changed; None when a full render is needed."""
    changed = snapshot.services_changed_since(last.version)
    if changed is None or last.placed:
        return None
    if not changed:
        return last.result
    if len(changed) > max(64, len(last.contributions) // 4):
        return None  # as much work as rendering it all
    contributions: dict[Key, Contribution] = {}
    delta: Counter[AllowEntry] = Counter()
    for key in changed:
        value = snapshot.core.get(key)
        if isinstance(value, InvalidInput) or key in last.invalid:
            return None
        before = last.contributions.get(key, _NOTHING)
        after = contribution(value, memo) if isinstance(value, Service) and _counted(router, value) else _NOTHING
        if not (before.simple and after.simple) or before.limits != after.limits:
            return None
        contributions[key] = after
        delta.subtract(set(before.entries))
        delta.update(set(after.entries))
    added = sorted(entry for entry, change in delta.items() if change > 0 and last.counts[entry] == 0)
    removed = sorted(entry for entry, change in delta.items() if change < 0 and last.counts[entry] + change == 0)
    assert last.result.desired is not None
    firewall = last.result.desired.firewall
    elements = len(firewall.allow) + sum(allow_set.size for allow_set in firewall.allow_sets)
    if elements + len(added) - len(removed) > MAX_ELEMENTS:
        return None  # a render from scratch says which policy broke the limit

    # Everything checked: change what the last render kept.
    for key, given in contributions.items():
        if given is _NOTHING:
            last.contributions.pop(key, None)
        else:
            last.contributions[key] = given
    for entry, change in delta.items():
        count = last.counts[entry] + change
        if count > 0:
            last.counts[entry] = count
        else:
            last.counts.pop(entry, None)
    for entry in removed:
        hosts, shown = last.hosts[entry.family], last.elements[entry.family]
        index = bisect.bisect_left(hosts, entry)
        del hosts[index], shown[index]
    for entry in added:
        hosts, shown = last.hosts[entry.family], last.elements[entry.family]
        index = bisect.bisect_left(hosts, entry)
        hosts.insert(index, entry)
        shown.insert(index, host_element(entry))
    allow = list(firewall.allow)
    for entry in removed:
        del allow[bisect.bisect_left(allow, entry)]
    for entry in added:
        bisect.insort(allow, entry)
    last.layout = last.layout.with_elements(
        {HOST_SETS[number]: last.elements[number] for number in {e.family for e in (*added, *removed)}}
    )
    nft = last.layout.text
    remember(nft, last.layout)
    last.version = snapshot.version
    last.result = dataclasses.replace(
        last.result,
        desired=dataclasses.replace(last.result.desired, firewall=dataclasses.replace(firewall, allow=allow)),
        nft=nft,
    )
    return last.result
