"""The FRR configuration model: ordered contexts and lines, typed objects for what frr-edge renders.

Every node prints itself as FRR's running configuration does. `line` is where the node started in
the parsed text (0 when built in code); it never takes part in equality.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from typing import ClassVar, TypeAlias

from controller.addresses import canonical_address, parse_network

Json: TypeAlias = "dict[str, Json] | list[Json] | str | int | bool | None"


@dataclass(frozen=True, slots=True)
class Statement:
    """One configuration line."""

    line: int = field(default=0, kw_only=True, compare=False, repr=False)

    def text(self) -> str:
        raise NotImplementedError

    def key(self) -> tuple[str, ...]:
        """What the line sets: two lines with the same key replace each other in FRR."""
        return (self.text(),)

    def no_form(self) -> str | None:
        """The line that removes this one in FRR 8.4 ('' when none is needed), or None when that is not known."""
        return f"no {self.text()}"


@dataclass(frozen=True, slots=True)
class Command(Statement):
    """Any FRR command without a typed form, whitespace-normalised."""

    words: str

    def text(self) -> str:
        return self.words

    def no_form(self) -> str | None:
        """The removal FRR 8.4 accepts, from NO_FORMS; None for a command not listed there."""
        return command_no_form(self.words)


@dataclass(frozen=True, slots=True)
class Block:
    """A context: a header line, the lines inside, and FRR's closing line."""

    items: tuple[Item, ...]
    line: int = field(default=0, kw_only=True, compare=False, repr=False)
    closer: ClassVar[str] = "exit"

    def header(self) -> str:
        raise NotImplementedError

    def key(self) -> tuple[str, ...]:
        return (self.header(),)


@dataclass(frozen=True, slots=True)
class Context(Block):
    """A context without a typed form (`interface`, `router ospf`, `line vty`, ...)."""

    head: str

    def header(self) -> str:
        return self.head


Item: TypeAlias = Statement | Block


# ---------------------------------------------------------------- no-forms of generic commands

# How FRR 8.4 removes a command frr-edge has no typed form for, in the contexts the differ changes (router
# bgp, address-family, route-map entry, BFD profile). Each rule: a pattern the whole line matches (PEER
# stands for the neighbor word) and how many of its first words the no-form keeps (None: all of them). A line no
# rule matches has no known no-form: the differ leaves its removal to frr-reload.py. Sources: the `no`
# definitions (DEFUN/DEFPY) in bgpd/bgp_vty.c, bgpd/bgp_bfd.c, bgpd/bgp_routemap.c, lib/routemap_cli.c,
# bfdd/bfdd_cli.c of FRR 8.4.4; every rule is exercised against real FRR by tests/router/test_delta_differential.py.
_PEER = r"neighbor \S+"
NO_FORMS: tuple[tuple[str, int | None], ...] = (
    # bgp_vty.c: the no-form takes the same words.
    (
        rf"{_PEER} (capability (dynamic|extended-nexthop)|solo|passive|shutdown|dont-capability-negotiate"
        r"|override-capability|strict-capability-match|enforce-first-as|disable-connected-check"
        r"|extended-optional-parameters|disable-link-bw-encoding-ieee|graceful-restart-helper"
        r"|graceful-restart-disable|ttl-security hops \d+|local-role \S+( strict-mode)?|interface \S+"
        r"|next-hop-self( force| all)?|as-override|remove-private-AS( all)?( replace-AS)?|send-community( \S+)?"
        r"|soft-reconfiguration inbound|route-reflector-client|addpath-tx-all-paths|addpath-tx-bestpath-per-AS"
        r"|attribute-unchanged( \S+)*|sender-as-path-loop-detection|route-server-client|bfd)",
        None,
    ),
    # bgp_vty.c, bgp_bfd.c: the value is optional in the no-form, or there is none.
    (rf"{_PEER} (advertisement-interval|weight|allowas-in|default-originate|tcp-mss|maximum-prefix-out)( .*)?", 3),
    (rf"{_PEER} timers delayopen \d+", 4),
    (rf"{_PEER} bfd check-control-plane-failure", None),
    (rf"{_PEER} bfd \d+ \d+ \d+", 3),
    (
        r"bgp (log-neighbor-changes|always-compare-med|deterministic-med|suppress-fib-pending|suppress-duplicates"
        r"|reject-as-sets|fast-external-failover|graceful-restart|graceful-restart preserve-fw-state"
        r"|graceful-restart-disable|graceful-restart disable-eor|route-reflector allow-outbound-policy"
        r"|disable-ebgp-connected-route-check|bestpath compare-routerid|bestpath as-path (ignore|confed)"
        r"|bestpath as-path multipath-relax( as-set| no-as-set)?|bestpath peer-type multipath-relax"
        r"|bestpath med .*|confederation peers .*|default (ipv4|ipv6|l2vpn)-\S+|network import-check"
        r"|ebgp-requires-policy|enforce-first-as|hard-administrative-reset|default show-hostname"
        r"|default show-nexthop-hostname)",
        None,
    ),
    (
        r"bgp (cluster-id|confederation identifier|listen limit|route-map delay-timer|minimum-holdtime"
        r"|default local-preference|default subgroup-pkt-queue-max|bestpath bandwidth"
        r"|long-lived-graceful-restart stale-time|conditional-advertisement timer) \S+",
        None,
    ),
    (r"bgp graceful-restart (stalepath-time|restart-time|select-defer-time|rib-stale-time) \d+", 3),
    (r"bgp max-med (administrative|on-startup)( .*)?", 3),
    (r"(timers bgp \d+ \d+|coalesce-time \d+|read-quanta \d+|write-quanta \d+)", None),
    # Address-family lines (bgp_vty.c, bgp_route.c).
    (r"redistribute \S+( \d+)?( (metric \d+|route-map \S+))*", None),
    (r"(import vrf \S+|import vrf route-map \S+|aggregate-address \S+( .*)?|table-map \S+)", None),
    (
        r"(label vpn export \S+|rd vpn export \S+|rt vpn (import|export|both) .*|nexthop vpn export \S+"
        r"|route-map vpn (import|export) \S+|(import|export) vpn|advertise-all-vni|advertise-svi-ip"
        r"|advertise ipv(4|6) unicast( route-map \S+)?)",
        None,
    ),
    # Route-map entries (lib/routemap_cli.c, bgpd/bgp_routemap.c).
    (r"description .*", 1),
    (
        r"set (metric|tag|weight|origin|originator-id|distance|label-index|ip next-hop|src|table"
        r"|atomic-aggregate|as-path prepend last-as|as-path replace) ?\S*",
        None,
    ),
    (r"set as-path prepend( \S+)+", 3),
    (r"set as-path exclude( \S+)+", 3),
    (r"set extcommunity (rt|soo|bandwidth)( \S+)+", 3),
    (r"set (comm-list|large-comm-list) \S+( delete)?", None),
    (r"set (extcommunity none|large-community none|community none|ipv6 next-hop (peer-address|prefer-global))", None),
    (r"set ipv6 next-hop (global|local) \S+", None),
    (
        r"match (interface|ip address|ipv6 address|ip next-hop|ipv6 next-hop|as-path|community|large-community"
        r"|extcommunity|alias|metric|tag|local-preference|origin|peer|probability|source-vrf|source-protocol"
        r"|ip next-hop prefix-list|ipv6 next-hop prefix-list|ip next-hop type|ip route-source)( .*)?",
        None,
    ),
    (r"(call|continue)( \S+)?", 1),
    # BFD profile lines (bfdd_cli.c: "[no] echo-mode", "[no] passive-mode", "[no] shutdown").
    (r"(echo-mode|passive-mode|shutdown)", None),
)
# Lines FRR prints in their `no` form, whose positive form restores the default (bgp_vty.c: `[no] ...`).
POSITIVE_FORMS = (
    r"no bgp (ebgp-requires-policy|network import-check|default \S+|hard-administrative-reset|reject-as-sets"
    r"|enforce-first-as|fast-external-failover|suppress-duplicates|log-neighbor-changes|graceful-restart"
    r"|graceful-restart-disable)",
    rf"no {_PEER} (enforce-first-as|capability extended-nexthop|send-community( \S+)?)",
)
_NO_FORMS = tuple((re.compile(pattern, re.ASCII), keep) for pattern, keep in NO_FORMS)
# Lines FRR 8.4 takes but will not take back: their `no` form is refused by FRR itself, so no delta and no
# frr-reload.py run reaches a configuration without them; only re-creating the context they are in would.
IRREMOVABLE: tuple[tuple[str, str], ...] = (
    (r"sid vpn export \S+", 'FRR 8.4 answers `no sid vpn export` with "It\'s not implemented" (bgp_vty.c)'),
)
_IRREMOVABLE = tuple((re.compile(pattern, re.ASCII), why) for pattern, why in IRREMOVABLE)
# Lines FRR 8.4 takes but never shows back as written, so an apply could never see them run: the read-back
# would differ on every apply, each apply would be rolled back, and every other change with it. Raw
# snippets holding one are refused (each measured on FRR 8.4.4 in the router lab: loaded, then shown).
NOT_SHOWN: tuple[tuple[str, str], ...] = (
    (r"hostname \S+", "the running configuration shows the router's own hostname: set it on the router"),
    (r"banner motd line .*", "vtysh keeps the banner itself and shows none of it"),
    (
        r"ip(v6)? forwarding",
        "FRR shows forwarding only when it is off (`no ip forwarding`): enable it on the router (sysctl)",
    ),
    (r"no ip(v6)? nht resolve-via-default", "it is FRR's default and FRR shows no line for it: leave it out"),
    (r"no bgp log-neighbor-changes", "it is the default of `frr defaults traditional` and FRR shows no line for it"),
)
_NOT_SHOWN = tuple((re.compile(pattern, re.ASCII), why) for pattern, why in NOT_SHOWN)


def not_shown(line: str) -> str | None:
    """Why FRR never shows `line` back as written (NOT_SHOWN), or None when it does or it is not known."""
    return next((why for rule, why in _NOT_SHOWN if rule.fullmatch(line)), None)


_POSITIVE_FORMS = tuple(re.compile(pattern, re.ASCII) for pattern in POSITIVE_FORMS)


def irremovable(line: str) -> str | None:
    """Why FRR cannot remove `line` once it runs it (IRREMOVABLE), or None when it can."""
    return next((why for rule, why in _IRREMOVABLE if rule.fullmatch(line)), None)


def command_no_form(line: str) -> str | None:
    """The removal of a generic command by NO_FORMS and POSITIVE_FORMS; None when neither knows the line.

    `no neighbor X activate` states that a neighbor is not active (canonical forms); taking the line away
    needs no command: `neighbor X activate` lines alone decide activation ('').
    """
    if _NO_ACTIVATE.fullmatch(line):
        return ""
    if line.startswith("no "):
        return line[3:] if any(rule.fullmatch(line) for rule in _POSITIVE_FORMS) else None
    for rule, keep in _NO_FORMS:
        if rule.fullmatch(line):
            words = line.split()
            return "no " + " ".join(words if keep is None else words[:keep])
    return None


# ---------------------------------------------------------------- router bgp


@dataclass(frozen=True, slots=True)
class RouterBgp(Block):
    asn: str | None = None  # plain (`65000`) or asdot (`1.10`)
    vrf: str | None = None
    view: str | None = None

    def header(self) -> str:
        head = "router bgp"
        if self.asn is not None:
            head += f" {self.asn}"
        if self.vrf is not None:
            head += f" vrf {self.vrf}"
        if self.view is not None:
            head += f" view {self.view}"
        return head

    def key(self) -> tuple[str, ...]:
        return ("router bgp", self.vrf or "", self.view or "")


@dataclass(frozen=True, slots=True)
class AddressFamily(Block):
    afi: str
    safi: str
    closer: ClassVar[str] = "exit-address-family"

    def header(self) -> str:
        return f"address-family {self.afi} {self.safi}"


@dataclass(frozen=True, slots=True)
class EvpnVni(Block):
    vni: int
    closer: ClassVar[str] = "exit-vni"

    def header(self) -> str:
        return f"vni {self.vni}"


@dataclass(frozen=True, slots=True)
class BgpRouterId(Statement):
    router_id: str

    def text(self) -> str:
        return f"bgp router-id {self.router_id}"

    def no_form(self) -> str:
        return "no bgp router-id"  # bgp_vty.c: "no bgp router-id [A.B.C.D]"

    def key(self) -> tuple[str, ...]:
        return ("bgp router-id",)


@dataclass(frozen=True, slots=True)
class BgpDefaultActivation(Statement):
    """`[no] bgp default ipv4-unicast` (and the other families): whether new neighbors start active there.

    bgp_vty.c: "[no] bgp default <ipv4-unicast|ipv6-unicast|...>"; the `no` form removes the other.
    """

    family: str  # "ipv4-unicast", "ipv6-unicast", "l2vpn-evpn", ...
    enabled: bool

    def text(self) -> str:
        return f"bgp default {self.family}" if self.enabled else f"no bgp default {self.family}"

    def key(self) -> tuple[str, ...]:
        return ("bgp default", self.family)

    def no_form(self) -> str:
        return f"no bgp default {self.family}" if self.enabled else f"bgp default {self.family}"


@dataclass(frozen=True, slots=True)
class BgpBestpathMultipathRelax(Statement):
    """`bgp bestpath as-path multipath-relax`: paths of different neighboring AS numbers share the load.

    bgp_vty.c: "[no] bgp bestpath as-path multipath-relax [<as-set|no-as-set>]".
    """

    def text(self) -> str:
        return "bgp bestpath as-path multipath-relax"

    def key(self) -> tuple[str, ...]:
        return ("bgp bestpath as-path multipath-relax",)


@dataclass(frozen=True, slots=True)
class ImportVrf(Statement):
    """`import vrf VRF` in an address-family: routes of that VRF's instance leak into this one.

    bgp_vty.c: "[no] import vrf VIEWVRFNAME"; bgpd creates the VRF's instance when there is none.
    """

    vrf: str

    def text(self) -> str:
        return f"import vrf {self.vrf}"


@dataclass(frozen=True, slots=True)
class ListenRange(Statement):
    prefix: str
    peer_group: str

    def text(self) -> str:
        return f"bgp listen range {self.prefix} peer-group {self.peer_group}"


@dataclass(frozen=True, slots=True)
class MaximumPaths(Statement):
    paths: int
    ibgp: bool = False
    equal_cluster_length: bool = False

    def text(self) -> str:
        ibgp = " ibgp" if self.ibgp else ""
        ecl = " equal-cluster-length" if self.equal_cluster_length else ""
        return f"maximum-paths{ibgp} {self.paths}{ecl}"

    def key(self) -> tuple[str, ...]:
        return ("maximum-paths", "ibgp" if self.ibgp else "")

    def no_form(self) -> str:
        # bgp_vty.c: "no maximum-paths [(1-64)]", "no maximum-paths ibgp [(1-64) [equal-cluster-length]]"
        return "no maximum-paths ibgp" if self.ibgp else "no maximum-paths"


@dataclass(frozen=True, slots=True)
class Network(Statement):
    prefix: str
    options: str = ""

    def text(self) -> str:
        return f"network {self.prefix} {self.options}" if self.options else f"network {self.prefix}"

    def key(self) -> tuple[str, ...]:
        return ("network", self.prefix)


@dataclass(frozen=True, slots=True)
class NeighborStatement(Statement):
    """A `neighbor PEER ...` line; PEER is an address, an interface or a peer-group name."""

    peer: str
    keyword: ClassVar[str] = ""
    # Whether FRR's no-form needs the arguments too. Most take them as optional or not at all
    # (bgp_vty.c: "no neighbor PEER description", "no neighbor PEER timers [(0-65535) (0-65535)]", ...).
    no_needs_arguments: ClassVar[bool] = False

    def text(self) -> str:
        return f"neighbor {self.peer} {self.keyword}{self.arguments()}"

    def arguments(self) -> str:
        return ""

    def no_form(self) -> str:
        arguments = self.arguments() if self.no_needs_arguments else ""
        return f"no neighbor {self.peer} {self.keyword}{arguments}"

    def key(self) -> tuple[str, ...]:
        return ("neighbor", self.peer, self.keyword)


@dataclass(frozen=True, slots=True)
class NeighborRemoteAs(NeighborStatement):
    remote_as: str  # an AS number, "internal" or "external"
    keyword: ClassVar[str] = "remote-as"
    no_needs_arguments: ClassVar[bool] = True  # "no neighbor PEER remote-as <ASNUM|internal|external>"

    def arguments(self) -> str:
        return f" {self.remote_as}"


@dataclass(frozen=True, slots=True)
class NeighborDescription(NeighborStatement):
    description: str
    keyword: ClassVar[str] = "description"

    def arguments(self) -> str:
        return f" {self.description}"


@dataclass(frozen=True, slots=True)
class NeighborTimers(NeighborStatement):
    keepalive: int
    hold: int
    keyword: ClassVar[str] = "timers"

    def arguments(self) -> str:
        return f" {self.keepalive} {self.hold}"


@dataclass(frozen=True, slots=True)
class NeighborConnectTimer(NeighborStatement):
    seconds: int
    keyword: ClassVar[str] = "timers connect"

    def arguments(self) -> str:
        return f" {self.seconds}"


@dataclass(frozen=True, slots=True)
class NeighborPassword(NeighborStatement):
    password: str = field(repr=False)
    keyword: ClassVar[str] = "password"

    def arguments(self) -> str:
        return f" {self.password}"


@dataclass(frozen=True, slots=True)
class NeighborBfdProfile(NeighborStatement):
    profile: str
    keyword: ClassVar[str] = "bfd profile"

    def arguments(self) -> str:
        return f" {self.profile}"


@dataclass(frozen=True, slots=True)
class NeighborEbgpMultihop(NeighborStatement):
    hops: int | None = None
    keyword: ClassVar[str] = "ebgp-multihop"

    def arguments(self) -> str:
        return "" if self.hops is None else f" {self.hops}"


@dataclass(frozen=True, slots=True)
class NeighborPort(NeighborStatement):
    port: int
    keyword: ClassVar[str] = "port"

    def arguments(self) -> str:
        return f" {self.port}"


@dataclass(frozen=True, slots=True)
class NeighborUpdateSource(NeighborStatement):
    source: str
    keyword: ClassVar[str] = "update-source"

    def arguments(self) -> str:
        return f" {self.source}"


@dataclass(frozen=True, slots=True)
class NeighborGracefulRestart(NeighborStatement):
    keyword: ClassVar[str] = "graceful-restart"


@dataclass(frozen=True, slots=True)
class NeighborDisableConnectedCheck(NeighborStatement):
    """bgp_vty.c: "[no] neighbor PEER <disable-connected-check|enforce-multihop>"."""

    keyword: ClassVar[str] = "disable-connected-check"


@dataclass(frozen=True, slots=True)
class NeighborInterface(NeighborStatement):
    """`neighbor IFNAME interface [v6only] [peer-group G | remote-as AS]`: an unnumbered session on a link.

    It creates the neighbor, as `remote-as` does. bgp_vty.c: "no neighbor WORD interface [v6only]
    [peer-group PGNAME] [remote-as ...]" takes the whole line.
    """

    v6only: bool = False
    remote_as: str | None = None
    group: str | None = None
    keyword: ClassVar[str] = "interface"
    no_needs_arguments: ClassVar[bool] = True

    def arguments(self) -> str:
        return (
            (" v6only" if self.v6only else "")
            + (f" peer-group {self.group}" if self.group is not None else "")
            + (f" remote-as {self.remote_as}" if self.remote_as is not None else "")
        )


@dataclass(frozen=True, slots=True)
class NeighborLocalAs(NeighborStatement):
    local_as: str
    no_prepend: bool = False
    replace_as: bool = False
    keyword: ClassVar[str] = "local-as"

    def arguments(self) -> str:
        return (
            f" {self.local_as}"
            + (" no-prepend" if self.no_prepend else "")
            + (" replace-as" if self.replace_as else "")
        )


@dataclass(frozen=True, slots=True)
class NeighborPeerGroup(NeighborStatement):
    """`neighbor NAME peer-group` defines a group; `neighbor PEER peer-group NAME` joins one."""

    group: str | None = None
    keyword: ClassVar[str] = "peer-group"
    no_needs_arguments: ClassVar[bool] = True  # "no neighbor PEER peer-group PGNAME": the name is required

    def arguments(self) -> str:
        return "" if self.group is None else f" {self.group}"


@dataclass(frozen=True, slots=True)
class NeighborActivate(NeighborStatement):
    keyword: ClassVar[str] = "activate"


@dataclass(frozen=True, slots=True)
class NeighborRouteMap(NeighborStatement):
    route_map: str
    direction: str  # "in" or "out"
    keyword: ClassVar[str] = "route-map"
    no_needs_arguments: ClassVar[bool] = True  # "no neighbor PEER route-map RMAP_NAME <in|out>"

    def arguments(self) -> str:
        return f" {self.route_map} {self.direction}"

    def key(self) -> tuple[str, ...]:
        return ("neighbor", self.peer, self.keyword, self.direction)


@dataclass(frozen=True, slots=True)
class NeighborPrefixList(NeighborStatement):
    prefix_list: str
    direction: str
    keyword: ClassVar[str] = "prefix-list"
    no_needs_arguments: ClassVar[bool] = True  # "no neighbor PEER prefix-list WORD <in|out>"

    def arguments(self) -> str:
        return f" {self.prefix_list} {self.direction}"

    def key(self) -> tuple[str, ...]:
        return ("neighbor", self.peer, self.keyword, self.direction)


@dataclass(frozen=True, slots=True)
class NeighborMaximumPrefix(NeighborStatement):
    limit: int
    options: str = ""
    keyword: ClassVar[str] = "maximum-prefix"

    def arguments(self) -> str:
        return f" {self.limit} {self.options}" if self.options else f" {self.limit}"


# ---------------------------------------------------------------- prefix-lists


@dataclass(frozen=True, slots=True)
class PrefixListEntry(Statement):
    family: str  # "ip" or "ipv6"
    name: str
    seq: int | None
    action: str  # "permit" or "deny"
    prefix: str  # a prefix or "any"
    ge: int | None = None
    le: int | None = None

    def text(self) -> str:
        seq = "" if self.seq is None else f" seq {self.seq}"
        ge = "" if self.ge is None else f" ge {self.ge}"
        le = "" if self.le is None else f" le {self.le}"
        return f"{self.family} prefix-list {self.name}{seq} {self.action} {self.prefix}{ge}{le}"

    def key(self) -> tuple[str, ...]:
        if self.seq is None:
            return (self.text(),)
        return (self.family, "prefix-list", self.name, str(self.seq))

    def no_form(self) -> str:
        if self.seq is None:
            return f"no {self.text()}"
        # filter_cli.c: "no ip prefix-list WORD seq (1-4294967295)"
        return f"no {self.family} prefix-list {self.name} seq {self.seq}"


@dataclass(frozen=True, slots=True)
class PrefixListDescription(Statement):
    family: str
    name: str
    description: str

    def text(self) -> str:
        return f"{self.family} prefix-list {self.name} description {self.description}"

    def key(self) -> tuple[str, ...]:
        return (self.family, "prefix-list", self.name, "description")

    def no_form(self) -> str:
        return f"no {self.family} prefix-list {self.name} description"  # filter_cli.c


# ---------------------------------------------------------------- route-maps


@dataclass(frozen=True, slots=True)
class RouteMapEntry(Block):
    name: str
    action: str
    seq: int

    def header(self) -> str:
        return f"route-map {self.name} {self.action} {self.seq}"

    def key(self) -> tuple[str, ...]:
        return ("route-map", self.name, str(self.seq))


@dataclass(frozen=True, slots=True)
class MatchPrefixList(Statement):
    family: str
    prefix_list: str

    def text(self) -> str:
        return f"match {self.family} address prefix-list {self.prefix_list}"

    def key(self) -> tuple[str, ...]:
        return ("match", self.family, "address")

    def no_form(self) -> str:
        return f"no match {self.family} address prefix-list"  # routemap_cli.c: "... prefix-list [PREFIXLIST_NAME]"


@dataclass(frozen=True, slots=True)
class SetLocalPreference(Statement):
    value: int

    def text(self) -> str:
        return f"set local-preference {self.value}"

    def key(self) -> tuple[str, ...]:
        return ("set", "local-preference")

    def no_form(self) -> str:
        return "no set local-preference"  # bgp_routemap.c: "no set local-preference [WORD]"


@dataclass(frozen=True, slots=True)
class SetCommunity(Statement):
    communities: tuple[str, ...]
    additive: bool = False
    attribute: ClassVar[str] = "community"

    def text(self) -> str:
        return f"set {self.attribute} {' '.join(self.communities)}" + (" additive" if self.additive else "")

    def key(self) -> tuple[str, ...]:
        return ("set", self.attribute)

    def no_form(self) -> str:
        return f"no set {self.attribute}"  # bgp_routemap.c: "no set community", "no set large-community"


@dataclass(frozen=True, slots=True)
class SetLargeCommunity(SetCommunity):
    attribute: ClassVar[str] = "large-community"


@dataclass(frozen=True, slots=True)
class SetNextHop(Statement):
    """`set ip next-hop A.B.C.D` or `set ipv6 next-hop global X:X::X:X` in a route-map entry.

    bgp_routemap.c / routemap_cli.c: "no set ip next-hop [A.B.C.D]", "no set ipv6 next-hop global X:X::X:X".
    """

    family: str  # "ip" or "ipv6"
    address: str

    def text(self) -> str:
        scope = " global" if self.family == "ipv6" else ""
        return f"set {self.family} next-hop{scope} {self.address}"

    def key(self) -> tuple[str, ...]:
        return ("set", self.family, "next-hop")

    def no_form(self) -> str:
        return "no set ip next-hop" if self.family == "ip" else f"no {self.text()}"


@dataclass(frozen=True, slots=True)
class OnMatch(Statement):
    goto: int | None = None  # None: `on-match next`

    def text(self) -> str:
        return "on-match next" if self.goto is None else f"on-match goto {self.goto}"

    def key(self) -> tuple[str, ...]:
        return ("on-match",)

    def no_form(self) -> str:
        return "no on-match next" if self.goto is None else "no on-match goto"  # routemap_cli.c


# ---------------------------------------------------------------- bfd


@dataclass(frozen=True, slots=True)
class Bfd(Block):
    def header(self) -> str:
        return "bfd"


@dataclass(frozen=True, slots=True)
class BfdProfile(Block):
    name: str

    def header(self) -> str:
        return f"profile {self.name}"


@dataclass(frozen=True, slots=True)
class BfdPeer(Block):
    spec: str  # what follows `peer`: address and options

    def header(self) -> str:
        return f"peer {self.spec}"


# FRR 8.4's values for BFD settings left unset. It does not print them, and these settings have no
# `no` form there: setting the default is how one is removed.
BFD_DEFAULTS = {
    "receive-interval": 300,
    "transmit-interval": 300,
    "detect-multiplier": 3,
    "echo-interval": 50,
    "echo receive-interval": 50,
    "echo transmit-interval": 50,
    "minimum-ttl": 254,
}


@dataclass(frozen=True, slots=True)
class BfdSetting(Statement):
    """`receive-interval 300`, `detect-multiplier 3`, ... inside a profile or a peer."""

    setting: str
    value: int

    def text(self) -> str:
        return f"{self.setting} {self.value}"

    def key(self) -> tuple[str, ...]:
        return (self.setting,)

    def no_form(self) -> str:
        # bfdd_cli.c has "no minimum-ttl" but no `no` form for intervals and the multiplier: their default
        # value is what removes them.
        return f"{self.setting} {BFD_DEFAULTS[self.setting]}"


@dataclass(frozen=True, slots=True)
class BfdFlag(Statement):
    """`echo-mode` or `passive-mode` in a BFD profile or peer (bfdd_cli.c: "[no] echo-mode", "[no] passive-mode")."""

    flag: str

    def text(self) -> str:
        return self.flag


@dataclass(frozen=True, slots=True)
class BfdPeerProfile(Statement):
    profile: str

    def text(self) -> str:
        return f"profile {self.profile}"

    def key(self) -> tuple[str, ...]:
        return ("profile",)

    def no_form(self) -> str:
        return "no profile"  # bfdd_cli.c: "no profile [BFDPROF]"


# ---------------------------------------------------------------- interfaces, vrfs, key chains


@dataclass(frozen=True, slots=True)
class Interface(Block):
    name: str
    vrf: str | None = None

    def header(self) -> str:
        return f"interface {self.name}" if self.vrf is None else f"interface {self.name} vrf {self.vrf}"


@dataclass(frozen=True, slots=True)
class LinkParams(Block):
    closer: ClassVar[str] = "exit-link-params"

    def header(self) -> str:
        return "link-params"


@dataclass(frozen=True, slots=True)
class Vrf(Block):
    name: str
    closer: ClassVar[str] = "exit-vrf"

    def header(self) -> str:
        return f"vrf {self.name}"


@dataclass(frozen=True, slots=True)
class KeyChain(Block):
    name: str

    def header(self) -> str:
        return f"key chain {self.name}"


@dataclass(frozen=True, slots=True)
class Key(Block):
    number: int

    def header(self) -> str:
        return f"key {self.number}"


@dataclass(frozen=True, slots=True)
class KeyString(Statement):
    secret: str = field(repr=False)

    def text(self) -> str:
        return f"key-string {self.secret}"

    def key(self) -> tuple[str, ...]:
        return ("key-string",)


# ---------------------------------------------------------------- typed forms of lines the grammar reads whole

_NAME = r"([!-~]+)"
_TYPED_LINES: tuple[tuple[re.Pattern[str], type[Statement], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern, re.ASCII), kind, names)
    for pattern, kind, names in (
        (r"(no )?bgp default (ipv4-unicast|ipv6-unicast|l2vpn-evpn)", BgpDefaultActivation, ("negated", "family")),
        (r"bgp bestpath as-path multipath-relax", BgpBestpathMultipathRelax, ()),
        (rf"import vrf (?!route-map ){_NAME}", ImportVrf, ("vrf",)),
        (rf"neighbor {_NAME} disable-connected-check", NeighborDisableConnectedCheck, ("peer",)),
        (
            rf"neighbor {_NAME} interface( v6only)?(?: peer-group {_NAME})?(?: remote-as ([0-9]+|internal|external))?",
            NeighborInterface,
            ("peer", "v6only", "group", "remote_as"),
        ),
        (r"set (ip) next-hop ([0-9.]+)", SetNextHop, ("family", "address")),
        (r"set (ipv6) next-hop global ([0-9A-Fa-f:.]+)", SetNextHop, ("family", "address")),
        (r"(echo-mode|passive-mode)", BfdFlag, ("flag",)),
    )
)


def typed_line(words: str, line: int = 0) -> Statement:
    """A whitespace-normalised line the grammar reads whole, as its typed form when it has one, else a Command.

    Only what frr-edge renders is typed here; tests/frrcfg hold that every rendered line parses back to a
    typed form.
    """
    for pattern, kind, names in _TYPED_LINES:
        match = pattern.fullmatch(words)
        if match is None:
            continue
        values: dict[str, object] = {}
        for name, value in zip(names, match.groups(), strict=True):
            if name == "negated":
                values["enabled"] = value is None
            elif name == "v6only":
                values["v6only"] = value is not None
            else:
                values[name] = value
        return kind(**values, line=line)
    return Command(words, line=line)


# ---------------------------------------------------------------- the whole configuration


@dataclass(frozen=True, slots=True)
class Config:
    """A parsed FRR configuration: top-level lines and contexts in file order."""

    items: tuple[Item, ...]

    def to_text(self) -> str:
        """FRR configuration text that parses back to this model."""
        out: list[str] = []
        for item in self.items:
            _print(item, 0, out)
            if isinstance(item, Block):
                out.append("!")
        out.append("")
        return "\n".join(out)

    def walk(self) -> Iterator[tuple[tuple[Block, ...], Item]]:
        """Every item with the contexts that enclose it, outermost first, in file order."""
        yield from _walk(self.items, ())

    def to_json(self) -> Json:
        return [_json(item) for item in self.items]


def peer_of(item: Item) -> str | None:
    """The neighbor a `neighbor PEER ...` line is about, typed or not; None for any other item."""
    if isinstance(item, NeighborStatement):
        return item.peer
    if isinstance(item, Statement) and item.text().startswith("neighbor "):
        return item.text().split()[1]
    return None


# ---------------------------------------------------------------- canonical forms


def canonical(config: Config) -> Config:
    """The configuration as FRR 8.4 (traditional defaults) holds it once loaded, in what the differ compares.

    Two configurations FRR would show alike have the same canonical form. Applied to both sides of every
    comparison: the running config read back, and the desired config however it was written.

    - Addresses in FRR's text: IPv6 lower case and compressed; prefixes without host bits (lib/prefix.c
      apply_mask, as bgpd does for `network` and `bgp listen range`, lib/filter_nb.c for prefix-list entries).
    - Prefix-list entries numbered as lib/filter_cli.c numbers them: without `seq`, the highest sequence of
      the list so far plus 5; an entry repeating one of its list (same action, prefix, ge and le) adds
      nothing (plist_is_dup: "don't complain about duplicated values, just silently accept") unless its
      prefix is typed with host bits, which FRR compares unmasked and so never finds; a sequence
      given again replaces its entry. Each list is printed whole, by sequence, where it first appears.
    - A line given twice in one context: the second replaces the first (same key).
    - router bgp as bgpd holds it (_router_as_printed): address-family lines written at router level,
      activation, defaults it does not print, `neighbor X bfd` it adds; `ebgp-multihop` without a count is
      255 (MAXTTL).
    - `set community` values sorted, once each, well-known ones by name (bgp_community.c).
    - A VRF instance `import vrf V` makes bgpd create, when the configuration has none.
    - BFD profile and peer settings at their default value are not printed (bfdd_cli.c).
    - Order FRR chooses: lines of a route-map entry and of a BFD profile are sorted.
    """
    items = tuple(_canonical(item) for item in _numbered_prefix_lists(config.items))
    return Config(items + _imported_instances(items))


def _imported_instances(items: tuple[Item, ...]) -> tuple[RouterBgp, ...]:
    """The VRF instances bgpd creates for `import vrf V` when the configuration has none (bgp_vty.c
    import_vrf: bgp_get with the importing instance's AS), and then prints."""
    routers = [item for item in items if isinstance(item, RouterBgp)]
    present = {router.vrf or "default" for router in routers if router.view is None}
    created: dict[str, RouterBgp] = {}
    for router in routers:
        for family in router.items:
            if not isinstance(family, AddressFamily):
                continue
            for line in family.items:
                words = line.text().split() if isinstance(line, Statement) else []
                if len(words) == 3 and words[:2] == ["import", "vrf"] and words[2] not in present:
                    created.setdefault(words[2], RouterBgp((), asn=router.asn, vrf=words[2]))
    return tuple(created.values())


def _address(text: str) -> str:
    """An address as FRR prints it; an interface or peer-group name unchanged."""
    try:
        return canonical_address(text)
    except ValueError:
        return text


def _prefix(text: str) -> str:
    try:
        return str(parse_network(text, host_bits=True))
    except ValueError:
        return text


def _without_host_bits(text: str) -> bool:
    """Whether the prefix `text` is typed without host bits (`10.1.0.0/16`, not `10.1.2.3/16`)."""
    try:
        parse_network(text)
    except ValueError:
        return False
    return True


def _canonical(item: Item) -> Item:
    if isinstance(item, Block):
        items = _last_of_each_key(tuple(_canonical(child) for child in item.items))
        if isinstance(item, RouterBgp):
            items = _router_as_printed(replace(item, items=items))
        if isinstance(item, RouteMapEntry | BfdProfile):
            items = tuple(sorted(items, key=_sort_text))
        if isinstance(item, BfdProfile | BfdPeer):
            items = tuple(i for i in items if not (isinstance(i, BfdSetting) and BFD_DEFAULTS[i.setting] == i.value))
        return replace(item, items=items)
    if isinstance(item, NeighborStatement):
        item = replace(item, peer=_address(item.peer))
        if isinstance(item, NeighborUpdateSource):
            return replace(item, source=_address(item.source))
        if isinstance(item, NeighborEbgpMultihop) and item.hops is None:
            return replace(item, hops=MAXTTL)  # bgp_vty.c: no hop count means MAXTTL, printed as such
        return item
    if isinstance(item, Command) and item.words.startswith("neighbor "):
        words = item.words.split(" ")
        words[1] = _address(words[1])
        return replace(item, words=" ".join(words))
    if isinstance(item, BgpRouterId):
        return replace(item, router_id=_address(item.router_id))
    if isinstance(item, ListenRange | Network):
        return replace(item, prefix=_prefix(item.prefix))
    if isinstance(item, SetCommunity) and not isinstance(item, SetLargeCommunity):
        return replace(item, communities=_communities(item.communities))
    return item


# bgpd/bgp_community.c: the well-known communities, printed by name, and their values.
_WELL_KNOWN = {
    "internet": 0,
    "graceful-shutdown": 0xFFFF0000,
    "accept-own": 0xFFFF0001,
    "route-filter-translated-v4": 0xFFFF0002,
    "route-filter-v4": 0xFFFF0003,
    "route-filter-translated-v6": 0xFFFF0004,
    "route-filter-v6": 0xFFFF0005,
    "llgr-stale": 0xFFFF0006,
    "no-llgr": 0xFFFF0007,
    "accept-own-nexthop": 0xFFFF0008,
    "blackhole": 0xFFFF029A,
    "no-export": 0xFFFFFF01,
    "no-advertise": 0xFFFFFF02,
    "local-AS": 0xFFFFFF03,
    "no-peer": 0xFFFFFF04,
}
_NAMES = {value: name for name, value in _WELL_KNOWN.items() if value}
_COMMUNITY = re.compile(r"([0-9]{1,5}):([0-9]{1,5})", re.ASCII)


def _communities(words: tuple[str, ...]) -> tuple[str, ...]:
    """`set community` values as bgpd prints them: sorted by value, once each, well-known ones by name.

    bgp_community.c community_parse sorts and de-duplicates; community_com2str names the well-known values.
    Anything else (`none`, a word not a community) leaves the line as written.
    """
    values: set[int] = set()
    for word in words:
        match = _COMMUNITY.fullmatch(word)
        if match is not None and int(match[1]) < 65536 and int(match[2]) < 65536:
            values.add(int(match[1]) << 16 | int(match[2]))
        elif word in _WELL_KNOWN:
            values.add(_WELL_KNOWN[word])
        else:
            return words
    return tuple(_NAMES.get(value, f"{value >> 16}:{value & 0xFFFF}") for value in sorted(values))


def _last_of_each_key(items: tuple[Item, ...]) -> tuple[Item, ...]:
    """A line given twice in one context: the second replaces the first (the same key), as in FRR."""
    last = {item.key(): index for index, item in enumerate(items) if isinstance(item, Statement)}
    return tuple(item for index, item in enumerate(items) if isinstance(item, Block) or last[item.key()] == index)


def _sort_text(item: Item) -> str:
    return item.text() if isinstance(item, Statement) else item.header()


def _router_as_printed(router: RouterBgp) -> tuple[Item, ...]:
    """A router's lines as bgpd holds them (bgp_vty.c bgp_config_write), activation made explicit.

    - Address-family lines written at router level (FRR's old syntax) belong to `address-family ipv4
      unicast`; a family entered twice is one family.
    - Activation: a neighbor is active in a family when `neighbor X activate` is there. With `bgp default
      ipv4-unicast` (FRR's traditional default: no `no bgp default ipv4-unicast` line) every neighbor and
      peer-group is active in IPv4 unicast unless `no neighbor X activate` says otherwise, as FRR creates
      them so; that line stays for those (bgpd prints it), and is dropped elsewhere (where it is the
      default). A member's activation follows its group when the group is active (bgpd prints it only when
      it differs).
    - `neighbor X send-community ...` is the default in every family and not shown (only `no` forms are).
    - `neighbor X port 179` is not shown; `neighbor X bfd` is shown with `neighbor X bfd profile P`;
      `ebgp-multihop` is not shown for an iBGP neighbor (its own or its group's remote-as is `internal` or
      the instance's AS) or with a count of 1.
    """
    router_level = [i for i in router.items if not (isinstance(i, Statement) and _af_line(i))]
    moved = [i for i in router.items if isinstance(i, Statement) and _af_line(i)]
    families: dict[tuple[str, ...], AddressFamily] = {}
    for item in router.items:
        if isinstance(item, AddressFamily):
            earlier = families.get(item.key())
            families[item.key()] = item if earlier is None else replace(earlier, items=earlier.items + item.items)
    ipv4 = AddressFamily((), afi="ipv4", safi="unicast")
    if moved or (_NO_DEFAULT_IPV4 not in router_level and any(_creates_peer(i) for i in router_level)):
        current = families.get(ipv4.key(), ipv4)
        families[ipv4.key()] = replace(current, items=(*moved, *current.items))
    default_activate = _NO_DEFAULT_IPV4 not in router_level
    groups: dict[str, str | None] = {i.peer: None for i in router_level if isinstance(i, NeighborRemoteAs)}
    groups |= {i.peer: i.group for i in router_level if isinstance(i, NeighborPeerGroup)}
    groups |= {i.peer: i.group for i in router_level if isinstance(i, NeighborInterface)}
    given = set(router.items)
    remote_as = {i.peer: i.remote_as for i in router_level if isinstance(i, NeighborRemoteAs)}
    internal = {
        peer for peer in groups if remote_as.get(peer, remote_as.get(groups[peer] or "")) in ("internal", router.asn)
    }
    items: list[Item] = []
    for item in router_level:
        if (isinstance(item, NeighborPort) and item.port == DEFAULT_BGP_PORT) or item in _HIDDEN_DEFAULTS:
            continue
        if isinstance(item, NeighborEbgpMultihop) and (item.peer in internal or item.hops == 1):
            continue  # bgp_vty.c bgp_config_write_peer: only for eBGP peers whose TTL is not 1
        if isinstance(item, AddressFamily):
            family = families.pop(item.key(), None)
            if family is not None:
                items.append(_family_as_printed(family, groups, default_activate))
            continue
        items.append(item)
        if isinstance(item, NeighborBfdProfile) and Command(f"neighbor {item.peer} bfd") not in given:
            items.append(Command(f"neighbor {item.peer} bfd"))
    items.extend(_family_as_printed(family, groups, default_activate) for family in families.values())
    return tuple(items)


def _family_as_printed(family: AddressFamily, groups: dict[str, str | None], default_activate: bool) -> AddressFamily:
    """`groups`: every neighbor created at router level, with its peer-group (None for a plain one or a group)."""
    items = [
        item
        for item in family.items
        if not (isinstance(item, Command) and _SEND_COMMUNITY.fullmatch(item.words))
        and not isinstance(item, NeighborActivate)
        and not (isinstance(item, Command) and _NO_ACTIVATE.fullmatch(item.words))
    ]
    active = {item.peer for item in family.items if isinstance(item, NeighborActivate)}
    by_default = default_activate and (family.afi, family.safi) == ("ipv4", "unicast")
    if by_default:
        inactive = {
            item.words.split()[2]
            for item in family.items
            if isinstance(item, Command) and _NO_ACTIVATE.fullmatch(item.words)
        }
        active |= {peer for peer, group in groups.items() if group is None and peer not in inactive}
    active = {peer for peer in active if groups.get(peer) not in active}
    items.extend(NeighborActivate(peer=peer) for peer in sorted(active))
    if by_default:  # what bgpd prints for a neighbor the default did not activate, kept so canonical is stable
        items.extend(
            Command(f"no neighbor {peer} activate")
            for peer, group in sorted(groups.items())
            if group is None and peer not in active
        )
    return replace(family, items=tuple(items))


_NO_ACTIVATE = re.compile(r"no neighbor \S+ activate", re.ASCII)


_NO_DEFAULT_IPV4 = BgpDefaultActivation(family="ipv4-unicast", enabled=False)


def _creates_peer(item: Item) -> bool:
    return isinstance(item, NeighborRemoteAs | NeighborPeerGroup | NeighborInterface)


# Lines of an address-family that FRR also takes at router level, for IPv4 unicast (bgp_vty.c installs
# them in BGP_NODE as well, mostly hidden).
_AF_COMMAND = re.compile(
    r"(neighbor \S+ (route-reflector-client|route-server-client|next-hop-self( force| all)?|send-community( \S+)?"
    r"|soft-reconfiguration inbound|allowas-in( \S+)?|attribute-unchanged( \S+)*|default-originate( .*)?"
    r"|remove-private-AS( .*)?|as-override|weight \d+|addpath-tx-\S+|unsuppress-map \S+|distribute-list .*"
    r"|filter-list .*|capability orf .*|maximum-prefix-out \d+)|redistribute .*|aggregate-address .*"
    r"|distance .*|table-map \S+)",
    re.ASCII,
)
_SEND_COMMUNITY = re.compile(r"neighbor \S+ send-community( \S+)?", re.ASCII)


def _af_line(item: Statement) -> bool:
    if isinstance(item, NeighborActivate | NeighborRouteMap | NeighborPrefixList | NeighborMaximumPrefix):
        return True
    if isinstance(item, MaximumPaths | Network):
        return True
    return isinstance(item, Command) and _AF_COMMAND.fullmatch(item.words) is not None


DEFAULT_BGP_PORT = 179
MAXTTL = 255
# Router lines that state FRR's traditional defaults; bgpd does not print them.
_HIDDEN_DEFAULTS = frozenset(
    typed_line(line)
    for line in (
        "bgp default ipv4-unicast",
        "no bgp default ipv6-unicast",
        "no bgp default l2vpn-evpn",
        "bgp network import-check",
        "no bgp reject-as-sets",
        "timers bgp 60 180",
    )
)


def _numbered_prefix_lists(items: tuple[Item, ...]) -> tuple[Item, ...]:
    """Prefix-list entries numbered, repeats dropped, each list whole where it first appears."""
    lists: dict[tuple[str, str], dict[int, PrefixListEntry]] = {}
    out: list[Item | tuple[str, str]] = []
    for item in items:
        if not isinstance(item, PrefixListEntry):
            out.append(item)
            continue
        name = (item.family, item.name)
        if name not in lists:
            lists[name] = {}
            out.append(name)
        entries = lists[name]
        prefix = item.prefix if item.prefix == "any" else _prefix(item.prefix)
        entry = replace(item, prefix=prefix)
        content = (entry.action, entry.prefix, entry.ge, entry.le)
        # filter_cli.c compares the prefix as typed with the entries' masked ones: one typed with host bits
        # is never found a repeat (FRR's validation then refuses the transaction if the repeat remains).
        typed_masked = item.prefix == "any" or _without_host_bits(item.prefix)
        if typed_masked and any((e.action, e.prefix, e.ge, e.le) == content for e in entries.values()):
            continue
        seq = entry.seq if entry.seq is not None else max(entries, default=0) + 5
        entries[seq] = replace(entry, seq=seq)
    result: list[Item] = []
    for placed in out:
        if isinstance(placed, tuple):
            result.extend(entry for _, entry in sorted(lists[placed].items()))
        else:
            result.append(placed)
    return tuple(result)


def _print(item: Item, depth: int, out: list[str]) -> None:
    indent = " " * depth
    if isinstance(item, Statement):
        out.append(indent + item.text())
        return
    out.append(indent + item.header())
    for child in item.items:
        _print(child, depth + 1, out)
    out.append(indent + item.closer)


def _walk(items: tuple[Item, ...], path: tuple[Block, ...]) -> Iterator[tuple[tuple[Block, ...], Item]]:
    for item in items:
        yield path, item
        if isinstance(item, Block):
            yield from _walk(item.items, (*path, item))


def _json(item: Item) -> Json:
    out: dict[str, Json] = {"type": type(item).__name__}
    if isinstance(item, Block):
        out["header"] = item.header()
    else:
        out["text"] = item.text()
    for f in fields(item):
        if f.name in ("line", "words", "head"):  # `text` and `header` already say it
            continue
        value = getattr(item, f.name)
        if f.name == "items":
            out["items"] = [_json(child) for child in value]
        elif isinstance(value, tuple):
            out[f.name] = list(value)
        else:
            out[f.name] = value
    out["line"] = item.line
    return out
