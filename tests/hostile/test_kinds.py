"""Hostile and careless input, one kind of fault at a time (issue 11): each test names the kind it guards.

Every case runs frr-edge's real command line on a file, as a user or a pull-request check would; the
inputs are the MetalLB sample (samples/metallb) plus the document under test.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from controller.frrcfg import parse
from controller.frrcfg.model import Interface
from tests.hostile.cli import REPO, run, run_process, write

SAMPLE = "\n---\n".join(
    (REPO / "samples" / "metallb" / name).read_text()
    for name in ("router.yaml", "metallb.yaml", "cluster.yaml", "services.yaml")
)


def validate(tmp_path: Path, *documents: str, text: str | None = None) -> tuple[int, str]:
    path = write(tmp_path, text if text is not None else "\n---\n".join([SAMPLE, *documents]))
    result = run("validate", "-f", str(path))
    return result.code, result.output


def render(tmp_path: Path, *documents: str, output: str = "all") -> tuple[int, str, str]:
    path = write(tmp_path, "\n---\n".join([SAMPLE, *documents]))
    result = run("render", "-f", str(path), "--output", output)
    return result.code, result.stdout, result.stderr


def _object(kind: str, name: str, spec: str) -> str:
    return (
        f"apiVersion: frr-edge.dev/v1alpha1\nkind: {kind}\nmetadata: {{name: {name}, namespace: team}}\nspec:\n{spec}"
    )


def frr_configuration(spec: str, name: str = "extra") -> str:
    return _object("FRRConfiguration", name, spec)


def firewall_policy(spec: str, name: str = "extra") -> str:
    return _object("FirewallPolicy", name, spec)


def arabic(text: str) -> str:
    """ASCII digits as Arabic-Indic digits, which Python's int() and regex \\d accept."""
    return text.translate({ord(digit): 0x0660 + int(digit) for digit in "0123456789"})


def service(name: str, body: str) -> str:
    return f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: shop}}\n{body}"


def load_balancer(ports: str = "[{port: 80, protocol: TCP}]", ip: str = "203.0.113.99", extra: str = "") -> str:
    status = f"status:\n  loadBalancer:\n    ingress: [{{ip: '{ip}'}}]\n"
    return f"spec:\n  type: LoadBalancer\n  ports: {ports}\n{extra}{status}"


def test_the_sample_itself_is_valid(tmp_path: Path) -> None:
    code, output = validate(tmp_path)
    assert code == 0, output


# ---------------------------------------------------------------- IPv6 zones (item 2)

INJECTION = "::1%x\\nneighbor 6.6.6.6 remote-as 666\\n!"
ZONE = "fe80::1%eth0"


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (
            frr_configuration(
                f'  bgp: {{routers: [{{asn: 64512, neighbors: [{{address: "{INJECTION}", asn: 65000}}]}}]}}'
            ),
            "spec.bgp.routers[0].neighbors[0].address",
        ),
        (frr_configuration('  bgp: {routers: [{asn: 64512, prefixes: ["2001:db8::%x/64"]}]}'), "prefixes[0]"),
        (
            frr_configuration(
                "  bgp: {routers: [{asn: 64512, neighbors: [{address: 192.0.2.9, asn: 65000, "
                'toReceive: {allowed: {prefixes: [{prefix: "2001:db8::%a/64"}]}}}]}]}'
            ),
            "toReceive.allowed.prefixes[0].prefix",
        ),
        (
            firewall_policy(f'  allow: [{{name: a, protocol: tcp, destinations: ["{ZONE}/128"]}}]'),
            "spec.allow[0].destinations[0]",
        ),
        (
            firewall_policy(
                f'  allow: [{{name: a, protocol: tcp, destinations: [2001:db8::1/128], sources: ["{ZONE}/64"]}}]'
            ),
            "spec.allow[0].sources[0]",
        ),
        (
            firewall_policy(f'  rateLimits: [{{destination: "{ZONE}", protocol: tcp, port: 80, rate: 1/second}}]'),
            "spec.rateLimits[0].destination",
        ),
        (service("zoned", load_balancer(ip=ZONE)), "status.loadBalancer.ingress[0].ip"),
        (
            service("ranged", load_balancer(extra=f'  loadBalancerSourceRanges: ["{ZONE}/64"]\n')),
            "spec.loadBalancerSourceRanges[0]",
        ),
    ],
    ids=lambda value: value if value.count("\n") == 0 else value.split("\n")[1],
)
def test_an_ipv6_zone_is_refused_in_every_address_field_naming_it(tmp_path: Path, document: str, field: str) -> None:
    code, output = validate(tmp_path, document)
    assert code == 2, output
    assert field in output and "zone" in output


def test_a_zone_cannot_smuggle_a_neighbor_into_router_bgp(tmp_path: Path) -> None:
    document = frr_configuration(
        f'  bgp: {{routers: [{{asn: 64512, neighbors: [{{address: "{INJECTION}", asn: 65000}}]}}]}}'
    )
    code, stdout, _ = render(tmp_path, document, output="frr")
    assert code == 2
    assert "6.6.6.6" not in stdout


def test_a_zone_in_one_service_does_not_block_the_firewall_of_the_others(tmp_path: Path) -> None:
    code, stdout, stderr = render(tmp_path, service("zoned", load_balancer(ip=ZONE)), output="nft")
    assert code == 2 and "Service shop/zoned" in stderr
    assert "203.0.113.10 . tcp . 80" in stdout and "%" not in stdout


@pytest.mark.parametrize(
    ("replace", "field"),
    [
        ("peerAddress: 10.0.0.1", f"peerAddress: '{ZONE}'"),
        (
            "myASN: 64513\n  peerASN: 64512\n  peerAddress: 10.0.0.1",
            "myASN: 64513\n  peerASN: 64512\n  peerAddress: 10.0.0.1\n  sourceAddress: 'fe80::2%x'",
        ),
    ],
    ids=["peerAddress", "sourceAddress"],
)
def test_a_zone_in_a_bgppeer_is_an_error_naming_it(tmp_path: Path, replace: str, field: str) -> None:
    code, output = validate(tmp_path, text=SAMPLE.replace(replace, field, 1))
    assert code == 2 and "BGPPeer metallb-system/edge-v4" in output and "zone" in output


# ---------------------------------------------------------------- tracebacks (item 3)


@pytest.mark.parametrize(
    ("documents", "expected"),
    [
        ((service("p1", load_balancer(ports="[{port: http, protocol: TCP}]")),), "spec.ports[0].port"),
        ((service("p2", load_balancer(ports="[{port: 0, protocol: TCP}]")),), "spec.ports[0].port"),
        ((service("p3", load_balancer(ports="[{port: 70000, protocol: TCP}]")),), "spec.ports[0].port"),
        (
            (
                "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: shop, annotations: {ratelimit: 5}}\n"
                + load_balancer(),
            ),
            "metadata.annotations.ratelimit",
        ),
        (
            (
                "apiVersion: v1\nkind: Service\nmetadata: {name: n, namespace: shop}\nspec: {type: LoadBalancer, "
                "ports: [{port: 80}]}\nstatus: {loadBalancer: null}\n",
            ),
            None,
        ),
        (("apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: x}\ndata: just-a-string\n",), "data"),
        (
            (
                "apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\n"
                "metadata: {name: agg, namespace: metallb-system}\nspec: {aggregationLength: 0}\n",
            ),
            "spec.aggregationLength",
        ),
    ],
    ids=["port-name", "port-0", "port-70000", "annotation-int", "loadBalancer-null", "secret-data", "agg-0"],
)
def test_bad_objects_are_errors_naming_the_field_never_tracebacks(
    tmp_path: Path, documents: tuple[str, ...], expected: str | None
) -> None:
    code, output = validate(tmp_path, *documents)
    assert code in (0, 2), output
    if expected is not None:
        assert code == 2 and expected in output


def test_a_metallb_namespace_that_is_no_namespace_name_is_an_error_on_the_router(tmp_path: Path) -> None:
    code, output = validate(
        tmp_path,
        text=SAMPLE.replace(
            "namespace: metallb-system\n    neighborAddress", "namespace: MetalLB\n    neighborAddress"
        ),
    )
    assert code == 2 and "Router edge-dc1: spec.metallb.namespace" in output


def test_a_bgppeer_hold_time_metallb_refuses_is_an_error_on_the_bgppeer(tmp_path: Path) -> None:
    code, output = validate(tmp_path, text=SAMPLE.replace("holdTime: 90s", "holdTime: 1s"))
    assert code == 2
    assert "BGPPeer metallb-system/edge-v4: spec.holdTime: invalid hold time '1s': must be 0 or >=3s" in output


def test_a_5000_digit_rate_annotation_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    annotated = "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: shop, annotations: {ratelimit: '%s'}}\n"
    code, output = validate(tmp_path, annotated % ("9" * 5000 + "/second") + load_balancer())
    assert code == 0
    assert "annotation ratelimit ignored" in output and "between 1 and 4294967295" in output


def test_a_pool_prefix_ending_in_a_newline_is_refused(tmp_path: Path) -> None:
    code, output = validate(tmp_path, text=SAMPLE.replace("- 203.0.113.0/26", '- "203.0.113.0/26\\n"', 1))
    assert code == 2 and "IPAddressPool metallb-system/public: spec.addresses" in output


def test_a_file_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, SAMPLE.encode() + b"\n# caf\xe9\n")
    result = run("validate", "-f", str(path))
    assert result.code == 2 and f"{path}:{SAMPLE.count(chr(10)) + 2}: is not UTF-8 text" in result.stderr


# ---------------------------------------------------------------- YAML bombs (item 6, and nesting of item 3)


def test_a_billion_laughs_file_is_refused_without_expanding_it(tmp_path: Path) -> None:
    rows = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for index in range(1, 9):
        name, previous = chr(97 + index), chr(96 + index)
        rows.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
    path = write(tmp_path, "\n".join(rows) + "\n")
    assert path.stat().st_size < 600
    result = run("validate", "-f", str(path))
    assert result.code == 2 and "aliases expand this file beyond" in result.stderr


def test_a_self_referencing_alias_is_refused(tmp_path: Path) -> None:
    result = run("validate", "-f", str(write(tmp_path, "kind: Service\nmetadata: &m {name: z, labels: *m}\n")))
    assert result.code == 2 and "alias *m refers to itself" in result.stderr


def test_a_duplicate_key_is_refused_naming_its_line(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata: {name: z, namespace: a}\n"
    text += "spec:\n  type: LoadBalancer\n  type: ClusterIP\n"
    result = run("validate", "-f", str(write(tmp_path, text)))
    assert result.code == 2 and ":6: key 'type' appears twice in one mapping" in result.stderr


def test_deep_nesting_is_refused_and_never_crashes_the_process(tmp_path: Path) -> None:
    # libyaml's C composer recurses: 100,000 levels killed the process with SIGSEGV before the check.
    path = write(tmp_path, "a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    result = run_process("validate", "-f", str(path))
    assert result.code == 2 and "nested deeper than 100 levels" in result.stderr


def test_ipv6_in_a_flow_list_reads_as_kubectl_reads_it(tmp_path: Path) -> None:
    # ruamel.yaml's C loader refuses this ("found unexpected ':'"); kubectl's go-yaml v2 accepts it.
    code, output = validate(
        tmp_path, text=SAMPLE.replace("    - 10.0.0.1\n    - fd00:10::1\n", "    [10.0.0.1, fd00:10::1]\n")
    )
    assert "bgpAddresses:\n    [10.0.0.1" in SAMPLE.replace(
        "    - 10.0.0.1\n    - fd00:10::1\n", "    [10.0.0.1, fd00:10::1]\n"
    )
    assert code == 0, output


def test_files_are_read_with_libyaml_in_c() -> None:
    assert yaml.__with_libyaml__


# ---------------------------------------------------------------- one definition of a line (item 7)

SEPARATORS = ["\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("separator", SEPARATORS, ids=[f"U+{ord(s):04X}" for s in SEPARATORS])
def test_a_line_break_vtysh_does_not_know_is_refused_in_a_raw_snippet(tmp_path: Path, separator: str) -> None:
    escaped = separator.encode("unicode_escape").decode()
    snippet = frr_configuration(f'  raw:\n    rawConfig: "log syslog{escaped}no router bgp 64512\\n"')
    code, stdout, stderr = render(tmp_path, snippet, output="frr")
    assert code == 2 and "spec.raw.rawConfig" in stderr and "is not allowed" in stderr
    assert "no router bgp" not in stdout


def test_a_snippet_that_leaves_a_context_open_is_closed_before_the_next_part(tmp_path: Path) -> None:
    first = frr_configuration('  raw: {priority: 1, rawConfig: "interface eth0\\n description uplink\\n"}', "first")
    second = frr_configuration(
        '  raw: {priority: 2, rawConfig: "ip prefix-list later seq 5 permit 10.0.0.0/8\\n"}', "second"
    )
    code, stdout, stderr = render(tmp_path, first, second, output="frr")
    assert code == 0, stderr
    config = parse(stdout)
    [interface] = [item for item in config.items if isinstance(item, Interface)]
    assert [line.text() for line in interface.items] == ["description uplink"]
    assert any(getattr(item, "name", None) == "later" for item in config.items)


# ---------------------------------------------------------------- Unicode digits and $ (item 8)


def community(value: str) -> str:
    return frr_configuration(
        "  bgp: {routers: [{asn: 64512, prefixes: [10.0.0.0/8], neighbors: [{address: 192.0.2.9, asn: 65000, "
        "toAdvertise: {allowed: {prefixes: [10.0.0.0/8]}, "
        f'withCommunity: [{{prefixes: [10.0.0.0/8], community: "{value}"}}]}}}}]}}]}}'
    )


def allow_port(value: str) -> str:
    return firewall_policy(f'  allow: [{{name: a, protocol: tcp, ports: ["{value}"], destinations: [203.0.113.1/32]}}]')


@pytest.mark.parametrize(
    "document",
    [
        community("65000:100\\n"),
        community(arabic("65000:100")),
        frr_configuration('  bgp: {routers: [{asn: 64512, prefixes: ["10.0.0.0/8\\n"]}]}'),
        allow_port(arabic("80")),
        allow_port("80\\n"),
        firewall_policy(
            f'  rateLimits: [{{destination: 203.0.113.1, protocol: tcp, port: 80, rate: "{arabic("10")}/second"}}]'
        ),
        frr_configuration(
            "  bgp: {routers: [{asn: 64512, neighbors: [{address: 192.0.2.9, asn: 65000, "
            f'holdTime: "{arabic("90")}s"}}]}}]}}'
        ),
    ],
    ids=[
        "community-newline",
        "community-arabic",
        "prefix-newline",
        "port-arabic",
        "port-newline",
        "rate-arabic",
        "hold-arabic",
    ],
)
def test_unicode_digits_and_a_trailing_newline_are_refused(tmp_path: Path, document: str) -> None:
    code, output = validate(tmp_path, document)
    assert code == 2, output


# ---------------------------------------------------------------- validate agrees with the router (item 9)


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (
            frr_configuration(
                '  bgp: {routers: [{asn: 64512, neighbors: [{address: 192.0.2.9, asn: 65000, password: "two words"}]}]}'
            ),
            "neighbors[0].password",
        ),
        (frr_configuration("  bgp: {routers: [{asn: 64512, id: '2001:db8::1'}]}"), "spec.bgp.routers[0].id"),
        (
            firewall_policy(
                "  rateLimits: [{destination: 203.0.113.1, protocol: tcp, port: 80, rate: 4294967295 kbytes/second}]"
            ),
            "spec.rateLimits[0].rate",
        ),
    ],
    ids=["password-space", "router-id-v6", "rate-overflow"],
)
def test_what_frr_or_nft_would_refuse_is_refused_by_validate(tmp_path: Path, document: str, field: str) -> None:
    code, output = validate(tmp_path, document)
    assert code == 2 and field in output, output


def test_a_secret_password_with_a_space_is_refused_too(tmp_path: Path) -> None:
    code, output = validate(tmp_path, text=SAMPLE.replace("password: sample-only-change-me", "password: two words"))
    assert (
        code == 2 and "the password in Secret metallb-system/bgp-auth must be" in output and "without spaces" in output
    )


# ---------------------------------------------------------------- accepted without a word (item 10)


@pytest.mark.parametrize(
    ("replacement", "expected"),
    [
        ("password: 0x1F", "stringData.password"),
        ("password: !!binary aGVsbG8=", "stringData.password"),
        ("password: " + "é" * 80, "the password in Secret metallb-system/bgp-auth must be"),
    ],
    ids=["integer", "binary", "non-ascii"],
)
def test_a_secret_value_that_is_not_an_ascii_string_is_refused(tmp_path: Path, replacement: str, expected: str) -> None:
    code, output = validate(tmp_path, text=SAMPLE.replace("password: sample-only-change-me", replacement))
    assert code == 2 and expected in output, output


def test_asn_true_is_not_as_1(tmp_path: Path) -> None:
    code, output = validate(tmp_path, frr_configuration("  bgp: {routers: [{asn: true}]}"))
    assert code == 2 and "spec.bgp.routers[0].asn" in output


@pytest.mark.parametrize(
    "address",
    ["0.0.0.0", "255.255.255.255", "224.0.0.5", "127.0.0.1", "::", "::1", "ff02::5", "::ffff:192.0.2.9", "10.0.0.1"],
)
def test_an_address_no_neighbor_can_have_is_refused(tmp_path: Path, address: str) -> None:
    document = frr_configuration(
        f"  bgp: {{routers: [{{asn: 64512, neighbors: [{{address: '{address}', asn: 65000}}]}}]}}"
    )
    code, output = validate(tmp_path, document)
    assert code == 2 and "neighbors[0].address" in output, output


def test_a_rule_that_allows_nothing_is_refused(tmp_path: Path) -> None:
    document = firewall_policy(
        "  allow: [{name: a, protocol: tcp, destinations: [203.0.113.1/32], sources: ['2001:db8::/64']}]"
    )
    code, output = validate(tmp_path, document)
    assert code == 2 and "spec.allow[0].sources" in output and "would allow nothing" in output


def test_a_dual_stack_service_with_ipv4_source_ranges_loses_ipv6_with_a_warning(tmp_path: Path) -> None:
    dual = service(
        "dual",
        "spec:\n  type: LoadBalancer\n  ports: [{port: 443}]\n  loadBalancerSourceRanges: [192.0.2.0/24]\n"
        "status:\n  loadBalancer:\n    ingress: [{ip: 203.0.113.77}, {ip: '2001:db8:100::77'}]\n",
    )
    code, stdout, stderr = render(tmp_path, dual, output="nft")
    assert code == 0, stderr
    assert "Service shop/dual: 2001:db8:100::77 not allowed through the firewall" in stderr
    assert "2001:db8:100::77" not in stdout and "203.0.113.77" in stdout


# ---------------------------------------------------------------- runaway firewall (item 5)


def big_rule(destinations: int, sources: int, ports: int) -> str:
    return firewall_policy(
        "  allow:\n  - name: big\n    protocol: tcp\n"
        f"    ports: [{', '.join(str(1000 + 3 * index) for index in range(ports))}]\n"
        f"    destinations: [{', '.join(f'10.{index // 256}.{index % 256}.1/32' for index in range(destinations))}]\n"
        f"    sources: [{', '.join(f'172.16.{index // 64}.{(index % 64) * 4}/30' for index in range(sources))}]\n"
    )


def test_a_huge_rule_renders_the_sum_of_its_lists_not_the_product(tmp_path: Path) -> None:
    code, stdout, stderr = render(tmp_path, big_rule(1024, 1024, 64), output="nft")
    assert code == 0, stderr
    # 67 million combinations before; now one element per destination, source and port, and a few lines.
    assert len(stdout.splitlines()) < 1024 + 1024 + 64 + 400
    assert "ip daddr @rule_0_dst ip saddr @rule_0_src meta l4proto tcp th dport @rule_0_ports accept" in stdout


def test_what_remains_is_bounded_with_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("controller.merge.firewall.MAX_ELEMENTS", 50)
    code, output = validate(tmp_path, big_rule(64, 64, 8))
    assert code == 2 and "firewall would hold more than 50 set elements" in output


def test_overlapping_icmp_destinations_do_not_break_the_ruleset(tmp_path: Path, nft_check: object) -> None:
    policy = firewall_policy(
        "  allow: [{name: a, protocol: icmp, destinations: [203.0.113.0/24]}, "
        "{name: b, protocol: icmp, destinations: [203.0.113.10/32]}]"
    )
    code, stdout, stderr = render(tmp_path, policy, output="nft")
    assert code == 0, stderr
    checked = nft_check(stdout)  # type: ignore[operator]
    assert checked.returncode == 0, checked.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
