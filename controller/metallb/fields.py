"""Every field of MetalLB's API, and what the router makes of it.

Each field is mirrored (and how: the router-side counterpart, not a copy of the speaker's setting),
irrelevant to the router (and why), or not supported, in which case derivation warns, naming the object
and the field, whenever it is set (`warnings`). tests/metallb/test_fields.py checks this table against
MetalLB's own CRDs (METALLB_VERSION) and the legacy ConfigMap's format (LEGACY_VERSION), field by field,
so that a field MetalLB adds cannot pass unnoticed; docs/metallb.md shows the same table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from controller.errors import InputWarning, Origin

METALLB_VERSION = "v0.16.2"  # go.universe.tf/metallb: the CRDs this table was checked against
LEGACY_VERSION = "v0.12.1"  # the last MetalLB that read the ConfigMap `config`


class Treatment(StrEnum):
    MIRRORED = "mirrored"
    IRRELEVANT = "irrelevant"
    UNSUPPORTED = "not supported"


@dataclass(frozen=True, slots=True)
class Field:
    """One field: `path` as MetalLB spells it under `spec` (or in the legacy `config`)."""

    kind: str
    path: str
    treatment: Treatment
    how: str
    # For a field supported only for some values: the message when the value is not one of them.
    unsupported: Callable[[Any], str | None] | None = None


MIRRORED, IRRELEVANT, UNSUPPORTED = Treatment.MIRRORED, Treatment.IRRELEVANT, Treatment.UNSUPPORTED

_SELECTION = "which speakers' nodes become neighbors of the router"
_SPEAKER_ONLY = "a setting of the speaker's own BGP instance; the router keeps its own"
_ANNOUNCED = "an attribute the speaker puts on the routes it announces; the router accepts them whatever it is"
_ALLOCATION = (
    "how MetalLB assigns addresses to Services; the router accepts the whole pool and lets through the Services' "
    "addresses"
)


def _peer_port(port: Any) -> str | None:
    if port in (None, 179):
        return None
    return (
        f"the speakers dial the router on port {port}: frr-edge lets tcp/{port} from them through the firewall, "
        "but the router's bgpd listens on its -p option (179 by default), which frr-edge does not set"
    )


FIELDS: tuple[Field, ...] = (
    # BGPPeer (v1beta2; v1beta1 has a subset of the same fields)
    Field("BGPPeer", "myASN", MIRRORED, "the neighbor's remote-as (localASN wins when set)"),
    Field("BGPPeer", "peerASN", MIRRORED, "the router's AS number (`router bgp ASN`)"),
    Field("BGPPeer", "localASN", MIRRORED, "the neighbor's remote-as: the AS the speaker presents"),
    Field(
        "BGPPeer", "dynamicASN", MIRRORED, "internal: the router's AS is myASN; external: the AS of an FRRConfiguration"
    ),
    Field("BGPPeer", "peerAddress", MIRRORED, "selects the router: one of its spec.bgpAddresses (or spec.address)"),
    Field(
        "BGPPeer",
        "interface",
        UNSUPPORTED,
        "an unnumbered session over the node's interface: the router's side of that link is not known to "
        "frr-edge; the BGPPeer is skipped",
    ),
    Field("BGPPeer", "sourceAddress", MIRRORED, "the neighbor's address: the speaker dials from it"),
    Field("BGPPeer", "peerPort", MIRRORED, "the firewall admits tcp/peerPort from the speakers", _peer_port),
    Field("BGPPeer", "holdTime", MIRRORED, "neighbor timers, whole seconds as MetalLB truncates them"),
    Field("BGPPeer", "keepaliveTime", MIRRORED, "neighbor timers, whole seconds as MetalLB truncates them"),
    Field("BGPPeer", "connectTime", MIRRORED, "neighbor timers connect"),
    Field("BGPPeer", "routerID", IRRELEVANT, _SPEAKER_ONLY),
    Field("BGPPeer", "nodeSelectors", MIRRORED, _SELECTION),
    Field("BGPPeer", "password", MIRRORED, "neighbor password"),
    Field(
        "BGPPeer",
        "passwordSecret",
        MIRRORED,
        "neighbor password, from the Secret (type `kubernetes.io/basic-auth`, key `password`)",
    ),
    Field("BGPPeer", "passwordSecret.name", MIRRORED, "the Secret"),
    Field("BGPPeer", "passwordSecret.namespace", MIRRORED, "the Secret's namespace (the BGPPeer's when empty)"),
    Field("BGPPeer", "bfdProfile", MIRRORED, "neighbor bfd profile, translated from the BFDProfile (below)"),
    Field("BGPPeer", "enableGracefulRestart", MIRRORED, "neighbor graceful-restart"),
    Field("BGPPeer", "ebgpMultiHop", MIRRORED, "neighbor ebgp-multihop, the router answering from peerAddress"),
    Field(
        "BGPPeer",
        "vrf",
        UNSUPPORTED,
        "the speaker's VRF; the router's side of the session is in its default VRF (add an FRRConfiguration for "
        "the router's VRF)",
    ),
    Field(
        "BGPPeer",
        "disableMP",
        IRRELEVANT,
        "deprecated in MetalLB; the router runs one address family per session anyway",
    ),
    Field(
        "BGPPeer",
        "dualStackAddressFamily",
        MIRRORED,
        "both address families on the session: the other family's pools accepted too",
    ),
    # IPAddressPool
    Field("IPAddressPool", "addresses", MIRRORED, "the prefixes accepted from the speakers (CIDRs and ranges)"),
    Field("IPAddressPool", "autoAssign", IRRELEVANT, _ALLOCATION),
    Field("IPAddressPool", "avoidBuggyIPs", IRRELEVANT, _ALLOCATION),
    Field("IPAddressPool", "serviceAllocation", IRRELEVANT, _ALLOCATION),
    Field("IPAddressPool", "serviceAllocation.namespaceSelectors", IRRELEVANT, _ALLOCATION),
    Field("IPAddressPool", "serviceAllocation.namespaces", IRRELEVANT, _ALLOCATION),
    Field("IPAddressPool", "serviceAllocation.priority", IRRELEVANT, _ALLOCATION),
    Field("IPAddressPool", "serviceAllocation.serviceSelectors", IRRELEVANT, _ALLOCATION),
    # BGPAdvertisement
    Field("BGPAdvertisement", "aggregationLength", MIRRORED, "accepted prefix length: P/n ge a le a"),
    Field("BGPAdvertisement", "aggregationLengthV6", MIRRORED, "accepted prefix length: P/n ge a le a"),
    Field("BGPAdvertisement", "ipAddressPools", MIRRORED, "which pools' prefixes are accepted"),
    Field("BGPAdvertisement", "ipAddressPoolSelectors", MIRRORED, "which pools' prefixes are accepted"),
    Field("BGPAdvertisement", "nodeSelectors", MIRRORED, "from which speakers the pools are accepted"),
    Field("BGPAdvertisement", "peers", MIRRORED, "over which BGPPeers' sessions the pools are accepted"),
    Field("BGPAdvertisement", "communities", IRRELEVANT, _ANNOUNCED),
    Field("BGPAdvertisement", "localPref", IRRELEVANT, _ANNOUNCED),
    Field("BGPAdvertisement", "asPathPrepend", IRRELEVANT, _ANNOUNCED),
    Field(
        "BGPAdvertisement",
        "serviceSelectors",
        IRRELEVANT,
        "which Services of the pools are announced; the router accepts every address of the pools",
    ),
    # BFDProfile: the router's side of the same BFD session
    Field(
        "BFDProfile",
        "receiveInterval",
        MIRRORED,
        "the router's transmit-interval: the router sends as fast as the speaker wants to receive",
    ),
    Field(
        "BFDProfile",
        "transmitInterval",
        MIRRORED,
        "the router's receive-interval: the router lets the speaker send as fast as it wants to",
    ),
    Field("BFDProfile", "detectMultiplier", MIRRORED, "the router's detect-multiplier"),
    Field(
        "BFDProfile",
        "echoMode",
        IRRELEVANT,
        "the speaker's echo packets come back through the router's forwarding plane: the firewall lets them "
        "through; the router's own profile does not echo",
    ),
    Field("BFDProfile", "echoInterval", IRRELEVANT, "the speaker's echo timing (see echoMode)"),
    Field(
        "BFDProfile",
        "passiveMode",
        MIRRORED,
        "translated: a passive speaker waits for the router, so the router's side is never passive",
    ),
    Field(
        "BFDProfile",
        "minimumTtl",
        IRRELEVANT,
        "a check the speaker applies to multihop packets it receives; FRR sends them with TTL 255",
    ),
    # Community
    Field("Community", "communities", IRRELEVANT, "aliases for BGPAdvertisement communities: " + _ANNOUNCED),
    Field("Community", "communities[].name", IRRELEVANT, "see communities"),
    Field("Community", "communities[].value", IRRELEVANT, "see communities"),
    # The legacy ConfigMap `config` of MetalLB <= 0.12: each entry read as the CRD field it became
    Field("ConfigMap", "peers[].my-asn", MIRRORED, "as BGPPeer myASN"),
    Field("ConfigMap", "peers[].peer-asn", MIRRORED, "as BGPPeer peerASN"),
    Field("ConfigMap", "peers[].peer-address", MIRRORED, "as BGPPeer peerAddress"),
    Field("ConfigMap", "peers[].source-address", MIRRORED, "as BGPPeer sourceAddress"),
    Field("ConfigMap", "peers[].peer-port", MIRRORED, "as BGPPeer peerPort", _peer_port),
    Field("ConfigMap", "peers[].hold-time", MIRRORED, "as BGPPeer holdTime"),
    Field("ConfigMap", "peers[].keepalive-time", MIRRORED, "as BGPPeer keepaliveTime"),
    Field("ConfigMap", "peers[].router-id", IRRELEVANT, _SPEAKER_ONLY),
    Field("ConfigMap", "peers[].node-selectors", MIRRORED, _SELECTION),
    Field("ConfigMap", "peers[].password", MIRRORED, "as BGPPeer password"),
    Field("ConfigMap", "peers[].bfd-profile", MIRRORED, "as BGPPeer bfdProfile"),
    Field("ConfigMap", "peers[].ebgp-multihop", MIRRORED, "as BGPPeer ebgpMultiHop"),
    Field("ConfigMap", "address-pools[].name", MIRRORED, "the pool's name"),
    Field("ConfigMap", "address-pools[].protocol", MIRRORED, "only bgp pools are accepted from the speakers"),
    Field("ConfigMap", "address-pools[].addresses", MIRRORED, "as IPAddressPool addresses"),
    Field("ConfigMap", "address-pools[].avoid-buggy-ips", IRRELEVANT, _ALLOCATION),
    Field("ConfigMap", "address-pools[].auto-assign", IRRELEVANT, _ALLOCATION),
    Field("ConfigMap", "address-pools[].bgp-advertisements", MIRRORED, "as BGPAdvertisements of the pool"),
    Field("ConfigMap", "address-pools[].bgp-advertisements[].aggregation-length", MIRRORED, "as aggregationLength"),
    Field(
        "ConfigMap", "address-pools[].bgp-advertisements[].aggregation-length-v6", MIRRORED, "as aggregationLengthV6"
    ),
    Field("ConfigMap", "address-pools[].bgp-advertisements[].localpref", IRRELEVANT, _ANNOUNCED),
    Field("ConfigMap", "address-pools[].bgp-advertisements[].communities", IRRELEVANT, _ANNOUNCED),
    Field("ConfigMap", "bfd-profiles[].name", MIRRORED, "the profile's name"),
    Field("ConfigMap", "bfd-profiles[].receive-interval", MIRRORED, "as BFDProfile receiveInterval"),
    Field("ConfigMap", "bfd-profiles[].transmit-interval", MIRRORED, "as BFDProfile transmitInterval"),
    Field("ConfigMap", "bfd-profiles[].detect-multiplier", MIRRORED, "as BFDProfile detectMultiplier"),
    Field("ConfigMap", "bfd-profiles[].echo-interval", IRRELEVANT, "as BFDProfile echoInterval"),
    Field("ConfigMap", "bfd-profiles[].echo-mode", IRRELEVANT, "as BFDProfile echoMode"),
    Field("ConfigMap", "bfd-profiles[].passive-mode", MIRRORED, "as BFDProfile passiveMode"),
    Field("ConfigMap", "bfd-profiles[].minimum-ttl", IRRELEVANT, "as BFDProfile minimumTtl"),
    Field("ConfigMap", "bgp-communities", IRRELEVANT, "as Community"),
)

_BY_PATH = {(field.kind, field.path): field for field in FIELDS}


def warnings(origin: Origin, kind: str, values: dict[str, Any], at: str = "spec") -> list[InputWarning]:
    """Warnings for the fields of one object that are set and not (or not in that value) supported.

    `values` maps a field's path in FIELDS to its value in the object (None or empty when unset); `at` is
    where the object's fields are (`spec`, or `data.config.peers[2]` for a legacy ConfigMap entry).
    """
    found = []
    for path, value in values.items():
        field = _BY_PATH[(kind, path)]
        if value in (None, "", [], {}, False):
            continue
        why = field.unsupported(value) if field.unsupported is not None else None
        if field.treatment is Treatment.UNSUPPORTED:
            why = field.how
        if why is not None:
            name = path.rsplit("[].", 1)[-1]
            found.append(InputWarning(origin, f"{at}.{name}: not mirrored: {why}", "FieldNotMirrored"))
    return found
