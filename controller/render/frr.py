"""Render the desired FRR configuration of one router as FRR integrated-config text.

Deterministic: everything is sorted (addresses numerically), so the same desired state always gives the
same bytes. Every object frr-edge creates is recognisable on the router: neighbors carry the description
`frr-edge`, prefix-lists and route-maps are named `frr-edge-...`. Raw snippets come last, by priority.
"""

from __future__ import annotations

from controller.addresses import family, sort_key
from controller.desired import (
    DEFAULT_CONNECT,
    DEFAULT_HOLD,
    DEFAULT_KEEPALIVE,
    DEFAULT_PORT,
    DesiredBGP,
    DesiredFRR,
    DesiredNeighbor,
)
from controller.frrcfg.lines import LINE_BREAK

MARKER = "frr-edge"
_AFI = {4: "ipv4", 6: "ipv6"}
_MATCH = {4: "ip", 6: "ipv6"}


def _sorted_prefixes(prefixes: set[str] | list[str], of_family: int) -> list[str]:
    return sorted((p for p in prefixes if family(p) == of_family), key=sort_key)


def object_name(neighbor: DesiredNeighbor) -> str:
    """Base name of the prefix-lists and route-maps frr-edge owns for one neighbor."""
    vrf = f"-vrf-{neighbor.vrf}" if neighbor.vrf else ""
    return f"{MARKER}-{neighbor.peer}{vrf}"


def _prefix_list(lines: list[str], name: str, of_family: int, entries: list[str]) -> None:
    afi = _MATCH[of_family]
    for index, entry in enumerate(entries or ["deny any"], start=1):
        lines.append(f"{afi} prefix-list {name} seq {index * 5} {entry}")


def _selector(prefix: str, ge: int | None, le: int | None) -> str:
    text = f"permit {prefix}"
    if ge is not None:
        text += f" ge {ge}"
    if le is not None:
        text += f" le {le}"
    return text


def _community_set(community: str) -> str:
    if community.count(":") == 2:
        return f"set large-community {community} additive"
    return f"set community {community} additive"


_SET_NEXT_HOP = {4: "set ip next-hop", 6: "set ipv6 next-hop global"}


def _neighbor_policies(lines: list[str], bgp: DesiredBGP, neighbor: DesiredNeighbor) -> None:
    """Prefix-lists and route-maps for one neighbor: `<name>-in` filters, `<name>-out` advertises.

    The last entry of `-out` per family permits the advertised prefixes and sets the next hop; the entries
    before it set local preferences and communities and go on (`on-match next`), as FRR-K8s's do.
    """
    if not neighbor.unicast:
        return
    name = object_name(neighbor)
    route_map_in: list[tuple[str, list[str]]] = []
    route_map_out: list[tuple[str, list[str]]] = []
    for of_family in neighbor.families:
        match = _MATCH[of_family]
        suffix = f"v{of_family}"
        received = (
            ["permit any"]
            if neighbor.receive_all
            else [
                _selector(*selector)
                for selector in sorted(
                    (s for s in neighbor.receive if family(s[0]) == of_family),
                    key=lambda s: (sort_key(s[0]), s[1] or 0, s[2] or 0),
                )
            ]
        )
        _prefix_list(lines, f"{name}-in-{suffix}", of_family, received)
        route_map_in.append(("permit", [f"match {match} address prefix-list {name}-in-{suffix}"]))

        allowed = _sorted_prefixes(bgp.advertisable if neighbor.advertise_all else neighbor.advertise, of_family)
        for local_pref in sorted(set(neighbor.local_prefs.values())):
            prefixes = [p for p in allowed if neighbor.local_prefs.get(p) == local_pref]
            if prefixes:
                list_name = f"{name}-out-{suffix}-localpref-{local_pref}"
                _prefix_list(lines, list_name, of_family, [f"permit {p}" for p in prefixes])
                route_map_out.append(
                    (
                        "permit",
                        [
                            f"match {match} address prefix-list {list_name}",
                            f"set local-preference {local_pref}",
                            "on-match next",
                        ],
                    )
                )
        communities = sorted({c for p in allowed for c in neighbor.communities.get(p, ())})
        for community in communities:
            prefixes = [p for p in allowed if community in neighbor.communities.get(p, ())]
            list_name = f"{name}-out-{suffix}-community-{community}"
            _prefix_list(lines, list_name, of_family, [f"permit {p}" for p in prefixes])
            route_map_out.append(
                (
                    "permit",
                    [f"match {match} address prefix-list {list_name}", _community_set(community), "on-match next"],
                )
            )
        _prefix_list(lines, f"{name}-out-{suffix}", of_family, [f"permit {p}" for p in allowed])
        body = [f"match {match} address prefix-list {name}-out-{suffix}"]
        if of_family in neighbor.next_hops:
            body.append(f"{_SET_NEXT_HOP[of_family]} {neighbor.next_hops[of_family]}")
        route_map_out.append(("permit", body))
    lines.append("!")
    for route_map, entries in ((f"{name}-in", route_map_in), (f"{name}-out", route_map_out)):
        for index, (action, body) in enumerate(entries, start=1):
            lines.append(f"route-map {route_map} {action} {index * 10}")
            lines.extend(f" {line}" for line in body)
            lines.append("exit")
        lines.append("!")


def _disable_connected_check(bgp: DesiredBGP, neighbor: DesiredNeighbor) -> bool:
    """Whether FRR-K8s writes `disable-connected-check` for this neighbor, and so does frr-edge.

    FRR-K8s's rule (internal/frr/config.go, mustDisableConnectedCheck): a session over an IPv6 address that
    carries only IPv6 (not dual-stack), is single hop, and is eBGP (`external`, or an AS other than ours).
    """
    if neighbor.interface or family(neighbor.peer) != 6 or neighbor.dual_stack or neighbor.ebgp_multihop:
        return False
    if neighbor.remote_as == "internal":
        return False
    return neighbor.remote_as == "external" or neighbor.remote_as != str(bgp.asn)


def _neighbor_session(lines: list[str], bgp: DesiredBGP, neighbor: DesiredNeighbor) -> None:
    peer = neighbor.peer
    if neighbor.interface:
        lines.append(f" neighbor {peer} interface remote-as {neighbor.remote_as}")
    else:
        lines.append(f" neighbor {peer} remote-as {neighbor.remote_as}")
    lines.append(f" neighbor {peer} description {MARKER}")
    if neighbor.local_asn is not None:
        lines.append(f" neighbor {peer} local-as {neighbor.local_asn} no-prepend replace-as")
    if neighbor.ebgp_multihop:
        lines.append(f" neighbor {peer} ebgp-multihop")
    if neighbor.port != DEFAULT_PORT:
        lines.append(f" neighbor {peer} port {neighbor.port}")
    if neighbor.password is not None:
        lines.append(f" neighbor {peer} password {neighbor.password}")
    if neighbor.source_address is not None:
        lines.append(f" neighbor {peer} update-source {neighbor.source_address}")
    # Defaults written out are left out, so the output does not depend on which configuration spelled them.
    timers = neighbor.timers
    if timers is not None and timers != (DEFAULT_KEEPALIVE, DEFAULT_HOLD):
        lines.append(f" neighbor {peer} timers {timers[0]} {timers[1]}")
    if neighbor.connect_time is not None and neighbor.connect_time != DEFAULT_CONNECT:
        lines.append(f" neighbor {peer} timers connect {neighbor.connect_time}")
    if neighbor.graceful_restart:
        lines.append(f" neighbor {peer} graceful-restart")
    if neighbor.bfd_profile is not None:
        lines.append(f" neighbor {peer} bfd profile {neighbor.bfd_profile}")
    if _disable_connected_check(bgp, neighbor):
        lines.append(f" neighbor {peer} disable-connected-check")


def _address_family(lines: list[str], bgp: DesiredBGP, neighbors: list[DesiredNeighbor], of_family: int) -> None:
    active = [n for n in neighbors if n.unicast and of_family in n.families]
    prefixes = _sorted_prefixes(bgp.prefixes, of_family)
    if not (active or prefixes or bgp.imports):
        return
    lines.append(f" address-family {_AFI[of_family]} unicast")
    lines.extend(f"  network {prefix}" for prefix in prefixes)
    if bgp.maximum_paths is not None and bgp.maximum_paths > 1:
        lines.append(f"  maximum-paths {bgp.maximum_paths}")
        lines.append(f"  maximum-paths ibgp {bgp.maximum_paths}")
    lines.extend(f"  import vrf {vrf}" for vrf in sorted(bgp.imports))
    for neighbor in active:
        name = object_name(neighbor)
        lines.append(f"  neighbor {neighbor.peer} activate")
        lines.append(f"  neighbor {neighbor.peer} route-map {name}-in in")
        lines.append(f"  neighbor {neighbor.peer} route-map {name}-out out")
        if neighbor.maximum_prefixes is not None:
            lines.append(f"  neighbor {neighbor.peer} maximum-prefix {neighbor.maximum_prefixes}")
    lines.append(" exit-address-family")


def _router(lines: list[str], bgp: DesiredBGP) -> None:
    neighbors = sorted(bgp.neighbors.values(), key=lambda n: n.sort_key)
    lines.append(f"router bgp {bgp.asn}" + (f" vrf {bgp.vrf}" if bgp.vrf else ""))
    if bgp.router_id is not None:
        lines.append(f" bgp router-id {bgp.router_id}")
    lines.append(" no bgp default ipv4-unicast")
    if bgp.maximum_paths is not None and bgp.maximum_paths > 1:
        # Speakers of different AS numbers (dynamicASN external) still share the load.
        lines.append(" bgp bestpath as-path multipath-relax")
    for neighbor in neighbors:
        _neighbor_session(lines, bgp, neighbor)
    for of_family in (4, 6):
        _address_family(lines, bgp, neighbors, of_family)
    lines.append("exit")
    lines.append("!")


def _bfd(lines: list[str], desired: DesiredFRR) -> None:
    if not desired.bfd_profiles:
        return
    lines.append("bfd")
    for name in sorted(desired.bfd_profiles):
        profile = desired.bfd_profiles[name]
        lines.append(f" profile {name}")
        if profile.detect_multiplier is not None:
            lines.append(f"  detect-multiplier {profile.detect_multiplier}")
        if profile.receive_interval is not None:
            lines.append(f"  receive-interval {profile.receive_interval}")
        if profile.transmit_interval is not None:
            lines.append(f"  transmit-interval {profile.transmit_interval}")
        if profile.echo_mode:
            lines.append("  echo-mode")
        if profile.echo_interval is not None:
            lines.append(f"  echo transmit-interval {profile.echo_interval}")
            lines.append(f"  echo receive-interval {profile.echo_interval}")
        if profile.passive_mode:
            lines.append("  passive-mode")
        if profile.minimum_ttl is not None:
            lines.append(f"  minimum-ttl {profile.minimum_ttl}")
        lines.append(" exit")
    lines.append("exit")
    lines.append("!")


def render_frr(router_name: str, desired: DesiredFRR) -> str:
    """The FRR configuration text for one router."""
    lines = [f"! frr-edge: desired FRR configuration of router {router_name}", "!"]
    for vrf in sorted(desired.routers):
        bgp = desired.routers[vrf]
        for neighbor in sorted(bgp.neighbors.values(), key=lambda n: n.sort_key):
            _neighbor_policies(lines, bgp, neighbor)
    _bfd(lines, desired)
    for vrf in desired.instance_order():
        _router(lines, desired.routers[vrf])
    for snippet in desired.raw:
        lines.append(f"! raw configuration from FRRConfiguration {snippet.origin.ref} (priority {snippet.priority})")
        lines.extend(snippet.config.to_text().rstrip(LINE_BREAK).split(LINE_BREAK))
    return "\n".join(lines) + "\n"
