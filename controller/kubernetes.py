"""The Kubernetes core objects frr-edge reads (Service, Node, Pod, Secret, ConfigMap), as typed, checked values.

Only the fields frr-edge uses are modelled; every other field is ignored. What is modelled is checked as
the API server would (types strictly, as its structural schemas do: `port: "80"` or `asn: true` are errors,
not coerced) and addresses as frr-edge needs them (no zone, canonical). Nothing downstream reads raw dicts.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from controller.addresses import canonical_address, parse_network


class KubernetesObject(BaseModel):
    """Base of the models of objects other software defines: strict types, unknown fields ignored.

    Validators are built on first use (defer_build), as the API models' are (api/common.py, settings).
    """

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True, strict=True, defer_build=True
    )


def _source_network(value: str) -> str:
    # As the API server reads loadBalancerSourceRanges: blanks trimmed, host bits allowed
    # (pkg/apis/core/validation, ValidateLoadBalancerSourceRanges).
    return str(parse_network(value.strip(), host_bits=True))


Address = Annotated[str, Field(max_length=64), AfterValidator(canonical_address)]
MAX_SOURCE_RANGE_LENGTH = 64
SourceRange = Annotated[str, Field(max_length=MAX_SOURCE_RANGE_LENGTH), AfterValidator(_source_network)]
Name = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
Namespace = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]


class ObjectMeta(KubernetesObject):
    """Name, namespace, labels and annotations; label and annotation values are strings, as in Kubernetes."""

    name: Name
    namespace: Namespace | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class ServicePort(KubernetesObject):
    port: int = Field(ge=1, le=65535)
    protocol: Literal["TCP", "UDP", "SCTP"] = "TCP"


class ServiceSpec(KubernetesObject):
    type: str = "ClusterIP"
    ports: list[ServicePort] = Field(default_factory=list)
    load_balancer_class: str | None = None
    load_balancer_source_ranges: list[SourceRange] = Field(default_factory=list)


class LoadBalancerIngress(KubernetesObject):
    ip: Address | None = None
    hostname: str | None = None


class LoadBalancerStatus(KubernetesObject):
    ingress: list[LoadBalancerIngress] | None = None


class ServiceStatus(KubernetesObject):
    load_balancer: LoadBalancerStatus | None = None


# Kubernetes' older way to give a LoadBalancer Service's source ranges: comma-separated CIDRs, read only when
# spec.loadBalancerSourceRanges is empty (k8s.io/cloud-provider service helpers, GetLoadBalancerSourceRanges).
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


class Service(KubernetesObject):
    """A Service; frr-edge reads LoadBalancer Services' ports, addresses and source ranges."""

    metadata: ObjectMeta
    spec: ServiceSpec = Field(default_factory=ServiceSpec)
    status: ServiceStatus | None = None

    @property
    def source_ranges(self) -> tuple[str, ...]:
        """The sources allowed in, as Kubernetes' GetLoadBalancerSourceRanges reads them; () for every source.

        spec.loadBalancerSourceRanges first; when it is empty, the annotation (CIDRs separated by commas,
        blanks around each trimmed; an empty annotation means every source). Each CIDR is read as the spec's
        are (host bits allowed). Raises ValueError for an annotation entry that is not a CIDR.
        """
        if self.spec.load_balancer_source_ranges:
            return tuple(self.spec.load_balancer_source_ranges)
        annotation = self.metadata.annotations.get(SOURCE_RANGES_ANNOTATION, "").strip()
        if not annotation:
            return ()
        ranges = []
        for entry in annotation.split(","):
            if not entry.strip():
                raise ValueError(f"{annotation!r} has an empty entry between commas (each entry is a CIDR)")
            if len(entry.strip()) > MAX_SOURCE_RANGE_LENGTH:
                raise ValueError(f"{entry.strip()[:64]!r}... is not a CIDR")
            ranges.append(_source_network(entry))
        return tuple(ranges)

    @property
    def ingress_ips(self) -> tuple[str, ...]:
        """The addresses MetalLB assigned (status.loadBalancer.ingress[].ip), canonical."""
        if self.status is None or self.status.load_balancer is None:
            return ()
        return tuple(entry.ip for entry in self.status.load_balancer.ingress or () if entry.ip is not None)


class NodeAddress(KubernetesObject):
    type: str
    address: str


class NodeStatus(KubernetesObject):
    addresses: list[NodeAddress] | None = None


class Node(KubernetesObject):
    """A Node; frr-edge reads its labels and InternalIP addresses."""

    metadata: ObjectMeta
    status: NodeStatus | None = None

    @property
    def internal_ips(self) -> tuple[str, ...]:
        """InternalIP addresses, canonical; raises ValueError for one that is not an address."""
        addresses = self.status.addresses if self.status is not None else None
        return tuple(canonical_address(entry.address) for entry in addresses or () if entry.type == "InternalIP")


class PodCondition(KubernetesObject):
    type: str
    status: str


class PodIP(KubernetesObject):
    ip: Address


class PodStatus(KubernetesObject):
    conditions: list[PodCondition] | None = None
    pod_ip: Address | None = Field(default=None, alias="podIP")
    pod_ips: list[PodIP] | None = Field(default=None, alias="podIPs")


class PodSpec(KubernetesObject):
    node_name: str | None = None


class Pod(KubernetesObject):
    """A Pod; frr-edge reads speaker Pods: their node, readiness and addresses."""

    metadata: ObjectMeta
    spec: PodSpec = Field(default_factory=PodSpec)
    status: PodStatus | None = None

    @property
    def ready(self) -> bool:
        conditions = self.status.conditions if self.status is not None else None
        return any(c.type == "Ready" and c.status == "True" for c in conditions or ())

    @property
    def ips(self) -> tuple[str, ...]:
        """status.podIPs, else status.podIP."""
        if self.status is None:
            return ()
        if self.status.pod_ips:
            return tuple(entry.ip for entry in self.status.pod_ips)
        return (self.status.pod_ip,) if self.status.pod_ip else ()


def _base64_text(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("is not base64-encoded UTF-8 text") from None


class Secret(KubernetesObject):
    """A Secret: `data` (base64) and `stringData` (text), both string to string, as Kubernetes has them."""

    metadata: ObjectMeta
    type: str = "Opaque"
    data: dict[str, Annotated[str, AfterValidator(_base64_text)]] = Field(default_factory=dict)
    string_data: dict[str, str] = Field(default_factory=dict)

    @property
    def values(self) -> dict[str, str]:
        """Every key's text; stringData wins over data, as the API server merges them."""
        return {**self.data, **self.string_data}


class ConfigMap(KubernetesObject):
    """A ConfigMap; frr-edge reads MetalLB's legacy `config`."""

    metadata: ObjectMeta
    data: dict[str, str] = Field(default_factory=dict)
