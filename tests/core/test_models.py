"""Model validation: every invalid field gets a precise message; rates and durations parse strictly."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controller.addresses import canonical_network as canonical_cidr
from controller.api.duration import seconds
from controller.api.ratelimit import RateLimit, RateLimitError, parse_rate
from tests.core.builders import ROUTER, firewall_policy, frr_configuration, resources


def only_error(*documents: str) -> str:
    inputs = resources(*documents)
    assert len(inputs.invalid) == 1, inputs.invalid
    return str(inputs.invalid[0].error)


@pytest.mark.parametrize(
    ("spec", "field", "why"),
    [
        (
            "bgp: {routers: [{asn: 64512, neighbors: [{address: 192.0.2.1, asn: 1, holdTime: 1m1}]}]}",
            "spec.bgp.routers[0].neighbors[0].holdTime",
            "is not a duration such as 90s",
        ),
        (
            "bgp: {routers: [{asn: 64512, prefixes: [10.0.0.1/8]}]}",
            "spec.bgp.routers[0].prefixes[0]",
            "'10.0.0.1/8' has host bits set; the prefix is 10.0.0.0/8",
        ),
        (
            "bgp: {routers: [{asn: 64512, prefixes: [10.0.0.0]}]}",
            "spec.bgp.routers[0].prefixes[0]",
            "has no prefix length",
        ),
        (
            'bgp: {routers: [{asn: 64512, neighbors: [{address: 192.0.2.1, asn: 1, password: "a\\nb"}]}]}',
            "spec.bgp.routers[0].neighbors[0].password",
            "printable",
        ),
        (
            'bgp: {routers: [{asn: 64512, neighbors: [{address: 192.0.2.1, asn: 1, bfdProfile: "x y"}]}]}',
            "spec.bgp.routers[0].neighbors[0].bfdProfile",
            "String should match pattern",
        ),
        (
            'bgp: {routers: [{asn: 64512, vrf: "r\\nrouter bgp 1"}]}',
            "spec.bgp.routers[0].vrf",
            "String should match pattern",
        ),
        (
            "bgp: {routers: [{asn: 64512, neighbors: [{address: 192.0.2.1, asn: 1, toAdvertise: {withCommunity: "
            "[{prefixes: [10.0.0.0/8], community: '70000:1'}]}}]}]}",
            "spec.bgp.routers[0].neighbors[0].toAdvertise.withCommunity[0].community",
            "is not a BGP community",
        ),
        ("bgp: {routers: [{asn: 64512, neigbors: []}]}", "spec.bgp.routers[0].neigbors", "unknown field"),
    ],
)
def test_invalid_frr_configuration_fields_are_named_with_why(spec: str, field: str, why: str) -> None:
    message = only_error(frr_configuration("bad", spec, "team"))
    assert message.startswith(f"test.yaml#0 FRRConfiguration team/bad: {field}: ")
    assert why in message


@pytest.mark.parametrize(
    ("spec", "field", "why"),
    [
        (
            "rateLimits: [{destination: 203.0.113.1, protocol: tcp, port: 80, rate: '2 mbytes/fortnight'}]",
            "spec.rateLimits[0].rate",
            "period 'fortnight' is not one of",
        ),
        ("allow: [{name: a, protocol: gre, destinations: [10.0.0.1/32]}]", "spec.allow[0].protocol", "Input should be"),
        (
            "allow: [{name: a, protocol: tcp, ports: ['90-80'], destinations: [10.0.0.1/32]}]",
            "spec.allow[0].ports[0]",
            "ascending range",
        ),
        ("allow: [{name: a, protocol: tcp, destinations: []}]", "spec.allow[0].destinations", "at least 1 item"),
        (
            "rateLimits: [{destination: 203.0.113.0/24, protocol: tcp, port: 80, rate: '1 mbytes/second'}]",
            "spec.rateLimits[0].destination",
            "203.0.113.0/24 is a /24 prefix; a rate limit applies to one Service address: "
            "write it as an address or a host prefix (/32)",
        ),
    ],
)
def test_invalid_firewall_policy_fields_are_named_with_why(spec: str, field: str, why: str) -> None:
    message = only_error(firewall_policy("bad", spec, "team"))
    assert message.startswith(f"test.yaml#0 FirewallPolicy team/bad: {field}: ")
    assert why in message


@pytest.mark.parametrize(
    ("written", "address"),
    [("203.0.113.10/32", "203.0.113.10"), ("203.0.113.10", "203.0.113.10"), ("2001:DB8::a/128", "2001:db8::a")],
)
def test_a_rate_limit_destination_takes_a_host_prefix_as_allow_destinations_do(written: str, address: str) -> None:
    spec = f"rateLimits: [{{destination: '{written}', protocol: tcp, port: 80, rate: '1 mbytes/second'}}]"
    inputs = resources(firewall_policy("limits", spec))
    assert not inputs.invalid
    assert inputs.firewall_policies[0].object.spec.rate_limits[0].destination == address


def test_router_host_key_must_look_like_an_openssh_public_key() -> None:
    router = ROUTER.replace("insecureIgnoreHostKey: true", "hostKeys: ['not a key']")
    message = only_error(router)
    assert "Router edge-1: spec.hostKeys[0]:" in message


def test_a_field_smuggling_a_newline_into_frr_text_is_refused() -> None:
    router = ROUTER.replace("pub0", '"pub0\\n}"')
    assert "spec.firewall.publicInterface" in only_error(router)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 mbytes/second burst 512 kbytes", RateLimit(2, "mbytes", "second", 512, "kbytes")),
        ("100/second", RateLimit(100, "packets", "second")),
        ("100 packets/minute burst 5 packets", RateLimit(100, "packets", "minute", 5, "packets")),
        ("1 kbytes/hour", RateLimit(1, "kbytes", "hour")),
    ],
)
def test_rates_in_nft_syntax_parse(text: str, expected: RateLimit) -> None:
    assert parse_rate(text) == expected


@pytest.mark.parametrize(
    "text", ["", "fast", "2 gbytes/second", "0/second", "2 mbytes/second burst 5 packets", "1/second; drop", "1/s\nx"]
)
def test_malformed_rates_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(RateLimitError):
        parse_rate(text)


@given(st.text(max_size=60))
def test_rate_parser_never_lets_anything_but_its_own_rendering_through(text: str) -> None:
    try:
        rate = parse_rate(text)
    except RateLimitError:
        return
    assert parse_rate(str(rate)) == rate
    assert all(ch.isalnum() or ch in " /" for ch in rate.nft())


@given(st.integers(0, 10**6), st.integers(0, 59), st.integers(0, 59))
def test_durations_in_go_syntax_become_seconds(hours: int, minutes: int, secs: int) -> None:
    assert seconds(f"{hours}h{minutes}m{secs}s") == hours * 3600 + minutes * 60 + secs


def test_fractional_seconds_are_refused() -> None:
    with pytest.raises(ValueError, match="whole number of seconds"):
        seconds("1500ms")


@given(st.integers(0, 2**32 - 1), st.integers(0, 32))
def test_the_fast_ipv4_cidr_check_agrees_with_ipaddress(address: int, length: int) -> None:
    text = f"{ipaddress.IPv4Address(address)}/{length}"
    try:
        expected: str | None = str(ipaddress.ip_network(text))
    except ValueError:
        expected = None
    try:
        assert canonical_cidr(text) == expected
    except ValueError:
        assert expected is None


def test_an_object_name_smuggling_a_line_into_the_rendered_config_is_refused() -> None:
    router = ROUTER.replace("name: edge-1", 'name: "edge-1\\nrouter bgp 1"', 1)
    assert "Router edge-1\nrouter bgp 1: metadata.name: String should match pattern" in only_error(router)


@pytest.mark.parametrize(
    ("selector", "field"),
    [
        ("{matchLabels: {site: '@'}}", "spec.routerSelector.matchLabels.site"),
        ("{matchLabels: {'a b': x}}", "spec.routerSelector.matchLabels.a b"),
        (
            "{matchExpressions: [{key: site, operator: In, values: ['dc 1']}]}",
            "spec.routerSelector.matchExpressions[0].values[0]",
        ),
    ],
)
def test_a_router_selector_no_label_could_match_is_refused(selector: str, field: str) -> None:
    message = only_error(frr_configuration("bad", f"routerSelector: {selector}", "team"))
    assert message.startswith(f"test.yaml#0 FRRConfiguration team/bad: {field}: ")
