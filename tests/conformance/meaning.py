"""The routing meaning of a rendered FRR configuration, read the way FRR evaluates it.

The conformance tier compares meanings, not text: FRR-K8s and frr-edge name their prefix-lists and
route-maps differently and order entries differently, but a neighbor that carries the same families,
accepts the same prefixes and advertises the same prefixes with the same attributes means the same to the
routers around it. This module knows FRR's rules, not frr-edge's renderer:

- a prefix-list entry `permit P/n` matches routes inside P of length n; `ge g` makes it g..max, `le l`
  n..l, both g..l; `any` matches every route of the list's family; the first matching entry decides;
- a route-map entry matches when all its `match` clauses do (`match ip ...` only IPv4 routes); a `permit`
  applies its `set`s and, with `on-match next`, goes on to the next entry; a route that reaches the end
  after a permit with `on-match next` is permitted, one that matched nothing is denied;
- a neighbor carries a family only where it is activated; what it advertises is drawn from the BGP
  instance's `network` prefixes and the prefixes of the VRFs it imports;
- a member of a peer-group (`neighbor X peer-group G`) has every setting of G it does not set itself,
  and is active wherever G is (bgpd.c peer_group2peer_config_copy and peer_af_flag inheritance).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

DEFAULT_TIMERS = (60, 180)  # FRR's traditional profile: keepalive 60 s, hold 180 s
DEFAULT_CONNECT = 120


@dataclass(frozen=True, order=True)
class Filter:
    """Routes a receive filter accepts: of `family`, inside `prefix` (None: any), of length `low`..`high`."""

    family: int
    prefix: str | None
    low: int
    high: int


def selector(prefix: str, ge: int | None = None, le: int | None = None) -> Filter:
    """FRR's meaning of `permit PREFIX [ge GE] [le LE]` (what FRR-K8s's selectors turn into)."""
    network = ipaddress.ip_network(prefix)
    if ge is None and le is None:
        return Filter(network.version, str(network), network.prefixlen, network.prefixlen)
    low = ge if ge is not None else network.prefixlen
    return Filter(network.version, str(network), low, le if le is not None else network.max_prefixlen)


def any_route(family: int) -> Filter:
    """`permit any` of one family."""
    return Filter(family, None, 0, 32 if family == 4 else 128)


def _family(prefix: str) -> int:
    return 6 if ":" in prefix else 4


@dataclass(frozen=True)
class _Entry:
    action: str
    filter: Filter


@dataclass
class _RouteMapEntry:
    action: str
    matches: list[tuple[int, str]] = field(default_factory=list)  # (family, prefix-list)
    sets: list[str] = field(default_factory=list)
    on_match_next: bool = False


@dataclass(frozen=True)
class Advertised:
    """The attributes a route-map gives an advertised prefix."""

    communities: frozenset[str] = frozenset()
    local_pref: int | None = None
    next_hop: str | None = None


@dataclass
class Neighbor:
    """One neighbor as the rendered configuration sets it up."""

    peer: str
    remote_as: str
    interface: bool
    options: dict[str, str] = field(default_factory=dict)  # `neighbor P <option> [value]` lines
    activated: set[int] = field(default_factory=set)
    route_maps: dict[tuple[int, str], str] = field(default_factory=dict)  # (family, in|out) → route-map
    maximum_prefix: int | None = None

    @property
    def timers(self) -> tuple[int, int]:
        """(keepalive, hold) as FRR runs them."""
        if "timers" in self.options:
            keepalive, hold = self.options["timers"].split()
            return int(keepalive), int(hold)
        return DEFAULT_TIMERS

    @property
    def connect_time(self) -> int:
        return int(self.options.get("timers connect", DEFAULT_CONNECT))

    @property
    def bfd_profile(self) -> str | None:
        return self.options.get("bfd profile")

    @property
    def port(self) -> int:
        return int(self.options.get("port", 179))


@dataclass
class Router:
    """One `router bgp` instance."""

    asn: int
    vrf: str
    router_id: str | None = None
    lines: set[str] = field(default_factory=set)  # instance-wide lines, such as `no bgp network import-check`
    networks: dict[int, set[str]] = field(default_factory=lambda: {4: set(), 6: set()})
    imports: dict[int, set[str]] = field(default_factory=lambda: {4: set(), 6: set()})
    neighbors: dict[str, Neighbor] = field(default_factory=dict)
    groups: dict[str, Neighbor] = field(default_factory=dict)  # peer-groups, by name
    members: dict[str, str] = field(default_factory=dict)  # neighbor -> its peer-group


class Meaning:
    """A rendered configuration: BGP instances, neighbors, policies and BFD profiles, evaluated as FRR does."""

    def __init__(self, text: str) -> None:
        self.prefix_lists: dict[str, list[_Entry]] = {}
        self.route_maps: dict[str, dict[int, _RouteMapEntry]] = {}
        self.routers: dict[str, Router] = {}
        self.bfd_profiles: dict[str, dict[str, str]] = {}
        self._read(text)
        for router in self.routers.values():
            _inherit(router)

    # ------------------------------------------------------------------------------------------ reading

    def _read(self, text: str) -> None:
        route_map: _RouteMapEntry | None = None
        router: Router | None = None
        family: int | None = None
        in_bfd = False
        profile: dict[str, str] | None = None
        for line in text.split("\n"):
            if line.startswith("! raw configuration from"):
                break  # raw snippets are the user's text, checked by the cases that use them
            words = line.split()
            if not words or words[0] == "!":
                continue
            indent = len(line) - len(line.lstrip(" "))
            if indent == 0:
                route_map, router, family, profile, in_bfd = None, None, None, None, words == ["bfd"]
                if words[0] in ("ip", "ipv6") and words[1] == "prefix-list":
                    self._prefix_list_entry(words)
                elif words[0] == "route-map":
                    route_map = _RouteMapEntry(words[2])
                    self.route_maps.setdefault(words[1], {})[int(words[3])] = route_map
                elif words[:2] == ["router", "bgp"]:
                    vrf = words[4] if len(words) > 4 and words[3] == "vrf" else ""
                    router = self.routers[vrf] = Router(int(words[2]), vrf)
            elif route_map is not None:
                self._route_map_line(route_map, words)
            elif router is not None and words[0] == "address-family":
                family = 4 if words[1] == "ipv4" else 6
            elif router is not None and words[0] == "exit-address-family":
                family = None
            elif router is not None and family is not None:
                self._address_family_line(router, family, words)
            elif router is not None:
                self._router_line(router, words)
            elif in_bfd and indent == 1:
                profile = self.bfd_profiles.setdefault(words[1], {}) if words[0] == "profile" else None
            elif profile is not None:
                profile[" ".join(words[:-1]) if len(words) > 1 else words[0]] = words[-1] if len(words) > 1 else ""

    def _prefix_list_entry(self, words: list[str]) -> None:
        name, action, target = words[2], words[5], words[6]
        family = 4 if words[0] == "ip" else 6
        if target == "any":
            entry = _Entry(action, any_route(family))
        else:
            options = dict(zip(words[7::2], map(int, words[8::2]), strict=True))
            entry = _Entry(action, selector(target, options.get("ge"), options.get("le")))
        self.prefix_lists.setdefault(name, []).append(entry)

    @staticmethod
    def _route_map_line(entry: _RouteMapEntry, words: list[str]) -> None:
        if words[0] == "match":
            assert words[2:4] == ["address", "prefix-list"], words
            entry.matches.append((4 if words[1] == "ip" else 6, words[4]))
        elif words[0] == "set":
            entry.sets.append(" ".join(words[1:]))
        elif words == ["on-match", "next"]:
            entry.on_match_next = True

    @staticmethod
    def _router_line(router: Router, words: list[str]) -> None:
        if words[:2] == ["bgp", "router-id"]:
            router.router_id = words[2]
        elif words[0] == "neighbor" and words[2:4] == ["interface", "remote-as"]:
            router.neighbors[words[1]] = Neighbor(words[1], words[4], interface=True)
        elif words[0] == "neighbor" and words[2:] == ["peer-group"]:
            router.groups[words[1]] = Neighbor(words[1], "", interface=False)
        elif words[0] == "neighbor" and words[2] == "peer-group":
            router.members[words[1]] = words[3]
        elif words[0] == "neighbor" and words[2] == "remote-as":
            router.neighbors[words[1]] = Neighbor(words[1], words[3], interface=False)
        elif words[0] == "neighbor":
            neighbor = router.neighbors.get(words[1]) or router.groups[words[1]]
            option = words[2:]
            if option[:2] in (["bfd", "profile"], ["timers", "connect"]):
                neighbor.options[" ".join(option[:2])] = " ".join(option[2:])
            else:
                neighbor.options[option[0]] = " ".join(option[1:])
        else:
            router.lines.add(" ".join(words))

    @staticmethod
    def _address_family_line(router: Router, family: int, words: list[str]) -> None:
        neighbor = (router.neighbors.get(words[1]) or router.groups.get(words[1])) if words[0] == "neighbor" else None
        if words[0] == "network":
            router.networks[family].add(words[1])
        elif words[:2] == ["import", "vrf"]:
            router.imports[family].add(words[2])
        elif neighbor is not None and words[2] == "activate":
            neighbor.activated.add(family)
        elif neighbor is not None and words[2] == "route-map":
            neighbor.route_maps[(family, words[4])] = words[3]
        elif neighbor is not None and words[2] == "maximum-prefix":
            neighbor.maximum_prefix = int(words[3])
        else:
            router.lines.add(f"{family}: {' '.join(words)}")

    # --------------------------------------------------------------------------------------- evaluating

    def _list_permits(self, name: str, route: str) -> bool:
        network = ipaddress.ip_network(route)
        for entry in self.prefix_lists.get(name, []):
            rule = entry.filter
            if rule.family != network.version or not rule.low <= network.prefixlen <= rule.high:
                continue
            if rule.prefix is None or network.subnet_of(ipaddress.ip_network(rule.prefix)):  # type: ignore[arg-type]
                return entry.action == "permit"
        return False

    def _apply(self, name: str, route: str) -> tuple[bool, list[str]]:
        """Whether route-map `name` permits the route, and the `set`s it applied."""
        sets: list[str] = []
        permitted = False
        for sequence in sorted(self.route_maps.get(name, {})):
            entry = self.route_maps[name][sequence]
            matched = all(
                family == _family(route) and self._list_permits(prefix_list, route)
                for family, prefix_list in entry.matches
            )
            if not matched:
                continue
            if entry.action == "deny":
                return False, []
            sets.extend(entry.sets)
            permitted = True
            if not entry.on_match_next:
                return True, sets
        return permitted, sets if permitted else []

    def router(self, vrf: str = "") -> Router:
        return self.routers[vrf]

    def neighbor(self, peer: str, vrf: str = "") -> Neighbor:
        return self.routers[vrf].neighbors[peer]

    def candidates(self, vrf: str, family: int) -> set[str]:
        """Routes the instance has to advertise: its networks and those of the VRFs it imports."""
        router = self.routers[vrf]
        found = set(router.networks[family])
        for imported in router.imports[family]:
            source = self.routers.get("" if imported == "default" else imported)
            if source is not None:
                found |= source.networks[family]
        return found

    def advertised(self, peer: str, family: int, vrf: str = "") -> dict[str, Advertised]:
        """Prefix → attributes of what the neighbor is sent in one family (nothing where not activated)."""
        neighbor = self.neighbor(peer, vrf)
        if family not in neighbor.activated:
            return {}
        route_map = neighbor.route_maps.get((family, "out"))
        result: dict[str, Advertised] = {}
        for route in sorted(self.candidates(vrf, family)):
            if route_map is None:
                result[route] = Advertised()
                continue
            permitted, sets = self._apply(route_map, route)
            if permitted:
                result[route] = _attributes(sets)
        return result

    def accepts(self, peer: str, route: str, vrf: str = "") -> bool:
        """Whether a route the neighbor sends is accepted."""
        neighbor = self.neighbor(peer, vrf)
        family = _family(route)
        if family not in neighbor.activated:
            return False
        route_map = neighbor.route_maps.get((family, "in"))
        return route_map is None or self._apply(route_map, route)[0]

    def receive_filters(self, peer: str, family: int, vrf: str = "") -> set[Filter]:
        """The filters that accept routes from the neighbor in one family (empty where not activated).

        Read from the `-in` route-map's permit entries, which frr-edge renders without `set`s.
        """
        neighbor = self.neighbor(peer, vrf)
        if family not in neighbor.activated:
            return set()
        found: set[Filter] = set()
        for entry in self.route_maps[neighbor.route_maps[(family, "in")]].values():
            assert entry.action == "permit" and not entry.sets, entry
            for match_family, prefix_list in entry.matches:
                if match_family != family:
                    continue
                for list_entry in self.prefix_lists[prefix_list]:
                    if list_entry.action == "deny":
                        break
                    found.add(list_entry.filter)
        return found


def _inherit(router: Router) -> None:
    """Each member of a peer-group with the group's settings under its own."""
    for peer, name in router.members.items():
        member, group = router.neighbors[peer], router.groups[name]
        member.options = group.options | member.options
        member.activated |= group.activated
        member.route_maps = group.route_maps | member.route_maps
        if member.maximum_prefix is None:
            member.maximum_prefix = group.maximum_prefix


def _attributes(sets: list[str]) -> Advertised:
    communities: set[str] = set()
    local_pref = next_hop = None
    for item in sets:
        words = item.split()
        if words[0] in ("community", "large-community"):
            communities.update(word for word in words[1:] if word != "additive")
        elif words[0] == "local-preference":
            local_pref = int(words[1])
        elif words[:2] == ["ip", "next-hop"]:
            next_hop = words[2]
        elif words[:3] == ["ipv6", "next-hop", "global"]:
            next_hop = words[3]
    return Advertised(frozenset(communities), local_pref, next_hop)
