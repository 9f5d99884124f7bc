"""What MetalLB refuses across its objects, refused here too: frr-edge never mirrors a configuration MetalLB
would not run, and never widens what the router accepts.

Rules restated from MetalLB's config parser (metallb/metallb internal/config/config.go: poolsFor,
peersFor, bgpAdvertisementFromCR, validateBGPAdvPerPool, communitiesFromCrs; community.New for values).
Per-object rules (timers, ASNs, BFD ranges, CIDR syntax) are checked when each object is read
(resources.py); these need several objects at once. Each raises InvalidInput naming the object and field.
"""

from __future__ import annotations

from itertools import combinations

from controller.addresses import Network
from controller.errors import InvalidInput
from controller.metallb.resources import Advertisement, Namespace, Pool, community_problem


def advertised_pools(namespace: Namespace, advertisement: Advertisement) -> list[Pool]:
    """The pools a BGPAdvertisement announces: by name and selector, every pool when it names none."""
    spec = advertisement.spec
    if not spec.ip_address_pools and not spec.ip_address_pool_selectors:
        return list(namespace.pools.values())
    names = set(spec.ip_address_pools)
    return [
        pool
        for pool in namespace.pools.values()
        if pool.name in names or any(s.matches(pool.labels) for s in spec.ip_address_pool_selectors)
    ]


def check_namespace(namespace: Namespace) -> None:
    """MetalLB's cross-object rules for one namespace's configuration; raises InvalidInput."""
    _check_pools(namespace)
    for advertisement in namespace.advertisements:
        _check_advertisement(namespace, advertisement)
    _check_local_preferences(namespace)


def _check_pools(namespace: Namespace) -> None:
    """poolsFor: no CIDR of any pool may overlap another (within one pool, or across pools)."""
    seen: list[tuple[Pool, Network]] = []
    for pool in sorted(namespace.pools.values(), key=lambda p: p.name):
        for network in pool.networks:
            for other_pool, other in seen:
                if network.version == other.version and _overlap(network, other):
                    origin = pool.origin if pool.origin is not None else other_pool.origin
                    assert origin is not None
                    raise InvalidInput(
                        origin,
                        "spec.addresses",
                        f"CIDR {network} in pool {pool.name} overlaps with CIDR {other} of pool {other_pool.name} "
                        "(MetalLB refuses it too)",
                    )
            seen.append((pool, network))


def _overlap(one: Network, other: Network) -> bool:
    return int(one.network_address) <= int(other.broadcast_address) and int(other.network_address) <= int(
        one.broadcast_address
    )


def _check_advertisement(namespace: Namespace, advertisement: Advertisement) -> None:
    spec, origin = advertisement.spec, advertisement.origin
    for field_name, values in (
        ("ipAddressPools", spec.ip_address_pools),
        ("communities", spec.communities),
        ("peers", spec.peers),
    ):
        if len(set(values)) != len(values):
            raise InvalidInput(origin, f"spec.{field_name}", "duplicate definition (MetalLB refuses it too)")
    if spec.service_selectors:
        if spec.aggregation_length not in (None, 32):
            raise InvalidInput(
                origin, "spec.aggregationLength", "serviceSelectors and aggregationLength are mutually exclusive"
            )
        if spec.aggregation_length_v6 not in (None, 128):
            raise InvalidInput(
                origin, "spec.aggregationLengthV6", "serviceSelectors and aggregationLengthV6 are mutually exclusive"
            )
    for index, community in enumerate(spec.communities):
        if community not in namespace.communities and (why := community_problem(community)) is not None:
            raise InvalidInput(origin, f"spec.communities[{index}]", f"{why}, nor a Community alias")
    for pool in advertised_pools(namespace, advertisement):
        for entry, of_family, lowest in pool.entries:
            length = spec.aggregation_length if of_family == 4 else spec.aggregation_length_v6
            field_name = "aggregationLength" if of_family == 4 else "aggregationLengthV6"
            if length is not None and length < lowest:
                raise InvalidInput(
                    origin,
                    f"spec.{field_name}",
                    f"invalid aggregation length {length}: prefix {lowest} in pool {pool.name} is more specific than "
                    f"the aggregation length for addresses {entry} (MetalLB refuses it too)",
                )


def _check_local_preferences(namespace: Namespace) -> None:
    """validateBGPAdvPerPool: two advertisements of one pool with the same aggregation lengths, without
    serviceSelectors, must agree on localPref (MetalLB could not tell which one a route gets)."""
    for first, second in combinations(namespace.advertisements, 2):
        a, b = first.spec, second.spec
        if a.service_selectors or b.service_selectors or a.local_pref == b.local_pref:
            continue
        if (a.aggregation_length or 32, a.aggregation_length_v6 or 128) != (
            b.aggregation_length or 32,
            b.aggregation_length_v6 or 128,
        ):
            continue
        shared = {p.name for p in advertised_pools(namespace, first)} & {
            p.name for p in advertised_pools(namespace, second)
        }
        if shared:
            raise InvalidInput(
                second.origin,
                "spec.localPref",
                f"local preference {b.local_pref} differs from {a.local_pref} of BGPAdvertisement {first.origin.ref} "
                f"for pool {min(shared)} with the same aggregation lengths (MetalLB refuses it too)",
            )
