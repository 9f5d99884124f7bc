"""The merged, desired configuration of one router: what render turns into FRR and nftables text.

Plain data, already validated and normalised (addresses canonical, durations in seconds, secrets resolved).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from controller.addresses import family, sort_key
from controller.api.frrconfiguration import BFDProfile
from controller.api.ratelimit import RateLimit
from controller.errors import Origin

if TYPE_CHECKING:
    from controller.frrcfg.model import Config

DEFAULT_PORT = 179
BFD_SINGLE_HOP = 3784  # RFC 5881
BFD_ECHO = 3785  # RFC 5881
BFD_MULTIHOP = 4784  # RFC 5883
DEFAULT_HOLD = 180
DEFAULT_KEEPALIVE = 60
DEFAULT_CONNECT = 120
DEFAULT_VRF = "default"  # how `imports` names the default VRF, whose instance has no `vrf` (FRR-K8s too)

PrefixSelector = tuple[str, int | None, int | None]


@dataclass(slots=True)
class DesiredNeighbor:
    """One BGP neighbor after merging every FRRConfiguration that mentions it."""

    vrf: str
    peer: str
    interface: bool
    remote_as: str  # a number, "internal" or "external"
    port: int = DEFAULT_PORT
    source_address: str | None = None
    password: str | None = None
    hold_time: int | None = None
    keepalive_time: int | None = None
    connect_time: int | None = None
    ebgp_multihop: bool = False
    bfd_profile: str | None = None
    graceful_restart: bool = False
    dual_stack: bool = False
    local_asn: int | None = None
    maximum_prefixes: int | None = None
    advertise_all: bool = False
    advertise: set[str] = field(default_factory=set)
    local_prefs: dict[str, int] = field(default_factory=dict)
    communities: dict[str, set[str]] = field(default_factory=dict)
    receive_all: bool = False
    receive: set[PrefixSelector] = field(default_factory=set)
    next_hops: dict[int, str] = field(default_factory=dict)  # family (4 or 6) → next hop address
    address_families: set[str] = field(default_factory=lambda: {"unicast"})  # FRR-K8s's addressFamilies

    @property
    def families(self) -> tuple[int, ...]:
        """IP families the session carries: the session's own, both when dual-stack or unnumbered."""
        if self.interface or self.dual_stack:
            return (4, 6)
        return (family(self.peer),)

    @property
    def unicast(self) -> bool:
        """Whether the session is activated in the unicast address families (FRR-K8s's default)."""
        return "unicast" in self.address_families

    @property
    def timers(self) -> tuple[int, int] | None:
        """(keepalive, hold) when either was set, the other derived as FRR's defaults relate them."""
        if self.hold_time is None and self.keepalive_time is None:
            return None
        hold = self.hold_time if self.hold_time is not None else 3 * (self.keepalive_time or 0)
        keepalive = self.keepalive_time if self.keepalive_time is not None else hold // 3
        return keepalive, min(hold, 65535)

    @property
    def sort_key(self) -> tuple[int, int, str]:
        """Addresses in numeric order (v4 before v6), interfaces after them."""
        if self.interface:
            return (2, 0, self.peer)
        version, number, _ = sort_key(self.peer)
        return (0 if version == 4 else 1, number, "")


@dataclass(slots=True)
class DesiredBGP:
    """One `router bgp ASN [vrf VRF]` instance."""

    asn: int
    vrf: str
    router_id: str | None = None
    prefixes: set[str] = field(default_factory=set)
    imports: set[str] = field(default_factory=set)  # VRF names; "default" is the default VRF
    imported_prefixes: set[str] = field(default_factory=set)  # the `prefixes` of the imported VRFs' routers
    maximum_paths: int | None = None
    neighbors: dict[str, DesiredNeighbor] = field(default_factory=dict)

    @property
    def advertisable(self) -> set[str]:
        """What this instance may advertise: its own prefixes and those of the VRFs it imports (FRR-K8s)."""
        return self.prefixes | self.imported_prefixes

    @property
    def imported_instances(self) -> set[str]:
        """The keys of DesiredFRR.routers this instance imports from ("" for the default VRF)."""
        return {"" if vrf == DEFAULT_VRF else vrf for vrf in self.imports}


@dataclass(frozen=True, slots=True)
class RawSnippet:
    """A raw FRR snippet as the grammar read it, appended in (priority, origin) order.

    Rendered from `config`, never from the text the user wrote: what was checked is what the router gets,
    and every context the snippet opens is closed before the next part.
    """

    priority: int
    origin: Origin
    config: Config


@dataclass(slots=True)
class DesiredFRR:
    """Everything FRR should run for one router."""

    routers: dict[str, DesiredBGP] = field(default_factory=dict)
    bfd_profiles: dict[str, BFDProfile] = field(default_factory=dict)
    raw: list[RawSnippet] = field(default_factory=list)

    def instance_order(self) -> list[str]:
        """VRFs of the BGP instances in the order FRR must read them: every imported VRF's instance before
        the one importing it, otherwise by name (the default VRF first).

        FRR creates an instance that `import vrf` names before it was read, with the importer's AS, and then
        refuses the real one if its AS differs ("BGP is already running"); measured with FRR 8.4's bgpd.
        """
        ordered: list[str] = []

        def visit(vrf: str, importers: frozenset[str]) -> None:
            if vrf in ordered or vrf in importers or vrf not in self.routers:
                return
            for imported in sorted(self.routers[vrf].imported_instances):
                visit(imported, importers | {vrf})
            ordered.append(vrf)

        for vrf in sorted(self.routers):
            visit(vrf, frozenset())
        return ordered


ANY_PORT = (0, 0)
ANY_SOURCE = ""


class AllowEntry(NamedTuple):
    """One accepted (destination, protocol, port range, source) combination.

    A tuple so that sorting tens of thousands of them stays cheap. `ports` is ANY_PORT for every port
    (and for ICMP); `source` is ANY_SOURCE for any source.
    """

    family: int
    destination: str
    protocol: str
    ports: tuple[int, int]
    source: str


class AllowSet(NamedTuple):
    """One allow rule too large to expand into AllowEntry combinations: its lists, matched one by one.

    nft matches the destination, source and port against a set each, so the rule costs the sum of its
    lists, not their product (1,024 destinations x 1,024 sources x 64 ports would be 67 million
    combinations). Prefixes are collapsed and port ranges merged (nft refuses overlapping intervals in a
    set of one type). `sources` empty means any source; `ports` empty means every port (and ICMP).
    """

    family: int
    protocol: str
    destinations: tuple[str, ...]
    sources: tuple[str, ...]
    ports: tuple[tuple[int, int], ...]

    @property
    def size(self) -> int:
        """Set elements this rule puts on the router."""
        return len(self.destinations) + len(self.sources) + len(self.ports)


class LimitEntry(NamedTuple):
    """A rate limit on one Service address, protocol and port."""

    family: int
    destination: str
    protocol: str
    port: int
    rate: RateLimit


@dataclass(slots=True)
class DesiredFirewall:
    """Everything nftables should do for one router, in frr-edge's own tables."""

    default_action: str = "drop"
    allow: list[AllowEntry] = field(default_factory=list)
    allow_sets: list[AllowSet] = field(default_factory=list)
    limits: list[LimitEntry] = field(default_factory=list)
    public_interface: str | None = None
    allow_ssh: bool = True
    ssh_port: int = 22
    allow_bgp: bool = True
    # What frr-edge turns on toward its neighbors, admitted from exactly them (merge.firewall.admit_neighbors):
    # BGP as (address, port the neighbor dials), BFD as (address, 3784 single hop or 4784 multihop), the
    # addresses whose BFD echo packets the router loops back, and the interfaces of unnumbered sessions.
    bgp_ports: dict[str, int] = field(default_factory=dict)
    bgp_peers: list[tuple[str, int]] = field(default_factory=list)
    bfd_peers: list[tuple[str, int]] = field(default_factory=list)
    bfd_echo: list[str] = field(default_factory=list)
    bgp_interfaces: list[str] = field(default_factory=list)
    bfd_interfaces: list[str] = field(default_factory=list)
    router_echo: bool = False
    drop_unmatched: bool = False
    local_include: str | None = None


@dataclass(slots=True)
class DesiredRouter:
    """The merged, validated desired state of one router."""

    name: str
    ownership: str
    frr: DesiredFRR
    firewall: DesiredFirewall
    # (vrf, peer) of the neighbors MetalLB's speakers contribute: only these wait when they leave (departing.py)
    speakers: frozenset[tuple[str, str]] = frozenset()
    # (vrf, peer) of departed speakers' neighbors kept though no input desires them (pipeline.render_router's
    # `held`): in `frr` and admitted by `firewall` as any neighbor is
    held: frozenset[tuple[str, str]] = frozenset()
