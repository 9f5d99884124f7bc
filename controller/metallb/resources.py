"""What frr-edge reads from a cluster running MetalLB, in one normalised, checked shape.

MetalLB's CRDs (BGPPeer v1beta2 and v1beta1, IPAddressPool, BGPAdvertisement, BFDProfile, Community), the
legacy ConfigMap `config` of MetalLB <= 0.12, Nodes, speaker Pods and Services all become the plain values
below. Every object is read through a typed model with strict types; MetalLB's objects are also checked
with the rules MetalLB's own config parser applies (metallb/metallb internal/config/config.go:
peerFromCR, parseTimers, bfdProfileFromCR, ParseCIDR), so frr-edge never mirrors what MetalLB refuses.
A MetalLB object that fails spoils the Routers following its namespace (MetalLB would refuse the whole
configuration too); a Service, Node or Pod that fails is skipped alone.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from controller.addresses import Network, canonical_address, parse_address, parse_network
from controller.api.common import LabelSelector
from controller.api.duration import duration_seconds
from controller.errors import InvalidInput, Origin, invalid_input
from controller.kubernetes import SOURCE_RANGES_ANNOTATION, ObjectMeta
from controller.kubernetes import Node as NodeObject
from controller.kubernetes import Pod as PodObject
from controller.kubernetes import Service as ServiceObject

METALLB_GROUP = "metallb.io"
EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"


class MetalLBObject(BaseModel):
    """MetalLB's API as MetalLB defines it: strict types; fields frr-edge does not read are ignored.

    Validators are built on first use (defer_build), as the API models' are (api/common.py, settings): only
    inputs with MetalLB objects need them.
    """

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, strict=True, defer_build=True)


def _duration(text: str) -> str:
    duration_seconds(text)
    return text


Address = Annotated[str, Field(max_length=64), AfterValidator(canonical_address)]
GoDuration = Annotated[str, AfterValidator(_duration)]
Uint32 = Annotated[int, Field(ge=0, le=4294967295)]


class SecretReference(MetalLBObject):
    name: str = Field(min_length=1)
    namespace: str | None = None


class BGPPeerSpec(MetalLBObject):
    my_asn: Uint32 = Field(alias="myASN")
    peer_asn: Uint32 = Field(default=0, alias="peerASN")
    local_asn: Uint32 = Field(default=0, alias="localASN")
    dynamic_asn: Literal["internal", "external", ""] = Field(default="", alias="dynamicASN")
    peer_address: Address | None = Field(default=None, alias="peerAddress")
    interface: str | None = None
    source_address: Address | None = Field(default=None, alias="sourceAddress")
    peer_port: int | None = Field(default=None, alias="peerPort", ge=1, le=16384)
    hold_time: GoDuration | None = Field(default=None, alias="holdTime")
    keepalive_time: GoDuration | None = Field(default=None, alias="keepaliveTime")
    connect_time: GoDuration | None = Field(default=None, alias="connectTime")
    router_id: Address | None = Field(default=None, alias="routerID")
    node_selectors: list[LabelSelector] = Field(default_factory=list, alias="nodeSelectors")
    password: str | None = None
    password_secret: SecretReference | None = Field(default=None, alias="passwordSecret")
    bfd_profile: str | None = Field(default=None, alias="bfdProfile")
    enable_graceful_restart: bool = Field(default=False, alias="enableGracefulRestart")
    ebgp_multi_hop: bool = Field(default=False, alias="ebgpMultiHop")
    vrf: str | None = None
    disable_mp: bool = Field(default=False, alias="disableMP")
    dual_stack_address_family: bool = Field(default=False, alias="dualStackAddressFamily")


def peer_problem(spec: BGPPeerSpec) -> tuple[str, str] | None:
    """(field, why) for the first rule of MetalLB's peerFromCR and parseTimers the spec breaks, or None."""
    if spec.my_asn == 0:
        return "spec.myASN", "missing local ASN"
    if spec.peer_asn == 0 and not spec.dynamic_asn:
        return "spec.peerASN", "missing peer ASN and dynamicASN"
    if spec.peer_asn != 0 and spec.dynamic_asn:
        return "spec.dynamicASN", "both peer ASN and dynamicASN specified"
    if spec.peer_asn == spec.my_asn and spec.ebgp_multi_hop:
        return "spec.ebgpMultiHop", "invalid ebgp-multihop parameter set for an ibgp peer"
    if spec.peer_address is None and not spec.interface:
        return "spec.peerAddress", "peer has no Address or Interface specified"
    if spec.peer_address is not None and spec.interface:
        return "spec.interface", "peer has both Address and Interface specified"
    if spec.password and spec.password_secret is not None:
        return "spec.passwordSecret", "can not have both password and secret ref set"
    if spec.hold_time is None and spec.keepalive_time is None:
        return None
    hold = duration_seconds(spec.hold_time) if spec.hold_time is not None else None
    keepalive = duration_seconds(spec.keepalive_time) if spec.keepalive_time is not None else None
    hold = hold if hold is not None else 3 * (keepalive or 0)
    keepalive = keepalive if keepalive is not None else hold / 3
    if 0 < int(hold) < 3:
        return "spec.holdTime", f"invalid hold time {spec.hold_time!r}: must be 0 or >=3s"
    if keepalive > hold:
        return "spec.keepaliveTime", "invalid keepaliveTime: must be lower than holdTime"
    return None


class BFDProfileSpec(MetalLBObject):
    """MetalLB's bfdProfileFromCR ranges."""

    receive_interval: int | None = Field(default=None, alias="receiveInterval", ge=10, le=60000)
    transmit_interval: int | None = Field(default=None, alias="transmitInterval", ge=10, le=60000)
    detect_multiplier: int | None = Field(default=None, alias="detectMultiplier", ge=2, le=255)
    echo_interval: int | None = Field(default=None, alias="echoInterval", ge=10, le=60000)
    echo_mode: bool | None = Field(default=None, alias="echoMode")
    passive_mode: bool | None = Field(default=None, alias="passiveMode")
    minimum_ttl: int | None = Field(default=None, alias="minimumTtl", ge=1, le=254)


class IPAddressPoolSpec(MetalLBObject):
    addresses: list[str] = Field(min_length=1)
    auto_assign: bool | None = Field(default=None, alias="autoAssign")


class BGPAdvertisementSpec(MetalLBObject):
    aggregation_length: int | None = Field(default=None, alias="aggregationLength", ge=0, le=32)
    aggregation_length_v6: int | None = Field(default=None, alias="aggregationLengthV6", ge=0, le=128)
    local_pref: int = Field(default=0, alias="localPref", ge=0, le=4294967295)
    communities: list[str] = Field(default_factory=list)
    service_selectors: list[LabelSelector] = Field(default_factory=list, alias="serviceSelectors")
    ip_address_pools: list[str] = Field(default_factory=list, alias="ipAddressPools")
    ip_address_pool_selectors: list[LabelSelector] = Field(default_factory=list, alias="ipAddressPoolSelectors")
    node_selectors: list[LabelSelector] = Field(default_factory=list, alias="nodeSelectors")
    peers: list[str] = Field(default_factory=list)


class CommunityAlias(MetalLBObject):
    name: str
    value: str


class CommunitySpec(MetalLBObject):
    communities: list[CommunityAlias] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Peer:
    """A BGPPeer: the speakers' view of one router address."""

    origin: Origin
    name: str
    spec: BGPPeerSpec
    at: str = "spec"  # where its fields are: `data.config.peers[N]` for a legacy ConfigMap entry


@dataclass(frozen=True, slots=True)
class Pool:
    """An IPAddressPool, its addresses as CIDRs (ranges are split into the CIDRs that cover them)."""

    name: str
    labels: dict[str, str]
    networks: tuple[Network, ...]
    # Per address entry as written: (entry, family, shortest prefix length of its CIDRs), for MetalLB's checks.
    entries: tuple[tuple[str, int, int], ...] = ()
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class Advertisement:
    origin: Origin
    spec: BGPAdvertisementSpec


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    labels: dict[str, str]
    internal_ips: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Speaker:
    """A ready speaker (or frr-k8s) Pod: the node it runs on and its own addresses."""

    namespace: str
    node: str
    pod_ips: tuple[str, ...]
    component: str = "speaker"


@dataclass(frozen=True, slots=True)
class ServicePort:
    protocol: str  # tcp, udp or sctp
    port: int


@dataclass(frozen=True, slots=True)
class Service:
    origin: Origin
    load_balancer_class: str | None
    ingress_ips: tuple[str, ...]
    ports: tuple[ServicePort, ...]
    source_ranges: tuple[str, ...]
    annotations: dict[str, str]


@dataclass(slots=True)
class Namespace:
    """MetalLB's configuration in one namespace (CRDs, or the legacy ConfigMap)."""

    peers: list[Peer] = field(default_factory=list)
    pools: dict[str, Pool] = field(default_factory=dict)
    advertisements: list[Advertisement] = field(default_factory=list)
    bfd_profiles: dict[str, BFDProfileSpec] = field(default_factory=dict)
    communities: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Cluster:
    """Everything frr-edge derives from: MetalLB per namespace, Nodes, speakers, Services.

    `invalid` holds MetalLB objects that fail (they spoil the Routers following their namespace);
    `skipped` holds Services, Nodes and Pods that fail (each is left out alone, and reported).
    """

    metallb: dict[str, Namespace] = field(default_factory=dict)
    legacy: dict[str, tuple[Origin, dict[str, Any]]] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    speakers: list[Speaker] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    invalid: list[InvalidInput] = field(default_factory=list)
    skipped: list[InvalidInput] = field(default_factory=list)


_STANDARD = re.compile(r"([0-9]+):([0-9]+)", re.ASCII)
_LARGE = re.compile(r"large:([0-9]+):([0-9]+):([0-9]+)", re.ASCII)


def community_problem(value: str) -> str | None:
    """Why MetalLB's community.New refuses a value (`AA:NN` of 16-bit parts, `large:A:B:C` of 32-bit), or None."""
    if (match := _STANDARD.fullmatch(value)) is not None:
        ok = all(len(part) <= 5 and int(part) <= 65535 for part in match.groups())
    elif (match := _LARGE.fullmatch(value)) is not None:
        ok = all(len(part) <= 10 and int(part) <= 4294967295 for part in match.groups())
    else:
        return f"{value!r} is not a BGP community: AA:NN (each 0-65535) or large:A:B:C (each 0-4294967295)"
    return None if ok else f"{value!r} has a part out of range: AA:NN (each 0-65535) or large:A:B:C (each 0-4294967295)"


def pool(name: str, labels: dict[str, str], addresses: list[str], origin: Origin | None = None) -> Pool:
    """An IPAddressPool's addresses read as MetalLB's ParseCIDR reads them; raises ValueError naming the entry."""
    entries = []
    networks: list[Network] = []
    for entry in addresses:
        covering = pool_networks([entry])
        entries.append((entry, covering[0].version, min(network.prefixlen for network in covering)))
        networks.extend(covering)
    return Pool(name, labels, tuple(networks), tuple(entries), origin)


def pool_networks(addresses: list[str]) -> tuple[Network, ...]:
    """CIDRs and `first-last` ranges as the CIDRs covering them, as MetalLB's ParseCIDR reads them.

    Raises ValueError saying which entry is wrong.
    """
    networks: list[Network] = []
    for entry in addresses:
        if "-" in entry:
            first_text, last_text = (part.strip() for part in entry.split("-", 1))
            first, last = parse_address(first_text), parse_address(last_text)
            # One branch per family, so the types check: summarize_address_range needs both of one family.
            if isinstance(first, ipaddress.IPv4Address) and isinstance(last, ipaddress.IPv4Address) and first <= last:  # noqa: SIM114
                networks.extend(ipaddress.summarize_address_range(first, last))
            elif isinstance(first, ipaddress.IPv6Address) and isinstance(last, ipaddress.IPv6Address) and first <= last:
                networks.extend(ipaddress.summarize_address_range(first, last))
            else:
                raise ValueError(f"{entry!r} is not an ascending range of one address family")
        else:
            networks.append(parse_network(entry, host_bits=True))
    return tuple(networks)


def _speaker_component(labels: dict[str, str]) -> str | None:
    """`speaker`, or `frr-k8s` for the daemon Pods that own the BGP sessions with MetalLB's FRR-K8s backend."""
    component = labels.get("app.kubernetes.io/component") or labels.get("component")
    return component if component in ("speaker", "frr-k8s") else None


def _spec_of(document: dict[str, Any]) -> Any:
    spec = document.get("spec")
    return {} if spec is None else spec


def _add_metallb(cluster: Cluster, origin: Origin, document: dict[str, Any]) -> None:
    namespace = cluster.metallb.setdefault(origin.namespace or "default", Namespace())
    spec = _spec_of(document)
    kind = origin.kind
    try:
        if kind == "BGPPeer":
            peer = BGPPeerSpec.model_validate(spec, by_alias=True)
            problem = peer_problem(peer)
            if problem is not None:
                cluster.invalid.append(InvalidInput(origin, *problem))
                return
            namespace.peers.append(Peer(origin, origin.name, peer))
        elif kind == "IPAddressPool":
            addresses = IPAddressPoolSpec.model_validate(spec, by_alias=True).addresses
            labels = ObjectMeta.model_validate(document.get("metadata")).labels
            try:
                namespace.pools[origin.name] = pool(origin.name, labels, addresses, origin)
            except ValueError as error:
                cluster.invalid.append(InvalidInput(origin, "spec.addresses", str(error)))
        elif kind == "BGPAdvertisement":
            advertisement = BGPAdvertisementSpec.model_validate(spec, by_alias=True)
            namespace.advertisements.append(Advertisement(origin, advertisement))
        elif kind == "BFDProfile":
            namespace.bfd_profiles[origin.name] = BFDProfileSpec.model_validate(spec, by_alias=True)
        elif kind == "Community":
            for index, alias in enumerate(CommunitySpec.model_validate(spec, by_alias=True).communities):
                why = community_problem(alias.value)
                if alias.name in namespace.communities:
                    why = f"duplicate definition of community {alias.name!r} (MetalLB refuses it too)"
                if why is not None:
                    cluster.invalid.append(InvalidInput(origin, f"spec.communities[{index}]", why))
                    return
                namespace.communities[alias.name] = alias.value
    except ValidationError as error:
        if error.title == ObjectMeta.__name__:
            cluster.invalid.append(invalid_input(origin, document.get("metadata"), error, prefix="metadata"))
        else:
            cluster.invalid.append(invalid_input(origin, spec, error, prefix="spec"))


def _speaker_labels(document: dict[str, Any]) -> dict[str, str]:
    """A Pod's labels before the Pod is checked: enough to tell whether it is a speaker at all."""
    metadata = document.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    if not isinstance(labels, dict):
        return {}
    return {key: value for key, value in labels.items() if isinstance(key, str) and isinstance(value, str)}


def _service(origin: Origin, service: ServiceObject) -> Service | InvalidInput | None:
    spec = service.spec
    if spec.type != "LoadBalancer":
        return None
    try:
        source_ranges = service.source_ranges
    except ValueError as error:
        # As an invalid spec range does: the Service is skipped, never opened to every source.
        return InvalidInput(origin, f"metadata.annotations[{SOURCE_RANGES_ANNOTATION}]", str(error))
    return Service(
        origin=origin,
        load_balancer_class=spec.load_balancer_class,
        ingress_ips=service.ingress_ips,
        ports=tuple(ServicePort(port.protocol.lower(), port.port) for port in spec.ports),
        source_ranges=source_ranges,
        annotations=service.metadata.annotations,
    )


# What one Node, Pod or Service contributes to a Cluster: its plain value, why it was skipped, or nothing.
CoreObject = Node | Speaker | Service | InvalidInput | None


def read_core(origin: Origin, document: dict[str, Any]) -> CoreObject:
    """A Node, a ready speaker Pod or a LoadBalancer Service as its plain value.

    One object alone decides it, so the controller reads each object once per change, not once per run.
    InvalidInput for an object that fails its model (it is skipped and reported); None for one frr-edge
    does not use (a Pod that is not a ready speaker, a Service of another type).
    """
    try:
        if origin.kind == "Node":
            node = NodeObject.model_validate(document)
            try:
                internal = node.internal_ips
            except ValueError as error:
                return InvalidInput(origin, "status.addresses", str(error))
            return Node(origin.name, node.metadata.labels, internal)
        if origin.kind == "Pod":
            if _speaker_component(_speaker_labels(document)) is None:
                return None
            pod = PodObject.model_validate(document)
            if pod.ready and pod.spec.node_name:
                component = _speaker_component(pod.metadata.labels) or "speaker"
                return Speaker(origin.namespace or "default", pod.spec.node_name, pod.ips, component)
            return None
        if origin.kind == "Service":
            return _service(origin, ServiceObject.model_validate(document))
    except ValidationError as error:
        return invalid_input(origin, document, error)
    return None


def is_core(kind: str, api_version: str) -> bool:
    """Whether `read_core` reads an object of this kind and apiVersion."""
    return kind in ("Node", "Pod", "Service") and api_version == "v1"


def add_core(cluster: Cluster, read: CoreObject) -> None:
    """Add what `read_core` read to the cluster."""
    if isinstance(read, Node):
        cluster.nodes[read.name] = read
    elif isinstance(read, Speaker):
        cluster.speakers.append(read)
    elif isinstance(read, Service):
        cluster.services.append(read)
    elif isinstance(read, InvalidInput):
        cluster.skipped.append(read)


def read_cluster(objects: Iterable[tuple[Origin, dict[str, Any]]], core: Iterable[CoreObject] = ()) -> Cluster:
    """Sort raw cluster objects into a Cluster; objects that fail are recorded, never raised.

    `core` holds Nodes, Pods and Services already read one by one with `read_core` (the controller keeps
    them so); they come before `objects`, as they would if listed first.
    """
    cluster = Cluster()
    for read in core:
        add_core(cluster, read)
    for origin, document in objects:
        api_version = str(document.get("apiVersion", ""))
        if api_version.split("/")[0] == METALLB_GROUP:
            _add_metallb(cluster, origin, document)
        elif origin.kind == "ConfigMap" and origin.name == "config" and isinstance(document.get("data"), dict):
            if "config" in document["data"]:
                cluster.legacy[origin.namespace or "default"] = (origin, document)
        elif is_core(origin.kind, api_version):
            add_core(cluster, read_core(origin, document))
    return cluster
