"""Render the desired FRR configuration of one router as FRR integrated-config text.

The configuration is built as typed objects of controller.frrcfg.model and printed by the model, so the
text the router gets is what the grammar reads back and what the delta compares (tests/frrcfg holds that
every rendered line parses back to a typed form).

Neighbors share what they can, so that the 1,000th speaker costs FRR what the 1st does:
- Policies: the prefix-lists and route-maps that filter what a neighbor sends and shape what it is sent
  are one set per distinct content, named `frr-edge-<hash>` after a SHA-256 of that content. Neighbors
  with the same policy point at the same route-maps; FRR re-evaluates every neighbor on each new route-map
  or prefix-list (bgp_routemap.c route_map_update hooks), which made per-neighbor policies quadratic.
  A policy change re-points the neighbor (`neighbor X route-map ... in|out`): no session is reset.
- Peer-groups: neighbors of one instance whose session settings FRR can only change by resetting the
  session anyway (iBGP or eBGP, local-as, port, ebgp-multihop, update-source, graceful-restart,
  disable-connected-check, families) share a peer-group `frr-edge-peers-<hash>` holding those settings
  and the activation. FRR cannot move a neighbor between peer-groups in place (bgpd.c
  BGP_ERR_PEER_GROUP_CANT_CHANGE), so the policy is deliberately not part of the group: it is set per
  member. Settings FRR changes without a reset (description, password, timers, BFD profile,
  maximum-prefix) stay on the neighbor. Interface (unnumbered) neighbors are not grouped.

Deterministic: everything is sorted (addresses numerically) and names are content hashes, so the same
desired state always gives the same bytes. Everything frr-edge creates is recognisable on the router:
neighbors and peer-groups carry the description `frr-edge`, prefix-lists and route-maps are named
`frr-edge-...`. Raw snippets come last, by priority.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from controller.addresses import family, sort_key
from controller.desired import (
    DEFAULT_CONNECT,
    DEFAULT_HOLD,
    DEFAULT_KEEPALIVE,
    DEFAULT_PORT,
    DesiredBGP,
    DesiredFRR,
    DesiredNeighbor,
    PrefixSelector,
)
from controller.frrcfg import model as m
from controller.frrcfg.lines import LINE_BREAK

MARKER = "frr-edge"
_AFI = {4: "ipv4", 6: "ipv6"}
_MATCH = {4: "ip", 6: "ipv6"}
_HASH_LENGTH = 12  # hex digits of SHA-256: names stay short, a collision needs ~2^24 distinct policies


def _name(kind: str, content: str) -> str:
    digest = hashlib.sha256(content.encode()).hexdigest()[:_HASH_LENGTH]
    return f"{MARKER}-{kind}{digest}"


# ---------------------------------------------------------------- policies (prefix-lists and route-maps)


@dataclass(frozen=True, slots=True)
class _FamilyPolicy:
    """What one neighbor's route-maps say for one IP family, without names."""

    of_family: int
    received: tuple[tuple[str, int | None, int | None], ...] | None  # None: any route
    allowed: tuple[str, ...]  # prefixes advertised, sorted
    local_prefs: tuple[tuple[int, tuple[str, ...]], ...]  # value -> prefixes
    communities: tuple[tuple[str, tuple[str, ...]], ...]  # community -> prefixes
    next_hop: str | None


_Policy = tuple[_FamilyPolicy, ...]


def _selector_key(selector: PrefixSelector) -> tuple[tuple[int, int, int], int, int]:
    prefix, ge, le = selector
    return (sort_key(prefix), ge or 0, le or 0)


def _policy(bgp: DesiredBGP, neighbor: DesiredNeighbor) -> _Policy:
    policies: list[_FamilyPolicy] = []
    for of_family in neighbor.families:
        received = (
            None
            if neighbor.receive_all
            else tuple(sorted((s for s in neighbor.receive if family(s[0]) == of_family), key=_selector_key))
        )
        pool = bgp.advertisable if neighbor.advertise_all else neighbor.advertise
        allowed = tuple(sorted((p for p in pool if family(p) == of_family), key=sort_key))
        local_prefs = tuple(
            (value, prefixes)
            for value in sorted(set(neighbor.local_prefs.values()))
            if (prefixes := tuple(p for p in allowed if neighbor.local_prefs.get(p) == value))
        )
        communities = tuple(
            (community, tuple(p for p in allowed if community in neighbor.communities.get(p, ())))
            for community in sorted({c for p in allowed for c in neighbor.communities.get(p, ())})
        )
        policies.append(
            _FamilyPolicy(of_family, received, allowed, local_prefs, communities, neighbor.next_hops.get(of_family))
        )
    return tuple(policies)


def _prefix_list(name: str, of_family: int, entries: list[tuple[str, str, int | None, int | None]]) -> list[m.Item]:
    """Entries (action, prefix, ge, le), numbered 5, 10, ... as FRR numbers them; `deny any` when empty."""
    return [
        m.PrefixListEntry(family=_MATCH[of_family], name=name, seq=index * 5, action=action, prefix=p, ge=ge, le=le)
        for index, (action, p, ge, le) in enumerate(entries or [("deny", "any", None, None)], start=1)
    ]


def _community_set(community: str) -> m.Statement:
    if community.count(":") == 2:
        return m.SetLargeCommunity(communities=(community,), additive=True)
    return m.SetCommunity(communities=(community,), additive=True)


def _policy_items(base: str, policy: _Policy) -> list[m.Item]:
    """Prefix-lists and route-maps of one policy: `<base>-in` filters, `<base>-out` advertises.

    The last entry of `-out` per family permits the advertised prefixes and sets the next hop; the entries
    before it set local preferences and communities and go on (`on-match next`), as FRR-K8s's do.
    """
    lists: list[m.Item] = []
    route_map_in: list[tuple[m.Statement, ...]] = []
    route_map_out: list[tuple[m.Statement, ...]] = []
    for part in policy:
        match, suffix = _MATCH[part.of_family], f"v{part.of_family}"
        received: list[tuple[str, str, int | None, int | None]] = (
            [("permit", "any", None, None)]
            if part.received is None
            else [("permit", prefix, ge, le) for prefix, ge, le in part.received]
        )
        lists += _prefix_list(f"{base}-in-{suffix}", part.of_family, received)
        route_map_in.append((m.MatchPrefixList(family=match, prefix_list=f"{base}-in-{suffix}"),))
        for value, prefixes in part.local_prefs:
            name = f"{base}-out-{suffix}-localpref-{value}"
            lists += _prefix_list(name, part.of_family, [("permit", p, None, None) for p in prefixes])
            route_map_out.append(
                (m.MatchPrefixList(family=match, prefix_list=name), m.SetLocalPreference(value=value), m.OnMatch())
            )
        for community, prefixes in part.communities:
            name = f"{base}-out-{suffix}-community-{community}"
            lists += _prefix_list(name, part.of_family, [("permit", p, None, None) for p in prefixes])
            route_map_out.append(
                (m.MatchPrefixList(family=match, prefix_list=name), _community_set(community), m.OnMatch())
            )
        lists += _prefix_list(f"{base}-out-{suffix}", part.of_family, [("permit", p, None, None) for p in part.allowed])
        last: tuple[m.Statement, ...] = (m.MatchPrefixList(family=match, prefix_list=f"{base}-out-{suffix}"),)
        if part.next_hop is not None:
            last += (m.SetNextHop(family=match, address=part.next_hop),)
        route_map_out.append(last)
    maps: list[m.Item] = [
        m.RouteMapEntry(body, name=name, action="permit", seq=index * 10)
        for name, entries in ((f"{base}-in", route_map_in), (f"{base}-out", route_map_out))
        for index, body in enumerate(entries, start=1)
    ]
    return lists + maps


class _Policies:
    """Policies by content, each named once after its hash."""

    def __init__(self) -> None:
        self._names: dict[_Policy, str] = {}
        self.items: dict[str, list[m.Item]] = {}

    def name(self, policy: _Policy) -> str:
        known = self._names.get(policy)
        if known is not None:
            return known
        placeholder = f"{MARKER}-policy"
        text = m.Config(tuple(_policy_items(placeholder, policy))).to_text()
        name = _name("", text)
        self._names[policy] = name
        self.items[name] = _policy_items(name, policy)
        return name


# ---------------------------------------------------------------- neighbors and peer-groups


def _disable_connected_check(bgp: DesiredBGP, neighbor: DesiredNeighbor) -> bool:
    """Whether FRR-K8s writes `disable-connected-check` for this neighbor, and so does frr-edge.

    FRR-K8s's rule (internal/frr/config.go, mustDisableConnectedCheck): a session over an IPv6 address that
    carries only IPv6 (not dual-stack), is single hop, and is eBGP (`external`, or an AS other than ours).
    """
    if neighbor.interface or family(neighbor.peer) != 6 or neighbor.dual_stack or neighbor.ebgp_multihop:
        return False
    return not _internal(bgp, neighbor)


def _internal(bgp: DesiredBGP, neighbor: DesiredNeighbor) -> bool:
    return neighbor.remote_as in ("internal", str(bgp.asn))


@dataclass(frozen=True, slots=True)
class _Template:
    """The session settings a peer-group holds for its members (see the module docstring)."""

    internal: bool
    local_asn: int | None
    port: int
    ebgp_multihop: bool
    source_address: str | None
    graceful_restart: bool
    disable_connected_check: bool
    families: tuple[int, ...]  # activated in unicast; () when the neighbor carries no unicast family

    def items(self, group: str) -> list[m.Statement]:
        """The peer-group's definition and settings."""
        definition = [m.NeighborPeerGroup(peer=group), m.NeighborDescription(peer=group, description=MARKER)]
        return [*definition, *self.settings(group)]

    def settings(self, peer: str) -> list[m.Statement]:
        """The settings on `peer`: a peer-group, or an interface neighbor, which is not grouped."""
        lines: list[m.Statement] = []
        if self.local_asn is not None:
            lines.append(m.NeighborLocalAs(peer=peer, local_as=str(self.local_asn), no_prepend=True, replace_as=True))
        if self.port != DEFAULT_PORT:
            lines.append(m.NeighborPort(peer=peer, port=self.port))
        if self.ebgp_multihop:
            lines.append(m.NeighborEbgpMultihop(peer=peer))
        if self.disable_connected_check:
            lines.append(m.NeighborDisableConnectedCheck(peer=peer))
        if self.source_address is not None:
            lines.append(m.NeighborUpdateSource(peer=peer, source=self.source_address))
        if self.graceful_restart:
            lines.append(m.NeighborGracefulRestart(peer=peer))
        return lines


def _template(bgp: DesiredBGP, neighbor: DesiredNeighbor) -> _Template:
    internal = _internal(bgp, neighbor)
    return _Template(
        internal=internal,
        local_asn=neighbor.local_asn,
        port=neighbor.port,
        ebgp_multihop=neighbor.ebgp_multihop and not internal,  # iBGP sessions are multihop already
        source_address=neighbor.source_address,
        graceful_restart=neighbor.graceful_restart,
        disable_connected_check=_disable_connected_check(bgp, neighbor),
        families=neighbor.families if neighbor.unicast else (),
    )


def _group_name(template: _Template) -> str:
    return _name("peers-", repr(template))


def _member(bgp: DesiredBGP, neighbor: DesiredNeighbor, group: str | None) -> list[m.Statement]:
    """A neighbor's router-level lines: how it is created, then what it sets on its own."""
    peer = neighbor.peer
    lines: list[m.Statement]
    if neighbor.interface:
        lines = [m.NeighborInterface(peer=peer, remote_as=neighbor.remote_as)]
    else:
        lines = [m.NeighborRemoteAs(peer=peer, remote_as=neighbor.remote_as)]
        if group is not None:
            lines.append(m.NeighborPeerGroup(peer=peer, group=group))
    lines.append(m.NeighborDescription(peer=peer, description=MARKER))
    if group is None:
        lines += _template(bgp, neighbor).settings(peer)
    if neighbor.password is not None:
        lines.append(m.NeighborPassword(peer=peer, password=neighbor.password))
    # Defaults written out are left out, so the output does not depend on which configuration spelled them.
    timers = neighbor.timers
    if timers is not None and timers != (DEFAULT_KEEPALIVE, DEFAULT_HOLD):
        lines.append(m.NeighborTimers(peer=peer, keepalive=timers[0], hold=timers[1]))
    if neighbor.connect_time is not None and neighbor.connect_time != DEFAULT_CONNECT:
        lines.append(m.NeighborConnectTimer(peer=peer, seconds=neighbor.connect_time))
    if neighbor.bfd_profile is not None:
        lines.append(m.NeighborBfdProfile(peer=peer, profile=neighbor.bfd_profile))
    return lines


def _router(bgp: DesiredBGP, policies: _Policies) -> m.RouterBgp:
    neighbors = sorted(bgp.neighbors.values(), key=lambda n: n.sort_key)
    items: list[m.Item] = []
    if bgp.router_id is not None:
        items.append(m.BgpRouterId(router_id=bgp.router_id))
    items.append(m.BgpDefaultActivation(family="ipv4-unicast", enabled=False))
    if bgp.maximum_paths is not None and bgp.maximum_paths > 1:
        # Speakers of different AS numbers (dynamicASN external) still share the load.
        items.append(m.BgpBestpathMultipathRelax())
    templates = {n.peer: _template(bgp, n) for n in neighbors if not n.interface}
    groups = {template: _group_name(template) for template in templates.values()}
    for template, group in sorted(groups.items(), key=lambda pair: pair[1]):
        items += template.items(group)
    for neighbor in neighbors:
        own = templates.get(neighbor.peer)
        items += _member(bgp, neighbor, None if own is None else groups[own])
    for of_family in (4, 6):
        items += _address_family(bgp, neighbors, of_family, groups, policies)
    return m.RouterBgp(tuple(items), asn=str(bgp.asn), vrf=bgp.vrf or None)


def _address_family(
    bgp: DesiredBGP,
    neighbors: list[DesiredNeighbor],
    of_family: int,
    groups: dict[_Template, str],
    policies: _Policies,
) -> list[m.AddressFamily]:
    active = [n for n in neighbors if n.unicast and of_family in n.families]
    prefixes = sorted((p for p in bgp.prefixes if family(p) == of_family), key=sort_key)
    if not (active or prefixes or bgp.imports):
        return []
    items: list[m.Item] = [m.Network(prefix=prefix) for prefix in prefixes]
    if bgp.maximum_paths is not None and bgp.maximum_paths > 1:
        items.append(m.MaximumPaths(paths=bgp.maximum_paths))
        items.append(m.MaximumPaths(paths=bgp.maximum_paths, ibgp=True))
    items += [m.ImportVrf(vrf=vrf) for vrf in sorted(bgp.imports)]
    items += [
        m.NeighborActivate(peer=group)
        for template, group in sorted(groups.items(), key=lambda pair: pair[1])
        if of_family in template.families
    ]
    for neighbor in active:
        peer = neighbor.peer
        if neighbor.interface:
            items.append(m.NeighborActivate(peer=peer))
        name = policies.name(_policy(bgp, neighbor))
        items.append(m.NeighborRouteMap(peer=peer, route_map=f"{name}-in", direction="in"))
        items.append(m.NeighborRouteMap(peer=peer, route_map=f"{name}-out", direction="out"))
        if neighbor.maximum_prefixes is not None:
            items.append(m.NeighborMaximumPrefix(peer=peer, limit=neighbor.maximum_prefixes))
    return [m.AddressFamily(tuple(items), afi=_AFI[of_family], safi="unicast")]


# ---------------------------------------------------------------- bfd and the whole configuration


def _bfd(desired: DesiredFRR) -> list[m.Bfd]:
    if not desired.bfd_profiles:
        return []
    profiles: list[m.Item] = []
    for name in sorted(desired.bfd_profiles):
        profile = desired.bfd_profiles[name]
        items: list[m.Item] = []
        if profile.detect_multiplier is not None:
            items.append(m.BfdSetting(setting="detect-multiplier", value=profile.detect_multiplier))
        if profile.receive_interval is not None:
            items.append(m.BfdSetting(setting="receive-interval", value=profile.receive_interval))
        if profile.transmit_interval is not None:
            items.append(m.BfdSetting(setting="transmit-interval", value=profile.transmit_interval))
        if profile.echo_mode:
            items.append(m.BfdFlag(flag="echo-mode"))
        if profile.echo_interval is not None:
            items.append(m.BfdSetting(setting="echo transmit-interval", value=profile.echo_interval))
            items.append(m.BfdSetting(setting="echo receive-interval", value=profile.echo_interval))
        if profile.passive_mode:
            items.append(m.BfdFlag(flag="passive-mode"))
        if profile.minimum_ttl is not None:
            items.append(m.BfdSetting(setting="minimum-ttl", value=profile.minimum_ttl))
        profiles.append(m.BfdProfile(tuple(items), name=name))
    return [m.Bfd(tuple(profiles))]


def rendered_model(desired: DesiredFRR) -> m.Config:
    """The rendered configuration (raw snippets aside) as model objects: policies, BFD, BGP instances."""
    policies = _Policies()
    routers = [_router(desired.routers[vrf], policies) for vrf in desired.instance_order()]
    items: list[m.Item] = [item for name in sorted(policies.items) for item in policies.items[name]]
    return m.Config((*items, *_bfd(desired), *routers))


def render_frr(router_name: str, desired: DesiredFRR) -> str:
    """The FRR configuration text for one router."""
    text = f"! frr-edge: desired FRR configuration of router {router_name}\n!\n" + rendered_model(desired).to_text()
    parts = [text]
    for snippet in desired.raw:
        parts.append(f"! raw configuration from FRRConfiguration {snippet.origin.ref} (priority {snippet.priority})\n")
        parts.append(snippet.config.to_text().rstrip(LINE_BREAK) + "\n")
    return "".join(parts)


# ---------------------------------------------------------------- what a change does to running sessions

# Each setting a peer-group holds (see _Template), by FRR's name for it. frr-edge changes one by moving the
# neighbor to the group of its new settings, which FRR allows only by removing and re-creating the neighbor
# (bgpd.c BGP_ERR_PEER_GROUP_CANT_CHANGE): the session goes down. An interface neighbor is not grouped and
# FRR resets its session for each of them (bgpd.c: peer_notify_config_change) but the two it keeps for the
# next session.
_TEMPLATE_SETTINGS = (
    ("internal", "remote-as"),
    ("local_asn", "local-as"),
    ("port", "port"),
    ("ebgp_multihop", "ebgp-multihop"),
    ("source_address", "update-source"),
    ("graceful_restart", "graceful-restart"),
    ("disable_connected_check", "disable-connected-check"),
    ("families", "activate"),
)


@dataclass(frozen=True, slots=True)
class SessionReset:
    """A neighbor whose established BGP session a change of the desired state tears down.

    `vrf` is the instance's VRF ("" for the default one), `peer` the neighbor's address or interface, and
    `settings` FRR's names of what changes, sorted (for example ("graceful-restart", "password")).
    """

    vrf: str
    peer: str
    settings: tuple[str, ...]


def _resetting(
    bgp_before: DesiredBGP, before: DesiredNeighbor, bgp_after: DesiredBGP, after: DesiredNeighbor
) -> set[str]:
    changed = {
        name
        for field, name in _TEMPLATE_SETTINGS
        if getattr(_template(bgp_before, before), field) != getattr(_template(bgp_after, after), field)
    }
    if before.interface:
        # Not grouped: the settings change in place, and FRR keeps these two for the next session
        # (bgp_vty.c: "Graceful restart configuration changed, reset this peer to take effect"; peer_port_set).
        changed -= {"graceful-restart", "port"}
    if before.remote_as != after.remote_as:
        changed.add("remote-as")
    # FRR sends a Cease (configuration change) when the TCP MD5 password of an established peer changes
    # (bgpd.c peer_password_set and peer_password_unset).
    if before.password != after.password:
        changed.add("password")
    return changed


def session_resets(before: DesiredFRR, after: DesiredFRR) -> list[SessionReset]:
    """The neighbors present both before and after whose sessions going from `before` to `after` resets,
    sorted by VRF and address.

    A neighbor that only appears or only disappears is not listed (its session starts or ends anyway). A
    change of an instance's AS resets all of its sessions (FRR refuses to change the AS of a running
    instance: the instance is removed and added again). Settings FRR changes without a reset (description,
    timers, BFD profile, maximum-prefix, route-maps and the prefixes they allow) never make a SessionReset.
    """
    resets: list[SessionReset] = []
    for vrf in sorted(before.routers.keys() & after.routers.keys()):
        bgp_before, bgp_after = before.routers[vrf], after.routers[vrf]
        common = bgp_before.neighbors.keys() & bgp_after.neighbors.keys()
        for peer in sorted(common, key=lambda p: bgp_after.neighbors[p].sort_key):
            if bgp_before.asn != bgp_after.asn:
                changed = {"router bgp"}
            else:
                changed = _resetting(bgp_before, bgp_before.neighbors[peer], bgp_after, bgp_after.neighbors[peer])
            if changed:
                resets.append(SessionReset(vrf, peer, tuple(sorted(changed))))
    return resets
