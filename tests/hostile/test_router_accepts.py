"""What validate accepts, the router accepts: random valid inputs rendered and checked by real FRR and nft.

Issue 11, item 9 ("validate passes, the router refuses") as a property: Routers, FRRConfigurations and
FirewallPolicies drawn from the whole range the API allows (any printable password, VRF and profile names
at their length limits, every community form, timers, rates at their bounds) render to FRR text that
Debian FRR's `vtysh -C` accepts and a ruleset that `nft -c` accepts, one command per line of printable
characters. And the rate limits: frr-edge accepts a rate exactly when nft does.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from controller.api.ratelimit import BYTE_UNITS, PACKET_UNIT, PERIODS, RateLimit, RateLimitError, parse_rate
from controller.inputs import Inputs, add_object
from controller.pipeline import render_all

Checker = Callable[[str], subprocess.CompletedProcess[str]]
EXAMPLES = int(os.environ.get("FRR_EDGE_ROUTER_EXAMPLES", "60"))
CHECKED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)

NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
names = st.text(NAME_CHARACTERS, min_size=1, max_size=1).flatmap(
    lambda first: st.text(NAME_CHARACTERS + "_.-", max_size=14).map(lambda rest: first + rest)
)
words = st.text(NAME_CHARACTERS, min_size=1, max_size=1).flatmap(
    lambda first: st.text(NAME_CHARACTERS + "_.:-", max_size=62).map(lambda rest: first + rest)
)
passwords = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=80)
ipv4_hosts = (
    st.tuples(st.integers(1, 223), st.integers(0, 255), st.integers(0, 255), st.integers(1, 254))
    .filter(lambda octets: octets[0] != 127)
    .map(lambda octets: ".".join(map(str, octets)))
)
ipv6_hosts = st.tuples(st.integers(0x2001, 0x3FFF), st.integers(0, 0xFFFF), st.integers(1, 0xFFFF)).map(
    lambda parts: f"{parts[0]:x}:db8:{parts[1]:x}::{parts[2]:x}"
)
asns = st.integers(1, 4294967295)
seconds = st.integers(0, 65535)


def prefix_of(address: str, length: int) -> str:
    from controller.addresses import parse_network

    return str(parse_network(f"{address}/{length}", host_bits=True))


prefixes = st.one_of(
    st.tuples(ipv4_hosts, st.integers(8, 32)).map(lambda pair: prefix_of(*pair)),
    st.tuples(ipv6_hosts, st.integers(16, 128)).map(lambda pair: prefix_of(*pair)),
)
communities = st.one_of(
    st.tuples(st.integers(0, 65535), st.integers(0, 65535)).map(lambda pair: f"{pair[0]}:{pair[1]}"),
    st.tuples(asns, asns, asns).map(lambda triple: ":".join(map(str, triple))),
    st.sampled_from(["no-export", "no-advertise", "local-AS", "no-peer", "blackhole", "graceful-shutdown"]),
)


@st.composite
def rates(draw: st.DrawFn) -> str:
    unit = draw(st.sampled_from([*BYTE_UNITS, PACKET_UNIT]))
    value = draw(st.integers(1, 4294967295) | st.sampled_from([1, 4194303, 4194304, 4294967295]))
    period = draw(st.sampled_from(PERIODS))
    text = f"{value} {unit}/{period}" if unit != PACKET_UNIT else f"{value}/{period}"
    if draw(st.booleans()):
        burst_unit = PACKET_UNIT if unit == PACKET_UNIT else draw(st.sampled_from(BYTE_UNITS))
        text += f" burst {draw(st.integers(1, 4294967295))} {burst_unit}"
    return text


@st.composite
def neighbors(draw: st.DrawFn, router_asn: int, router_prefixes: list[str], profiles: list[str]) -> dict[str, Any]:
    neighbor: dict[str, Any] = {}
    if draw(st.booleans()):
        neighbor["address"] = draw(ipv4_hosts | ipv6_hosts)
    else:
        neighbor["interface"] = draw(names)
    if draw(st.booleans()):
        neighbor["asn"] = draw(asns)
    else:
        neighbor["dynamicASN"] = draw(st.sampled_from(["internal", "external"]))
    ebgp = neighbor.get("asn") not in (None, router_asn) or neighbor.get("dynamicASN") == "external"
    if draw(st.booleans()):
        neighbor["password"] = draw(passwords)
    if draw(st.booleans()):
        hold = draw(st.sampled_from([0]) | st.integers(3, 65535))
        neighbor["holdTime"] = f"{hold}s"
        if draw(st.booleans()):
            neighbor["keepaliveTime"] = f"{draw(st.integers(0, hold))}s"
    if draw(st.booleans()):
        neighbor["connectTime"] = f"{draw(st.integers(1, 65535))}s"
    if draw(st.booleans()):
        neighbor["port"] = draw(st.integers(1, 65535))
    neighbor["ebgpMultiHop"] = draw(st.booleans())
    neighbor["enableGracefulRestart"] = draw(st.booleans())
    if bool(profiles) and draw(st.booleans()):
        neighbor["bfdProfile"] = draw(st.sampled_from(profiles))
    if ebgp and neighbor.get("asn") and draw(st.booleans()):
        neighbor["localASN"] = draw(asns.filter(lambda asn: asn != neighbor["asn"]))
    if draw(st.booleans()):
        neighbor["maximumPrefixes"] = draw(st.integers(1, 4294967295))
    neighbor["dualStackAddressFamily"] = draw(st.booleans())
    families = (
        {4, 6}
        if neighbor["dualStackAddressFamily"] or "interface" in neighbor
        else {6 if ":" in neighbor["address"] else 4}
    )
    usable = [p for p in router_prefixes if (6 if ":" in p else 4) in families]
    advertised = draw(st.lists(st.sampled_from(usable), unique=True, max_size=4)) if usable else []
    advertise: dict[str, Any] = {
        "allowed": {"prefixes": advertised, "mode": draw(st.sampled_from(["filtered", "all"]))}
    }
    if bool(advertised) and draw(st.booleans()):
        advertise["withCommunity"] = [{"prefixes": advertised[:1], "community": draw(communities)}]
    if bool(advertised) and draw(st.booleans()):
        advertise["withLocalPref"] = [{"prefixes": advertised[-1:], "localPref": draw(st.integers(0, 4294967295))}]
    next_hop = {}
    if 4 in families and draw(st.booleans()):
        next_hop["ipv4"] = draw(ipv4_hosts)
    if 6 in families and draw(st.booleans()):
        next_hop["ipv6"] = draw(ipv6_hosts)
    if next_hop:
        advertise["nextHop"] = next_hop
    if draw(st.booleans()):
        neighbor["addressFamilies"] = draw(st.sampled_from([["unicast"], ["unicast", "evpn"], ["evpn"]]))
    neighbor["toAdvertise"] = advertise
    received = [p for p in draw(st.lists(prefixes, max_size=3)) if (6 if ":" in p else 4) in families]
    selectors = []
    for prefix in received:
        length, top = int(prefix.split("/")[1]), 32 if ":" not in prefix else 128
        selector: dict[str, Any] = {"prefix": prefix}
        if draw(st.booleans()):
            selector["ge"] = draw(st.integers(max(length, 1), top))
        if length < top and draw(st.booleans()):
            selector["le"] = draw(st.integers(max(length + 1, selector.get("ge", 0)), top))
        selectors.append(selector)
    neighbor["toReceive"] = {"allowed": {"prefixes": selectors, "mode": draw(st.sampled_from(["filtered", "all"]))}}
    return neighbor


RAW_LINES = [
    "ip prefix-list extra seq 5 permit 10.0.0.0/8 le 24",
    "ipv6 prefix-list extra6 seq 10 deny any",
    "log syslog informational",
    "interface eth7\n description raw uplink\nexit",
    "route-map extra permit 10\n set local-preference 50\nexit",
    "ip route 198.51.100.0/24 blackhole",
]


@st.composite
def inputs(draw: st.DrawFn) -> Inputs:
    router_spec: dict[str, Any] = {
        "address": "192.0.2.1",
        "user": "frr-edge",
        "sshKeySecretRef": {"namespace": "n", "name": "k"},
        "insecureIgnoreHostKey": True,
        "port": draw(st.integers(1, 65535)),
        "firewall": {
            "allowSSH": draw(st.booleans()),
            "allowBGP": draw(st.booleans()),
            "dropUnmatched": draw(st.booleans()),
        },
    }
    if draw(st.booleans()):
        router_spec["firewall"]["publicInterface"] = draw(names)
    documents: list[dict[str, Any]] = [
        {"apiVersion": "frr-edge.dev/v1alpha1", "kind": "Router", "metadata": {"name": "r"}, "spec": router_spec}
    ]
    profiles = draw(st.lists(words, unique=True, max_size=2))
    routers = []
    for vrf in [*draw(st.lists(names, unique=True, max_size=1)), None]:
        asn = draw(asns)
        router_prefixes = draw(st.lists(prefixes, unique=True, max_size=4))
        router: dict[str, Any] = {"asn": asn, "prefixes": router_prefixes}
        if vrf is not None:
            router["vrf"] = vrf
        if draw(st.booleans()):
            router["id"] = draw(ipv4_hosts)
        if draw(st.booleans()):
            router["maximumPaths"] = draw(st.integers(1, 64))
        router["neighbors"] = draw(st.lists(neighbors(asn, router_prefixes, profiles), max_size=3))
        routers.append(router)
    bfd = [
        {
            "name": name,
            **draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "receiveInterval": st.integers(10, 60000),
                        "transmitInterval": st.integers(10, 60000),
                        "detectMultiplier": st.integers(2, 255),
                        "echoInterval": st.integers(10, 60000),
                        "echoMode": st.booleans(),
                        "passiveMode": st.booleans(),
                        "minimumTtl": st.integers(1, 254),
                    },
                )
            ),
        }
        for name in profiles
    ]
    spec: dict[str, Any] = {"bgp": {"routers": routers, "bfdProfiles": bfd}}
    if draw(st.booleans()):
        spec["raw"] = {"rawConfig": "\n".join(draw(st.lists(st.sampled_from(RAW_LINES), unique=True, max_size=3)))}
    documents.append(
        {"apiVersion": "frr-edge.dev/v1alpha1", "kind": "FRRConfiguration", "metadata": {"name": "c"}, "spec": spec}
    )
    rules = []
    for index in range(draw(st.integers(0, 4))):
        protocol = draw(st.sampled_from(["tcp", "udp", "sctp", "icmp", "icmpv6"]))
        of_family = 6 if protocol == "icmpv6" else 4 if protocol == "icmp" else draw(st.sampled_from([4, 6]))
        pool = ipv4_hosts if of_family == 4 else ipv6_hosts
        rule: dict[str, Any] = {
            "name": f"rule-{index}",
            "protocol": protocol,
            "destinations": [
                prefix_of(a, 32 if of_family == 4 else 128) for a in draw(st.lists(pool, min_size=1, max_size=70))
            ],
        }
        if protocol not in ("icmp", "icmpv6"):
            rule["ports"] = draw(
                st.lists(
                    st.integers(1, 65535)
                    | st.tuples(st.integers(1, 65535), st.integers(0, 100)).map(
                        lambda pair: f"{pair[0]}-{min(pair[0] + pair[1], 65535)}"
                    ),
                    max_size=5,
                )
            )
        if draw(st.booleans()):
            rule["sources"] = [
                prefix_of(a, 24 if of_family == 4 else 64) for a in draw(st.lists(pool, min_size=1, max_size=3))
            ]
        rules.append(rule)
    limits = [
        {
            "destination": draw(
                (ipv4_hosts | ipv6_hosts).flatmap(lambda a: st.sampled_from([a, f"{a}/{128 if ':' in a else 32}"]))
            ),
            "protocol": "tcp",
            "port": draw(st.integers(1, 65535)),
            "rate": draw(rates()),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    documents.append(
        {
            "apiVersion": "frr-edge.dev/v1alpha1",
            "kind": "FirewallPolicy",
            "metadata": {"name": "p"},
            "spec": {"defaultAction": draw(st.sampled_from(["drop", "accept"])), "allow": rules, "rateLimits": limits},
        }
    )
    loaded = Inputs()
    for document in documents:
        add_object(loaded, document)
    return loaded


@CHECKED
@given(drawn=inputs())
def test_what_validates_is_what_frr_and_nft_accept(drawn: Inputs, vtysh_check: Checker, nft_check: Checker) -> None:
    assume(not drawn.invalid)
    [result] = render_all(drawn)
    assume(result.ok)  # combinations the API refuses on purpose (references, families) are not this test's
    for text in (result.frr, result.nft):
        for line in text.split("\n"):
            assert all(char == "\t" or char.isprintable() for char in line), repr(line)
    frr = vtysh_check(result.frr)
    assert frr.returncode == 0, frr.stdout + frr.stderr
    nft = nft_check(result.nft)
    assert nft.returncode == 0, nft.stderr


_SCALE = {"bytes": 1, "kbytes": 1024, "mbytes": 1024 * 1024, PACKET_UNIT: 1, "": 1}


def _meaning(text: str) -> tuple[int, str, int]:
    """(rate in bytes or packets, period, burst in bytes or packets) of nft's rate text, read by this test."""
    match = re.fullmatch(r"(\d+) ?([a-z]*)/([a-z]+)(?: burst (\d+) ?([a-z]*))?", text.strip(), re.ASCII)
    assert match is not None, text
    value, unit, period, burst, burst_unit = match.groups()
    return int(value) * _SCALE[unit], period, int(burst or 0) * _SCALE[burst_unit or ""]


@settings(max_examples=EXAMPLES * 3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rate=rates())
def test_frr_edge_accepts_a_rate_exactly_when_nft_keeps_it(rate: str, netns: str, tmp_path_factory: Any) -> None:
    """Accepted means nft loads it and lists the same rate and burst back; nft silently drops a burst that
    does not fit 32 bits ("burst 4096 mbytes" lists as no burst), so that must be refused as well."""
    try:
        parsed: RateLimit | None = parse_rate(rate)
    except RateLimitError:
        parsed = None
    path = tmp_path_factory.mktemp("rate") / "rate.nft"
    path.write_text(f"table inet rate_check {{\n\tlimit l {{\n\t\trate over {rate}\n\t}}\n}}\n")
    nft = ["ip", "netns", "exec", netns, "nft"]
    loaded = subprocess.run([*nft, "-f", str(path)], capture_output=True, text=True, check=False)
    kept = False
    if loaded.returncode == 0:
        listed = subprocess.run(
            [*nft, "list", "table", "inet", "rate_check"], capture_output=True, text=True, check=True
        )
        subprocess.run([*nft, "delete", "table", "inet", "rate_check"], check=True)
        line = next(line for line in listed.stdout.split("\n") if "rate over" in line)
        kept = _meaning(line.split("rate over", 1)[1]) == _meaning(rate.replace(" packets", ""))
    assert (parsed is not None) == kept, (rate, loaded.stderr)
