"""An IPv6-only router needs a router-id: FRR takes the BGP identifier from an IPv4 address, and with none
no session comes up. frr-edge warns, naming the FRRConfiguration that declares the instance, whenever the
addresses it knows of the router are all IPv6 and nothing sets the router-id."""

from __future__ import annotations

import pytest

from controller.pipeline import desired_router
from tests.core.builders import ROUTER, frr_configuration, resources

V6_ROUTER = ROUTER.replace("address: 192.0.2.1", "address: 2001:db8::1\n  bgpAddresses: ['2001:db8:1::1']")


def warnings_of(router: str, spec: str) -> list[str]:
    inputs = resources(router, frr_configuration("edge", "routerSelector: {matchLabels: {site: lab}}\n" + spec))
    (loaded,) = inputs.routers
    _, warnings = desired_router(loaded, inputs)
    return [str(w) for w in warnings if w.reason == "RouterIDMissing"]


NEIGHBOR = "neighbors: [{address: '2001:db8:1::10', asn: 64600}]"


def test_an_ipv6_only_router_without_a_router_id_is_warned_about_naming_the_object() -> None:
    (warning,) = warnings_of(V6_ROUTER, f"bgp: {{routers: [{{asn: 64512, {NEIGHBOR}}}]}}")

    assert warning.startswith(
        "FRRConfiguration default/edge: router edge-1 BGP instance (vrf default) has no router-id"
    )
    assert "spec.bgp.routers[].id" in warning


@pytest.mark.parametrize(
    ("router", "spec"),
    [
        (V6_ROUTER, f"bgp: {{routers: [{{asn: 64512, id: 192.0.2.1, {NEIGHBOR}}}]}}"),
        (
            V6_ROUTER,
            f'bgp: {{routers: [{{asn: 64512, {NEIGHBOR}}}]}}\nraw: {{rawConfig: "router bgp 64512\\n '
            'bgp router-id 192.0.2.1\\nexit"}',
        ),
        (
            ROUTER.replace("address: 192.0.2.1", "address: 2001:db8::1\n  bgpAddresses: [192.0.2.1]"),
            "bgp: {routers: [{asn: 64512, " + NEIGHBOR + "}]}",
        ),
        (V6_ROUTER, "bgp: {routers: [{asn: 64512}]}"),  # no neighbor: no session to bring up
    ],
    ids=["router-id set", "router-id in a raw snippet", "an IPv4 address known", "no neighbors"],
)
def test_no_warning_when_the_router_id_is_set_or_can_be_found(router: str, spec: str) -> None:
    assert warnings_of(router, spec) == []
