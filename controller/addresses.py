"""IP addresses and prefixes as frr-edge accepts them: plain ASCII text, no IPv6 zone, canonical form.

Python's `ipaddress` accepts an IPv6 zone of any text (`fe80::1%<anything>`, newlines included) and keeps it
in `str()`; a zone would then reach FRR or nft inside a command. No field frr-edge renders has a place for a
zone, so every address and prefix from any input is read here and nowhere else (a test keeps it so). The
rules are Kubernetes' CEL `isIP`/`ip()` rules (k8s.io/apiserver pkg/cel/library/ip.go): no zone, no
IPv4-mapped IPv6 address.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_ADDRESS_LENGTH = 45  # the longest IPv6 text: 8 groups with an embedded IPv4 address
MAX_PREFIX_LENGTH = MAX_ADDRESS_LENGTH + 4

_ADDRESS_TEXT = re.compile(r"[0-9A-Fa-f:.]+", re.ASCII)
_PREFIX_TEXT = re.compile(r"[0-9A-Fa-f:.]+/[0-9]{1,3}", re.ASCII)
_IPV4_PREFIX = re.compile(
    r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\."
    r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    r"/(3[0-2]|[12]?[0-9])",
    re.ASCII,
)


def _shown(text: str) -> str:
    """The value for an error message: quoted, control characters escaped, long values cut."""
    return repr(text if len(text) <= 64 else text[:64] + "...")


def _no_zone(text: str) -> None:
    if "%" in text:
        raise ValueError(f"{_shown(text)} has an IPv6 zone (%...); no field takes one")


def parse_address(text: str) -> Address:
    """An IPv4 or IPv6 address; raises ValueError saying what is wrong (zone, v4-mapped, not an address)."""
    _no_zone(text)
    if len(text) > MAX_ADDRESS_LENGTH or _ADDRESS_TEXT.fullmatch(text) is None:
        raise ValueError(f"{_shown(text)} is not an IPv4 or IPv6 address")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"{_shown(text)} is not an IPv4 or IPv6 address") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        raise ValueError(f"{_shown(text)} is an IPv4-mapped IPv6 address; write {address.ipv4_mapped} instead")
    return address


@lru_cache(maxsize=65536)
def canonical_address(text: str) -> str:
    """The canonical text of an address (IPv6 compressed, lower case); raises ValueError."""
    return str(parse_address(text))


def parse_network(text: str, host_bits: bool = False) -> Network:
    """A prefix such as 192.0.2.0/24; with host_bits, 192.0.2.7/24 means its network 192.0.2.0/24.

    Raises ValueError saying what is wrong: no prefix length, host bits set, zone, not a prefix.
    """
    _no_zone(text)
    if "/" not in text:
        raise ValueError(f"{_shown(text)} has no prefix length; write it as a CIDR such as 192.0.2.0/24")
    if len(text) > MAX_PREFIX_LENGTH or _PREFIX_TEXT.fullmatch(text) is None:
        raise ValueError(f"{_shown(text)} is not a CIDR prefix such as 192.0.2.0/24 or 2001:db8::/64")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"{_shown(text)} is not a CIDR prefix such as 192.0.2.0/24 or 2001:db8::/64") from None
    if isinstance(network, ipaddress.IPv6Network) and network.network_address.ipv4_mapped is not None:
        raise ValueError(f"{_shown(text)} is an IPv4-mapped IPv6 prefix; write the IPv4 prefix instead")
    if not host_bits and int(network.network_address) != int(ipaddress.ip_address(text.split("/")[0])):
        raise ValueError(f"{_shown(text)} has host bits set; the prefix is {network}")
    return network


@lru_cache(maxsize=65536)
def canonical_network(text: str) -> str:
    """The canonical text of a prefix without host bits; raises ValueError."""
    # Fast path for the common case, a canonical IPv4 prefix: tens of thousands of Service addresses.
    match = _IPV4_PREFIX.fullmatch(text)
    if match is not None:
        address = 0
        for octet in match.groups()[:4]:
            address = address * 256 + int(octet)
        if address & ((1 << (32 - int(match[5]))) - 1) == 0:
            return text
    return str(parse_network(text))


def host_prefix(address: str) -> str:
    """`address/32` or `address/128` for a canonical address."""
    return f"{address}/{128 if ':' in address else 32}"


def family(address_or_prefix: str) -> int:
    """4 or 6, for a canonical address or prefix."""
    return 6 if ":" in address_or_prefix else 4


def not_a_peer(address: Address) -> str | None:
    """Why an address cannot be a BGP neighbor (unspecified, loopback, multicast, broadcast), or None."""
    if address.is_unspecified:
        return "is the unspecified address"
    if address.is_loopback:
        return "is a loopback address"
    if address.is_multicast:
        return "is a multicast address"
    if address == ipaddress.IPv4Address("255.255.255.255"):
        return "is the broadcast address"
    return None


def not_a_next_hop(address: Address) -> str | None:
    """Why FRR refuses an address as a route-map next hop, or None.

    FRR's route-map validation (bgpd `set ip next-hop`, `set ipv6 next-hop global`) refuses an unspecified,
    multicast or reserved (240.0.0.0/4) IPv4 address, and an unspecified, loopback, multicast or link-local
    IPv6 address (a link-local next hop is `set ipv6 next-hop local`, which FRR-K8s does not offer).
    """
    if address.is_unspecified:
        return "is the unspecified address"
    if address.is_multicast:
        return "is a multicast address"
    if address.version == 4 and address.is_reserved:
        return "is a reserved address (240.0.0.0/4)"
    if address.version == 6 and address.is_loopback:
        return "is the loopback address"
    if address.version == 6 and address.is_link_local:
        return "is a link-local address, not a global one"
    return None


@lru_cache(maxsize=65536)
def sort_key(address_or_prefix: str) -> tuple[int, int, int]:
    """(family, address as a number, prefix length): addresses and prefixes in numeric order, v4 first."""
    if "/" in address_or_prefix:
        network = parse_network(address_or_prefix, host_bits=True)
        return network.version, int(network.network_address), network.prefixlen
    address = parse_address(address_or_prefix)
    return address.version, int(address), address.max_prefixlen


def collapse(prefixes: list[str]) -> list[str]:
    """Canonical prefixes of one family merged into the fewest that cover the same addresses, in order."""
    networks = [parse_network(prefix) for prefix in prefixes]
    return [str(network) for network in ipaddress.collapse_addresses(networks)]  # type: ignore[type-var]
