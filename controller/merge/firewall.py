"""Merge the FirewallPolicies selected for one router into one desired firewall.

Rules: allow rules add up (a union; the same traffic allowed twice is one entry); `defaultAction` must
agree between the policies that set it (unset has no opinion, drop when none sets it); two rate limits on
the same address, protocol and port must be equal, otherwise the policies conflict: picking one silently
would either throttle a Service its owner did not mean to, or let through traffic meant to be limited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from controller.addresses import collapse, family
from controller.api import FirewallPolicy, Router
from controller.api.firewallpolicy import PORTED_PROTOCOLS, AllowRule, port_range
from controller.api.ratelimit import parse_rate
from controller.desired import (
    ANY_PORT,
    ANY_SOURCE,
    BFD_MULTIHOP,
    BFD_SINGLE_HOP,
    DEFAULT_PORT,
    AllowEntry,
    AllowSet,
    DesiredFirewall,
    DesiredFRR,
    LimitEntry,
)
from controller.errors import InputWarning, InvalidInput, MergeConflict, Origin
from controller.inputs import Loaded

# A rule whose combinations (destinations x sources x ports) fit this many becomes set elements of the
# concatenated sets, looked up once per packet whatever the number of Services; a larger one is matched by
# sets of its own (AllowSet), one nft rule each.
COMBINED_LIMIT = 64
# What one router's firewall may hold in all; nft loads a million elements in seconds.
MAX_ELEMENTS = 1_000_000


def merge_port_ranges(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Port ranges merged where they overlap or touch, in order."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class RuleParts:
    """What one allow rule contributes: its entries and large sets, and what is wrong with it.

    A function of the rule alone (origin and path are the caller's), so a caller may keep it for as long as
    it keeps the rule: `warnings` are messages about left-out parts, `error` a (field, why) that refuses
    the rule.
    """

    entries: tuple[AllowEntry, ...] = ()
    sets: tuple[AllowSet, ...] = ()
    warnings: tuple[str, ...] = ()
    error: tuple[str, str] | None = None


# How merge_firewall gets a rule's parts: `rule_parts`, or a cache of its results (the controller's).
RulePartsOf = Callable[[AllowRule], RuleParts]


def rule_parts(rule: AllowRule) -> RuleParts:
    """The compact entries, or one AllowSet per family, of one allow rule.

    An error for a rule that would allow nothing (sources of no destination's family) or ICMP of the
    other family; a destination family without sources is left out (allowing it from anywhere would ignore
    `sources`) and said in `warnings`.
    """
    if rule.sources and not {family(d) for d in rule.destinations} & {family(s) for s in rule.sources}:
        why = (
            f"no source is of a destination's address family ({rule.destinations[0]}, {rule.sources[0]}): "
            "the rule would allow nothing"
        )
        return RuleParts(error=("sources", why))
    ported = rule.protocol in PORTED_PROTOCOLS
    ports = sorted({port_range(port) for port in rule.ports}) if ported else []
    entries: list[AllowEntry] = []
    sets: list[AllowSet] = []
    warnings: list[str] = []
    for of_family in (4, 6):
        destinations = [d for d in rule.destinations if family(d) == of_family]
        if not destinations:
            continue
        if (rule.protocol, of_family) in (("icmp", 6), ("icmpv6", 4)):
            why = f"{destinations[0]} is IPv{of_family}: use protocol {'icmpv6' if of_family == 6 else 'icmp'} for it"
            return RuleParts(warnings=tuple(warnings), error=("destinations", why))
        sources = [source for source in rule.sources if family(source) == of_family]
        if rule.sources and not sources:
            warnings.append(
                f"IPv{of_family} destinations such as {destinations[0]} are not allowed: no source is IPv{of_family}"
            )
            continue
        if len(destinations) * max(len(sources), 1) * max(len(ports), 1) <= COMBINED_LIMIT:
            entries += (
                AllowEntry(of_family, destination, rule.protocol, port, source)
                for destination in destinations
                for port in ports or [ANY_PORT]
                for source in sources or [ANY_SOURCE]
            )
        else:
            sets.append(
                AllowSet(
                    of_family,
                    rule.protocol,
                    tuple(collapse(destinations)),
                    tuple(collapse(sources)) if sources else (),
                    merge_port_ranges(ports),
                )
            )
    return RuleParts(tuple(entries), tuple(sets), tuple(warnings))


def merge_firewall(
    router: Router,
    policies: Iterable[Loaded[FirewallPolicy]],
    frr: DesiredFRR,
    warnings: list[InputWarning] | None = None,
    bgp_ports: dict[str, int] | None = None,
    parts_of: RulePartsOf = rule_parts,
) -> DesiredFirewall:
    """Merge the policies selected for `router`; raises InvalidInput or MergeConflict.

    Parts of rules left out (a destination family without sources) are added to `warnings`; `bgp_ports`
    maps neighbors that dial the router on another port than 179 to that port; `parts_of` gives a rule's
    parts (a cache of `rule_parts`).
    """
    warnings = [] if warnings is None else warnings
    ordered = sorted(policies, key=lambda loaded: (loaded.origin.namespace or "", loaded.origin.name))
    settings = router.spec.firewall
    desired = DesiredFirewall(
        public_interface=settings.public_interface,
        allow_ssh=settings.allow_ssh,
        ssh_port=router.spec.port,
        allow_bgp=settings.allow_bgp,
        drop_unmatched=settings.drop_unmatched,
        local_include=settings.local_include,
    )
    action_owner: Origin | None = None
    allow: set[AllowEntry] = set()
    allow_sets: set[AllowSet] = set()
    elements = 0
    limits: dict[tuple[str, str, int], tuple[LimitEntry, Origin]] = {}
    for loaded in ordered:
        origin, spec = loaded.origin, loaded.object.spec
        if spec.default_action is not None:
            if action_owner is None:
                desired.default_action, action_owner = spec.default_action, origin
            elif spec.default_action != desired.default_action:
                raise MergeConflict(
                    f"router {router.metadata.name} firewall",
                    "defaultAction",
                    action_owner,
                    desired.default_action,
                    origin,
                    spec.default_action,
                )
        for index, rule in enumerate(spec.allow):
            shape = parts_of(rule)
            path = f"spec.allow[{index}]"
            warnings += (InputWarning(origin, f"{path}: {message}", "SourcesIncomplete") for message in shape.warnings)
            if shape.error is not None:
                raise InvalidInput(origin, f"{path}.{shape.error[0]}", shape.error[1])
            for allow_set in shape.sets:
                if allow_set not in allow_sets:
                    allow_sets.add(allow_set)
                    elements += allow_set.size
            known = len(allow)
            allow.update(shape.entries)
            elements += len(allow) - known
            if elements > MAX_ELEMENTS:
                raise InvalidInput(
                    origin,
                    f"spec.allow[{index}]",
                    f"router {router.metadata.name}'s firewall would hold more than {MAX_ELEMENTS} set elements; "
                    "allow prefixes instead of single addresses, or port ranges instead of single ports",
                )
        for limit in spec.rate_limits:
            entry = LimitEntry(
                family(limit.destination), limit.destination, limit.protocol, limit.port, parse_rate(limit.rate)
            )
            key = (limit.destination, limit.protocol, limit.port)
            current = limits.get(key)
            if current is None:
                limits[key] = (entry, origin)
            elif current[0].rate != entry.rate:
                raise MergeConflict(
                    f"router {router.metadata.name} rate limit for {limit.destination} {limit.protocol}/{limit.port}",
                    "rate",
                    current[1],
                    str(current[0].rate),
                    origin,
                    str(entry.rate),
                )
    desired.allow = sorted(allow)
    desired.allow_sets = sorted(allow_sets)
    desired.limits = sorted(entry for entry, _ in limits.values())
    desired.bgp_ports = dict(bgp_ports or {})
    admit_neighbors(desired, frr)
    return desired


def admit_neighbors(firewall: DesiredFirewall, frr: DesiredFRR) -> None:
    """What frr-edge turns on toward each neighbor, admitted from exactly that neighbor.

    BGP on the port the neighbor dials (`firewall.bgp_ports`, else 179); for a neighbor with a BFD profile,
    BFD control packets (UDP 3784 single hop, 4784 multihop) and, single hop, its echo packets, which the
    router loops back (UDP 3785 from and to the neighbor itself); the router's own echo packets when one of
    its profiles uses echo mode. Unnumbered sessions are admitted by interface.
    """
    bgp: set[tuple[str, int]] = set()
    bfd: set[tuple[str, int]] = set()
    echo: set[str] = set()
    interfaces: set[str] = set()
    bfd_interfaces: set[str] = set()
    for instance in frr.routers.values():
        for neighbor in instance.neighbors.values():
            tracked = neighbor.bfd_profile is not None
            if neighbor.interface:
                interfaces.add(neighbor.peer)
                if tracked:
                    bfd_interfaces.add(neighbor.peer)
                continue
            bgp.add((neighbor.peer, firewall.bgp_ports.get(neighbor.peer, DEFAULT_PORT)))
            if tracked:
                bfd.add((neighbor.peer, BFD_MULTIHOP if neighbor.ebgp_multihop else BFD_SINGLE_HOP))
                if not neighbor.ebgp_multihop:
                    echo.add(neighbor.peer)
    firewall.bgp_peers = sorted(bgp, key=lambda entry: (family(entry[0]), entry))
    firewall.bfd_peers = sorted(bfd, key=lambda entry: (family(entry[0]), entry))
    firewall.bfd_echo = sorted(echo, key=lambda peer: (family(peer), peer))
    firewall.bgp_interfaces = sorted(interfaces)
    firewall.bfd_interfaces = sorted(bfd_interfaces)
    firewall.router_echo = any(profile.echo_mode for profile in frr.bfd_profiles.values())
