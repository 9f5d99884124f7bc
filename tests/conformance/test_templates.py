"""FRR-K8s's template cases (its golden files, each fed to real FRR), restated through frr-edge's API: the
router's configuration carries the same sessions, filters and attributes, and real FRR reads it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conformance.conftest import Rendered
from tests.conformance.frrk8s import BFD_TEMPLATES, CONVERSION, TEMPLATES, deliberate, equal
from tests.conformance.meaning import Advertised, any_route, selector
from tests.core.builders import ROUTER, frr_configuration

Render = Callable[..., Rendered]


def config(spec: str, name: str = "edge") -> str:
    return frr_configuration(name, spec, "network")


V4_PREFIXES = "prefixes: [198.51.100.0/24, 198.51.96.0/22]"
ALL = "toAdvertise: {allowed: {mode: all}}"


@equal(TEMPLATES, "TestSingleSession")
def test_one_session_on_another_port_advertising_two_prefixes(render: Render) -> None:
    rendered = render(
        config(
            f"""
            bgp:
              routers:
                - asn: 64520
                  {V4_PREFIXES}
                  neighbors:
                    - {{address: 192.0.2.30, asn: 64530, port: 4567, toAdvertise: {{allowed: {{mode: all}}}}}}
            """
        )
    )
    meaning = rendered.meaning
    assert meaning.neighbor("192.0.2.30").port == 4567
    assert set(meaning.advertised("192.0.2.30", 4)) == {"198.51.100.0/24", "198.51.96.0/22"}
    assert meaning.receive_filters("192.0.2.30", 4) == set()  # nothing accepted unless asked


@pytest.mark.parametrize(
    ("neighbor", "prefix", "hop", "family"),
    [
        ("192.0.2.30", "198.51.100.0/24", "ipv4: 192.0.2.1", 4),
        ("'2001:db8::30'", "'2001:db8:40::/48'", "ipv6: '2001:db8::2'", 6),
    ],
)
@equal(TEMPLATES, "TestSingleSessionWithNextHopV4", "TestSingleSessionWithNextHopV6")
def test_the_next_hop_goes_with_the_advertised_prefixes(
    render: Render, neighbor: str, prefix: str, hop: str, family: int
) -> None:
    rendered = render(
        config(
            f"""
            bgp:
              routers:
                - asn: 64520
                  prefixes: [{prefix}]
                  neighbors:
                    - {{address: {neighbor}, asn: 64530, toAdvertise: {{allowed: {{mode: all}}, nextHop: {{{hop}}}}}}}
            """
        )
    )
    address = neighbor.strip("'")
    (advertised,) = rendered.meaning.advertised(address, family).values()
    assert advertised.next_hop == hop.split(": ")[1].strip("'")


@equal(TEMPLATES, "TestTwoRoutersTwoNeighbors")
def test_two_vrfs_one_neighbor_each_with_timers_communities_and_local_preferences(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: [198.51.100.0/24, 198.51.96.0/22, 203.0.112.0/22]
                  neighbors:
                    - address: 192.0.2.30
                      asn: 64530
                      holdTime: 80s
                      keepaliveTime: 40s
                      connectTime: 10s
                      toAdvertise:
                        allowed: {mode: all}
                        withCommunity:
                          - {prefixes: [198.51.100.0/24], community: '10:169'}
                          - {prefixes: [198.51.100.0/24, 198.51.96.0/22, 203.0.112.0/22], community: '10:170'}
                        withLocalPref:
                          - {prefixes: [198.51.100.0/24], localPref: 100}
                          - {prefixes: [198.51.96.0/22], localPref: 150}
                - asn: 64520
                  vrf: tenant
                  prefixes: [198.51.100.0/24]
                  neighbors: [{address: 192.0.2.31, asn: 64530, toAdvertise: {allowed: {mode: all}}}]
            """
        )
    )
    meaning = rendered.meaning
    neighbor = meaning.neighbor("192.0.2.30")
    assert (neighbor.timers, neighbor.connect_time) == ((40, 80), 10)
    assert meaning.advertised("192.0.2.30", 4) == {
        "198.51.100.0/24": Advertised(frozenset({"10:169", "10:170"}), 100),
        "198.51.96.0/22": Advertised(frozenset({"10:170"}), 150),
        "203.0.112.0/22": Advertised(frozenset({"10:170"})),
    }
    assert meaning.advertised("192.0.2.31", 4, "tenant") == {"198.51.100.0/24": Advertised()}


@equal(TEMPLATES, "TestTwoSessionsAcceptAll")
def test_two_sessions_accepting_everything(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  neighbors:
                    - {address: 192.0.2.30, asn: 64530, toReceive: {allowed: {mode: all}}}
                    - {address: 192.0.2.31, asn: 64530, toReceive: {allowed: {mode: all}}}
            """
        )
    )
    for peer in ("192.0.2.30", "192.0.2.31"):
        assert rendered.meaning.receive_filters(peer, 4) == {any_route(4)}


@equal(TEMPLATES, "TestTwoSessionsAcceptSomeV4")
def test_two_sessions_accepting_some_ipv4_prefixes(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  neighbors:
                    - {address: 192.0.2.30, asn: 64530, toReceive: {allowed: {prefixes: [{prefix: 203.0.113.0/24}]}}}
                    - address: 192.0.2.31
                      asn: 64530
                      toReceive: {allowed: {prefixes: [{prefix: 198.51.100.0/24}, {prefix: 198.51.101.0/24}]}}
            """
        )
    )
    meaning = rendered.meaning
    assert meaning.receive_filters("192.0.2.30", 4) == {selector("203.0.113.0/24")}
    assert meaning.receive_filters("192.0.2.31", 4) == {selector("198.51.100.0/24"), selector("198.51.101.0/24")}


@equal(TEMPLATES, "TestTwoSessionsAcceptV4AndV6")
def test_sessions_accepting_ranges_and_the_ipv6_selectors_only_where_ipv6_is_carried(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  neighbors:
                    - address: 192.0.2.30
                      asn: 64530
                      toReceive:
                        allowed:
                          prefixes:
                            - {prefix: '2001:db8:60::/64'}
                            - {prefix: 203.0.113.0/24}
                            - {prefix: 198.51.100.0/24, le: 32, ge: 24}
                            - {prefix: 198.51.101.0/24, le: 32}
                    - address: 192.0.2.31
                      asn: 64531
                      dualStackAddressFamily: true
                      toReceive:
                        allowed:
                          prefixes:
                            - {prefix: 203.0.113.0/24}
                            - {prefix: 198.51.100.0/24, le: 26, ge: 24}
                            - {prefix: '2001:db8:60::/64', le: 80, ge: 64}
                            - {prefix: '2001:db8:61::/64', ge: 96}
            """
        )
    )
    meaning = rendered.meaning
    assert meaning.receive_filters("192.0.2.30", 4) == {
        selector("203.0.113.0/24"),
        selector("198.51.100.0/24", 24, 32),
        selector("198.51.101.0/24", le=32),
    }
    assert not meaning.accepts("192.0.2.30", "2001:db8:60::/64")  # IPv4 session: the IPv6 selector is inert
    assert meaning.receive_filters("192.0.2.31", 6) == {
        selector("2001:db8:60::/64", 64, 80),
        selector("2001:db8:61::/64", ge=96),
    }
    assert len(rendered.warned("FieldHasNoEffect")) == 1


@equal(TEMPLATES, "TestSingleSessionWithEBGPMultihop")
def test_a_multihop_ebgp_session(render: Render) -> None:
    rendered = render(
        config(
            f"""
            bgp:
              routers:
                - asn: 64520
                  {V4_PREFIXES}
                  neighbors: [{{address: 192.0.2.30, asn: 64530, ebgpMultiHop: true, {ALL}}}]
            """
        )
    )
    neighbor = rendered.meaning.neighbor("192.0.2.30")
    assert "ebgp-multihop" in neighbor.options and "disable-connected-check" not in neighbor.options


@pytest.mark.parametrize(
    ("neighbor", "expected"),
    [
        ("address: '2001:db8::30', asn: 64530", True),
        ("address: '2001:db8::30', dynamicASN: external", True),
        ("address: '2001:db8::30', asn: 64520", False),  # iBGP
        ("address: '2001:db8::30', dynamicASN: internal", False),
        ("address: '2001:db8::30', asn: 64530, ebgpMultiHop: true", False),
        ("address: '2001:db8::30', asn: 64530, dualStackAddressFamily: true", False),  # as FRR-K8s decides it
        ("address: 192.0.2.30, asn: 64530", False),
        ("interface: eth1, asn: 64530", False),
    ],
)
@equal(TEMPLATES, "TestSingleSessionWithIPv6SingleHop")
def test_a_single_hop_ipv6_ebgp_session_skips_the_connected_check(
    render: Render, neighbor: str, expected: bool
) -> None:
    rendered = render(
        config(
            f"""
            bgp:
              routers:
                - asn: 64520
                  prefixes: ['2001:db8:40::/48']
                  neighbors: [{{{neighbor}, toAdvertise: {{allowed: {{mode: all}}}}}}]
            """
        )
    )
    (peer,) = rendered.meaning.router().neighbors
    assert ("disable-connected-check" in rendered.meaning.neighbor(peer).options) is expected


@pytest.mark.parametrize("dual_stack", [False, True])
@equal(TEMPLATES, "TestMultipleNeighborsOneV4AndOneV6", "TestMultipleNeighborsOneV4AndOneV6DualStackIPFamily")
def test_one_ipv4_and_one_ipv6_neighbor_each_advertising_its_family(render: Render, dual_stack: bool) -> None:
    flag = str(dual_stack).lower()
    rendered = render(
        config(
            f"""
            bgp:
              routers:
                - asn: 64520
                  prefixes: [198.51.100.0/24, '2001:db8:40::/48']
                  neighbors:
                    - {{address: 192.0.2.30, asn: 64530, sourceaddress: 192.0.2.1, dualStackAddressFamily: {flag},
                       toAdvertise: {{allowed: {{prefixes: [198.51.100.0/24]}}}}}}
                    - {{address: '2001:db8::30', asn: 64531, ebgpMultiHop: true, dualStackAddressFamily: {flag},
                       toAdvertise: {{allowed: {{prefixes: ['2001:db8:40::/48']}}}}}}
            """
        )
    )
    meaning = rendered.meaning
    families = {4, 6} if dual_stack else None
    assert meaning.neighbor("192.0.2.30").activated == (families or {4})
    assert meaning.neighbor("2001:db8::30").activated == (families or {6})
    assert set(meaning.advertised("192.0.2.30", 4)) == {"198.51.100.0/24"}
    assert meaning.advertised("192.0.2.30", 6) == {}
    assert set(meaning.advertised("2001:db8::30", 6)) == {"2001:db8:40::/48"}
    assert meaning.neighbor("192.0.2.30").options["update-source"] == "192.0.2.1"


@equal(TEMPLATES, "TestMultipleRoutersMultipleNeighs")
def test_two_vrfs_with_an_ipv4_and_an_ipv6_neighbor_each(render: Render) -> None:
    instance = """
                - asn: 64520
                  {vrf}
                  prefixes: [{v4}, '{v6}']
                  neighbors:
                    - {{address: {peer4}, asn: 64530, ebgpMultiHop: true,
                       toAdvertise: {{allowed: {{prefixes: [{v4}]}}}}}}
                    - {{address: '{peer6}', asn: 64531, ebgpMultiHop: true,
                       toAdvertise: {{allowed: {{prefixes: ['{v6}']}}}}}}"""
    spec = (
        "bgp:\n  routers:"
        + instance.format(vrf="", v4="198.51.100.0/24", v6="2001:db8:40::/48", peer4="192.0.2.30", peer6="2001:db8::30")
        + instance.format(
            vrf="vrf: tenant", v4="198.51.101.0/24", v6="2001:db8:41::/48", peer4="192.0.2.40", peer6="2001:db8::40"
        )
    )
    meaning = render(config(spec)).meaning
    assert set(meaning.advertised("192.0.2.30", 4)) == {"198.51.100.0/24"}
    assert set(meaning.advertised("2001:db8::30", 6)) == {"2001:db8:40::/48"}
    assert set(meaning.advertised("192.0.2.40", 4, "tenant")) == {"198.51.101.0/24"}
    assert set(meaning.advertised("2001:db8::40", 6, "tenant")) == {"2001:db8:41::/48"}


@equal(TEMPLATES, "TestSingleSessionWithEBGPMultihopAndExtras")
def test_a_multihop_session_with_a_raw_snippet_after_it(render: Render) -> None:
    # FRR-K8s's extras are two comment lines; frr-edge renders a snippet from what it read, so comments,
    # which mean nothing to FRR, are not carried: a command shows where the snippet goes.
    rendered = render(
        config(
            f"""
            bgp:
              routers:
                - asn: 64520
                  {V4_PREFIXES}
                  neighbors: [{{address: 192.0.2.30, asn: 64530, ebgpMultiHop: true}}]
            raw: {{rawConfig: "! a comment of the admin\\nip prefix-list extra seq 5 deny any"}}
            """
        )
    )
    assert rendered.text.endswith("(priority 0)\nip prefix-list extra seq 5 deny any\n")
    assert "ebgp-multihop" in rendered.meaning.neighbor("192.0.2.30").options


@equal(TEMPLATES, "TestSingleSessionWithGracefulRestart")
def test_a_session_with_graceful_restart(render: Render) -> None:
    rendered = render(
        config(
            "bgp: {routers: [{asn: 64520, neighbors: [{address: 192.0.2.30, asn: 64530, "
            "enableGracefulRestart: true}]}]}"
        )
    )
    assert "graceful-restart" in rendered.meaning.neighbor("192.0.2.30").options


@equal(TEMPLATES, "TestSingleSessionWithLocalASN")
def test_a_session_presenting_another_local_as(render: Render) -> None:
    rendered = render(
        config("bgp: {routers: [{asn: 64520, neighbors: [{address: 192.0.2.30, asn: 64530, localASN: 64599}]}]}")
    )
    assert rendered.meaning.neighbor("192.0.2.30").options["local-as"] == "64599 no-prepend replace-as"


@equal(TEMPLATES, "TestMultipleRoutersImportVRFs")
def test_vrfs_importing_each_other_with_one_as(render: Render) -> None:
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: [198.51.100.0/24, '2001:db8:40::/48']
                  imports: [{vrf: red}]
                  neighbors: [{address: 192.0.2.30, asn: 64530, ebgpMultiHop: true}]
                - {asn: 64520, vrf: red, prefixes: [198.51.101.0/24]}
                - {asn: 64520, vrf: blue, prefixes: [198.51.101.0/24, '2001:db8:41::/48'], imports: [{vrf: default}]}
            """
        )
    )
    meaning = rendered.meaning
    assert meaning.router().imports == {4: {"red"}, 6: {"red"}}
    assert meaning.router("blue").imports == {4: {"default"}, 6: {"default"}}
    assert meaning.candidates("blue", 4) == {"198.51.100.0/24", "198.51.101.0/24"}


@deliberate("import-order", CONVERSION, "Multiple Routers import VRF, advertise ips from the imported vrf")
def test_a_vrf_of_another_as_is_written_before_the_instance_importing_it(render: Render) -> None:
    # That FRR-K8s case has the default instance (one AS) import a VRF of another AS. FRR-K8s writes
    # instances in VRF name order: `import vrf red` makes FRR create red's instance with the default AS,
    # and FRR then refuses `router bgp 64530 vrf red` (the fixture's bgpd dry run would fail). frr-edge
    # writes the imported instance first.
    rendered = render(
        config(
            """
            bgp:
              routers:
                - {asn: 64520, imports: [{vrf: red}], prefixes: [198.51.100.0/24]}
                - {asn: 64530, vrf: red, prefixes: [198.51.101.0/24]}
            """
        )
    )
    assert rendered.text.index("router bgp 64530 vrf red") < rendered.text.index("router bgp 64520\n")
    assert rendered.meaning.candidates("", 4) == {"198.51.100.0/24", "198.51.101.0/24"}


def test_vrfs_of_different_as_numbers_importing_each_other_are_refused(
    refused: Callable[..., Exception],
) -> None:
    error = refused(
        config(
            """
            bgp:
              routers:
                - {asn: 64520, imports: [{vrf: red}]}
                - {asn: 64530, vrf: red, imports: [{vrf: default}]}
            """
        )
    )
    assert "imports this instance's VRF (AS 64520) in turn" in str(error)


@pytest.mark.parametrize("remote", ["internal", "external"])
@equal(TEMPLATES, "TestSingleSessionWithInternalASN", "TestSingleSessionWithExternalASN")
def test_a_session_with_a_dynamic_as(render: Render, remote: str) -> None:
    rendered = render(
        config(
            f"""
            bgp:
              routers:
                - asn: 64520
                  {V4_PREFIXES}
                  neighbors: [{{address: 192.0.2.30, dynamicASN: {remote}, port: 4567, {ALL}}}]
            """
        )
    )
    neighbor = rendered.meaning.neighbor("192.0.2.30")
    assert (neighbor.remote_as, neighbor.port) == (remote, 4567)
    assert set(rendered.meaning.advertised("192.0.2.30", 4)) == {"198.51.100.0/24", "198.51.96.0/22"}


@equal(TEMPLATES, "TestSingleUnnumberedSession")
def test_an_unnumbered_session(render: Render) -> None:
    rendered = render(
        config(
            f"""
            bgp:
              routers:
                - asn: 64520
                  {V4_PREFIXES}
                  neighbors: [{{interface: net0, dynamicASN: external, port: 4567, {ALL}}}]
            """
        )
    )
    neighbor = rendered.meaning.neighbor("net0")
    assert neighbor.interface and neighbor.remote_as == "external" and neighbor.port == 4567
    assert neighbor.activated == {4, 6}


@equal(TEMPLATES, "TestSingleSessionExplicitRouterID")
def test_an_explicit_router_id(render: Render) -> None:
    rendered = render(
        config("bgp: {routers: [{asn: 64520, id: 10.10.10.1, neighbors: [{address: 192.0.2.30, asn: 64530}]}]}")
    )
    assert rendered.meaning.router().router_id == "10.10.10.1"


@deliberate("router-id", TEMPLATES, "TestSingleSessionIPv6OnlyNode")
def test_without_an_id_the_router_keeps_its_own_and_frr_edge_derives_none(render: Render) -> None:
    # On a node without IPv4 addresses FRR-K8s derives an id from the node's hostname; a router's id is
    # the admin's choice (`id`), or FRR's own pick from the router's IPv4 addresses.
    rendered = render(
        config(
            """
            bgp:
              routers:
                - asn: 64520
                  prefixes: ['2001:db8:40::/64']
                  neighbors: [{address: '2001:db8::30', asn: 64530, toAdvertise: {allowed: {mode: all}}}]
            """
        ),
        router=ROUTER.replace("address: 192.0.2.1", "address: 2001:db8::1"),
    )
    assert rendered.meaning.router().router_id is None
    assert set(rendered.meaning.advertised("2001:db8::30", 6)) == {"2001:db8:40::/64"}


BFD_PROFILES = """
bfdProfiles:
  - {name: test, receiveInterval: 100, transmitInterval: 200, detectMultiplier: 3, echoInterval: 25,
     echoMode: true, passiveMode: true, minimumTtl: 20}
  - {name: testdefault}
"""
FULL_PROFILE = {
    "receive-interval": "100",
    "transmit-interval": "200",
    "detect-multiplier": "3",
    "echo transmit-interval": "25",
    "echo receive-interval": "25",
    "echo-mode": "",
    "passive-mode": "",
    "minimum-ttl": "20",
}


@equal(BFD_TEMPLATES, "TestSingleSessionBFD")
def test_a_session_tracked_by_a_profile_with_every_setting(render: Render) -> None:
    spec = (
        "bgp:"
        + BFD_PROFILES.replace("\n", "\n  ")
        + "\n  routers: [{asn: 64520, neighbors: [{address: 192.0.2.30, asn: 64530, bfdProfile: test}]}]"
    )
    rendered = render(config(spec))
    assert rendered.meaning.neighbor("192.0.2.30").bfd_profile == "test"
    assert rendered.meaning.bfd_profiles == {"test": FULL_PROFILE, "testdefault": {}}


@equal(BFD_TEMPLATES, "TestTwoRoutersTwoNeighborsBFD")
def test_a_profile_with_defaults_on_a_neighbor_in_a_vrf(render: Render) -> None:
    spec = (
        "bgp:"
        + BFD_PROFILES.replace("\n", "\n  ")
        + "\n  routers:\n    - {asn: 64520, neighbors: [{address: 192.0.2.30, asn: 64530}]}"
        + "\n    - {asn: 64520, vrf: red, neighbors: [{address: 192.0.2.31, asn: 64530, bfdProfile: testdefault}]}"
    )
    rendered = render(config(spec))
    assert rendered.meaning.neighbor("192.0.2.30").bfd_profile is None
    assert rendered.meaning.neighbor("192.0.2.31", "red").bfd_profile == "testdefault"
    assert rendered.meaning.bfd_profiles["testdefault"] == {}


def test_node_settings_frr_k8s_writes_for_every_node_are_left_to_the_admin(render: Render) -> None:
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
                      dualStackAddressFamily: true
                      toAdvertise: {allowed: {mode: all}}
            """
        )
    )
    for line in ("ebgp-requires-policy", "preserve-fw-state", "nht resolve-via-default", "hostname", "log "):
        assert line not in rendered.text
    # What eBGP's policy requirement asks for is there: a route-map in and out in every family carried.
    neighbor = rendered.meaning.neighbor("192.0.2.30")
    assert set(neighbor.route_maps) == {(4, "in"), (4, "out"), (6, "in"), (6, "out")}


@deliberate("no-always-block", CONVERSION, "With alwaysblock")
@deliberate("no-always-block", TEMPLATES, "TestSingleSessionWithAlwaysBlock")
def test_a_neighbor_accepting_everything_gets_everything_no_cidr_is_blocked_behind_the_users_back(
    render: Render,
) -> None:
    rendered = render(
        config(
            "bgp: {routers: [{asn: 64520, neighbors: [{address: 192.0.2.30, asn: 64530, "
            "toReceive: {allowed: {mode: all}}}, {address: 192.0.2.31, asn: 64530, "
            "toReceive: {allowed: {prefixes: [{prefix: 10.96.0.0/12}]}}}]}]}"
        )
    )
    # FRR-K8s would put its node's --always-block CIDRs (say the cluster's 10.96.0.0/12 services) in front.
    assert rendered.meaning.receive_filters("192.0.2.30", 4) == {any_route(4)}
    assert rendered.meaning.receive_filters("192.0.2.31", 4) == {selector("10.96.0.0/12")}


@deliberate("logging-is-the-admins", TEMPLATES, "TestLogLevelDebugging")
def test_no_logging_is_rendered_and_a_raw_snippet_may_set_it(render: Render) -> None:
    plain = render(config("bgp: {routers: [{asn: 64520, neighbors: [{address: 192.0.2.30, asn: 64530}]}]}"))
    assert not [line for line in plain.text.split("\n") if line.startswith(("log ", "debug "))]

    logged = render(
        config(
            "bgp: {routers: [{asn: 64520, neighbors: [{address: 192.0.2.30, asn: 64530}]}]}\n"
            'raw: {priority: 5, rawConfig: "log syslog debugging\\ndebug bgp updates"}'
        )
    )
    assert "log syslog debugging\ndebug bgp updates\n" in logged.text
