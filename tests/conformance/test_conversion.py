"""FRR-K8s's conversion cases (one or more FRRConfigurations to one FRR configuration), restated for the
router: given these resources, the router's FRR configuration means what FRR-K8s's means, or frr-edge
refuses what FRR-K8s refuses, naming the object and the field."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from controller.errors import FrrEdgeError, InvalidInput, MergeConflict
from tests.conformance.conftest import Rendered
from tests.conformance.frrk8s import CONVERSION, SELECTORS, WEBHOOK_E2E, deliberate, equal
from tests.conformance.meaning import Advertised, any_route, selector
from tests.core.builders import ROUTER, frr_configuration, resources

Render = Callable[..., Rendered]
Refused = Callable[..., FrrEdgeError]
SECRET = """
apiVersion: v1
kind: Secret
metadata: {name: speaker-md5, namespace: network}
type: kubernetes.io/basic-auth
stringData: {password: from-a-secret}
"""


def config(spec: str, name: str = "edge", namespace: str = "network") -> str:
    return frr_configuration(name, spec, namespace)


def one_neighbor(neighbor: str, router: str = "") -> str:
    """A spec with one BGP instance (AS 64520, plus `router` fields) and one neighbor (YAML flow fields)."""
    return f"bgp: {{routers: [{{asn: 64520{router}, neighbors: [{{{neighbor}}}]}}]}}"


def invalid_at(error: FrrEdgeError, field: str, name: str = "edge") -> str:
    """The reason of an InvalidInput about `field` of FRRConfiguration network/`name`."""
    assert isinstance(error, InvalidInput), error
    assert (error.origin.kind, error.origin.ref) == ("FRRConfiguration", f"network/{name}")
    assert error.field == field, error.field
    return error.why


# ---------------------------------------------------------------------------------------------- sessions


@equal(CONVERSION, "Single Router and Neighbor with SrcAddr")
def test_session_settings_with_a_source_address_reach_the_router(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  id: 10.255.0.1
                  prefixes: [198.51.100.0/24]
                  neighbors:
                    - address: 192.0.2.21
                      asn: 64521
                      port: 179
                      sourceaddress: 192.0.2.1
                      keepaliveTime: 20s
                      holdTime: 40s
                      connectTime: 2s
                      dualStackAddressFamily: true
                      enableGracefulRestart: true
            """
        )
    )
    meaning = rendered.meaning
    assert (meaning.router().asn, meaning.router().router_id) == (64520, "10.255.0.1")
    neighbor = meaning.neighbor("192.0.2.21")
    assert (neighbor.remote_as, neighbor.port, neighbor.timers, neighbor.connect_time) == ("64521", 179, (20, 40), 2)
    assert neighbor.options["update-source"] == "192.0.2.1" and "graceful-restart" in neighbor.options
    assert neighbor.activated == {4, 6}
    # Nothing is advertised or accepted unless toAdvertise / toReceive say so.
    assert meaning.advertised("192.0.2.21", 4) == {} and meaning.advertised("192.0.2.21", 6) == {}
    assert meaning.receive_filters("192.0.2.21", 4) == set()


@equal(CONVERSION, "Single Router and Neighbor")
def test_a_port_and_timers_of_one_neighbor(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: [198.51.100.0/24]
                  neighbors:
                    - {address: 192.0.2.21, asn: 64521, port: 1790, keepaliveTime: 20s, holdTime: 40s,
                       connectTime: 2s}
            """
        )
    )
    neighbor = rendered.meaning.neighbor("192.0.2.21")
    assert (neighbor.port, neighbor.timers, neighbor.connect_time, neighbor.activated) == (1790, (20, 40), 2, {4})


@equal(CONVERSION, "Multiple Routers and Neighbors")
def test_two_bgp_instances_one_per_vrf_each_with_its_neighbors(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  id: 10.255.0.1
                  prefixes: [198.51.100.0/24]
                  neighbors:
                    - {address: 192.0.2.21, asn: 64521}
                    - {address: 192.0.2.22, asn: 64522}
                - asn: 64530
                  id: 10.255.0.2
                  vrf: tenant
                  prefixes: ['2001:db8:30::/64']
                  neighbors:
                    - {address: '2001:db8::31', asn: 64531}
            """
        )
    )
    meaning = rendered.meaning
    assert set(meaning.routers) == {"", "tenant"}
    assert set(meaning.router().neighbors) == {"192.0.2.21", "192.0.2.22"}
    assert meaning.router("tenant").asn == 64530 and meaning.router("tenant").router_id == "10.255.0.2"
    assert meaning.neighbor("2001:db8::31", "tenant").activated == {6}
    assert meaning.router("tenant").networks[6] == {"2001:db8:30::/64"}


@deliberate(
    "values-frr-refuses",
    CONVERSION,
    "Multiple Routers and Neighbors",
    "IPv6 neighbor with ToAdvertise next hop",
    "Multiple FRRConfigurations - Multiple Routers and Neighbors",
    "Multiple Routers and Neighbors with passwords",
    "Multiple Routers import VRFs",
)
def test_an_ipv6_router_id_is_refused_before_it_reaches_frr(refused: Refused) -> None:
    # These FRR-K8s cases give a VRF's instance an IPv6 id, which FRR-K8s passes through as text; FRR's
    # `bgp router-id` takes only an IPv4 address, so the reload would fail. The cases above restate them
    # with IPv4 ids for everything else they show.
    error = refused(config("bgp: {routers: [{asn: 64530, id: '2001:db8::3', vrf: tenant}]}"))
    assert "IPv4" in invalid_at(error, "spec.bgp.routers[0].id")


@equal(CONVERSION, "IPv4 Neighbor with IPv4 and IPv6 Prefixes")
def test_router_prefixes_of_both_families_are_networks_of_their_family(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: [198.51.100.0/24, '2001:db8:20::/64']
                  neighbors: [{address: 192.0.2.21, asn: 64521}]
            """
        )
    )
    meaning = rendered.meaning
    assert meaning.router().networks == {4: {"198.51.100.0/24"}, 6: {"2001:db8:20::/64"}}
    assert meaning.neighbor("192.0.2.21").activated == {4}


@equal(CONVERSION, "Empty Configuration")
def test_an_empty_configuration_renders_no_bgp(render: Render) -> None:
    rendered = render(config("{}"))
    assert rendered.meaning.routers == {} and rendered.meaning.bfd_profiles == {}


@equal(CONVERSION, "Non default VRF")
def test_a_bgp_instance_in_a_vrf(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  vrf: tenant
                  prefixes: [198.51.100.0/24]
                  neighbors: [{address: 192.0.2.21, asn: 64521}]
            """
        )
    )
    assert set(rendered.meaning.routers) == {"tenant"}
    assert rendered.meaning.neighbor("192.0.2.21", "tenant").remote_as == "64521"


# ------------------------------------------------------------------------------------------- next hops


@equal(CONVERSION, "Neighbor with ToAdvertise")
def test_an_ipv4_next_hop_on_the_advertised_prefixes(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: [198.51.100.0/24]
                  neighbors:
                    - address: 192.0.2.21
                      asn: 64521
                      toAdvertise: {allowed: {prefixes: [198.51.100.0/24]}, nextHop: {ipv4: 192.0.2.1}}
            """
        )
    )
    assert rendered.meaning.advertised("192.0.2.21", 4) == {"198.51.100.0/24": Advertised(next_hop="192.0.2.1")}


@equal(CONVERSION, "IPv6 neighbor with ToAdvertise next hop")
def test_an_ipv6_next_hop_on_the_advertised_prefixes(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: ['2001:db8:20::/64']
                  neighbors:
                    - address: '2001:db8::21'
                      asn: 64521
                      toAdvertise: {allowed: {prefixes: ['2001:db8:20::/64']}, nextHop: {ipv6: '2001:db8::1'}}
            """
        )
    )
    assert rendered.meaning.advertised("2001:db8::21", 6) == {"2001:db8:20::/64": Advertised(next_hop="2001:db8::1")}


@equal(CONVERSION, "Dual stack neighbor with ToAdvertise next hops")
def test_a_next_hop_per_family_on_a_dual_stack_session(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: [198.51.100.0/24, '2001:db8:20::/64']
                  neighbors:
                    - address: 192.0.2.21
                      asn: 64521
                      dualStackAddressFamily: true
                      toAdvertise: {allowed: {mode: all}, nextHop: {ipv4: 192.0.2.1, ipv6: '2001:db8::1'}}
            """
        )
    )
    meaning = rendered.meaning
    assert meaning.advertised("192.0.2.21", 4) == {"198.51.100.0/24": Advertised(next_hop="192.0.2.1")}
    assert meaning.advertised("192.0.2.21", 6) == {"2001:db8:20::/64": Advertised(next_hop="2001:db8::1")}


@pytest.mark.parametrize(
    ("address", "next_hop", "field", "why"),
    [
        ("192.0.2.21", "ipv4: '2001:db8::1'", "ipv4", "is not an IPv4 address"),
        ("'2001:db8::21'", "ipv6: 192.0.2.1", "ipv6", "is not an IPv6 address"),
    ],
)
@equal(CONVERSION, "Invalid ipv4 next hop", "Invalid ipv6 next hop")
def test_a_next_hop_of_the_wrong_family_is_refused(
    refused: Refused, address: str, next_hop: str, field: str, why: str
) -> None:
    spec = one_neighbor(f"address: {address}, asn: 64521, toAdvertise: {{nextHop: {{{next_hop}}}}}")
    assert why in invalid_at(refused(config(spec)), f"spec.bgp.routers[0].neighbors[0].toAdvertise.nextHop.{field}")


@pytest.mark.parametrize(
    ("address", "next_hop", "field"),
    [("192.0.2.21", "ipv6: '2001:db8::1'", "ipv6"), ("'2001:db8::21'", "ipv4: 192.0.2.1", "ipv4")],
)
@equal(CONVERSION, "IPv4 neighbor with ipv6 next hop", "IPv6 neighbor with ipv4 next hop")
@equal(WEBHOOK_E2E, "ipv4 neighbor with ipv6 next hop", "ipv6 neighbor with ipv4 next hop")
def test_a_next_hop_of_a_family_the_session_does_not_carry_is_refused(
    refused: Refused, address: str, next_hop: str, field: str
) -> None:
    spec = one_neighbor(f"address: {address}, asn: 64521, toAdvertise: {{nextHop: {{{next_hop}}}}}")
    why = invalid_at(refused(config(spec)), f"spec.bgp.routers[0].neighbors[0].toAdvertise.nextHop.{field}")
    assert "needs a session that carries" in why


def test_a_next_hop_frr_refuses_is_refused_before_it_reaches_frr(refused: Refused) -> None:
    # FRR-K8s checks only the family; FRR's route-map validation then refuses a link-local global next hop.
    spec = """
    bgp:
      routers:
        - asn: 64520
          neighbors: [{address: '2001:db8::21', asn: 64521, toAdvertise: {nextHop: {ipv6: 'fe80::1'}}}]
    """
    why = invalid_at(refused(config(spec)), "spec.bgp.routers[0].neighbors[0].toAdvertise.nextHop.ipv6")
    assert "link-local" in why


# ----------------------------------------------------------------------------------------- advertising


@equal(CONVERSION, "Two Neighbor with ToAdvertise, one advertise all")
def test_one_neighbor_gets_a_list_and_the_other_every_prefix_of_its_family(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: [198.51.100.0/26, 198.51.100.64/26, 198.51.100.128/26, '2001:db8:20::/64']
                  neighbors:
                    - address: 192.0.2.21
                      asn: 64521
                      toAdvertise: {allowed: {prefixes: [198.51.100.0/26, 198.51.100.128/26]}}
                    - {address: 192.0.2.22, asn: 64521, toAdvertise: {allowed: {mode: all}}}
            """
        )
    )
    meaning = rendered.meaning
    assert set(meaning.advertised("192.0.2.21", 4)) == {"198.51.100.0/26", "198.51.100.128/26"}
    assert set(meaning.advertised("192.0.2.22", 4)) == {"198.51.100.0/26", "198.51.100.64/26", "198.51.100.128/26"}
    assert meaning.advertised("192.0.2.22", 6) == {}  # an IPv4 session carries no IPv6 prefix


@equal(CONVERSION, "Two Neighbor with ToAdvertise, one advertise all, both with communities and localPref")
def test_communities_and_local_preferences_per_prefix_and_neighbor(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: [198.51.100.0/26, 198.51.100.64/26, 198.51.100.128/26, 198.51.100.192/26]
                  neighbors:
                    - address: 192.0.2.21
                      asn: 64521
                      toAdvertise:
                        allowed: {prefixes: [198.51.100.0/26, 198.51.100.128/26, 198.51.100.192/26]}
                        withCommunity:
                          - {prefixes: [198.51.100.0/26, 198.51.100.128/26], community: '64520:100'}
                          - {prefixes: [198.51.100.0/26], community: '64520:102'}
                          - {prefixes: [198.51.100.0/26, 198.51.100.128/26], community: 'large:64520:1:7890'}
                          - {prefixes: [198.51.100.128/26], community: '64520:1:7892'}
                          - {prefixes: [198.51.100.128/26], community: '64520:104'}
                        withLocalPref:
                          - {prefixes: [198.51.100.0/26, 198.51.100.192/26], localPref: 100}
                          - {prefixes: [198.51.100.128/26], localPref: 104}
                    - address: 192.0.2.22
                      asn: 64521
                      toAdvertise:
                        allowed: {mode: all}
                        withCommunity:
                          - {prefixes: [198.51.100.0/26, 198.51.100.128/26], community: '64520:100'}
                          - {prefixes: [198.51.100.0/26], community: '64520:102'}
                          - {prefixes: [198.51.100.0/26], community: '64520:108'}
            """
        )
    )
    meaning = rendered.meaning
    assert meaning.advertised("192.0.2.21", 4) == {
        "198.51.100.0/26": Advertised(frozenset({"64520:100", "64520:102", "64520:1:7890"}), 100),
        "198.51.100.128/26": Advertised(frozenset({"64520:100", "64520:1:7890", "64520:1:7892", "64520:104"}), 104),
        "198.51.100.192/26": Advertised(local_pref=100),
    }
    assert meaning.advertised("192.0.2.22", 4) == {
        "198.51.100.0/26": Advertised(frozenset({"64520:100", "64520:102", "64520:108"})),
        "198.51.100.64/26": Advertised(),
        "198.51.100.128/26": Advertised(frozenset({"64520:100"})),
        "198.51.100.192/26": Advertised(),
    }


@equal(CONVERSION, "Neighbor with ToAdvertise, with communities and localPref, dual stack")
@equal(CONVERSION, "ipv4 neighbor, dualstack family, v4 and v6 routes are advertised")
def test_a_dual_stack_session_takes_communities_and_local_preferences_in_both_families(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: [198.51.100.0/26, 198.51.100.64/26, '2001:db8:20::/64']
                  neighbors:
                    - address: 192.0.2.21
                      asn: 64521
                      dualStackAddressFamily: true
                      toAdvertise:
                        allowed: {mode: all}
                        withCommunity:
                          - {prefixes: [198.51.100.0/26], community: '64520:100'}
                          - {prefixes: [198.51.100.0/26, '2001:db8:20::/64'], community: '64520:108'}
                        withLocalPref:
                          - {prefixes: [198.51.100.64/26, '2001:db8:20::/64'], localPref: 100}
            """
        )
    )
    meaning = rendered.meaning
    assert meaning.advertised("192.0.2.21", 4) == {
        "198.51.100.0/26": Advertised(frozenset({"64520:100", "64520:108"})),
        "198.51.100.64/26": Advertised(local_pref=100),
    }
    assert meaning.advertised("192.0.2.21", 6) == {"2001:db8:20::/64": Advertised(frozenset({"64520:108"}), 100)}


@equal(CONVERSION, "One neighbor, invalid address")
@equal(WEBHOOK_E2E, "invalid neighbor address")
def test_a_neighbor_address_that_is_no_address_is_refused(refused: Refused) -> None:
    error = refused(config("bgp: {routers: [{asn: 64520, neighbors: [{address: 192.0.2.x, asn: 64521}]}]}"))
    assert "not an IPv4 or IPv6 address" in invalid_at(error, "spec.bgp.routers[0].neighbors[0].address")


@equal(WEBHOOK_E2E, "invalid router prefix")
def test_a_router_prefix_that_is_no_prefix_is_refused(refused: Refused) -> None:
    error = refused(config("bgp: {routers: [{asn: 64520, prefixes: [198.51.100.0/33]}]}"))
    assert "not a CIDR prefix" in invalid_at(error, "spec.bgp.routers[0].prefixes[0]")


@equal(CONVERSION, "One neighbor, trying to advertise a prefix not in router")
def test_advertising_a_prefix_the_router_does_not_have_is_refused(refused: Refused) -> None:
    spec = """
    bgp:
      routers:
        - asn: 64520
          prefixes: [198.51.100.0/24]
          neighbors:
            - {address: 192.0.2.21, asn: 64521, toAdvertise: {allowed: {prefixes: [198.51.100.0/24, 203.0.113.0/24]}}}
    """
    why = invalid_at(refused(config(spec)), "spec.bgp.routers[0].neighbors[0].toAdvertise.allowed.prefixes[1]")
    assert "203.0.113.0/24 is not one of the router's prefixes" in why


@pytest.mark.parametrize("field", ["withCommunity", "withLocalPref"])
@equal(
    CONVERSION,
    "One neighbor, trying to set community on an unallowed prefix",
    "One neighbor, trying to set localPref on an unallowed prefix",
)
def test_an_attribute_on_a_prefix_not_advertised_to_the_neighbor_is_refused(refused: Refused, field: str) -> None:
    value = "community: '64520:100'" if field == "withCommunity" else "localPref: 101"
    spec = f"""
    bgp:
      routers:
        - asn: 64520
          prefixes: [198.51.100.0/26, 198.51.100.64/26, 203.0.113.10/32]
          neighbors:
            - address: 192.0.2.21
              asn: 64521
              toAdvertise:
                allowed: {{prefixes: [198.51.100.0/26, 198.51.100.64/26]}}
                {field}: [{{prefixes: [198.51.100.0/26], {value}}}, {{prefixes: [203.0.113.10/32], {value}}}]
    """
    why = invalid_at(refused(config(spec)), f"spec.bgp.routers[0].neighbors[0].toAdvertise.{field}[1].prefixes[0]")
    assert "203.0.113.10/32 is not advertised to this neighbor" in why


@equal(CONVERSION, "One neighbor, trying to set multiple localPrefs for a prefix")
def test_two_local_preferences_for_one_prefix_are_refused(refused: Refused) -> None:
    spec = """
    bgp:
      routers:
        - asn: 64520
          prefixes: [198.51.100.0/26, 198.51.100.64/26]
          neighbors:
            - address: 192.0.2.21
              asn: 64521
              toAdvertise:
                allowed: {mode: all}
                withLocalPref:
                  - {prefixes: [198.51.100.0/26, 198.51.100.64/26], localPref: 100}
                  - {prefixes: [198.51.100.64/26], localPref: 104}
    """
    why = invalid_at(refused(config(spec)), "spec.bgp.routers[0].neighbors[0].toAdvertise.withLocalPref[1]")
    assert "198.51.100.64/26 is given two local preferences (100 and 104)" in why


@deliberate(
    "same-value-entries-add-up",
    CONVERSION,
    "One neighbor, trying to set samelocalPrefs for different prefix entries",
    "One neighbor, trying to set samelocalPrefs for a prefix twice",
)
def test_entries_with_the_same_local_preference_or_a_prefix_listed_twice_add_up(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: [198.51.100.0/26, 10.10.0.0/24]
                  neighbors:
                    - address: 192.0.2.21
                      asn: 64521
                      toAdvertise:
                        allowed: {prefixes: [198.51.100.0/26, 10.10.0.0/24, 198.51.100.0/26]}
                        withLocalPref:
                          - {prefixes: [10.10.0.0/24], localPref: 100}
                          - {prefixes: [198.51.100.0/26, 198.51.100.0/26], localPref: 100}
            """
        )
    )
    assert rendered.meaning.advertised("192.0.2.21", 4) == {
        "10.10.0.0/24": Advertised(local_pref=100),
        "198.51.100.0/26": Advertised(local_pref=100),
    }


@equal(CONVERSION, "One neighbor, trying to set localpref on non existing prefix")
@equal(WEBHOOK_E2E, "localpref on non-existing prefix")
def test_a_local_preference_on_a_prefix_nobody_advertises_is_refused(refused: Refused) -> None:
    spec = """
    bgp:
      routers:
        - asn: 64520
          neighbors:
            - address: 192.0.2.21
              asn: 64521
              toAdvertise: {withLocalPref: [{prefixes: [10.10.0.0/24], localPref: 100}]}
    """
    why = invalid_at(refused(config(spec)), "spec.bgp.routers[0].neighbors[0].toAdvertise.withLocalPref[0].prefixes[0]")
    assert "is not advertised to this neighbor" in why


@pytest.mark.parametrize(
    ("advertise", "field"),
    [
        ("allowed: {prefixes: [198.51.100.0/24, '2001:db8:20::/64']}", "allowed.prefixes[1]"),
        (
            "allowed: {mode: all}, "
            "withCommunity: [{prefixes: [198.51.100.0/24, '2001:db8:20::/64'], community: '64520:1'}]",
            "withCommunity[0].prefixes[1]",
        ),
        (
            "allowed: {mode: all}, withLocalPref: [{prefixes: [198.51.100.0/24, '2001:db8:20::/64'], localPref: 100}]",
            "withLocalPref[0].prefixes[1]",
        ),
    ],
)
@equal(
    CONVERSION,
    "ipv4 neighbor, v6 routes are not allowed to be advertised",
    "ipv4 neighbor, v6 routes are not allowed to be advertised with Community",
    "ipv4 neighbor, v6 routes are not allowed to be advertised with localpref",
)
def test_an_ipv6_prefix_for_an_ipv4_only_session_is_refused_not_dropped(
    refused: Refused, advertise: str, field: str
) -> None:
    spec = f"""
    bgp:
      routers:
        - asn: 64520
          prefixes: [198.51.100.0/24, '2001:db8:20::/64']
          neighbors: [{{address: 192.0.2.21, asn: 64521, toAdvertise: {{{advertise}}}}}]
    """
    why = invalid_at(refused(config(spec)), f"spec.bgp.routers[0].neighbors[0].toAdvertise.{field}")
    assert "2001:db8:20::/64 cannot be advertised over an IPv4 session unless dualStackAddressFamily is true" in why


# ------------------------------------------------------------------------------------------- receiving


@equal(CONVERSION, "Neighbor with ToReceiveAll")
def test_receive_all_accepts_every_prefix_of_the_session_family(render: Render) -> None:
    rendered = render(config(one_neighbor("address: 192.0.2.21, asn: 64521, toReceive: {allowed: {mode: all}}")))
    assert rendered.meaning.receive_filters("192.0.2.21", 4) == {any_route(4)}
    assert rendered.meaning.receive_filters("192.0.2.21", 6) == set()


@equal(CONVERSION, "Neighbor with ToReceive some ips only")
def test_an_ipv6_selector_on_an_ipv4_session_is_accepted_and_receives_nothing(render: Render) -> None:
    # FRR-K8s keeps the IPv6 selector in the prefix-list of a family the session does not carry; frr-edge
    # keeps it too (it counts again once dualStackAddressFamily is set) and says it has no effect.
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  neighbors:
                    - address: 192.0.2.21
                      asn: 64521
                      toReceive:
                        allowed:
                          prefixes:
                            - {prefix: 203.0.113.0/26}
                            - {prefix: 203.0.113.64/26}
                            - {prefix: 203.0.113.128/26}
                            - {prefix: '2001:db8:5::/64'}
            """
        )
    )
    meaning = rendered.meaning
    assert meaning.receive_filters("192.0.2.21", 4) == {
        selector("203.0.113.0/26"),
        selector("203.0.113.64/26"),
        selector("203.0.113.128/26"),
    }
    assert not meaning.accepts("192.0.2.21", "2001:db8:5::/64")
    (warning,) = rendered.warned("FieldHasNoEffect")
    assert "2001:db8:5::/64 has no effect: the session carries only IPv4" in warning


@equal(CONVERSION, "Neighbor with ToReceive some ips only and modifiers")
def test_receive_selectors_with_length_ranges(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  neighbors:
                    - address: 192.0.2.21
                      asn: 64521
                      dualStackAddressFamily: true
                      toReceive:
                        allowed:
                          prefixes:
                            - {prefix: 203.0.113.0/26, le: 32, ge: 28}
                            - {prefix: 203.0.113.64/26, le: 32, ge: 28}
                            - {prefix: 203.0.113.128/26}
                            - {prefix: '2001:db8:5::/64'}
            """
        )
    )
    meaning = rendered.meaning
    assert meaning.receive_filters("192.0.2.21", 4) == {
        selector("203.0.113.0/26", 28, 32),
        selector("203.0.113.64/26", 28, 32),
        selector("203.0.113.128/26"),
    }
    assert meaning.receive_filters("192.0.2.21", 6) == {selector("2001:db8:5::/64")}
    assert meaning.accepts("192.0.2.21", "203.0.113.5/32") and not meaning.accepts("192.0.2.21", "203.0.113.0/27")


@equal(CONVERSION, "Neighbor with ToReceive some ips only and setting le and ge")
@equal(SELECTORS, "prefix ge greater than le")
def test_ge_above_le_is_refused(refused: Refused) -> None:
    selectors = "[{prefix: 203.0.113.0/24, le: 26, ge: 28}]"
    spec = one_neighbor(f"address: 192.0.2.21, asn: 64521, toReceive: {{allowed: {{prefixes: {selectors}}}}}")
    why = invalid_at(refused(config(spec)), "spec.bgp.routers[0].neighbors[0].toReceive.allowed.prefixes[0]")
    assert "ge must be less than or equal to le" in why


@pytest.mark.parametrize(
    ("prefix", "ge", "le"),
    [
        ("203.0.113.0/24", None, None),
        ("203.0.113.0/24", 25, 32),
        ("2001:db8:5::/64", 70, 128),
        ("203.0.113.0/24", 24, None),  # ge equal to the prefix length: FRR's mask length <= ge <= le
        ("203.0.113.0/24", 24, 24),
    ],
)
@equal(SELECTORS, "prefix only", "prefix with valid modifiers", "prefix with valid modifiers, ipv6")
def test_selectors_frr_accepts_are_accepted_with_frrs_meaning(
    render: Render, prefix: str, ge: int | None, le: int | None
) -> None:
    bounds = "".join(f", {name}: {value}" for name, value in (("ge", ge), ("le", le)) if value is not None)
    spec = f"""
    bgp:
      routers:
        - asn: 64520
          neighbors:
            - {{address: 192.0.2.21, asn: 64521, dualStackAddressFamily: true,
                toReceive: {{allowed: {{prefixes: [{{prefix: '{prefix}'{bounds}}}]}}}}}}
    """
    meaning = render(config(spec)).meaning
    family = 6 if ":" in prefix else 4
    assert meaning.receive_filters("192.0.2.21", family) == {selector(prefix, ge, le)}


@pytest.mark.parametrize(
    ("bounds", "why"),
    [
        ("le: 22", "le must be at least the prefix length"),
        ("le: 32, ge: 22", "ge must be at least the prefix length"),
        ("ge: 22", "ge must be at least the prefix length"),
        ("prefix6: true, le: 63", "le must be at least the prefix length"),
    ],
)
@equal(
    SELECTORS,
    "prefix le smaller than mask",
    "prefix le valid, ge smaller than mask",
    "prefix le nil, ge smaller than mask",
    "prefix with invalid modifiers, ipv6",
)
def test_selectors_outside_mask_length_le_ge_are_refused(refused: Refused, bounds: str, why: str) -> None:
    prefix = "203.0.113.0/24"
    if bounds.startswith("prefix6: true, "):
        prefix, bounds = "'2001:db8:5::/64'", bounds.removeprefix("prefix6: true, ")
    selectors = f"[{{prefix: {prefix}, {bounds}}}]"
    spec = one_neighbor(f"address: 192.0.2.21, asn: 64521, toReceive: {{allowed: {{prefixes: {selectors}}}}}")
    assert why in invalid_at(refused(config(spec)), "spec.bgp.routers[0].neighbors[0].toReceive.allowed.prefixes[0]")


# ----------------------------------------------------------------------------- several configurations


@equal(
    CONVERSION,
    "Multiple FRRConfigurations - Single Router and neighbor, one config for advertise the other for receiving",
)
def test_one_configuration_advertises_and_another_receives_for_the_same_neighbor(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  id: 10.255.0.1
                  prefixes: [198.51.100.10/32, 198.51.100.11/32]
                  neighbors:
                    - address: 192.0.2.21
                      asn: 64521
                      toAdvertise:
                        allowed: {prefixes: [198.51.100.10/32, 198.51.100.11/32]}
                        withCommunity:
                          - {community: '64520:100', prefixes: [198.51.100.10/32]}
                          - {community: '64520:101', prefixes: [198.51.100.10/32, 198.51.100.11/32]}
                        withLocalPref: [{localPref: 200, prefixes: [198.51.100.10/32]}]
            """,
            "advertise",
        ),
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  id: 10.255.0.1
                  neighbors:
                    - address: 192.0.2.21
                      asn: 64521
                      toReceive: {allowed: {prefixes: [{prefix: 203.0.113.0/25}, {prefix: 203.0.113.128/25}]}}
            """,
            "receive",
        ),
    )
    meaning = rendered.meaning
    assert meaning.advertised("192.0.2.21", 4) == {
        "198.51.100.10/32": Advertised(frozenset({"64520:100", "64520:101"}), 200),
        "198.51.100.11/32": Advertised(frozenset({"64520:101"})),
    }
    assert meaning.receive_filters("192.0.2.21", 4) == {selector("203.0.113.0/25"), selector("203.0.113.128/25")}


@equal(CONVERSION, "Multiple FRRConfigurations - Single Router and neighbor, merging different lengths")
def test_receive_selectors_of_one_prefix_with_different_lengths_add_up(render: Render) -> None:
    first = """
    bgp:
      routers:
        - asn: 64520
          neighbors:
            - address: 192.0.2.21
              asn: 64521
              toReceive:
                allowed:
                  prefixes:
                    - {prefix: 203.0.113.0/26, le: 28}
                    - {prefix: 203.0.113.64/26, le: 32, ge: 28}
                    - {prefix: 203.0.113.128/26, le: 32, ge: 28}
    """
    second = first.replace("le: 28}", "le: 32}").replace(
        "{prefix: 203.0.113.64/26, le: 32, ge: 28}", "{prefix: 203.0.113.64/26, ge: 26}"
    )
    rendered = render(config(first, "first"), config(second, "second"))
    assert rendered.meaning.receive_filters("192.0.2.21", 4) == {
        selector("203.0.113.0/26", le=28),
        selector("203.0.113.0/26", le=32),
        selector("203.0.113.64/26", ge=26),
        selector("203.0.113.64/26", 28, 32),
        selector("203.0.113.128/26", 28, 32),
    }


@equal(CONVERSION, "Multiple FRRConfigurations - Multiple Routers and Neighbors")
def test_two_configurations_over_two_vrfs_merge_per_vrf_and_neighbor(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  id: 10.255.0.1
                  prefixes: [198.51.100.10/32, 198.51.100.11/32]
                  neighbors:
                    - address: 192.0.2.22
                      asn: 64522
                      toAdvertise:
                        allowed: {prefixes: [198.51.100.10/32, 198.51.100.11/32]}
                        withCommunity:
                          - {community: '64520:100', prefixes: [198.51.100.10/32]}
                          - {community: '64520:101', prefixes: [198.51.100.10/32, 198.51.100.11/32]}
                        withLocalPref: [{localPref: 200, prefixes: [198.51.100.10/32]}]
                - asn: 64530
                  vrf: tenant
                  prefixes: [198.51.100.5/32, '2001:db8:20::/64']
                  neighbors:
                    - {address: 192.0.2.22, asn: 64537, toAdvertise: {allowed: {prefixes: [198.51.100.5/32]}}}
                    - {address: '2001:db8::24', asn: 64534, toAdvertise: {allowed: {mode: all}}}
            """,
            "first",
        ),
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  id: 10.255.0.1
                  prefixes: [198.51.100.31/32, 198.51.100.32/32, 198.51.100.40/32, 198.51.100.41/32]
                  neighbors:
                    - address: 192.0.2.21
                      asn: 64521
                      toAdvertise: {allowed: {prefixes: [198.51.100.31/32, 198.51.100.32/32]}}
                    - address: 192.0.2.22
                      asn: 64522
                      toAdvertise:
                        allowed: {prefixes: [198.51.100.40/32, 198.51.100.41/32]}
                        withCommunity:
                          - {community: '64520:100', prefixes: [198.51.100.40/32]}
                          - {community: '64520:101', prefixes: [198.51.100.41/32]}
                        withLocalPref: [{localPref: 200, prefixes: [198.51.100.41/32]}]
                - asn: 64530
                  id: 10.255.0.3
                  vrf: tenant
                  prefixes: ['2001:db8:21::/96']
                  neighbors:
                    - {address: '2001:db8::24', asn: 64534, toAdvertise: {allowed: {prefixes: ['2001:db8:21::/96']}}}
            """,
            "second",
        ),
    )
    meaning = rendered.meaning
    assert meaning.router().networks[4] == {
        "198.51.100.10/32", "198.51.100.11/32", "198.51.100.31/32", "198.51.100.32/32", "198.51.100.40/32",
        "198.51.100.41/32",
    }  # fmt: skip
    assert set(meaning.advertised("192.0.2.21", 4)) == {"198.51.100.31/32", "198.51.100.32/32"}
    assert meaning.advertised("192.0.2.22", 4) == {
        "198.51.100.10/32": Advertised(frozenset({"64520:100", "64520:101"}), 200),
        "198.51.100.11/32": Advertised(frozenset({"64520:101"})),
        "198.51.100.40/32": Advertised(frozenset({"64520:100"})),
        "198.51.100.41/32": Advertised(frozenset({"64520:101"}), 200),
    }
    assert meaning.router("tenant").router_id == "10.255.0.3"
    assert set(meaning.advertised("192.0.2.22", 4, "tenant")) == {"198.51.100.5/32"}
    assert set(meaning.advertised("2001:db8::24", 6, "tenant")) == {"2001:db8:20::/64", "2001:db8:21::/96"}


# ---------------------------------------------------------------------------------------------- secrets


@equal(CONVERSION, "Multiple Routers and Neighbors with passwords")
def test_passwords_inline_and_from_secrets_per_neighbor_and_vrf(render: Render) -> None:
    rendered = render(
        SECRET,
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  neighbors:
                    - {address: 192.0.2.21, asn: 64521, passwordSecret: {name: speaker-md5}}
                    - {address: 192.0.2.22, asn: 64521, password: written-inline}
                - asn: 64530
                  vrf: tenant
                  neighbors:
                    - {address: 192.0.2.21, asn: 64537}
                    - {address: '2001:db8::24', asn: 64534, passwordSecret: {name: speaker-md5, namespace: network}}
            """
        ),
    )
    meaning = rendered.meaning
    assert meaning.neighbor("192.0.2.21").options["password"] == "from-a-secret"
    assert meaning.neighbor("192.0.2.22").options["password"] == "written-inline"
    assert "password" not in meaning.neighbor("192.0.2.21", "tenant").options
    assert meaning.neighbor("2001:db8::24", "tenant").options["password"] == "from-a-secret"


@equal(CONVERSION, "Non existing secret ref")
def test_a_password_secret_that_does_not_exist_holds_the_router_back(refused: Refused) -> None:
    error = refused(config(one_neighbor("address: 192.0.2.21, asn: 64521, passwordSecret: {name: elsewhere}")))
    assert "Secret network/elsewhere not found" in invalid_at(error, "spec.bgp.routers[0].neighbors[0].passwordSecret")


@equal(WEBHOOK_E2E, "Should not reject a resource with a missing secret ref")
def test_a_missing_secret_leaves_the_object_valid_and_holds_only_the_router_back(refused: Refused) -> None:
    # A Secret may be created after the configuration: the object is taken (the API server has no rule on
    # it), and the router waits, keeping its last good configuration, until the Secret exists.
    document = config(one_neighbor("address: 192.0.2.21, asn: 64521, passwordSecret: {name: later}"))
    assert not resources(ROUTER, document).invalid
    error = refused(document)
    assert "Secret network/later not found" in invalid_at(error, "spec.bgp.routers[0].neighbors[0].passwordSecret")


@equal(CONVERSION, "Specifying both cleartext password and secret ref")
def test_a_password_and_a_password_secret_together_are_refused(refused: Refused) -> None:
    error = refused(
        SECRET,
        config(one_neighbor("address: 192.0.2.21, asn: 64521, password: inline, passwordSecret: {name: speaker-md5}")),
    )
    assert "mutually exclusive" in invalid_at(error, "spec.bgp.routers[0].neighbors[0]")


# ----------------------------------------------------------------------------------------- raw snippets


@equal(CONVERSION, "Single Router and double injection")
def test_raw_snippets_come_after_the_rendered_configuration_by_priority_then_name(render: Render) -> None:
    rendered = render(
        config(
            "bgp: {routers: [{asn: 64520}]}\nraw: {priority: 5, rawConfig: 'ip prefix-list p5 seq 5 deny any'}", "a"
        ),
        config(
            'raw: {priority: 10, rawConfig: "ip prefix-list p10 seq 5 deny any\\n'
            'ip prefix-list p10 seq 10 permit any"}',
            "b",
        ),
        config("bgp: {routers: [{asn: 64520}]}\nraw: {rawConfig: 'ip prefix-list p0 seq 5 deny any'}", "c"),
    )
    raw = rendered.text.split("! raw configuration from", 1)[1]
    order = [raw.index(name) for name in ("p0 seq 5", "p5 seq 5", "p10 seq 5", "p10 seq 10")]
    assert order == sorted(order)


@equal(CONVERSION, "Single Router and injection")
def test_a_raw_snippet_is_appended_after_the_rendered_configuration(render: Render) -> None:
    rendered = render(config("bgp: {routers: [{asn: 64520}]}\nraw: {rawConfig: 'ip prefix-list extra seq 5 deny any'}"))
    rendered_part, raw = rendered.text.split("! raw configuration from FRRConfiguration network/edge (priority 0)\n")
    assert "router bgp 64520" in rendered_part and raw == "ip prefix-list extra seq 5 deny any\n"


# --------------------------------------------------------------------------------------------------- BFD


@equal(CONVERSION, "Neighbor with BFDProfile")
def test_a_neighbor_tracked_by_bfd_with_its_profile(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              bfdProfiles: [{name: fast, receiveInterval: 42, transmitInterval: 43}]
              routers: [{asn: 64520, neighbors: [{address: 192.0.2.21, asn: 64521, bfdProfile: fast}]}]
            """
        )
    )
    assert rendered.meaning.neighbor("192.0.2.21").bfd_profile == "fast"
    assert rendered.meaning.bfd_profiles == {"fast": {"receive-interval": "42", "transmit-interval": "43"}}


@equal(CONVERSION, "Neighbor with BFDProfile does not exist")
def test_a_bfd_profile_defined_nowhere_is_refused(refused: Refused) -> None:
    spec = """
    bgp:
      bfdProfiles: [{name: fast}]
      routers: [{asn: 64520, neighbors: [{address: 192.0.2.21, asn: 64521, bfdProfile: nosuch}]}]
    """
    why = invalid_at(refused(config(spec)), "spec.bgp.routers[0].neighbors[0].bfdProfile")
    assert "BFD profile 'nosuch' is not defined in any FRRConfiguration selecting this router" in why


@pytest.mark.parametrize("vrf", [None, "tenant"])
@equal(CONVERSION, "Neighbor with BFDProfile does not exist")
def test_a_bfd_profile_defined_nowhere_is_refused_on_every_path(refused: Refused, vrf: str | None) -> None:
    # The neighbor merged from two configurations, the one without the profile first, in a VRF or not.
    where = f", vrf: {vrf}" if vrf else ""
    plain = config(f"bgp: {{routers: [{{asn: 64520{where}, neighbors: [{{address: 192.0.2.21, asn: 64521}}]}}]}}", "a")
    named = config(
        one_neighbor("address: 192.0.2.21, asn: 64521, bfdProfile: nosuch", where),
        "b",
    )
    why = invalid_at(refused(plain, named), "spec.bgp.routers[0].neighbors[0].bfdProfile", "b")
    assert "'nosuch' is not defined" in why


@deliberate("references-after-merge", CONVERSION, "Neighbor with BFDProfile in different config")
def test_a_bfd_profile_from_another_configuration_for_the_router_is_used(render: Render) -> None:
    rendered = render(
        config("bgp: {bfdProfiles: [{name: fast, receiveInterval: 42}]}", "profiles"),
        config("bgp: {routers: [{asn: 64520, neighbors: [{address: 192.0.2.21, asn: 64521, bfdProfile: fast}]}]}"),
    )
    assert rendered.meaning.neighbor("192.0.2.21").bfd_profile == "fast"


@equal(CONVERSION, "Two BFDProfiles, but identical")
def test_a_bfd_profile_name_twice_in_one_configuration_is_refused(refused: Refused) -> None:
    spec = "bgp: {bfdProfiles: [{name: fast, receiveInterval: 42}, {name: fast, receiveInterval: 42}, {name: slow}]}"
    assert "'fast' is defined twice" in invalid_at(refused(config(spec)), "spec.bgp")


@equal(CONVERSION, "Two BFDProfiles, from different configs")
def test_identical_bfd_profiles_from_two_configurations_are_one(render: Render) -> None:
    rendered = render(
        config("bgp: {bfdProfiles: [{name: fast, receiveInterval: 42}, {name: medium, receiveInterval: 44}]}", "a"),
        config("bgp: {bfdProfiles: [{name: fast, receiveInterval: 42}, {name: slow, receiveInterval: 45}]}", "b"),
    )
    assert rendered.meaning.bfd_profiles == {
        "fast": {"receive-interval": "42"},
        "medium": {"receive-interval": "44"},
        "slow": {"receive-interval": "45"},
    }


# ------------------------------------------------------------------------------------------------ timers


@pytest.mark.parametrize(("timer", "expected"), [("holdTime: 120s", (40, 120)), ("keepaliveTime: 20s", (20, 60))])
@deliberate("timers-by-effect", CONVERSION, "HoldTime without KeepaliveTime", "KeepaliveTime without HoldTime")
def test_one_timer_alone_is_taken_with_the_other_as_frr_relates_them(
    render: Render, timer: str, expected: tuple[int, int]
) -> None:
    rendered = render(
        config(f"bgp: {{routers: [{{asn: 64520, neighbors: [{{address: 192.0.2.21, asn: 64521, {timer}}}]}}]}}")
    )
    assert rendered.meaning.neighbor("192.0.2.21").timers == expected


@equal(CONVERSION, "HoldTime bigger than keepalive time")
def test_a_keepalive_above_the_hold_time_is_refused(refused: Refused) -> None:
    error = refused(config(one_neighbor("address: 192.0.2.21, asn: 64521, keepaliveTime: 50s, holdTime: 40s")))
    assert "keepaliveTime must not be greater than holdTime" in invalid_at(error, "spec.bgp.routers[0].neighbors[0]")


# ----------------------------------------------------------------------------------------------- imports


@equal(CONVERSION, "Multiple Routers import VRFs")
def test_an_instance_imports_a_vrf_in_both_families(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - {asn: 64520, id: 10.255.0.1, imports: [{vrf: tenant}]}
                - {asn: 64530, id: 10.255.0.2, vrf: tenant}
            """
        )
    )
    assert rendered.meaning.router().imports == {4: {"tenant"}, 6: {"tenant"}}


@equal(CONVERSION, "Multiple Routers import VRF, advertise ips from the imported vrf")
def test_prefixes_of_an_imported_vrf_may_be_advertised_and_mode_all_includes_them(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  imports: [{vrf: tenant}]
                  prefixes: [198.51.100.0/24, '2001:db8:20::/64']
                  neighbors:
                    - address: 192.0.2.21
                      asn: 64521
                      toAdvertise: {allowed: {prefixes: [198.51.100.0/24, 203.0.113.0/24]}}
                    - {address: 192.0.2.22, asn: 64521, toAdvertise: {allowed: {mode: all}}}
                - {asn: 64530, vrf: tenant, prefixes: [203.0.113.0/24, '2001:db8:21::/64']}
            """
        )
    )
    meaning = rendered.meaning
    assert set(meaning.advertised("192.0.2.21", 4)) == {"198.51.100.0/24", "203.0.113.0/24"}
    assert set(meaning.advertised("192.0.2.22", 4)) == {"198.51.100.0/24", "203.0.113.0/24"}


@equal(CONVERSION, "Multiple Routers import non existing VRFs")
def test_an_import_of_a_vrf_without_a_bgp_instance_is_refused(refused: Refused) -> None:
    spec = "bgp: {routers: [{asn: 64520, imports: [{vrf: blue}]}, {asn: 64530, vrf: tenant}]}"
    why = invalid_at(refused(config(spec)), "spec.bgp.routers[0].imports[0].vrf")
    assert "no FRRConfiguration selecting this router has a BGP instance in VRF 'blue'" in why


@equal(CONVERSION, "Multiple Routers import VRF, red imports default and advertises")
def test_a_vrf_imports_the_default_vrf_and_advertises_its_prefixes(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64530
                  vrf: tenant
                  imports: [{vrf: default}]
                  prefixes: [198.51.100.0/24, '2001:db8:20::/64']
                  neighbors: [{address: 192.0.2.22, asn: 64531, toAdvertise: {allowed: {mode: all}}}]
                - {asn: 64520, prefixes: [203.0.113.0/24, '2001:db8:21::/64']}
            """
        )
    )
    meaning = rendered.meaning
    assert meaning.router("tenant").imports[4] == {"default"}
    assert set(meaning.advertised("192.0.2.22", 4, "tenant")) == {"198.51.100.0/24", "203.0.113.0/24"}


def test_a_vrf_another_configuration_declares_may_be_imported(render: Render) -> None:
    rendered = render(
        config("bgp: {routers: [{asn: 64530, vrf: tenant, prefixes: [203.0.113.0/24]}]}", "tenant"),
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  imports: [{vrf: tenant}]
                  neighbors: [{address: 192.0.2.21, asn: 64521, toAdvertise: {allowed: {prefixes: [203.0.113.0/24]}}}]
            """
        ),
    )
    assert set(rendered.meaning.advertised("192.0.2.21", 4)) == {"203.0.113.0/24"}


# --------------------------------------------------------------------------------- neighbor identities


@pytest.mark.parametrize(
    ("neighbor", "why"),
    [
        ("{address: 192.0.2.22}", "exactly one of asn and dynamicASN must be set"),
        ("{address: 192.0.2.22, asn: 64520, dynamicASN: internal}", "exactly one of asn and dynamicASN must be set"),
        ("{asn: 64520}", "exactly one of address and interface must be set"),
        ("{asn: 64520, address: 192.0.2.22, interface: eth1}", "exactly one of address and interface must be set"),
    ],
)
@equal(CONVERSION, "Neighbor without ASN or DynamicASN", "Neighbor with both ASN and DynamicASN")
@equal(CONVERSION, "Neighbor without Interface and without Address")
@equal(
    WEBHOOK_E2E,
    "both asn and dynamicASN not specified",
    "both asn and dynamicASN specified",
    "no address and no interface is specified",
    "both address and interface specified",
)
def test_a_neighbor_needs_exactly_one_as_and_exactly_one_address(refused: Refused, neighbor: str, why: str) -> None:
    error = refused(config(f"bgp: {{routers: [{{asn: 64520, neighbors: [{neighbor}]}}]}}"))
    assert why in invalid_at(error, "spec.bgp.routers[0].neighbors[0]")


@equal(CONVERSION, "Neighbor with localASN on iBGP session is rejected")
def test_a_local_as_on_an_ibgp_session_is_refused(refused: Refused) -> None:
    error = refused(
        config("bgp: {routers: [{asn: 64520, neighbors: [{address: 192.0.2.22, asn: 64520, localASN: 64599}]}]}")
    )
    assert "only possible on eBGP sessions" in invalid_at(error, "spec.bgp.routers[0].neighbors[0].localASN")


@equal(CONVERSION, "Neighbor with DynamicASN")
def test_a_neighbor_with_a_dynamic_as(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: [198.51.100.0/24, '2001:db8:20::/64']
                  neighbors: [{address: 192.0.2.22, dynamicASN: internal, toAdvertise: {allowed: {mode: all}}}]
            """
        )
    )
    assert rendered.meaning.neighbor("192.0.2.22").remote_as == "internal"
    assert set(rendered.meaning.advertised("192.0.2.22", 4)) == {"198.51.100.0/24"}


@equal(CONVERSION, "Neighbor with Interface and without Address")
def test_an_unnumbered_neighbor_carries_both_families(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: [198.51.100.0/24, '2001:db8:20::/64']
                  neighbors: [{interface: eth1, dynamicASN: internal, toAdvertise: {allowed: {mode: all}}}]
            """
        )
    )
    meaning = rendered.meaning
    neighbor = meaning.neighbor("eth1")
    assert neighbor.interface and neighbor.remote_as == "internal" and neighbor.activated == {4, 6}
    assert set(meaning.advertised("eth1", 4)) == {"198.51.100.0/24"}
    assert set(meaning.advertised("eth1", 6)) == {"2001:db8:20::/64"}


@pytest.mark.parametrize(
    ("first", "second", "vrf"),
    [
        ("address: 192.0.2.21, asn: 64521", "address: 192.0.2.21, asn: 64522", None),
        ("interface: eth1, asn: 64520", "interface: eth1, asn: 64521", None),
        ("interface: eth1, asn: 64520", "interface: eth1, asn: 64521", "tenant"),
    ],
)
@equal(
    CONVERSION,
    "Single router two neighbors same address different ASN",
    "Single router two neighbors same interface different ASN",
    "Multiple routers same vrf two neighbors same interface",
)
def test_one_neighbor_given_two_as_numbers_is_refused(
    refused: Refused, first: str, second: str, vrf: str | None
) -> None:
    where = f", vrf: {vrf}" if vrf else ""
    if vrf:  # two router entries for one VRF
        spec = (
            f"bgp: {{routers: [{{asn: 64520{where}, neighbors: [{{{first}}}]}}, "
            f"{{asn: 64520{where}, neighbors: [{{{second}}}]}}]}}"
        )
    else:
        spec = f"bgp: {{routers: [{{asn: 64520, neighbors: [{{{first}}}, {{{second}}}]}}]}}"
    error = refused(config(spec))
    assert isinstance(error, MergeConflict) and error.field == "asn"
    assert error.first.ref == error.second.ref == "network/edge"


@pytest.mark.parametrize("vrf", [None, "tenant"])
@equal(
    CONVERSION,
    "Single router two neighbors different interface",
    "Multiple routers same vrf two neighbors different interface",
)
def test_two_unnumbered_neighbors_on_different_interfaces(render: Render, vrf: str | None) -> None:
    where = f", vrf: {vrf}" if vrf else ""
    rendered = render(
        config(
            f"bgp: {{routers: [{{asn: 64520{where}, neighbors: [{{interface: eth1, asn: 64520}}]}}, "
            f"{{asn: 64520{where}, neighbors: [{{interface: eth2, asn: 64521}}]}}]}}"
        )
    )
    neighbors = rendered.meaning.router(vrf or "").neighbors
    assert {peer: (n.remote_as, n.activated) for peer, n in neighbors.items()} == {
        "eth1": ("64520", {4, 6}),
        "eth2": ("64521", {4, 6}),
    }
