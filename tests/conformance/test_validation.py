"""FRR-K8s's admission (webhook) and schema (CRD) cases, and its EVPN cases, restated: what frr-edge refuses
with the object and field named, what it accepts with a warning, and EVPN, which it accepts and ignores."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from controller.admission import Verdict, review
from controller.errors import FrrEdgeError, InvalidInput
from controller.manifests import read_documents
from tests.conformance.conftest import Rendered
from tests.conformance.frrk8s import (
    CONVERSION,
    CRD,
    EVPN_CONVERSION,
    EVPN_CRD_ACCEPTED,
    EVPN_CRD_REFUSED,
    EVPN_MERGE,
    EVPN_TEMPLATES,
    MERGE_EVPN,
    TEMPLATES,
    WEBHOOK,
    WEBHOOK_E2E,
    deliberate,
    equal,
)
from tests.core.builders import ROUTER, frr_configuration, resources

Render = Callable[..., Rendered]
Refused = Callable[..., FrrEdgeError]


def config(spec: str, name: str = "edge") -> str:
    return frr_configuration(name, spec, "network")


@pytest.mark.parametrize(
    ("selector", "field"),
    [
        ("{matchLabels: {app: '@'}}", "spec.routerSelector.matchLabels.app"),
        ("{matchExpressions: [{key: 'a b', operator: Exists}]}", "spec.routerSelector.matchExpressions[0].key"),
    ],
)
@equal(WEBHOOK, "Validation should fail if created with an invalid nodeSelector")
@equal(WEBHOOK_E2E, "invalid nodeSelector")
def test_a_router_selector_no_label_could_match_is_refused(refused: Refused, selector: str, field: str) -> None:
    error = refused(config(f"routerSelector: {selector}\nbgp: {{routers: [{{asn: 64520}}]}}"))
    assert isinstance(error, InvalidInput) and error.field == field


@equal(WEBHOOK, "warning when disableMP is set")
def test_disable_mp_is_accepted_ignored_and_warned_about(render: Render) -> None:
    rendered = render(
        config("bgp: {routers: [{asn: 64520, neighbors: [{address: 192.0.2.30, asn: 64530, disableMP: true}]}]}")
    )
    assert rendered.meaning.neighbor("192.0.2.30").activated == {4}
    (warning,) = rendered.warned("FieldNotSupported")
    assert "disableMP is deprecated and ignored" in warning


@equal(CRD, "invalid AddressFamily enum value")
def test_an_address_family_frr_k8s_does_not_know_is_refused(refused: Refused) -> None:
    error = refused(
        config(
            "bgp: {routers: [{asn: 64520, neighbors: [{address: 192.0.2.30, asn: 64530, addressFamilies: [l2vpn]}]}]}"
        )
    )
    assert isinstance(error, InvalidInput)
    assert error.field == "spec.bgp.routers[0].neighbors[0].addressFamilies[0]"


@equal(CRD, "neighbor with evpn address family")
def test_a_neighbor_with_the_evpn_family_keeps_its_unicast_session_and_is_warned_about(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: [198.51.100.0/24]
                  neighbors:
                    - address: 192.0.2.30
                      asn: 64530
                      addressFamilies: [unicast, evpn]
                      toAdvertise: {allowed: {mode: all}}
            """
        )
    )
    assert set(rendered.meaning.advertised("192.0.2.30", 4)) == {"198.51.100.0/24"}
    (warning,) = rendered.warned("FieldNotSupported")
    assert warning.endswith("evpn is ignored: frr-edge activates only the unicast address families")


# ------------------------------------------------------------------------------------------------- EVPN
# frr-edge accepts FRR-K8s's `evpn` block and `addressFamilies: [evpn]` so that a configuration moves
# unchanged, renders none of it and says so (docs/layering.md, row evpn-ignored). Each FRR-K8s EVPN case
# below is one EVPN block (or two configurations' blocks): whether FRR-K8s takes or refuses it, frr-edge
# takes it, warns, and the router gets no EVPN.

CONVERSION_BLOCKS = {
    "EVPN: router with EVPN neighbor and L2VNIs": (
        "{advertiseVNIs: All, advertiseSVI: true, l2vnis: [{vni: 100, rd: '64520:100', importRTs: ['64520:100'],"
        " exportRTs: ['64520:100']}]}",
    ),
    "EVPN: router with L3VNI and no neighbors": (
        "{l3vni: {vni: 500, rd: '64520:500', importRTs: ['64520:500'], advertisePrefixes: [unicast]}}",
    ),
    "EVPN: advertiseVNIs without EVPN neighbor fails": ("{advertiseVNIs: All}",),
    "EVPN: advertiseVNIs=Disabled without EVPN neighbor succeeds": ("{advertiseVNIs: Disabled}",),
    "EVPN: L3VNI with neighbors fails": ("{l3vni: {vni: 500, advertisePrefixes: [unicast]}}",),
    "EVPN: two configs, one adds EVPN neighbor, other adds L2VNIs - valid after merge": (
        "",
        "{advertiseVNIs: All, l2vnis: [{vni: 100}]}",
    ),
    "EVPN: duplicate L2VNI across VRFs fails": ("{l2vnis: [{vni: 100}]}", "{l2vnis: [{vni: 100}]}"),
    "EVPN: L2VNI and L3VNI with same number across VRFs fails": (
        "{l2vnis: [{vni: 500}]}",
        "{l3vni: {vni: 500, advertisePrefixes: [unicast]}}",
    ),
}
MERGE_BLOCKS = {
    "Both nil": ("", ""),
    "First nil, second non-nil": ("", "{advertiseVNIs: All}"),
    "First non-nil, second nil": ("{advertiseVNIs: All}", ""),
    "Same advertiseVNIs": ("{advertiseVNIs: All}", "{advertiseVNIs: All}"),
    "One sets advertiseVNIs to Disabled explicitly, other leaves nil": ("{advertiseVNIs: Disabled}", "{}"),
    "One sets advertiseVNIs to All, other leaves nil - conflict": ("{advertiseVNIs: All}", "{}"),
    "Conflicting advertiseVNIs": ("{advertiseVNIs: All}", "{advertiseVNIs: Disabled}"),
    "Conflicting advertiseSVI": ("{advertiseSVI: true}", "{advertiseSVI: false}"),
    "Merge L2VNIs - disjoint": ("{l2vnis: [{vni: 100}]}", "{l2vnis: [{vni: 200}]}"),
    "Merge L2VNIs - same VNI, merge RTs": (
        "{l2vnis: [{vni: 100, importRTs: ['64520:1']}]}",
        "{l2vnis: [{vni: 100, importRTs: ['64520:2']}]}",
    ),
    "Merge L2VNIs - same VNI, one omits RD": ("{l2vnis: [{vni: 100, rd: '64520:100'}]}", "{l2vnis: [{vni: 100}]}"),
    "Merge L2VNIs - same VNI, conflicting RD": (
        "{l2vnis: [{vni: 100, rd: '64520:100'}]}",
        "{l2vnis: [{vni: 100, rd: '64520:101'}]}",
    ),
    "Merge L2VNIs - same VNI, mixing implicit and explicit import RTs": (
        "{l2vnis: [{vni: 100, importRTs: ['64520:1']}]}",
        "{l2vnis: [{vni: 100}]}",
    ),
    "Merge L3VNIs - one nil": ("{l3vni: {vni: 500, advertisePrefixes: [unicast]}}", "{}"),
    "Merge L3VNIs - same VNI, merge RTs": (
        "{l3vni: {vni: 500, exportRTs: ['64520:1'], advertisePrefixes: [unicast]}}",
        "{l3vni: {vni: 500, exportRTs: ['64520:2'], advertisePrefixes: [unicast]}}",
    ),
    "Merge L3VNIs - different VNI numbers": (
        "{l3vni: {vni: 500, advertisePrefixes: [unicast]}}",
        "{l3vni: {vni: 501, advertisePrefixes: [unicast]}}",
    ),
}
TEMPLATE_BLOCKS = {
    "TestEVPNWithL2VNIs": ("{advertiseVNIs: All, l2vnis: [{vni: 100}, {vni: 200, rd: '64520:200'}]}",),
    "TestEVPNWithL3VNI": ("{l3vni: {vni: 500, rd: '10.0.0.1:500', advertisePrefixes: [unicast]}}",),
    "TestEVPNNeighborOnlyEVPN": ("",),
    "TestEVPNFull": (
        "{advertiseVNIs: All, advertiseSVI: true, l2vnis: [{vni: 100, importRTs: ['*:100']}], "
        "l3vni: {vni: 500, advertisePrefixes: [unicast]}}",
    ),
}
_CRD_REFUSED_VALUES = [
    "{l2vnis: [{vni: 0}]}",
    "{l2vnis: [{vni: 100, rd: invalid}]}",
    "{l2vnis: [{vni: 100, rd: '64520:abc'}]}",
    "{l2vnis: [{vni: 100, rd: nocolon}]}",
    "{l2vnis: [{vni: 100, rd: 'abc:100'}]}",
    "{l2vnis: [{vni: 100, rd: '70000:70000'}]}",
    "{l2vnis: [{vni: 100, rd: '192.0.2.1:70000'}]}",
    "{l2vnis: [{vni: 100, exportRTs: ['*:100']}]}",
    "{l2vnis: [{vni: 100, exportRTs: [nocolon]}]}",
    "{l2vnis: [{vni: 100, importRTs: [nocolon]}]}",
    "{l2vnis: [{vni: 100, importRTs: ['64520:abc']}]}",
    "{l2vnis: [{vni: 100, exportRTs: ['64520:abc']}]}",
    "{l2vnis: [{vni: 100, importRTs: ['abc:100']}]}",
    "{l2vnis: [{vni: 100, exportRTs: ['abc:100']}]}",
    "{l2vnis: [{vni: 100, importRTs: ['*:abc']}]}",
    "{l2vnis: [{vni: 100, importRTs: ['70000:70000']}]}",
    "{l2vnis: [{vni: 100, exportRTs: ['192.0.2.1:70000']}]}",
    "{advertiseVNIs: SomeOther}",
    "{l3vni: {vni: 500, advertisePrefixes: [evpn]}}",
    "{l3vni: {vni: 500}}",
]
_CRD_ACCEPTED_VALUES = [
    "{l2vnis: [{vni: 100, importRTs: ['*:100']}]}",
    "{l2vnis: [{vni: 100, rd: '4294967295:100'}]}",
    "{l2vnis: [{vni: 100, rd: '100:4294967295'}]}",
    "{l2vnis: [{vni: 100, rd: '192.0.2.1:100'}]}",
    "{advertiseVNIs: All, l2vnis: [{vni: 1000, rd: '64520:1000', importRTs: ['64520:1000'], "
    "exportRTs: ['64520:1000']}]}",
    "{l2vnis: [{vni: 100, importRTs: ['4294967295:100']}]}",
    "{l2vnis: [{vni: 100, exportRTs: ['100:4294967295']}]}",
    "{l2vnis: [{vni: 100, importRTs: ['192.0.2.1:100']}]}",
    "{l2vnis: [{vni: 100, exportRTs: ['10.0.0.1:65535']}]}",
]
CRD_BLOCKS = {
    **{case: (block,) for case, block in zip(EVPN_CRD_REFUSED, _CRD_REFUSED_VALUES, strict=True)},
    **{case: (block,) for case, block in zip(EVPN_CRD_ACCEPTED, _CRD_ACCEPTED_VALUES, strict=True)},
}
EVPN_CASES = [
    *((CONVERSION, case, CONVERSION_BLOCKS[case]) for case in EVPN_CONVERSION),
    *((MERGE_EVPN, case, MERGE_BLOCKS[case]) for case in EVPN_MERGE),
    *((TEMPLATES, case, TEMPLATE_BLOCKS[case]) for case in EVPN_TEMPLATES),
    *((CRD, case, CRD_BLOCKS[case]) for case in (*EVPN_CRD_REFUSED, *EVPN_CRD_ACCEPTED)),
]


def _evpn_configuration(name: str, block: str, vrf: str) -> str:
    evpn = f"evpn: {block}" if block else ""
    return config(
        f"""
        bgp:
          routers:
            - asn: 64520
              vrf: {vrf}
              prefixes: [198.51.100.0/24]
              {evpn}
              neighbors: [{{address: 192.0.2.30, asn: 64530, addressFamilies: [unicast, evpn]}}]
        """,
        name,
    )


@pytest.mark.parametrize(
    ("source", "case", "blocks"), EVPN_CASES, ids=[f"{s.split()[0]}:{c}" for s, c, _ in EVPN_CASES]
)
@deliberate("evpn-ignored", CONVERSION, *EVPN_CONVERSION)
@deliberate("evpn-ignored", MERGE_EVPN, *EVPN_MERGE)
@deliberate("evpn-ignored", TEMPLATES, *EVPN_TEMPLATES)
@deliberate("evpn-ignored", CRD, *EVPN_CRD_REFUSED, *EVPN_CRD_ACCEPTED)
def test_evpn_is_accepted_warned_about_and_not_rendered(
    render: Render, source: str, case: str, blocks: tuple[str, ...]
) -> None:
    # Several blocks are several configurations (merge cases) or VRFs (the cross-VRF VNI cases).
    across_vrfs = "across VRFs" in case
    documents = [
        _evpn_configuration(f"part-{index}", block, f"vrf{index}" if across_vrfs else "tenant")
        for index, block in enumerate(blocks)
    ]
    rendered = render(*documents)
    warned = rendered.warned("FieldNotSupported")
    assert sum(".evpn is ignored" in message for message in warned) == sum(bool(block) for block in blocks)
    assert any("addressFamilies: evpn is ignored" in message for message in warned)
    assert "evpn" not in rendered.text and "vni" not in rendered.text
    assert all(
        neighbor.activated == {4}
        for router in rendered.meaning.routers.values()
        for neighbor in router.neighbors.values()
    )


def _reviewed_update(before: str, after: str) -> Verdict:
    """The webhook's verdict on `after` replacing `before`, with a Router selecting both."""
    existing = resources(ROUTER, before)
    return review(existing, _document(after), _document(before))


def _document(text: str) -> dict[str, object]:
    (first,) = [d.value for d in read_documents(text, "candidate.yaml") if d.value is not None]
    assert isinstance(first, dict)
    return first


def _lab(name: str, neighbor: str) -> str:
    routers = f"bgp: {{routers: [{{asn: 64512, neighbors: [{neighbor}]}}]}}"
    spec = f"routerSelector: {{matchLabels: {{site: lab}}}}\n{routers}"
    return frr_configuration(name, spec)


@equal(WEBHOOK, "return warning when enableGracefulRestart changes")
def test_an_update_that_changes_graceful_restart_is_admitted_with_a_warning_that_the_session_resets() -> None:
    before = _lab("team-a", "{address: 192.0.2.30, asn: 64530}")
    after = _lab("team-a", "{address: 192.0.2.30, asn: 64530, enableGracefulRestart: true}")

    verdict = _reviewed_update(before, after)

    assert verdict.allowed
    assert verdict.warnings == (
        "router edge-1: the BGP session with neighbor 192.0.2.30 will be reset (graceful-restart changes)",
    )
    # The same object created anew (no old version) starts a session: nothing to warn about.
    assert review(resources(ROUTER), _document(after), None).warnings == ()


@equal(WEBHOOK, "Same, update")
def test_an_update_is_judged_without_its_own_old_version() -> None:
    before = _lab("team-a", "{address: 192.0.2.30, asn: 64530}")
    after = _lab("team-a", "{address: 192.0.2.30, asn: 64530, holdTime: 30s, keepaliveTime: 10s}")

    verdict = _reviewed_update(before, after)

    # Not "the same object is also defined" (a create of a second object of that name is: "Same, new"), and
    # timers change without a session reset.
    assert verdict.allowed and verdict.warnings == ()
