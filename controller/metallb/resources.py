"""What frr-edge reads from a cluster running MetalLB, in one normalised shape.

MetalLB's CRDs (BGPPeer v1beta2 and v1beta1, IPAddressPool, BGPAdvertisement, BFDProfile, Community), the
legacy ConfigMap `config` of MetalLB <= 0.12, Nodes, speaker Pods and Services all become the plain values
below. Only the fields frr-edge uses are modelled; everything else in those objects is ignored.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from controller.api.common import LabelSelector
from controller.errors import InvalidInput, Origin

METALLB_GROUP = "metallb.io"
EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"


class _Lenient(BaseModel):
    """MetalLB's own API is validated by MetalLB; unknown fields are ignored, not refused."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class SecretReference(_Lenient):
    name: str
    namespace: str | None = None


class BGPPeerSpec(_Lenient):
    my_asn: int = Field(alias="myASN", ge=0, le=4294967295)
    peer_asn: int | None = Field(default=None, alias="peerASN", ge=0, le=4294967295)
    local_asn: int | None = Field(default=None, alias="localASN", ge=0, le=4294967295)
    dynamic_asn: str | None = Field(default=None, alias="dynamicASN")
    peer_address: str | None = Field(default=None, alias="peerAddress")
    source_address: str | None = Field(default=None, alias="sourceAddress")
    peer_port: int | None = Field(default=None, alias="peerPort")
    hold_time: str | None = Field(default=None, alias="holdTime")
    keepalive_time: str | None = Field(default=None, alias="keepaliveTime")
    connect_time: str | None = Field(default=None, alias="connectTime")
    node_selectors: list[LabelSelector] = Field(default_factory=list, alias="nodeSelectors")
    password: str | None = None
    password_secret: SecretReference | None = Field(default=None, alias="passwordSecret")
    bfd_profile: str | None = Field(default=None, alias="bfdProfile")
    enable_graceful_restart: bool = Field(default=False, alias="enableGracefulRestart")
    ebgp_multi_hop: bool = Field(default=False, alias="ebgpMultiHop")


class BFDProfileSpec(_Lenient):
    receive_interval: int | None = Field(default=None, alias="receiveInterval")
    transmit_interval: int | None = Field(default=None, alias="transmitInterval")
    detect_multiplier: int | None = Field(default=None, alias="detectMultiplier")
    echo_interval: int | None = Field(default=None, alias="echoInterval")
    echo_mode: bool | None = Field(default=None, alias="echoMode")
    passive_mode: bool | None = Field(default=None, alias="passiveMode")
    minimum_ttl: int | None = Field(default=None, alias="minimumTtl")


class IPAddressPoolSpec(_Lenient):
    addresses: list[str]
    auto_assign: bool | None = Field(default=None, alias="autoAssign")


class BGPAdvertisementSpec(_Lenient):
    aggregation_length: int | None = Field(default=None, alias="aggregationLength", ge=0, le=32)
    aggregation_length_v6: int | None = Field(default=None, alias="aggregationLengthV6", ge=0, le=128)
    ip_address_pools: list[str] = Field(default_factory=list, alias="ipAddressPools")
    ip_address_pool_selectors: list[LabelSelector] = Field(default_factory=list, alias="ipAddressPoolSelectors")
    node_selectors: list[LabelSelector] = Field(default_factory=list, alias="nodeSelectors")
    peers: list[str] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Peer:
    """A BGPPeer: the speakers' view of one router address."""

    origin: Origin
    name: str
    spec: BGPPeerSpec


@dataclass(frozen=True, slots=True)
class Pool:
    """An IPAddressPool, its addresses as CIDRs (ranges are split into the CIDRs that cover them)."""

    name: str
    labels: dict[str, str]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


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
    protocol: str
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
    """Everything frr-edge derives from: MetalLB per namespace, Nodes, speakers, Services."""

    metallb: dict[str, Namespace] = field(default_factory=dict)
    legacy: dict[str, tuple[Origin, dict[str, Any]]] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    speakers: list[Speaker] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    invalid: list[InvalidInput] = field(default_factory=list)


def pool_networks(addresses: list[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """CIDRs and `first-last` ranges as the CIDRs covering them; raises ValueError on anything else."""
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for entry in addresses:
        if "-" in entry:
            first_text, last_text = (part.strip() for part in entry.split("-", 1))
            first, last = ipaddress.ip_address(first_text), ipaddress.ip_address(last_text)
            # One branch per family, so the types check: summarize_address_range needs both of one family.
            if isinstance(first, ipaddress.IPv4Address) and isinstance(last, ipaddress.IPv4Address) and first <= last:  # noqa: SIM114
                networks.extend(ipaddress.summarize_address_range(first, last))
            elif isinstance(first, ipaddress.IPv6Address) and isinstance(last, ipaddress.IPv6Address) and first <= last:
                networks.extend(ipaddress.summarize_address_range(first, last))
            else:
                raise ValueError(f"{entry!r} is not an ascending range of one address family")
        else:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
    return tuple(networks)


def _ready(pod: dict[str, Any]) -> bool:
    for condition in pod.get("status", {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return bool(condition.get("status") == "True")
    return False


def _speaker_component(labels: dict[str, str]) -> str | None:
    """`speaker`, or `frr-k8s` for the daemon Pods that own the BGP sessions with MetalLB's FRR-K8s backend."""
    component = labels.get("app.kubernetes.io/component") or labels.get("component")
    return component if component in ("speaker", "frr-k8s") else None


def _invalid(origin: Origin, error: ValidationError) -> InvalidInput:
    first = error.errors()[0]
    path = ".".join(str(step) for step in first["loc"])
    return InvalidInput(origin, path, str(first["msg"]).removeprefix("Value error, "))


def _add_metallb(cluster: Cluster, origin: Origin, document: dict[str, Any]) -> None:
    namespace = cluster.metallb.setdefault(origin.namespace or "default", Namespace())
    spec = document.get("spec") or {}
    kind = origin.kind
    try:
        if kind == "BGPPeer":
            namespace.peers.append(Peer(origin, origin.name, BGPPeerSpec.model_validate(spec, by_alias=True)))
        elif kind == "IPAddressPool":
            pool = IPAddressPoolSpec.model_validate(spec, by_alias=True)
            labels = (document.get("metadata") or {}).get("labels") or {}
            namespace.pools[origin.name] = Pool(origin.name, dict(labels), pool_networks(pool.addresses))
        elif kind == "BGPAdvertisement":
            namespace.advertisements.append(
                Advertisement(origin, BGPAdvertisementSpec.model_validate(spec, by_alias=True))
            )
        elif kind == "BFDProfile":
            namespace.bfd_profiles[origin.name] = BFDProfileSpec.model_validate(spec, by_alias=True)
        elif kind == "Community":
            for alias in spec.get("communities") or []:
                namespace.communities[str(alias.get("name"))] = str(alias.get("value"))
    except ValidationError as error:
        cluster.invalid.append(_invalid(origin, error))
    except ValueError as error:
        cluster.invalid.append(InvalidInput(origin, "spec.addresses", str(error)))


def _add_service(cluster: Cluster, origin: Origin, document: dict[str, Any]) -> None:
    spec = document.get("spec") or {}
    if spec.get("type") != "LoadBalancer":
        return
    ingress = (document.get("status") or {}).get("loadBalancer", {}).get("ingress") or []
    ports = tuple(
        ServicePort(str(port.get("protocol") or "TCP").lower(), int(port["port"]))
        for port in spec.get("ports") or []
        if isinstance(port, dict) and "port" in port
    )
    cluster.services.append(
        Service(
            origin=origin,
            load_balancer_class=spec.get("loadBalancerClass"),
            ingress_ips=tuple(str(entry["ip"]) for entry in ingress if isinstance(entry, dict) and entry.get("ip")),
            ports=ports,
            source_ranges=tuple(str(source) for source in spec.get("loadBalancerSourceRanges") or []),
            annotations=dict((document.get("metadata") or {}).get("annotations") or {}),
        )
    )


def read_cluster(objects: list[tuple[Origin, dict[str, Any]]]) -> Cluster:
    """Sort raw cluster objects into a Cluster; invalid MetalLB objects are recorded, never raised."""
    cluster = Cluster()
    for origin, document in objects:
        api_version = str(document.get("apiVersion", ""))
        metadata = document.get("metadata") or {}
        if api_version.split("/")[0] == METALLB_GROUP:
            _add_metallb(cluster, origin, document)
        elif origin.kind == "ConfigMap" and origin.name == "config" and "config" in (document.get("data") or {}):
            cluster.legacy[origin.namespace or "default"] = (origin, document)
        elif origin.kind == "Node":
            addresses = (document.get("status") or {}).get("addresses") or []
            internal = tuple(str(a["address"]) for a in addresses if a.get("type") == "InternalIP")
            cluster.nodes[origin.name] = Node(origin.name, dict(metadata.get("labels") or {}), internal)
        elif origin.kind == "Pod" and _speaker_component(dict(metadata.get("labels") or {})) and _ready(document):
            component = _speaker_component(dict(metadata.get("labels") or {})) or "speaker"
            status = document.get("status") or {}
            pod_ips = tuple(str(entry["ip"]) for entry in status.get("podIPs") or [] if entry.get("ip"))
            if not pod_ips and status.get("podIP"):
                pod_ips = (str(status["podIP"]),)
            node = (document.get("spec") or {}).get("nodeName")
            if node:
                cluster.speakers.append(Speaker(origin.namespace or "default", str(node), pod_ips, component))
        elif origin.kind == "Service":
            _add_service(cluster, origin, document)
    return cluster
