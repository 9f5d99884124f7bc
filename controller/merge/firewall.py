"""Merge the FirewallPolicies selected for one router into one desired firewall.

Rules: allow rules add up (a union; the same traffic allowed twice is one entry); `defaultAction` must
agree between the policies that set it (unset has no opinion, drop when none sets it); two rate limits on
the same address, protocol and port must be equal, otherwise the policies conflict: picking one silently
would either throttle a Service its owner did not mean to, or let through traffic meant to be limited.
"""

from __future__ import annotations

from collections.abc import Iterable

from controller.addresses import family
from controller.api import FirewallPolicy, Router
from controller.api.firewallpolicy import PORTED_PROTOCOLS, AllowRule, port_range
from controller.api.ratelimit import parse_rate
from controller.desired import (
    ANY_PORT,
    ANY_SOURCE,
    AllowEntry,
    DesiredFirewall,
    DesiredFRR,
    LimitEntry,
)
from controller.errors import InvalidInput, MergeConflict, Origin
from controller.inputs import Loaded


def _entries(origin: Origin, path: str, rule: AllowRule) -> Iterable[AllowEntry]:
    if rule.protocol in PORTED_PROTOCOLS:
        ports = sorted({port_range(port) for port in rule.ports}) or [ANY_PORT]
    else:
        ports = [ANY_PORT]
    for destination in rule.destinations:
        destination_family = family(destination)
        if (rule.protocol, destination_family) in (("icmp", 6), ("icmpv6", 4)):
            raise InvalidInput(
                origin,
                f"{path}.destinations",
                f"{destination} is IPv{destination_family}: use protocol "
                f"{'icmpv6' if destination_family == 6 else 'icmp'} for it",
            )
        sources = [source for source in rule.sources if family(source) == destination_family]
        if rule.sources and not sources:
            # Sources are given, none of this family: nothing of this family is allowed.
            continue
        for port in ports:
            for source in sources or [ANY_SOURCE]:
                yield AllowEntry(destination_family, destination, rule.protocol, port, source)


def merge_firewall(router: Router, policies: Iterable[Loaded[FirewallPolicy]], frr: DesiredFRR) -> DesiredFirewall:
    """Merge the policies selected for `router`; raises InvalidInput or MergeConflict."""
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
            allow.update(_entries(origin, f"spec.allow[{index}]", rule))
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
    desired.limits = sorted(entry for entry, _ in limits.values())
    peers: set[str] = set()
    interfaces: set[str] = set()
    for bgp in frr.routers.values():
        for neighbor in bgp.neighbors.values():
            (interfaces if neighbor.interface else peers).add(neighbor.peer)
    desired.bgp_peers = sorted(peers, key=lambda peer: (family(peer), peer))
    desired.bgp_interfaces = sorted(interfaces)
    return desired
