"""The FRR configuration model: ordered contexts and lines, typed objects for what frr-edge renders.

Every node prints itself as FRR's running configuration does. `line` is where the node started in
the parsed text (0 when built in code); it never takes part in equality.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import ClassVar, TypeAlias

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


@dataclass(frozen=True, slots=True)
class Command(Statement):
    """Any FRR command without a typed form, whitespace-normalised."""

    words: str

    def text(self) -> str:
        return self.words


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

    def key(self) -> tuple[str, ...]:
        return ("bgp router-id",)


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

    def text(self) -> str:
        return f"neighbor {self.peer} {self.keyword}{self.arguments()}"

    def arguments(self) -> str:
        return ""

    def key(self) -> tuple[str, ...]:
        return ("neighbor", self.peer, self.keyword)


@dataclass(frozen=True, slots=True)
class NeighborRemoteAs(NeighborStatement):
    remote_as: str  # an AS number, "internal" or "external"
    keyword: ClassVar[str] = "remote-as"

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

    def arguments(self) -> str:
        return f" {self.route_map} {self.direction}"

    def key(self) -> tuple[str, ...]:
        return ("neighbor", self.peer, self.keyword, self.direction)


@dataclass(frozen=True, slots=True)
class NeighborPrefixList(NeighborStatement):
    prefix_list: str
    direction: str
    keyword: ClassVar[str] = "prefix-list"

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


@dataclass(frozen=True, slots=True)
class PrefixListDescription(Statement):
    family: str
    name: str
    description: str

    def text(self) -> str:
        return f"{self.family} prefix-list {self.name} description {self.description}"

    def key(self) -> tuple[str, ...]:
        return (self.family, "prefix-list", self.name, "description")


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


@dataclass(frozen=True, slots=True)
class SetLocalPreference(Statement):
    value: int

    def text(self) -> str:
        return f"set local-preference {self.value}"

    def key(self) -> tuple[str, ...]:
        return ("set", "local-preference")


@dataclass(frozen=True, slots=True)
class SetCommunity(Statement):
    communities: tuple[str, ...]
    additive: bool = False
    attribute: ClassVar[str] = "community"

    def text(self) -> str:
        return f"set {self.attribute} {' '.join(self.communities)}" + (" additive" if self.additive else "")

    def key(self) -> tuple[str, ...]:
        return ("set", self.attribute)


@dataclass(frozen=True, slots=True)
class SetLargeCommunity(SetCommunity):
    attribute: ClassVar[str] = "large-community"


@dataclass(frozen=True, slots=True)
class OnMatch(Statement):
    goto: int | None = None  # None: `on-match next`

    def text(self) -> str:
        return "on-match next" if self.goto is None else f"on-match goto {self.goto}"

    def key(self) -> tuple[str, ...]:
        return ("on-match",)


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


@dataclass(frozen=True, slots=True)
class BfdPeerProfile(Statement):
    profile: str

    def text(self) -> str:
        return f"profile {self.profile}"

    def key(self) -> tuple[str, ...]:
        return ("profile",)


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
