"""FRR-K8s's own test cases, and what became of each here: restated as an frr-edge case that is "equal in
meaning", restated as a "deliberate difference" pointing at its row of docs/layering.md, or skipped with
the reason it does not apply to a router.

Cases are cited by FRR-K8s's file and case name (github.com/metallb/frr-k8s); the inputs and words of the
restated cases are frr-edge's own. `tests/conformance/test_accounting.py` checks that every cited case is
accounted for exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

CONVERSION = "internal/controller/api_to_config_test.go TestConversion"
SELECTORS = "internal/controller/api_to_config_test.go TestFilterForSelector"
MERGE_ROUTERS = "internal/controller/merge_test.go TestMergeRouters"
MERGE_NEIGHBORS = "internal/controller/merge_test.go TestMergeNeighbors"
MERGE_EVPN = "internal/controller/merge_test.go TestMergeEVPNConfigs"
TEMPLATES = "internal/frr/frr_test.go"
BFD_TEMPLATES = "internal/frr/frr_bfd_test.go"
WEBHOOK = "internal/webhooks/frrconfiguration_webhook_test.go"
WEBHOOK_E2E = "e2etests/tests/webhooks.go"
CRD = "internal/controller/frrconfiguration_crd_validation_test.go"

EVPN_CONVERSION = (
    "EVPN: router with EVPN neighbor and L2VNIs",
    "EVPN: router with L3VNI and no neighbors",
    "EVPN: advertiseVNIs without EVPN neighbor fails",
    "EVPN: advertiseVNIs=Disabled without EVPN neighbor succeeds",
    "EVPN: L3VNI with neighbors fails",
    "EVPN: two configs, one adds EVPN neighbor, other adds L2VNIs - valid after merge",
    "EVPN: duplicate L2VNI across VRFs fails",
    "EVPN: L2VNI and L3VNI with same number across VRFs fails",
)
EVPN_MERGE = (
    "Both nil",
    "First nil, second non-nil",
    "First non-nil, second nil",
    "Same advertiseVNIs",
    "One sets advertiseVNIs to Disabled explicitly, other leaves nil",
    "One sets advertiseVNIs to All, other leaves nil - conflict",
    "Conflicting advertiseVNIs",
    "Conflicting advertiseSVI",
    "Merge L2VNIs - disjoint",
    "Merge L2VNIs - same VNI, merge RTs",
    "Merge L2VNIs - same VNI, one omits RD",
    "Merge L2VNIs - same VNI, conflicting RD",
    "Merge L2VNIs - same VNI, mixing implicit and explicit import RTs",
    "Merge L3VNIs - one nil",
    "Merge L3VNIs - same VNI, merge RTs",
    "Merge L3VNIs - different VNI numbers",
)
EVPN_TEMPLATES = ("TestEVPNWithL2VNIs", "TestEVPNWithL3VNI", "TestEVPNNeighborOnlyEVPN", "TestEVPNFull")
# The EVPN entries of the CRD validation test: the ones FRR-K8s's schema refuses, then those it accepts.
EVPN_CRD_REFUSED = (
    "VNI out of range (0)",
    "invalid RD format (missing colon)",
    "invalid RD format (non-numeric local admin)",
    "invalid RD format (missing colon), second entry",
    "invalid RD non-numeric global admin",
    "invalid RD 4-byte ASN with local admin overflow",
    "invalid RD IPv4 with local admin overflow",
    "invalid ExportRT with wildcard",
    "invalid ExportRT format (missing colon)",
    "invalid ImportRT format (missing colon)",
    "invalid ImportRT non-numeric local admin",
    "invalid ExportRT non-numeric local admin",
    "invalid ImportRT non-numeric global admin",
    "invalid ExportRT non-numeric global admin",
    "invalid ImportRT wildcard with non-numeric local admin",
    "invalid RT 4-byte ASN with local admin overflow",
    "invalid RT IPv4 with local admin overflow",
    "invalid AdvertiseVNIs enum value",
    "invalid AdvertisePrefixes enum value",
    "L3VNI missing required AdvertisePrefixes",
)
EVPN_CRD_ACCEPTED = (
    "ImportRT with wildcard",
    "RD with 4-byte ASN",
    "RD with 2-byte ASN and large local admin",
    "RD with IPv4 global admin",
    "L2VNI with full config",
    "ImportRT with 4-byte ASN",
    "ExportRT with 2-byte ASN and large local admin",
    "ImportRT with IPv4 global admin",
    "ExportRT with IPv4 global admin",
)

# Every case of the files above, by file.
SOURCES: dict[str, tuple[str, ...]] = {
    CONVERSION: (
        "Single Router and Neighbor with SrcAddr",
        "Single Router and Neighbor",
        "Multiple Routers and Neighbors",
        "IPv4 Neighbor with IPv4 and IPv6 Prefixes",
        "Empty Configuration",
        "Non default VRF",
        "Neighbor with ToAdvertise",
        "IPv6 neighbor with ToAdvertise next hop",
        "Dual stack neighbor with ToAdvertise next hops",
        "Invalid ipv4 next hop",
        "Invalid ipv6 next hop",
        "IPv4 neighbor with ipv6 next hop",
        "IPv6 neighbor with ipv4 next hop",
        "Two Neighbor with ToAdvertise, one advertise all",
        "Two Neighbor with ToAdvertise, one advertise all, both with communities and localPref",
        "Neighbor with ToAdvertise, with communities and localPref, dual stack",
        "One neighbor, invalid address",
        "One neighbor, trying to advertise a prefix not in router",
        "One neighbor, trying to set community on an unallowed prefix",
        "One neighbor, trying to set localPref on an unallowed prefix",
        "One neighbor, trying to set multiple localPrefs for a prefix",
        "One neighbor, trying to set samelocalPrefs for different prefix entries",
        "One neighbor, trying to set localpref on non existing prefix",
        "One neighbor, trying to set samelocalPrefs for a prefix twice",
        "Neighbor with ToReceiveAll",
        "Neighbor with ToReceive some ips only",
        "Neighbor with ToReceive some ips only and modifiers",
        "Neighbor with ToReceive some ips only and setting le and ge",
        "Multiple FRRConfigurations - Single Router and neighbor, one config for advertise the other for receiving",
        "Multiple FRRConfigurations - Single Router and neighbor, merging different lengths",
        "Multiple FRRConfigurations - Multiple Routers and Neighbors",
        "Multiple Routers and Neighbors with passwords",
        "Non existing secret ref",
        "Specifying both cleartext password and secret ref",
        "Single Router and injection",
        "Single Router and double injection",
        "Neighbor with BFDProfile",
        "Neighbor with BFDProfile does not exist",
        "Neighbor with BFDProfile in different config",
        "Two BFDProfiles, but identical",
        "Two BFDProfiles, from different configs",
        "HoldTime without KeepaliveTime",
        "KeepaliveTime without HoldTime",
        "HoldTime bigger than keepalive time",
        "With alwaysblock",
        "Multiple Routers import VRFs",
        "Multiple Routers import VRF, advertise ips from the imported vrf",
        "Multiple Routers import non existing VRFs",
        "Multiple Routers import VRF, red imports default and advertises",
        "Neighbor without ASN or DynamicASN",
        "Neighbor with both ASN and DynamicASN",
        "Neighbor with localASN on iBGP session is rejected",
        "Neighbor with DynamicASN",
        "Neighbor with Interface and without Address",
        "Neighbor without Interface and without Address",
        "Single router two neighbors same address different ASN",
        "Single router two neighbors same interface different ASN",
        "Single router two neighbors different interface",
        "Multiple routers same vrf two neighbors same interface",
        "Multiple routers same vrf two neighbors different interface",
        "ipv4 neighbor, v6 routes are not allowed to be advertised",
        "ipv4 neighbor, v6 routes are not allowed to be advertised with Community",
        "ipv4 neighbor, v6 routes are not allowed to be advertised with localpref",
        "ipv4 neighbor, dualstack family, v4 and v6 routes are advertised",
        *EVPN_CONVERSION,
    ),
    SELECTORS: (
        "prefix only",
        "prefix with valid modifiers",
        "prefix le smaller than mask",
        "prefix le valid, ge smaller than mask",
        "prefix le nil, ge smaller than mask",
        "prefix ge greater than le",
        "prefix with valid modifiers, ipv6",
        "prefix with invalid modifiers, ipv6",
    ),
    MERGE_ROUTERS: ("Full - Multiple neigbors", "Same VRF, different ASN", "Same VRF+ASN, different RouterIDs"),
    MERGE_NEIGHBORS: (
        "One neighbor, multiple configs",
        "Multiple neighbors, multiple configs",
        "Incoming: first config has All, the other specific",
        "Incoming: first config specific, the other All",
        "Multiple localPrefs for a prefix",
        "Multiple next hops for a prefix family",
        "Multiple ipv6 next hops for a prefix family",
        "Next hop merged from one config",
        "HoldTime / KeepAlive time, one nil, the other specifies the default",
        "AddressFamilies: merge unicast and evpn",
        "AddressFamilies: both have same families, no duplicates",
        "HoldTime / KeepAlive time, one set to the default, the other set to nil",
        "BFDProfile, one empty, the other specifies a value",
        "BFDProfile, one specifies the value, the other is empty",
        "BFDProfile, both specify the same value",
        "BFDProfile, both specify different values",
        "LocalASN, both specify same value",
        "LocalASN, both specify different values",
    ),
    MERGE_EVPN: EVPN_MERGE,
    TEMPLATES: (
        "TestSingleSession",
        "TestSingleSessionWithNextHopV4",
        "TestSingleSessionWithNextHopV6",
        "TestTwoRoutersTwoNeighbors",
        "TestTwoSessionsAcceptAll",
        "TestTwoSessionsAcceptSomeV4",
        "TestTwoSessionsAcceptV4AndV6",
        "TestSingleSessionWithEBGPMultihop",
        "TestSingleSessionWithIPv6SingleHop",
        "TestMultipleNeighborsOneV4AndOneV6",
        "TestMultipleNeighborsOneV4AndOneV6DualStackIPFamily",
        "TestMultipleRoutersMultipleNeighs",
        "TestSingleSessionWithEBGPMultihopAndExtras",
        "TestSingleSessionWithAlwaysBlock",
        "TestSingleSessionWithGracefulRestart",
        "TestSingleSessionWithLocalASN",
        "TestMultipleRoutersImportVRFs",
        "TestSingleSessionWithInternalASN",
        "TestSingleSessionWithExternalASN",
        "TestSingleUnnumberedSession",
        "TestLogLevelDebugging",
        "TestSingleSessionExplicitRouterID",
        "TestSingleSessionIPv6OnlyNode",
        *EVPN_TEMPLATES,
    ),
    BFD_TEMPLATES: ("TestSingleSessionBFD", "TestTwoRoutersTwoNeighborsBFD"),
    WEBHOOK: (
        "Second config",
        "Same, update",
        "Same, new",
        "Validation should fail if created with an invalid nodeSelector",
        "return warning when enableGracefulRestart changes",
        "warning when disableMP is set",
    ),
    WEBHOOK_E2E: (
        "invalid nodeSelector",
        "invalid router prefix",
        "invalid neighbor address",
        "ipv4 neighbor with ipv6 next hop",
        "ipv6 neighbor with ipv4 next hop",
        "localpref on non-existing prefix",
        "both asn and dynamicASN not specified",
        "both asn and dynamicASN specified",
        "no address and no interface is specified",
        "both address and interface specified",
        "conflict with ASN",
        "conflict with BFD profile name",
        "Should not reject a resource with a missing secret ref",
    ),
    CRD: (
        *EVPN_CRD_REFUSED,
        "invalid AddressFamily enum value",
        *EVPN_CRD_ACCEPTED,
        "neighbor with evpn address family",
    ),
}


@dataclass(frozen=True)
class Restated:
    """Where an FRR-K8s case is restated: the test, and the docs/layering.md row of a deliberate difference."""

    test: str
    row: str | None = None


RESTATED: dict[tuple[str, str], list[Restated]] = {}

# Cases that do not apply to a router, with why.
SKIPPED: dict[tuple[str, str], str] = {}

F = TypeVar("F", bound=Callable[..., object])


def _register(source: str, cases: tuple[str, ...], row: str | None) -> Callable[[F], F]:
    def mark(test: F) -> F:
        for case in cases:
            assert case in SOURCES[source], f"{source}: no case named {case!r}"
            name = f"{test.__module__}::{getattr(test, '__name__', '?')}"
            RESTATED.setdefault((source, case), []).append(Restated(name, row))
        return test

    return mark


def equal(source: str, *cases: str) -> Callable[[F], F]:
    """The test restates these FRR-K8s cases, and frr-edge means the same."""
    return _register(source, cases, None)


def deliberate(row: str, source: str, *cases: str) -> Callable[[F], F]:
    """The test restates these FRR-K8s cases, where frr-edge differs on purpose (docs/layering.md `row`)."""
    return _register(source, cases, row)
