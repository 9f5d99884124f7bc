"""Merging FirewallPolicies for one router: allow rules add up, defaults and rate limits must agree."""

from __future__ import annotations

import pytest

from controller.desired import ANY_PORT, ANY_SOURCE, AllowEntry
from controller.errors import InvalidInput, MergeConflict
from tests.core.builders import desired, firewall_policy, frr_configuration


def test_allow_rules_of_several_policies_add_up_and_duplicates_collapse() -> None:
    web = firewall_policy(
        "web", "allow: [{name: web, protocol: tcp, ports: [80, 443], destinations: [203.0.113.10/32]}]"
    )
    again = firewall_policy(
        "again", "allow: [{name: http, protocol: tcp, ports: [80], destinations: [203.0.113.10/32]}]"
    )
    allow = desired(web, again).firewall.allow
    assert allow == [
        AllowEntry(4, "203.0.113.10/32", "tcp", (80, 80), ANY_SOURCE),
        AllowEntry(4, "203.0.113.10/32", "tcp", (443, 443), ANY_SOURCE),
    ]


def test_sources_pair_with_destinations_of_their_own_family() -> None:
    policy = firewall_policy(
        "dual",
        "allow: [{name: dns, protocol: udp, ports: [53], destinations: [203.0.113.53/32, '2001:db8::53/128'], "
        "sources: [198.51.100.0/24]}]",
    )
    # Only IPv4 sources are allowed, so the IPv6 address gets nothing rather than "from anywhere".
    assert desired(policy).firewall.allow == [AllowEntry(4, "203.0.113.53/32", "udp", (53, 53), "198.51.100.0/24")]


def test_no_ports_means_every_port_and_ranges_are_kept() -> None:
    policy = firewall_policy(
        "p",
        "allow: [{name: all-udp, protocol: udp, destinations: [203.0.113.1/32]},"
        " {name: range, protocol: tcp, ports: ['8000-8080'], destinations: [203.0.113.2/32]}]",
    )
    allow = desired(policy).firewall.allow
    assert AllowEntry(4, "203.0.113.1/32", "udp", ANY_PORT, ANY_SOURCE) in allow
    assert AllowEntry(4, "203.0.113.2/32", "tcp", (8000, 8080), ANY_SOURCE) in allow


def test_icmp_to_an_ipv6_destination_is_an_error_naming_the_rule() -> None:
    policy = firewall_policy("p", "allow: [{name: ping, protocol: icmp, destinations: ['2001:db8::/64']}]")
    with pytest.raises(InvalidInput) as caught:
        desired(policy)
    assert caught.value.field == "spec.allow[0].destinations" and "icmpv6" in caught.value.why


def test_default_action_must_agree_and_unset_has_no_opinion() -> None:
    drop = firewall_policy("a", "defaultAction: drop")
    unset = firewall_policy("b", "allow: []")
    accept = firewall_policy("c", "defaultAction: accept")
    assert desired(unset).firewall.default_action == "drop"
    assert desired(accept, unset).firewall.default_action == "accept"
    with pytest.raises(MergeConflict, match=r"defaultAction: drop \(from default/a\) != accept \(from default/c\)"):
        desired(drop, accept)


def test_two_different_rate_limits_on_one_service_port_conflict_and_equal_ones_merge() -> None:
    limit = "rateLimits: [{destination: 203.0.113.10, protocol: tcp, port: 80, rate: '{rate}'}]"
    first = firewall_policy("a", limit.replace("{rate}", "2 mbytes/second"))
    same = firewall_policy("b", limit.replace("{rate}", "2 mbytes/second"))
    other = firewall_policy("c", limit.replace("{rate}", "1 mbytes/second"))
    assert len(desired(first, same).firewall.limits) == 1
    with pytest.raises(MergeConflict, match=r"rate limit for 203\.0\.113\.10 tcp/80"):
        desired(first, other)


def test_bgp_is_allowed_from_exactly_the_merged_neighbors() -> None:
    config = frr_configuration(
        "bgp",
        "bgp: {routers: [{asn: 64512, neighbors: [{address: 192.0.2.12, asn: 1}, {address: '2001:db8::12', asn: 1},"
        " {interface: eth3, asn: 1}]}]}",
    )
    firewall = desired(config).firewall
    assert firewall.bgp_peers == [("192.0.2.12", 179), ("2001:db8::12", 179)]
    assert firewall.bgp_interfaces == ["eth3"]


def test_router_settings_carry_into_the_firewall() -> None:
    firewall = desired().firewall
    assert (firewall.public_interface, firewall.allow_ssh, firewall.ssh_port, firewall.drop_unmatched) == (
        "pub0",
        True,
        22,
        False,
    )
