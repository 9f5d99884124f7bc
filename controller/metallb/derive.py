"""Derive a router's configuration from the cluster: neighbors and prefixes from MetalLB, firewall from Services.

Pure: a Router and a Cluster in, an FRRConfiguration `metallb-<router>` and a FirewallPolicy
`metallb-services` out, plus warnings for the objects that were skipped (they become Events).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from controller.addresses import Network, family, host_prefix, not_a_peer, parse_address
from controller.api import FirewallPolicy, FRRConfiguration, Router
from controller.api.duration import duration_seconds
from controller.api.firewallpolicy import AllowRule, RateLimitRule
from controller.api.frrconfiguration import SESSION_FIELDS, SESSION_FIELDS_IF_SET, Neighbor
from controller.api.ratelimit import RateLimitError, parse_rate
from controller.errors import REDACTED, InputWarning, InvalidInput, MergeConflict, Origin, invalid_input
from controller.inputs import SecretData, password_from
from controller.metallb import fields
from controller.metallb.legacy import read_legacy
from controller.metallb.resources import (
    EXCLUDE_LABEL,
    Cluster,
    Namespace,
    Node,
    Peer,
    Pool,
    Service,
    Speaker,
)
from controller.metallb.validate import advertised_pools, check_namespace

RATE_LIMIT_ANNOTATIONS = ("frr-edge.dev/rate-limit", "ratelimit")
GENERATED_LABEL = "frr-edge.dev/generated"
# Wide enough for every speaker of a large cluster; a constant, so a node joining does not rewrite it.
ECMP_PATHS = 64
_PROTOCOLS = ("tcp", "udp", "sctp")


@dataclass(slots=True)
class DerivedFRR:
    """What the cluster contributes to one router's FRR: the FRRConfiguration, None when no BGPPeer targets it.

    `bgp_ports` maps a speaker's address to the port it dials the router on (BGPPeer peerPort), for the
    firewall; speakers dialing 179 are not listed.
    """

    frr: FRRConfiguration | None
    warnings: list[InputWarning] = field(default_factory=list)
    bgp_ports: dict[str, int] = field(default_factory=dict)


def metallb_namespace(router: Router, cluster: Cluster) -> Namespace:
    """MetalLB's configuration for the router's namespace: the CRDs, else the legacy ConfigMap."""
    name = router.spec.metallb.namespace
    namespace = cluster.metallb.get(name)
    if namespace is not None and (namespace.peers or namespace.pools):
        return namespace
    if name in cluster.legacy:
        origin, document = cluster.legacy[name]
        return read_legacy(origin, document)
    return namespace or Namespace()


def _targets(router: Router, namespace: Namespace, warnings: list[InputWarning]) -> list[Peer]:
    """The BGPPeers of this router, and warnings for their fields the router does not mirror."""
    addresses = set(router.spec.peering_addresses)
    targets = []
    for peer in sorted(namespace.peers, key=lambda p: p.name):
        kind = "ConfigMap" if peer.origin.kind == "ConfigMap" else "BGPPeer"
        if peer.spec.interface:  # unnumbered: no peerAddress says whether it is about this router
            warnings += fields.warnings(peer.origin, kind, {"interface": peer.spec.interface}, peer.at)
            continue
        if peer.spec.peer_address not in addresses:
            continue
        port = "peers[].peer-port" if kind == "ConfigMap" else "peerPort"
        values = (
            {port: peer.spec.peer_port} if kind == "ConfigMap" else {port: peer.spec.peer_port, "vrf": peer.spec.vrf}
        )
        warnings += fields.warnings(peer.origin, kind, values, peer.at)
        targets.append(peer)
    return targets


def _router_asn(peer: Peer, asn_hint: int | None) -> int:
    if peer.spec.peer_asn:
        return peer.spec.peer_asn
    if peer.spec.dynamic_asn == "internal":
        return peer.spec.my_asn
    if asn_hint is not None:
        return asn_hint
    raise InvalidInput(
        peer.origin,
        "spec.dynamicASN",
        "the router's AS number cannot be derived from dynamicASN external; "
        "set it in an FRRConfiguration for this router",
    )


def _nodes_of(peer: Peer, cluster: Cluster, speakers: list[Speaker]) -> list[tuple[Node, Speaker]]:
    selected = []
    seen: set[str] = set()
    for speaker in sorted(speakers, key=lambda s: (s.node, s.component != "frr-k8s")):
        node = cluster.nodes.get(speaker.node)
        if node is None or EXCLUDE_LABEL in node.labels or node.name in seen:
            continue
        seen.add(node.name)
        if peer.spec.node_selectors and not any(s.matches(node.labels) for s in peer.spec.node_selectors):
            continue
        selected.append((node, speaker))
    return sorted(selected, key=lambda pair: pair[0].name)


def _neighbor_address(
    router: Router, peer: Peer, node: Node, speaker: Speaker, warnings: list[InputWarning]
) -> str | None:
    """The speaker's address of the BGPPeer's family, or None; an address no neighbor can have is skipped."""
    wanted = family(str(peer.spec.peer_address))
    if peer.spec.source_address:
        return peer.spec.source_address if family(peer.spec.source_address) == wanted else None
    pod_ip = router.spec.metallb.neighbor_address == "SpeakerPodIP"
    candidates = speaker.pod_ips if pod_ip else node.internal_ips
    for candidate in candidates:
        if family(candidate) != wanted:
            continue
        why = not_a_peer(parse_address(candidate))
        if why is None and candidate in [*router.spec.peering_addresses, router.spec.address]:
            why = "is an address of the router itself"
        if why is not None:
            where = "Pod IP" if pod_ip else "InternalIP"
            origin = Origin("Node", None, node.name)
            warnings.append(InputWarning(origin, f"not a BGP neighbor: its {where} {candidate} {why}", "ObjectSkipped"))
            return None
        return candidate
    return None


def _pools_for(namespace: Namespace, peer: Peer, node: Node) -> list[tuple[Pool, int | None, int | None]]:
    """(pool, aggregation length v4, v6) for every advertisement that announces to this peer from this node."""
    found = []
    for advertisement in namespace.advertisements:
        spec = advertisement.spec
        if spec.peers and peer.name not in spec.peers:
            continue
        if spec.node_selectors and not any(s.matches(node.labels) for s in spec.node_selectors):
            continue
        pools = advertised_pools(namespace, advertisement)
        found += [(pool, spec.aggregation_length, spec.aggregation_length_v6) for pool in pools]
    return found


def receive_selector(network: Network, aggregation: int | None) -> dict[str, Any]:
    """The prefix selector accepting exactly what a speaker announces for addresses of `network`.

    MetalLB announces each Service address aggregated to `aggregation` bits (32/128 by default). A length
    shorter than every prefix of a pool entry is refused before this (`_check_aggregation`); one shorter
    than a part of a range entry is announced by MetalLB as exactly that aggregate, accepted exactly.
    """
    length = network.max_prefixlen if aggregation is None else aggregation
    if length < network.prefixlen:
        return {"prefix": str(network.supernet(new_prefix=length)), "le": length}
    if length == network.prefixlen:
        return {"prefix": str(network), "le": length}
    return {"prefix": str(network), "ge": length, "le": length}


def _whole_seconds(text: str | None) -> str | None:
    """A MetalLB duration as FRR gets it: whole seconds, truncated as MetalLB's parseTimers does."""
    return None if text is None else f"{int(duration_seconds(text))}s"


def _neighbor(peer: Peer, address: str, receive: list[dict[str, Any]]) -> dict[str, Any]:
    spec = peer.spec
    neighbor: dict[str, Any] = {
        "address": address,
        "asn": spec.local_asn or spec.my_asn,
        "toReceive": {"allowed": {"prefixes": receive}},
    }
    optional = {
        "holdTime": _whole_seconds(spec.hold_time),
        "keepaliveTime": _whole_seconds(spec.keepalive_time),
        "connectTime": spec.connect_time,
        "bfdProfile": spec.bfd_profile,
        "password": spec.password,
    }
    neighbor.update({key: value for key, value in optional.items() if value})
    if spec.dual_stack_address_family:
        neighbor["dualStackAddressFamily"] = True
    if spec.password_secret is not None:
        neighbor["passwordSecret"] = {
            "name": spec.password_secret.name,
            "namespace": spec.password_secret.namespace or peer.origin.namespace,
        }
    if spec.ebgp_multi_hop:
        # The speakers dial the BGPPeer's peerAddress from afar: answer and dial from that same address.
        neighbor["ebgpMultiHop"] = True
        neighbor["sourceaddress"] = spec.peer_address
    if spec.enable_graceful_restart:
        neighbor["enableGracefulRestart"] = True
    return neighbor


# Where a derived neighbor's field comes from in the BGPPeer, to name it when the neighbor is invalid.
_PEER_FIELDS = {
    "asn": "spec.myASN",
    "holdTime": "spec.holdTime",
    "keepaliveTime": "spec.keepaliveTime",
    "connectTime": "spec.connectTime",
    "bfdProfile": "spec.bfdProfile",
    "password": "spec.password",
    "passwordSecret": "spec.passwordSecret",
    "sourceaddress": "spec.peerAddress",
}
# A MetalLB BFDProfile as the router's side of the same session, by the router's field for each of the
# speaker's. The intervals cross over: a BFD system sends at the larger of its own desired minimum transmit
# interval and its peer's required minimum receive interval (RFC 5880 section 6.8.2), so the router
# transmits as fast as the speaker wants to receive and requires no slower than the speaker wants to send;
# both directions then run at the speaker's own figures. The multiplier is the same on both ends. Never
# passive (a passive speaker waits for the router); echo and minimum TTL are the speaker's own (fields.py).
_BFD_COUNTERPART = {
    "receiveInterval": "transmitInterval",
    "transmitInterval": "receiveInterval",
    "detectMultiplier": "detectMultiplier",
}


def _validated(peer: Peer, neighbor: dict[str, Any]) -> Neighbor:
    """The derived neighbor as frr-edge's API checks it; raises InvalidInput naming the BGPPeer's field."""
    try:
        return Neighbor.model_validate(neighbor)
    except ValidationError as error:
        problem = invalid_input(peer.origin, neighbor, error)
        field_name = problem.field.split(".")[0].split("[")[0]
        where = _PEER_FIELDS.get(field_name, "spec")
        raise InvalidInput(peer.origin, where, f"as a router neighbor: {problem.field}: {problem.why}") from None


def _check_password_secret(peer: Peer, secrets: Mapping[tuple[str, str], SecretData]) -> None:
    """MetalLB's rule for a BGPPeer's passwordSecret: it exists, is kubernetes.io/basic-auth, has `password`.

    Raises InvalidInput naming the BGPPeer, spec.passwordSecret and the Secret (never its value).
    """
    reference = peer.spec.password_secret
    if reference is None:
        return
    try:
        password_from(secrets, reference.namespace or peer.origin.namespace or "default", reference.name)
    except ValueError as error:
        raise InvalidInput(peer.origin, "spec.passwordSecret", str(error)) from None


def derive_frr(
    router: Router, cluster: Cluster, asn_hint: int | None, secrets: Mapping[tuple[str, str], SecretData]
) -> DerivedFRR:
    """The FRRConfiguration `metallb-<router>` of a router with `metallb.enabled`, what is not mirrored, and
    the ports speakers dial.

    `secrets` are read only to check each BGPPeer's passwordSecret as MetalLB does (merge reads the value).
    Raises InvalidInput (an invalid object in the router's MetalLB namespace spoils it) or MergeConflict.
    """
    for invalid in cluster.invalid:
        if invalid.origin.namespace == router.spec.metallb.namespace:
            raise invalid
    derived = DerivedFRR(frr=None)
    warnings = derived.warnings
    namespace = metallb_namespace(router, cluster)
    peers = _targets(router, namespace, warnings)
    if not peers:
        return derived
    check_namespace(namespace)
    # frr-k8s may run in a namespace of its own (frr-k8s-system); MetalLB's speakers run in MetalLB's.
    speakers = [s for s in cluster.speakers if s.namespace == router.spec.metallb.namespace or s.component == "frr-k8s"]
    router_asn: int | None = None
    asn_owner: Peer | None = None
    neighbors: dict[str, Neighbor] = {}
    owners: dict[str, Peer] = {}
    profiles: dict[str, dict[str, Any]] = {}
    for peer in peers:
        asn = _router_asn(peer, asn_hint)
        if router_asn is None:
            router_asn, asn_owner = asn, peer
        elif asn != router_asn and asn_owner is not None:
            raise MergeConflict(
                f"router {router.metadata.name}", "peerASN", asn_owner.origin, str(router_asn), peer.origin, str(asn)
            )
        _check_password_secret(peer, secrets)
        if peer.spec.bfd_profile:
            profile = namespace.bfd_profiles.get(peer.spec.bfd_profile)
            if profile is None:
                raise InvalidInput(
                    peer.origin,
                    "spec.bfdProfile",
                    f"BFDProfile {peer.spec.bfd_profile!r} not found in {peer.origin.namespace}",
                )
            speaker_side = profile.model_dump(by_alias=True, exclude_none=True)
            router_side = {_BFD_COUNTERPART[k]: v for k, v in speaker_side.items() if k in _BFD_COUNTERPART}
            profiles[peer.spec.bfd_profile] = {"name": peer.spec.bfd_profile, **router_side}
        for node, speaker in _nodes_of(peer, cluster, speakers):
            address = _neighbor_address(router, peer, node, speaker, warnings)
            if address is None:
                continue
            receive = []
            families = {4, 6} if peer.spec.dual_stack_address_family else {family(address)}
            for pool, aggregation_v4, aggregation_v6 in _pools_for(namespace, peer, node):
                for network in pool.networks:
                    if network.version in families:
                        aggregation = aggregation_v4 if network.version == 4 else aggregation_v6
                        receive.append(receive_selector(network, aggregation))
            neighbor = _validated(peer, _neighbor(peer, address, receive))
            if peer.spec.peer_port not in (None, 179):
                derived.bgp_ports[address] = peer.spec.peer_port
            existing = neighbors.get(address)
            if existing is None:
                neighbors[address], owners[address] = neighbor, peer
                continue
            dialed = (owners[address].spec.peer_port or 179, peer.spec.peer_port or 179)
            if dialed[0] != dialed[1]:  # the port the speaker dials: one session has one
                where = f"router {router.metadata.name} speaker {address}"
                raise MergeConflict(
                    where, "peerPort", owners[address].origin, str(dialed[0]), peer.origin, str(dialed[1])
                )
            neighbors[address] = _merged(router, address, existing, owners[address], neighbor, peer)
    configuration = FRRConfiguration.model_validate(
        {
            "metadata": _metadata(f"metallb-{router.metadata.name}", router),
            "spec": {
                "bgp": {
                    "routers": [{"asn": router_asn, "maximumPaths": ECMP_PATHS}],
                    "bfdProfiles": [profiles[name] for name in sorted(profiles)],
                }
            },
        }
    )
    # Every neighbor is validated on its own; the list is not bound by the CRD's limit on one object.
    bgp_router = configuration.spec.bgp.routers[0].model_copy(
        update={"neighbors": [neighbors[address] for address in sorted(neighbors)]}
    )
    bgp = configuration.spec.bgp.model_copy(update={"routers": [bgp_router]})
    derived.frr = configuration.model_copy(update={"spec": configuration.spec.model_copy(update={"bgp": bgp})})
    return derived


def _merged(router: Router, address: str, existing: Neighbor, owner: Peer, incoming: Neighbor, peer: Peer) -> Neighbor:
    """One speaker reached by two BGPPeers: as merge combines two objects' neighbors (SESSION_FIELDS)."""
    mine = existing.model_dump(by_alias=True, exclude_defaults=True)
    theirs = incoming.model_dump(by_alias=True, exclude_defaults=True)
    kept: dict[str, Any] = {}
    for key in (*SESSION_FIELDS, *SESSION_FIELDS_IF_SET):
        ours, other = mine.get(key), theirs.get(key)
        if key in SESSION_FIELDS_IF_SET and (ours is None or other is None):
            kept[key] = ours if ours is not None else other
        elif ours != other:
            shown = (REDACTED, REDACTED) if "password" in key else (ours, other)
            where = f"router {router.metadata.name} speaker {address}"
            raise MergeConflict(where, key, owner.origin, _shown(shown[0]), peer.origin, _shown(shown[1]))
    prefixes = list(existing.to_receive.allowed.prefixes)
    prefixes += [selector for selector in incoming.to_receive.allowed.prefixes if selector not in prefixes]
    allowed = existing.to_receive.allowed.model_copy(update={"prefixes": prefixes})
    receive = existing.to_receive.model_copy(update={"allowed": allowed})
    update = {_NEIGHBOR_ATTRIBUTES[key]: value for key, value in kept.items() if value is not None}
    return existing.model_copy(update={**update, "to_receive": receive})


# A Neighbor's attribute by its API name (`bfdProfile` -> `bfd_profile`), for model_copy's update.
_NEIGHBOR_ATTRIBUTES = {info.alias or name: name for name, info in Neighbor.model_fields.items()}


def _shown(value: Any) -> str:
    return "(unset)" if value is None else str(value)


def _metadata(name: str, router: Router) -> dict[str, Any]:
    if len(name) > 253:  # a long Router name: the derived name still fits Kubernetes' limit
        name = f"{name[:244]}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    return {"name": name, "namespace": router.spec.metallb.namespace, "labels": {GENERATED_LABEL: "true"}}


def _rule_name(service: Service, protocol: str) -> str:
    name = f"{service.origin.namespace}.{service.origin.name}.{protocol}"
    if len(name) <= 63:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:54]}-{digest}"


def _rate_limit(service: Service) -> tuple[str, str] | None:
    for annotation in RATE_LIMIT_ANNOTATIONS:
        if annotation in service.annotations:
            return annotation, service.annotations[annotation]
    return None


@dataclass(frozen=True, slots=True)
class ServiceRules:
    """What one LoadBalancer Service contributes to the firewall, and the warnings about it."""

    allow: tuple[AllowRule, ...] = ()
    rate_limits: tuple[RateLimitRule, ...] = ()
    warnings: tuple[InputWarning, ...] = ()


# How derive_firewall gets a Service's rules: `service_rules`, or a cache of its results (the controller's).
ServiceRulesOf = Callable[[Service], ServiceRules]


def service_rules(service: Service) -> ServiceRules:
    """The allow rules and rate limits of one Service; a Service that cannot be expressed is skipped alone.

    A function of the Service alone, so a caller may keep its result for as long as the Service is unchanged.
    """
    warnings: list[InputWarning] = []
    sources = list(service.source_ranges)
    destinations = [host_prefix(ip) for ip in service.ingress_ips]
    if sources:
        source_families = {family(source) for source in sources}
        dropped = [d for d in destinations if family(d) not in source_families]
        if dropped:
            # Allowing them from anywhere would ignore loadBalancerSourceRanges: the safe choice is not at all.
            warnings.append(
                InputWarning(
                    service.origin,
                    f"{', '.join(d.split('/')[0] for d in dropped)} not allowed through the firewall: "
                    f"loadBalancerSourceRanges has no IPv{family(dropped[0])} range",
                    "SourceRangesIncomplete",
                )
            )
            destinations = [d for d in destinations if d not in dropped]
    if not destinations:
        return ServiceRules(warnings=tuple(warnings))
    allow: list[dict[str, Any]] = []
    for protocol in _PROTOCOLS:
        ports = sorted({port.port for port in service.ports if port.protocol == protocol})
        if ports:
            rule: dict[str, Any] = {"name": _rule_name(service, protocol), "protocol": protocol, "ports": ports}
            rule["destinations"] = destinations
            if sources:
                rule["sources"] = sources
            allow.append(rule)
    limits: list[dict[str, Any]] = []
    annotation = _rate_limit(service)
    if annotation is not None:
        key, value = annotation
        try:
            rate = parse_rate(value)
        except RateLimitError as error:
            warnings.append(InputWarning(service.origin, f"annotation {key} ignored: {error}"))
        else:
            limits = [
                {
                    "destination": destination.split("/")[0],
                    "protocol": port.protocol,
                    "port": port.port,
                    "rate": str(rate),
                }
                for destination in destinations
                for port in service.ports
                if port.protocol in _PROTOCOLS
            ]
    try:
        return ServiceRules(
            tuple(AllowRule.model_validate(rule) for rule in allow),
            tuple(RateLimitRule.model_validate(limit) for limit in limits),
            tuple(warnings),
        )
    except ValidationError as error:
        problem = invalid_input(service.origin, {"allow": allow, "rateLimits": limits}, error)
        warnings.append(InputWarning(service.origin, f"skipped: {problem.field}: {problem.why}", "ObjectSkipped"))
        return ServiceRules(warnings=tuple(warnings))


def derive_firewall(
    router: Router, cluster: Cluster, rules_of: ServiceRulesOf = service_rules
) -> tuple[FirewallPolicy, list[InputWarning]]:
    """The FirewallPolicy `metallb-services`: every LoadBalancer Service's addresses and ports."""
    warnings: list[InputWarning] = []
    allow: list[AllowRule] = []
    limits: list[RateLimitRule] = []
    wanted_class = router.spec.metallb.load_balancer_class
    for service in sorted(cluster.services, key=lambda s: (s.origin.namespace or "", s.origin.name)):
        if service.load_balancer_class != wanted_class or not service.ingress_ips:
            continue  # another load balancer's Service, or one still waiting for its address
        rules = rules_of(service)
        allow += rules.allow
        limits += rules.rate_limits
        warnings += rules.warnings
    policy = FirewallPolicy.model_validate({"metadata": _metadata("metallb-services", router)})
    # Every rule is validated on its own; the lists are not bound by the CRD's limit on one object.
    spec = policy.spec.model_copy(update={"allow": allow, "rate_limits": limits})
    return policy.model_copy(update={"spec": spec}), warnings
