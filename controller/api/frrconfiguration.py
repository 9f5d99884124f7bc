"""FRRConfiguration: FRR-K8s's v1beta1 API, selected per Router by `routerSelector`."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, JsonValue, WithJsonSchema, model_validator

from controller.addresses import MAX_ADDRESS_LENGTH, not_a_next_hop, not_a_peer, parse_address, parse_network
from controller.api.common import (
    API_VERSION,
    CIDR,
    ASNumber,
    InterfaceName,
    IPAddress,
    LabelSelector,
    Model,
    ObjectMeta,
    RouterID,
    Word,
    cel,
    settings,
)
from controller.api.duration import Duration, seconds
from controller.frrcfg.lines import check_text

# Bounds of one object as users write it. The API server multiplies nested list bounds into its CEL cost
# estimates, so they stay modest; split larger configurations over several objects (they merge). What
# frr-edge derives from MetalLB is kept in memory and validated item by item, without these list bounds.
MAX_ROUTERS = 8
MAX_NEIGHBORS = 2000
MAX_ROUTER_PREFIXES = 1024
MAX_NEIGHBOR_PREFIXES = 32

_STANDARD_COMMUNITY = re.compile(r"[0-9]{1,5}:[0-9]{1,5}", re.ASCII)
_LARGE_COMMUNITY = re.compile(r"[0-9]{1,10}:[0-9]{1,10}:[0-9]{1,10}", re.ASCII)
WELL_KNOWN_COMMUNITIES = frozenset(
    {"no-export", "no-advertise", "local-AS", "no-peer", "blackhole", "graceful-shutdown", "accept-own"}
)


def _community(value: str) -> str:
    if value in WELL_KNOWN_COMMUNITIES:
        return value
    if _STANDARD_COMMUNITY.fullmatch(value):
        if all(int(part) <= 65535 for part in value.split(":")):
            return value
    elif _LARGE_COMMUNITY.fullmatch(value):
        if all(int(part) <= 4294967295 for part in value.split(":")):
            return value
    elif value.startswith("large:") and _LARGE_COMMUNITY.fullmatch(value[6:]):
        return _community(value[6:])
    raise ValueError(
        f"{value!r} is not a BGP community: use AA:NN (each 0-65535), a large community AA:BB:CC "
        f"(each 0-4294967295) or one of {', '.join(sorted(WELL_KNOWN_COMMUNITIES))}"
    )


Community = Annotated[str, Field(max_length=40), AfterValidator(_community)]


MAX_PASSWORD_LENGTH = 80  # TCP_MD5SIG_MAXKEYLEN, the longest key Linux's TCP MD5 signature takes


def check_password(value: str) -> str:
    """A TCP MD5 password as FRR takes it: one word (`neighbor X password WORD`) of 1-80 printable ASCII
    characters. Raises ValueError whose message never holds the value. The same rule for inline passwords
    and passwords from Secrets.
    """
    if not 1 <= len(value) <= MAX_PASSWORD_LENGTH or any(not "!" <= char <= "~" for char in value):
        raise ValueError(
            f"must be 1-{MAX_PASSWORD_LENGTH} printable ASCII characters without spaces "
            "(FRR takes the password as one word)"
        )
    return value


# The API server checks the same rule with the schema; Python says it in words (check_password).
Password = Annotated[
    str,
    AfterValidator(check_password),
    Field(json_schema_extra={"maxLength": MAX_PASSWORD_LENGTH, "pattern": "^[!-~]+$"}),
]


def _peer_address(value: str) -> str:
    why = not_a_peer(parse_address(value))
    if why is not None:
        raise ValueError(f"{value} {why}; a BGP neighbor needs a unicast address")
    return value


PeerAddress = Annotated[IPAddress, AfterValidator(_peer_address)]


class SecretReference(Model):
    """A Secret holding a neighbor password (type kubernetes.io/basic-auth, key `password`)."""

    name: Word = Field(description="Name of the Secret.")
    namespace: Word | None = Field(
        default=None, description="Namespace of the Secret; defaults to the FRRConfiguration's namespace."
    )


class PrefixSelector(Model):
    """A prefix accepted from a neighbor, with optional length bounds (FRR prefix-list ge/le)."""

    prefix: CIDR = Field(description="The prefix, as a CIDR.")
    le: int | None = Field(
        default=None, ge=1, le=128, description="Accept any matching prefix with a length up to this value."
    )
    ge: int | None = Field(
        default=None, ge=1, le=128, description="Accept any matching prefix with a length from this value."
    )

    model_config = settings(
        cel(
            "!has(self.ge) || !has(self.le) || self.ge <= self.le",
            "ge must be less than or equal to le",
        ),
    )

    @model_validator(mode="after")
    def _bounds(self) -> PrefixSelector:
        # FRR's rule (lib/filter_nb.c, "mask length <= ge <= le"), which FRR-K8s also applies
        # (validateSelectorLengths): `192.0.2.0/24 ge 24` is valid and means lengths 24 to 32.
        network = parse_network(self.prefix)
        if self.ge is not None and self.le is not None and self.ge > self.le:
            raise ValueError("ge must be less than or equal to le")
        if self.ge is not None and self.ge < network.prefixlen:
            raise ValueError("ge must be at least the prefix length")
        if self.le is not None and self.le < network.prefixlen:
            raise ValueError("le must be at least the prefix length")
        for name, bound in (("le", self.le), ("ge", self.ge)):
            if bound is not None and bound > network.max_prefixlen:
                raise ValueError(f"{name} must be at most 32 for IPv4 and 128 for IPv6")
        return self


AllowMode = Literal["filtered", "all"]


class AllowedInPrefixes(Model):
    """Which prefixes a neighbor may send us."""

    prefixes: list[PrefixSelector] = Field(
        default_factory=list, max_length=MAX_NEIGHBOR_PREFIXES, description="Prefixes accepted in `filtered` mode."
    )
    mode: AllowMode = Field(
        default="filtered",
        description="`filtered` accepts only `prefixes`; `all` accepts every prefix the neighbor sends.",
    )


class AllowedOutPrefixes(Model):
    """Which prefixes we advertise to a neighbor."""

    prefixes: list[CIDR] = Field(
        default_factory=list,
        max_length=MAX_NEIGHBOR_PREFIXES,
        description="Prefixes advertised in `filtered` mode; each must be one of the router's prefixes.",
    )
    mode: AllowMode = Field(
        default="filtered",
        description="`filtered` advertises only `prefixes`; `all` advertises every prefix of the merged "
        "router, whichever FRRConfiguration declared it.",
    )


class LocalPrefPrefixes(Model):
    """Prefixes advertised with a local preference."""

    prefixes: list[CIDR] = Field(
        min_length=1, max_length=MAX_NEIGHBOR_PREFIXES, description="Prefixes that get this local preference."
    )
    local_pref: int = Field(ge=0, le=4294967295, description="The local preference to set.")


class CommunityPrefixes(Model):
    """Prefixes advertised with a BGP community."""

    prefixes: list[CIDR] = Field(
        min_length=1, max_length=MAX_NEIGHBOR_PREFIXES, description="Prefixes that get this community."
    )
    community: Community = Field(
        description="Standard (AA:NN), large (AA:BB:CC) or well-known (no-export, ...) community."
    )


def _next_hop(version: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        address = parse_address(value)
        if address.version != version:
            raise ValueError(f"{value} is not an IPv{version} address")
        why = not_a_next_hop(address)
        if why is not None:
            raise ValueError(f"{value} {why}; FRR refuses it as a next hop")
        return str(address)

    return check


# The API server checks the family with the cheap `ipv4`/`ipv6` formats, as FRR-K8s's CRD does (a CEL rule
# on every neighbor would count against the cost budget 8 x 2000 times); Python also refuses what FRR would.
NextHopV4 = Annotated[str, AfterValidator(_next_hop(4)), Field(max_length=15, json_schema_extra={"format": "ipv4"})]
NextHopV6 = Annotated[
    str, AfterValidator(_next_hop(6)), Field(max_length=MAX_ADDRESS_LENGTH, json_schema_extra={"format": "ipv6"})
]


class NextHop(Model):
    """The BGP next hop announced with the prefixes advertised to a neighbor (FRR-K8s's toAdvertise.nextHop).

    Rendered as FRR route-map `set ip next-hop` and `set ipv6 next-hop global` on the neighbor's outgoing
    route-map; each needs the neighbor to carry that family.
    """

    ipv4: NextHopV4 | None = Field(default=None, description="Next hop announced with IPv4 prefixes.")
    ipv6: NextHopV6 | None = Field(
        default=None, description="Global next hop announced with IPv6 prefixes (not link-local)."
    )


class Advertise(Model):
    """What we advertise to a neighbor."""

    allowed: AllowedOutPrefixes = Field(
        default_factory=AllowedOutPrefixes, description="Prefixes allowed to be advertised."
    )
    next_hop: NextHop = Field(
        default_factory=NextHop,
        description="The next hop announced with the advertised prefixes, per family; unset keeps FRR's own.",
    )
    with_local_pref: list[LocalPrefPrefixes] = Field(
        default_factory=list, max_length=16, description="Local preferences for some advertised prefixes."
    )
    with_community: list[CommunityPrefixes] = Field(
        default_factory=list, max_length=16, description="Communities for some advertised prefixes."
    )


class Receive(Model):
    """What we accept from a neighbor."""

    allowed: AllowedInPrefixes = Field(
        default_factory=AllowedInPrefixes, description="Prefixes allowed to be received."
    )


_NEIGHBOR_RULES = [
    cel("has(self.asn) != has(self.dynamicASN)", "exactly one of asn and dynamicASN must be set"),
    cel("has(self.address) != has(self.interface)", "exactly one of address and interface must be set"),
    cel(
        "!(has(self.password) && has(self.passwordSecret))",
        "password and passwordSecret are mutually exclusive",
    ),
    # FRR takes any keepalive (bgpd.c peer_timers_set); FRR-K8s (parseTimers) and MetalLB refuse only a
    # keepalive greater than the hold time, so `keepaliveTime: 30s` with `holdTime: 30s` is valid.
    cel(
        "!has(self.holdTime) || !has(self.keepaliveTime) || duration(self.keepaliveTime) <= duration(self.holdTime)",
        "keepaliveTime must not be greater than holdTime",
    ),
]


class Neighbor(Model):
    """A BGP neighbor of the router: for frr-edge, usually a MetalLB speaker node."""

    model_config = settings(*_NEIGHBOR_RULES)

    asn: ASNumber | None = Field(
        default=None, description="The neighbor's AS number. Exactly one of asn and dynamicASN is set."
    )
    dynamic_asn: Literal["internal", "external"] | None = Field(
        default=None,
        alias="dynamicASN",
        description="Accept the neighbor's AS without naming it: `internal` (same AS as ours) or "
        "`external` (any other AS).",
    )
    address: PeerAddress | None = Field(
        default=None, description="The neighbor's IP address. Exactly one of address and interface is set."
    )
    interface: InterfaceName | None = Field(
        default=None, description="Interface for an unnumbered (IPv6 link-local) session."
    )
    port: int | None = Field(default=None, ge=1, le=65535, description="TCP port to dial; defaults to 179.")
    source_address: Annotated[str, Field(max_length=45, pattern=r"^[A-Za-z0-9_.:-]+$")] | None = Field(
        default=None,
        alias="sourceaddress",
        description="Source address (an IP address or an interface name) for the session.",
    )
    password: Password | None = Field(
        default=None, description="TCP MD5 password. Prefer passwordSecret, which keeps it out of Git."
    )
    password_secret: SecretReference | None = Field(
        default=None, description="Secret holding the TCP MD5 password under the key `password`."
    )
    hold_time: Duration | None = Field(
        default=None,
        description="BGP hold time, 0 (no keepalives) or at least 3s; defaults to 180s.",
        json_schema_extra={
            "x-kubernetes-validations": [
                cel(
                    "duration(self) == duration('0s') || duration(self) >= duration('3s')",
                    "holdTime must be 0 or at least 3s",
                ),
                cel("duration(self) <= duration('65535s')", "holdTime must be at most 65535s"),
            ]
        },
    )
    keepalive_time: Duration | None = Field(
        default=None,
        description="BGP keepalive interval; defaults to a third of the hold time (60s).",
        json_schema_extra={
            "x-kubernetes-validations": [
                cel("duration(self) <= duration('65535s')", "keepaliveTime must be at most 65535s")
            ]
        },
    )
    connect_time: Duration | None = Field(
        default=None,
        description="Seconds between connection attempts (1s to 65535s); FRR's default is 120s.",
        json_schema_extra={
            "x-kubernetes-validations": [
                cel(
                    "duration(self) >= duration('1s') && duration(self) <= duration('65535s')",
                    "connectTime must be between 1s and 65535s",
                )
            ]
        },
    )
    ebgp_multi_hop: bool = Field(default=False, description="The neighbor is more than one hop away.")
    bfd_profile: Word | None = Field(
        default=None, description="Name of a BFD profile; when set, the session is tracked by BFD."
    )
    enable_graceful_restart: bool = Field(default=False, description="Enable BGP graceful restart.")
    to_advertise: Advertise = Field(default_factory=Advertise, description="What to advertise.")
    to_receive: Receive = Field(default_factory=Receive, description="What to accept.")
    dual_stack_address_family: bool = Field(
        default=False, description="Activate both IPv4 and IPv6 unicast on this session."
    )
    local_asn: ASNumber | None = Field(
        default=None,
        alias="localASN",
        description="AS number to present to this neighbor instead of the router's (eBGP only).",
    )
    maximum_prefixes: int | None = Field(
        default=None,
        ge=1,
        le=4294967295,
        description="frr-edge: tear the session down if the neighbor sends more prefixes than this, "
        "so a misbehaving speaker cannot flood the router's table.",
    )
    disable_mp: bool = Field(
        default=False, alias="disableMP", description="Deprecated in FRR-K8s and ignored; kept for compatibility."
    )
    address_families: list[Literal["unicast", "evpn"]] = Field(
        default=["unicast"],
        max_length=2,
        description="Address families to activate, as in FRR-K8s: `unicast` (IPv4/IPv6 unicast, by the "
        "neighbor's address and dualStackAddressFamily) is what frr-edge renders; `evpn` is accepted and "
        "ignored with a warning (an edge router carries unicast routes to LoadBalancer IPs).",
    )

    @model_validator(mode="after")
    def _exclusive(self) -> Neighbor:
        if (self.asn is None) == (self.dynamic_asn is None):
            raise ValueError("exactly one of asn and dynamicASN must be set")
        if (self.address is None) == (self.interface is None):
            raise ValueError("exactly one of address and interface must be set")
        if self.password is not None and self.password_secret is not None:
            raise ValueError("password and passwordSecret are mutually exclusive")
        if self.hold_time is not None:
            hold = seconds(self.hold_time)
            if hold != 0 and hold < 3:
                raise ValueError("holdTime must be 0 or at least 3s")
            if hold > 65535:
                raise ValueError("holdTime must be at most 65535s")
            if self.keepalive_time is not None and seconds(self.keepalive_time) > hold:
                raise ValueError("keepaliveTime must not be greater than holdTime")
        if self.keepalive_time is not None and seconds(self.keepalive_time) > 65535:
            raise ValueError("keepaliveTime must be at most 65535s")
        if self.connect_time is not None and not 1 <= seconds(self.connect_time) <= 65535:
            raise ValueError("connectTime must be between 1s and 65535s")
        return self

    @property
    def peer(self) -> str:
        """How FRR names this neighbor: its address, or its interface for unnumbered sessions."""
        return self.address or self.interface or ""


class Import(Model):
    """A VRF whose routes are imported into this router."""

    vrf: InterfaceName = Field(description="The VRF to import from (a Linux VRF device name, at most 15 characters).")


# FRR-K8s's EVPN block, kept as the user wrote it: frr-edge renders none of it (see BGPRouter.evpn).
EVPNSettings = Annotated[
    dict[str, JsonValue], WithJsonSchema({"type": "object", "x-kubernetes-preserve-unknown-fields": True})
]


class BGPRouter(Model):
    """One BGP instance (`router bgp ASN [vrf VRF]`)."""

    asn: ASNumber = Field(description="Our AS number for this instance.")
    id: RouterID | None = Field(default=None, description="BGP router ID (an IPv4 address).")
    vrf: InterfaceName | None = Field(
        default=None,
        description="The VRF; empty means the default VRF. A Linux VRF device name: at most 15 characters.",
    )
    neighbors: list[Neighbor] = Field(
        default_factory=list, max_length=MAX_NEIGHBORS, description="BGP neighbors of this instance."
    )
    prefixes: list[CIDR] = Field(
        default_factory=list, max_length=MAX_ROUTER_PREFIXES, description="Prefixes this router advertises."
    )
    imports: list[Import] = Field(default_factory=list, max_length=64, description="VRFs to import from.")
    evpn: EVPNSettings | None = Field(
        default=None,
        description="FRR-K8s's EVPN settings (VNIs, route distinguishers, route targets). Accepted so that an "
        "FRR-K8s configuration moves unchanged, but not rendered: frr-edge warns about it (FieldNotSupported).",
    )
    maximum_paths: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="frr-edge: ECMP width, the number of equal BGP paths installed for one prefix, "
        "so traffic to a LoadBalancer IP spreads across every speaker that announces it. Merging keeps "
        "the largest value; when unset, FRR's default (1, no ECMP) applies.",
    )


class BFDProfile(Model):
    """A named set of BFD session parameters."""

    name: Word = Field(description="Name referenced by neighbors' bfdProfile.")
    receive_interval: int | None = Field(
        default=None, ge=10, le=60000, description="Minimum receive interval, milliseconds (default 300)."
    )
    transmit_interval: int | None = Field(
        default=None, ge=10, le=60000, description="Minimum transmit interval, milliseconds (default 300)."
    )
    detect_multiplier: int | None = Field(
        default=None, ge=2, le=255, description="Missed packets before the session is declared down."
    )
    echo_interval: int | None = Field(
        default=None, ge=10, le=60000, description="Echo packet interval, milliseconds (default 50)."
    )
    echo_mode: bool | None = Field(default=None, description="Enable echo mode (single hop only).")
    passive_mode: bool | None = Field(default=None, description="Wait for the peer to start the session.")
    minimum_ttl: int | None = Field(
        default=None, ge=1, le=254, description="Multihop only: minimum TTL of incoming BFD packets."
    )


class BGPConfig(Model):
    """BGP configuration."""

    routers: list[BGPRouter] = Field(
        default_factory=list, max_length=MAX_ROUTERS, description="BGP instances, at most one per VRF."
    )
    bfd_profiles: list[BFDProfile] = Field(
        default_factory=list,
        max_length=64,
        description="BFD profiles referenced by neighbors.",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )

    @model_validator(mode="after")
    def _unique_profile_names(self) -> BGPConfig:
        # The CRD makes `name` the list's key, so the API server refuses a name twice; so do files.
        names = [profile.name for profile in self.bfd_profiles]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"BFD profile {name!r} is defined twice (names are the keys of bfdProfiles)")
        return self


class RawConfig(Model):
    """FRR configuration text appended after the rendered configuration."""

    priority: int = Field(
        default=0, ge=-1000, le=1000, description="Snippets are appended in ascending priority, then by name."
    )
    raw_config: Annotated[str, AfterValidator(check_text)] = Field(
        default="",
        max_length=65536,
        description="FRR configuration text, one command per line of printable characters; it is parsed and "
        "checked before anything reaches a router, and every context it opens is closed after it.",
    )


class FRRConfigurationSpec(Model):
    """Desired FRR configuration for the Routers selected by routerSelector."""

    bgp: BGPConfig = Field(default_factory=BGPConfig, description="BGP configuration.")
    raw: RawConfig = Field(default_factory=RawConfig, description="Raw FRR configuration snippet.")
    router_selector: LabelSelector = Field(
        default_factory=LabelSelector,
        description="Labels of the Router objects this configuration applies to; empty selects all.",
    )


class FRRConfiguration(Model):
    """A piece of FRR configuration for one or more Routers."""

    model_config = settings(extra="ignore")

    api_version: str = API_VERSION
    kind: Literal["FRRConfiguration"] = "FRRConfiguration"
    metadata: ObjectMeta
    spec: FRRConfigurationSpec = Field(default_factory=FRRConfigurationSpec)
