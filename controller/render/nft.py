"""Render the desired firewall of one router as one nftables transaction over frr-edge's own table.

The file replaces `table inet frr_edge` atomically (create, delete, define: `nft -f` applies all or
nothing) and touches no other table. Service traffic is matched by concatenated set and map lookups
(`ip daddr . meta l4proto . th dport`), so the per-packet cost does not grow with the number of Services.
What a LoadBalancer Service allows (one address, one protocol, one port, any source) goes to a plain hash
set (`allow_host_v4`, `allow_host_v6`); only prefixes, port ranges and sources go to interval sets. Both
match alike, but nft 1.0.6 adds or deletes an element of a large concatenated interval set (the kernel's
pipapo) in milliseconds each: 2,000 Services moved in a set of 50,000 took 27 s, against 0.07 s in a hash
set (measured on this project's router lab, 50,000 Services, issue 14).
An allow rule too large to expand (AllowSet) is one chain rule matching sets of its own, so the ruleset
grows with the sum of a rule's lists, not their product.
Each rate-limited Service port gets its own named limit object: Services never share a token bucket.
"""

from __future__ import annotations

from collections.abc import Callable

from controller.addresses import collapse, family
from controller.desired import (
    ANY_PORT,
    ANY_SOURCE,
    BFD_ECHO,
    BFD_SINGLE_HOP,
    DEFAULT_PORT,
    AllowEntry,
    AllowSet,
    DesiredFirewall,
)
from controller.render.intervals import layers

TABLE = "frr_edge"
_ADDRESS = {4: "ipv4_addr", 6: "ipv6_addr"}
_MATCH = {4: "ip", 6: "ip6"}
_ICMP = {4: "icmp", 6: "icmpv6"}
_PROTOCOLS = ("tcp", "udp", "sctp")


def _ports(ports: tuple[int, int]) -> str:
    if ports == ANY_PORT:
        return "0-65535"
    first, last = ports
    return str(first) if first == last else f"{first}-{last}"


def _set(lines: list[str], name: str, type_: str, elements: list[str], interval: bool = True) -> None:
    lines.append(f"\tset {name} {{")
    lines.append(f"\t\ttype {type_}")
    if interval:
        lines.append("\t\tflags interval")
    if elements:
        lines.append("\t\telements = {")
        lines.extend(f"\t\t\t{element}," for element in elements)
        lines.append("\t\t}")
    lines.append("\t}")


_HOST_SUFFIX = {4: "/32", 6: "/128"}
HOST_SETS = {4: "allow_host_v4", 6: "allow_host_v6"}


def is_host_entry(entry: AllowEntry) -> bool:
    """Whether the entry allows one address, one port of TCP, UDP or SCTP, from any source: an element of
    the plain set HOST_SETS[family] (what a LoadBalancer Service's port is)."""
    first, last = entry.ports
    return (
        entry.source == ANY_SOURCE
        and entry.protocol in _PROTOCOLS
        and first == last
        and entry.ports != ANY_PORT
        and entry.destination.endswith(_HOST_SUFFIX[entry.family])
    )


def host_element(entry: AllowEntry) -> str:
    """A host entry (is_host_entry) as an element of its HOST_SETS set: `address . protocol . port`."""
    return f"{entry.destination.rsplit('/', 1)[0]} . {entry.protocol} . {entry.ports[0]}"


def allow_element(entry: AllowEntry) -> str:
    """An entry of any source as an element of `allow_v4` or `allow_v6`."""
    return f"{entry.destination} . {entry.protocol} . {_ports(entry.ports)}"


def _layered(
    lines: list[str],
    name: str,
    type_: str,
    entries: list[AllowEntry],
    element: Callable[[AllowEntry], str],
) -> list[str]:
    """One set per layer of non-overlapping entries (`name`, `name_1`, ...); returns the names."""
    names = []
    for number, layer in enumerate(layers(entries)):
        layer_name = name if number == 0 else f"{name}_{number}"
        _set(lines, layer_name, type_, [element(entry) for entry in layer])
        names.append(layer_name)
    return names


def _service_sets(lines: list[str], allow: list[AllowEntry]) -> list[str]:
    """The sets of the allowed Service traffic, and the rules of the services chain that look them up.

    `allow` is sorted (merge_firewall): each set's elements come in that order.
    """
    rules = []
    for of_family in (4, 6):
        address, match, icmp = _ADDRESS[of_family], _MATCH[of_family], _ICMP[of_family]
        entries = [entry for entry in allow if entry.family == of_family]
        hosts = [e for e in entries if is_host_entry(e)]
        ported = [e for e in entries if e.protocol in _PROTOCOLS and not is_host_entry(e)]
        icmp_entries = [e for e in entries if e.protocol == icmp]
        host_set = HOST_SETS[of_family]
        _set(
            lines, host_set, f"{address} . inet_proto . inet_service", [host_element(e) for e in hosts], interval=False
        )
        rules.append(f"{match} daddr . meta l4proto . th dport @{host_set} accept")
        for name in _layered(
            lines,
            f"allow_v{of_family}",
            f"{address} . inet_proto . inet_service",
            [e for e in ported if e.source == ANY_SOURCE],
            allow_element,
        ):
            rules.append(f"{match} daddr . meta l4proto . th dport @{name} accept")
        for name in _layered(
            lines,
            f"allow_src_v{of_family}",
            f"{address} . {address} . inet_proto . inet_service",
            [e for e in ported if e.source != ANY_SOURCE],
            lambda e: f"{e.source} . {e.destination} . {e.protocol} . {_ports(e.ports)}",
        ):
            rules.append(f"{match} saddr . {match} daddr . meta l4proto . th dport @{name} accept")
        # A set of one type refuses overlapping intervals: 203.0.113.0/24 and 203.0.113.10/32 become one.
        _set(
            lines,
            f"icmp_v{of_family}",
            address,
            collapse([e.destination for e in icmp_entries if e.source == ANY_SOURCE]),
        )
        rules.append(f"meta l4proto {icmp} {match} daddr @icmp_v{of_family} accept")
        for name in _layered(
            lines,
            f"icmp_src_v{of_family}",
            f"{address} . {address}",
            [e for e in icmp_entries if e.source != ANY_SOURCE],
            lambda e: f"{e.source} . {e.destination}",
        ):
            rules.append(f"meta l4proto {icmp} {match} saddr . {match} daddr @{name} accept")
    return rules


def _allow_set_rules(lines: list[str], allow_sets: list[AllowSet]) -> list[str]:
    """Sets of their own for the large allow rules, and the chain rule matching each against them."""
    rules = []
    for index, allowed in enumerate(allow_sets):
        address, match = _ADDRESS[allowed.family], _MATCH[allowed.family]
        name = f"rule_{index}"
        _set(lines, f"{name}_dst", address, list(allowed.destinations))
        rule = f"{match} daddr @{name}_dst"
        if allowed.sources:
            _set(lines, f"{name}_src", address, list(allowed.sources))
            rule += f" {match} saddr @{name}_src"
        rule += f" meta l4proto {allowed.protocol}"
        if allowed.ports:
            _set(lines, f"{name}_ports", "inet_service", [_ports(ports) for ports in allowed.ports])
            rule += f" th dport @{name}_ports"
        rules.append(f"{rule} accept")
    return rules


def _limits(lines: list[str], desired: DesiredFirewall) -> None:
    names: dict[int, list[str]] = {4: [], 6: []}
    for index, entry in enumerate(desired.limits):
        name = f"limit_{index}"
        lines.append(f"\tlimit {name} {{")
        lines.append(f"\t\t{entry.rate.nft()}")
        lines.append("\t}")
        names[entry.family].append(f'{entry.destination} . {entry.protocol} . {entry.port} : "{name}"')
    for of_family in (4, 6):
        lines.append(f"\tmap limits_v{of_family} {{")
        lines.append(f"\t\ttype {_ADDRESS[of_family]} . inet_proto . inet_service : limit")
        if names[of_family]:
            lines.append("\t\telements = {")
            lines.extend(f"\t\t\t{element}," for element in names[of_family])
            lines.append("\t\t}")
        lines.append("\t}")


def _chain(lines: list[str], name: str, rules: list[str], hook: str | None = None) -> None:
    lines.append(f"\tchain {name} {{")
    if hook is not None:
        lines.append(f"\t\ttype filter hook {hook} priority filter; policy accept;")
    lines.extend(f"\t\t{rule}" for rule in rules)
    lines.append("\t}")


def _input_rules(desired: DesiredFirewall) -> list[str]:
    rules = ["ct state established,related accept", "ct state invalid drop", 'iifname "lo" accept']
    if desired.local_include is not None:
        rules.append("jump local")
    if desired.allow_ssh:
        rules.append(f"tcp dport {desired.ssh_port} accept")
    if desired.allow_bgp:
        for of_family in (4, 6):
            match = _MATCH[of_family]
            rules.append(f"{match} saddr . tcp dport @bgp_peers_v{of_family} accept")
            rules.append(f"{match} saddr . udp dport @bfd_peers_v{of_family} accept")
        if desired.bgp_interfaces:
            interfaces = ", ".join(f'"{name}"' for name in desired.bgp_interfaces)
            rules.append(f"iifname {{ {interfaces} }} tcp dport {DEFAULT_PORT} accept")
        if desired.bfd_interfaces:
            interfaces = ", ".join(f'"{name}"' for name in desired.bfd_interfaces)
            rules.append(f"iifname {{ {interfaces} }} udp dport {{ {BFD_SINGLE_HOP}, {BFD_ECHO} }} accept")
        if desired.router_echo:
            # The router's own BFD echo packets, looped back by its neighbors: from and to itself.
            rules.append(f"udp dport {BFD_ECHO} fib saddr type local accept")
    if desired.drop_unmatched:
        rules.append("meta l4proto icmp accept")
        rules.append("meta l4proto ipv6-icmp accept")
        rules.append("counter drop")
    return rules


def _service_rules(desired: DesiredFirewall, allow_rules: list[str]) -> list[str]:
    rules = []
    for of_family in (4, 6):
        match = _MATCH[of_family]
        rules.append(f"limit name {match} daddr . meta l4proto . th dport map @limits_v{of_family} counter drop")
    rules.append("ct state established,related accept")
    if desired.local_include is not None:
        rules.append("jump local")
    rules.extend(allow_rules)
    rules.append(f"counter {desired.default_action}")
    return rules


def render_nft(router_name: str, desired: DesiredFirewall) -> str:
    """The nftables ruleset text for one router: frr-edge's table, replaced in one transaction."""
    lines = [
        f"# frr-edge: desired nftables ruleset of router {router_name} (table inet {TABLE} only)",
        f"table inet {TABLE}",
        f"delete table inet {TABLE}",
        f"table inet {TABLE} {{",
    ]
    for of_family in (4, 6):
        address = _ADDRESS[of_family]
        for name, peers in (("bgp_peers", desired.bgp_peers), ("bfd_peers", desired.bfd_peers)):
            elements = [f"{peer} . {port}" for peer, port in peers if family(peer) == of_family]
            _set(lines, f"{name}_v{of_family}", f"{address} . inet_service", elements, interval=False)
        echo = [f"{peer} . {peer}" for peer in desired.bfd_echo if family(peer) == of_family]
        _set(lines, f"bfd_echo_v{of_family}", f"{address} . {address}", echo, interval=False)
    allow_rules = _service_sets(lines, desired.allow)
    allow_rules += _allow_set_rules(lines, desired.allow_sets)
    _limits(lines, desired)
    if desired.local_include is not None:
        lines.append("\tchain local {")
        lines.append(f'\t\tinclude "{desired.local_include}"')
        lines.append("\t}")
    _chain(lines, "input", _input_rules(desired), hook="input")
    # A speaker's BFD echo packets come back to it through the router (RFC 5880 echo function).
    forward = [
        f"{match} saddr . {match} daddr @bfd_echo_v{of_family} udp dport {BFD_ECHO} accept"
        for of_family, match in _MATCH.items()
    ]
    if desired.public_interface is not None:
        forward.append(f'iifname "{desired.public_interface}" jump services')
    else:
        forward.append("jump services")
    _chain(lines, "forward", forward, hook="forward")
    _chain(lines, "services", _service_rules(desired, allow_rules))
    lines.append("}")
    return "\n".join(lines) + "\n"
