"""FirewallPolicy: which traffic to Service addresses the router forwards, and at what rate."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from controller.addresses import MAX_PREFIX_LENGTH, canonical_address, parse_network
from controller.api.common import API_VERSION, CIDR, LabelSelector, Model, ObjectMeta, Word, cel, settings
from controller.api.ratelimit import parse_rate

# Bounds of one object as users write it; see MAX_NEIGHBORS in frrconfiguration.py for why.
MAX_ALLOW_RULES = 2000
PORTED_PROTOCOLS = ("tcp", "udp", "sctp")

_PORT_RANGE = re.compile(r"([0-9]{1,5})(?:-([0-9]{1,5}))?", re.ASCII)


def port_range(value: int | str) -> tuple[int, int]:
    """A port or `first-last` range as a (first, last) pair; raises ValueError when out of 1-65535."""
    match = _PORT_RANGE.fullmatch(str(value))
    if match is None:
        raise ValueError(f"{value!r} is not a port (1-65535) or a range such as 8000-8080")
    first = int(match[1])
    last = int(match[2] or first)
    if not 1 <= first <= last <= 65535:
        raise ValueError(f"{value!r} is not a port (1-65535) or an ascending range such as 8000-8080")
    return first, last


def _port(value: int | str) -> int | str:
    port_range(value)
    return value


Port = Annotated[
    int | str,
    AfterValidator(_port),
    Field(
        json_schema_extra={
            "x-kubernetes-int-or-string": True,
            "maxLength": 11,
            "x-kubernetes-validations": [
                cel(
                    "type(self) == int ? (self >= 1 && self <= 65535) : self.matches('^[0-9]{1,5}(-[0-9]{1,5})?$')",
                    "must be a port (1-65535) or a range such as 8000-8080",
                )
            ],
        }
    ),
]


def _rate(value: str) -> str:
    parse_rate(value)
    return value


Rate = Annotated[
    str,
    Field(max_length=64, pattern=r"^[0-9]+ ?[a-z]*/[a-z]+( burst [0-9]+ ?[a-z]*)?$"),
    AfterValidator(_rate),
]
Protocol = Literal["tcp", "udp", "sctp", "icmp", "icmpv6"]


class AllowRule(Model):
    """Traffic to accept: a protocol, its ports, to these destinations, from these sources."""

    model_config = settings(
        cel(
            "!(self.protocol in ['icmp', 'icmpv6']) || !has(self.ports) || size(self.ports) == 0",
            "icmp and icmpv6 rules have no ports",
        )
    )

    name: Word = Field(description="Name of the rule, unique within the policy.")
    protocol: Protocol = Field(description="tcp, udp, sctp, icmp or icmpv6.")
    ports: list[Port] = Field(
        default_factory=list,
        max_length=64,
        description='Destination ports and ranges ("8000-8080"); empty means every port.',
    )
    destinations: list[CIDR] = Field(
        min_length=1, max_length=1024, description="Destination prefixes (Service IPs as /32 or /128)."
    )
    sources: list[CIDR] = Field(
        default_factory=list, max_length=1024, description="Source prefixes; empty means any source."
    )

    @model_validator(mode="after")
    def _icmp_has_no_ports(self) -> AllowRule:
        if self.protocol in ("icmp", "icmpv6") and self.ports:
            raise ValueError("icmp and icmpv6 rules have no ports")
        return self


def _service_address(value: str) -> str:
    """One address, written bare or as a host prefix (`203.0.113.10/32`), as the address."""
    if "/" not in value:
        return canonical_address(value)
    network = parse_network(value)
    if network.prefixlen != network.max_prefixlen:
        raise ValueError(
            f"{value} is a /{network.prefixlen} prefix; a rate limit applies to one Service address: "
            f"write it as an address or a host prefix (/{network.max_prefixlen})"
        )
    return str(network.network_address)


# allow[].destinations are CIDRs, so a Service address copied from there (`203.0.113.10/32`) is taken too.
ServiceAddress = Annotated[
    str,
    AfterValidator(_service_address),
    Field(
        max_length=MAX_PREFIX_LENGTH,
        json_schema_extra={
            "x-kubernetes-validations": [
                cel(
                    "isIP(self) || (isCIDR(self) && "
                    "cidr(self).prefixLength() == (cidr(self).ip().family() == 4 ? 32 : 128))",
                    "must be an IP address or a host prefix (/32 or /128)",
                )
            ]
        },
    ),
]


class RateLimitRule(Model):
    """A rate limit on traffic to one Service address, protocol and port."""

    destination: ServiceAddress = Field(
        description="The Service address, bare or as a host prefix (203.0.113.10 or 203.0.113.10/32)."
    )
    protocol: Literal["tcp", "udp", "sctp"] = Field(description="tcp, udp or sctp.")
    port: int = Field(ge=1, le=65535, description="Destination port.")
    rate: Rate = Field(
        description="Rate in nft limit syntax: '<n> <unit>/<period> [burst <n> <unit>]', units bytes, "
        "kbytes, mbytes or packets, periods second, minute, hour, day, week; traffic above it is dropped."
    )


class FirewallPolicySpec(Model):
    """Firewall rules for the Routers selected by routerSelector."""

    router_selector: LabelSelector = Field(
        default_factory=LabelSelector,
        description="Labels of the Router objects this policy applies to; empty selects all.",
    )
    default_action: Literal["drop", "accept"] | None = Field(
        default=None,
        description="What happens to forwarded traffic no rule accepts; policies for one router must agree. "
        "Unset leaves the choice to the others (drop when none sets it).",
    )
    allow: list[AllowRule] = Field(
        default_factory=list,
        max_length=MAX_ALLOW_RULES,
        description="Traffic to accept.",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )
    rate_limits: list[RateLimitRule] = Field(
        default_factory=list, max_length=MAX_ALLOW_RULES, description="Rate limits per Service port."
    )


class FirewallPolicy(Model):
    """Firewall rules for one or more Routers."""

    model_config = settings(extra="ignore")

    api_version: str = API_VERSION
    kind: Literal["FirewallPolicy"] = "FirewallPolicy"
    metadata: ObjectMeta
    spec: FirewallPolicySpec = Field(default_factory=FirewallPolicySpec)
