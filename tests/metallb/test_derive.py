"""Deriving the router's configuration from MetalLB and Services: the stories of samples/metallb and its
variations, told as a user would notice them on the router."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controller.desired import ANY_SOURCE, AllowEntry, DesiredRouter
from controller.errors import InvalidInput, MergeConflict
from controller.inputs import Inputs, load_paths
from controller.metallb.derive import receive_selector
from controller.pipeline import desired_router, render_all
from tests.core.builders import resources

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples" / "metallb"


def sample_inputs(*replacements: tuple[str, str, str], extra: str = "") -> Inputs:
    """samples/metallb, with (file, old, new) text replacements and extra documents."""
    texts = {path.name: path.read_text() for path in sorted(SAMPLES.glob("*.yaml"))}
    for name, old, new in replacements:
        assert old in texts[name], (name, old)
        texts[name] = texts[name].replace(old, new)
    return resources(*texts.values(), extra)


def router_of(inputs: Inputs) -> tuple[DesiredRouter, list[str]]:
    [router] = [r for r in inputs.routers if r.object.metadata.name == "edge-dc1"]
    desired, warnings = desired_router(router, inputs)
    return desired, [str(w) for w in warnings]


def test_the_router_peers_with_every_ready_speaker_except_excluded_nodes() -> None:
    desired, _ = router_of(sample_inputs())
    bgp = desired.frr.routers[""]
    assert bgp.asn == 64512
    assert sorted(bgp.neighbors) == ["10.0.0.11", "10.0.0.12", "fd00:10::11", "fd00:10::12"]
    assert {n.remote_as for n in bgp.neighbors.values()} == {"64513"}
    assert bgp.maximum_paths == 64


def test_session_settings_come_from_the_bgppeer_with_the_password_from_its_secret() -> None:
    desired, _ = router_of(sample_inputs())
    v4 = desired.frr.routers[""].neighbors["10.0.0.11"]
    assert (v4.hold_time, v4.keepalive_time, v4.bfd_profile) == (90, 30, "fast")
    assert v4.password == "sample-only-change-me"
    assert desired.frr.bfd_profiles["fast"].receive_interval == 150
    v6 = desired.frr.routers[""].neighbors["fd00:10::11"]
    assert (v6.password, v6.bfd_profile) == (None, None)


def test_a_password_secret_that_is_not_basic_auth_names_the_bgppeer_and_the_secret() -> None:
    # Finding 3: MetalLB refuses a BGPPeer's passwordSecret of any type but kubernetes.io/basic-auth.
    opaque = sample_inputs(("metallb.yaml", "type: kubernetes.io/basic-auth", "type: Opaque"))
    with pytest.raises(InvalidInput) as caught:
        router_of(opaque)
    assert str(caught.value.origin).endswith("BGPPeer metallb-system/edge-v4")
    assert caught.value.field == "spec.passwordSecret"
    assert "Secret metallb-system/bgp-auth" in caught.value.why and "kubernetes.io/basic-auth" in caught.value.why
    assert "sample-only-change-me" not in str(caught.value)


def test_to_receive_is_exactly_the_advertised_pools_with_aggregation_turned_into_lengths() -> None:
    desired, _ = router_of(sample_inputs())
    neighbors = desired.frr.routers[""].neighbors
    assert neighbors["10.0.0.11"].receive == {
        ("203.0.113.0/26", 32, 32),
        ("198.51.100.0/28", None, 28),  # the internal range, aggregated to /28, only towards edge-v4
        ("198.51.100.16/28", None, 28),
    }
    assert neighbors["fd00:10::11"].receive == {("2001:db8:100::/120", 128, 128)}
    assert not neighbors["10.0.0.11"].advertise and not neighbors["10.0.0.11"].advertise_all


def test_a_node_that_loses_its_ready_speaker_loses_its_neighbor() -> None:
    inputs = sample_inputs(("cluster.yaml", "nodeName: node-b", "nodeName: node-gone"))
    desired, _ = router_of(inputs)
    assert sorted(desired.frr.routers[""].neighbors) == ["10.0.0.11", "fd00:10::11"]


def test_node_selectors_on_the_peer_and_on_advertisements_are_honoured() -> None:
    inputs = sample_inputs(
        (
            "metallb.yaml",
            "  peerAddress: 10.0.0.1\n",
            "  peerAddress: 10.0.0.1\n  nodeSelectors: [{matchLabels: {kubernetes.io/hostname: node-a}}]\n",
        ),
        (
            "metallb.yaml",
            "  aggregationLength: 28\n",
            "  aggregationLength: 28\n  nodeSelectors: [{matchLabels: {kubernetes.io/hostname: node-b}}]\n",
        ),
    )
    neighbors = router_of(inputs)[0].frr.routers[""].neighbors
    assert "10.0.0.12" not in neighbors
    assert neighbors["10.0.0.11"].receive == {("203.0.113.0/26", 32, 32)}


def test_speaker_pod_ip_mode_and_source_address() -> None:
    pod_ip = sample_inputs(
        ("router.yaml", "neighborAddress: NodeInternalIP", "neighborAddress: SpeakerPodIP"),
        ("cluster.yaml", "ip: 10.0.0.11}", "ip: 10.244.0.11}"),
    )
    assert "10.244.0.11" in router_of(pod_ip)[0].frr.routers[""].neighbors
    source = sample_inputs(
        ("metallb.yaml", "  peerAddress: 10.0.0.1\n", "  peerAddress: 10.0.0.1\n  sourceAddress: 10.0.0.99\n")
    )
    assert "10.0.0.99" in router_of(source)[0].frr.routers[""].neighbors


def test_multihop_peers_get_the_update_source_the_speakers_dial() -> None:
    inputs = sample_inputs(
        ("metallb.yaml", "  peerAddress: 10.0.0.1\n", "  peerAddress: 10.0.0.1\n  ebgpMultiHop: true\n")
    )
    neighbor = router_of(inputs)[0].frr.routers[""].neighbors["10.0.0.11"]
    assert neighbor.ebgp_multihop and neighbor.source_address == "10.0.0.1"


def test_dynamic_asn_internal_makes_the_router_share_the_speakers_as() -> None:
    inputs = sample_inputs(
        ("metallb.yaml", "  peerASN: 64512\n  peerAddress: 10.0.0.1", "  dynamicASN: internal\n  peerAddress: 10.0.0.1")
    )
    with pytest.raises(MergeConflict, match="peerASN"):
        router_of(inputs)  # edge-v6 still says 64512, edge-v4 now implies 64513: both are named
    both = sample_inputs(
        (
            "metallb.yaml",
            "  peerASN: 64512\n  peerAddress: 10.0.0.1",
            "  dynamicASN: internal\n  peerAddress: 10.0.0.1",
        ),
        (
            "metallb.yaml",
            "  peerASN: 64512\n  peerAddress: fd00:10::1",
            "  dynamicASN: internal\n  peerAddress: fd00:10::1",
        ),
    )
    assert router_of(both)[0].frr.routers[""].asn == 64513


def test_dynamic_asn_external_needs_the_routers_asn_from_a_user_configuration() -> None:
    external = ("metallb.yaml", "  peerASN: 64512\n", "  dynamicASN: external\n")
    with pytest.raises(InvalidInput, match="dynamicASN external"):
        router_of(sample_inputs(external))
    config = """
apiVersion: frr-edge.dev/v1alpha1
kind: FRRConfiguration
metadata: {name: asn, namespace: net}
spec: {bgp: {routers: [{asn: 64700}]}}
"""
    assert router_of(sample_inputs(external, extra=config))[0].frr.routers[""].asn == 64700


def test_a_missing_bfd_profile_names_the_bgppeer() -> None:
    with pytest.raises(InvalidInput) as caught:
        router_of(sample_inputs(("metallb.yaml", "bfdProfile: fast", "bfdProfile: nowhere")))
    assert "BGPPeer metallb-system/edge-v4" in str(caught.value)
    assert caught.value.field == "spec.bfdProfile"


def test_every_load_balancer_ip_and_port_is_allowed_with_source_ranges() -> None:
    allow = router_of(sample_inputs())[0].firewall.allow
    assert AllowEntry(4, "203.0.113.10/32", "tcp", (80, 80), ANY_SOURCE) in allow
    assert AllowEntry(4, "203.0.113.10/32", "tcp", (443, 443), ANY_SOURCE) in allow
    assert AllowEntry(4, "203.0.113.11/32", "tcp", (8443, 8443), "192.0.2.0/24") in allow
    assert AllowEntry(4, "203.0.113.12/32", "udp", (53, 53), ANY_SOURCE) in allow
    assert AllowEntry(6, "2001:db8:100::12/128", "tcp", (53, 53), ANY_SOURCE) in allow
    assert AllowEntry(4, "203.0.113.13/32", "tcp", (8080, 8080), ANY_SOURCE) in allow
    assert not [entry for entry in allow if entry.ports == (9000, 9000)]  # still pending: skipped quietly
    assert not [entry for entry in allow if entry.destination == "203.0.113.11/32" and entry.source == ANY_SOURCE]


SOURCE_RANGES = "service.beta.kubernetes.io/load-balancer-source-ranges"
ADMIN_API = "  name: admin-api\n  namespace: shop\n"
ADMIN_API_RANGES = "  loadBalancerSourceRanges: [192.0.2.0/24]\n"


def admin_api_sources(annotation: str | None, spec_ranges: str | None = None) -> tuple[set[str], list[str]]:
    """The sources admin-api (203.0.113.11, port 8443) is allowed from, with the annotation and spec ranges
    given (None: absent), and the warnings."""
    annotated = ADMIN_API if annotation is None else f"{ADMIN_API}  annotations:\n    {SOURCE_RANGES}: '{annotation}'\n"
    ranges = "" if spec_ranges is None else f"  loadBalancerSourceRanges: {spec_ranges}\n"
    desired, warnings = router_of(
        sample_inputs(("services.yaml", ADMIN_API, annotated), ("services.yaml", ADMIN_API_RANGES, ranges))
    )
    sources = {entry.source for entry in desired.firewall.allow if entry.destination == "203.0.113.11/32"}
    return sources, warnings


def test_the_source_ranges_annotation_restricts_a_service_without_spec_ranges() -> None:
    # Finding 8: Kubernetes' GetLoadBalancerSourceRanges reads the annotation when the spec has none;
    # frr-edge ignored it and opened the Service to all.
    assert admin_api_sources("192.0.2.0/24")[0] == {"192.0.2.0/24"}
    assert admin_api_sources(" 192.0.2.0/24 , 198.51.100.7/32 ")[0] == {"192.0.2.0/24", "198.51.100.7/32"}
    assert admin_api_sources("192.0.2.0/24", "[198.51.100.0/24]")[0] == {"198.51.100.0/24"}  # the spec first
    assert admin_api_sources("  ")[0] == {ANY_SOURCE}  # empty: Kubernetes' default, every source
    assert admin_api_sources(None)[0] == {ANY_SOURCE}


@pytest.mark.parametrize("annotation", ["192.0.2.0/33", "192.0.2.0/24,,198.51.100.0/24", "everyone", "fe80::/64%eth0"])
def test_an_invalid_source_ranges_annotation_skips_the_service_instead_of_opening_it(annotation: str) -> None:
    sources, warnings = admin_api_sources(annotation)
    assert sources == set()
    [warning] = [w for w in warnings if "admin-api" in w]
    assert warning.startswith(f"Service shop/admin-api: skipped: metadata.annotations[{SOURCE_RANGES}]: ")


@st.composite
def source_range(draw: st.DrawFn) -> str:
    """A CIDR as users write it: host bits allowed, either family."""
    address = draw(st.ip_addresses())
    return f"{address}/{draw(st.integers(0, address.max_prefixlen))}"


@settings(max_examples=20, deadline=None)
@given(
    st.lists(source_range(), min_size=1, max_size=4),
    st.lists(st.sampled_from(["", " ", "  ", "\t"]), min_size=8, max_size=8),
)
def test_the_annotation_allows_what_the_same_spec_ranges_allow(ranges: list[str], blanks: list[str]) -> None:
    texts = [f"{blanks[i % 8]}{text}{blanks[(i + 1) % 8]}" for i, text in enumerate(ranges)]
    from_annotation = admin_api_sources(",".join(texts))
    from_spec = admin_api_sources(None, "[" + ", ".join(f"'{text}'" for text in texts) + "]")
    assert from_annotation == from_spec


def test_a_rate_limit_annotation_limits_each_port_and_a_malformed_one_only_warns() -> None:
    desired, warnings = router_of(sample_inputs())
    limits = {(limit.destination, limit.port): str(limit.rate) for limit in desired.firewall.limits}
    assert limits == {
        ("203.0.113.10", 80): "2 mbytes/second burst 512 kbytes",
        ("203.0.113.10", 443): "2 mbytes/second burst 512 kbytes",
    }
    assert warnings == [
        "Service shop/legacy-limited: annotation ratelimit ignored: 'fast please' is not a rate: expected "
        "'<n> <unit>/<period> [burst <n> <unit>]', for example '2 mbytes/second burst 512 kbytes' or "
        "'100 packets/second'"
    ]


def test_load_balancer_class_filter() -> None:
    classed = sample_inputs(
        ("services.yaml", "  name: web\n  namespace: shop\n", "  name: web\n  namespace: shop\n"),
        (
            "services.yaml",
            "spec:\n  type: LoadBalancer\n  ports:\n    - {name: http",
            "spec:\n  type: LoadBalancer\n  loadBalancerClass: other.example/lb\n  ports:\n    - {name: http",
        ),
    )
    allow = router_of(classed)[0].firewall.allow
    assert not [entry for entry in allow if entry.destination == "203.0.113.10/32"]
    only_other = sample_inputs(
        (
            "router.yaml",
            "    neighborAddress: NodeInternalIP",
            "    neighborAddress: NodeInternalIP\n    loadBalancerClass: other.example/lb",
        )
    )
    assert router_of(only_other)[0].firewall.allow == []


def test_bgp_is_allowed_from_the_speakers() -> None:
    firewall = router_of(sample_inputs())[0].firewall
    assert [peer for peer, _ in firewall.bgp_peers] == ["10.0.0.11", "10.0.0.12", "fd00:10::11", "fd00:10::12"]


def test_a_user_configuration_layers_on_the_derived_one() -> None:
    config = """
apiVersion: frr-edge.dev/v1alpha1
kind: FRRConfiguration
metadata: {name: default-route, namespace: net}
spec:
  routerSelector: {matchLabels: {frr-edge.dev/site: dc1}}
  bgp:
    routers:
      - asn: 64512
        prefixes: [0.0.0.0/0]
        neighbors:
          - address: 10.0.0.11
            asn: 64513
            holdTime: 90s
            keepaliveTime: 30s
            passwordSecret: {name: bgp-auth, namespace: metallb-system}
            toAdvertise: {allowed: {prefixes: [0.0.0.0/0]}}
"""
    neighbor = router_of(sample_inputs(extra=config))[0].frr.routers[""].neighbors["10.0.0.11"]
    assert neighbor.advertise == {"0.0.0.0/0"} and ("203.0.113.0/26", 32, 32) in neighbor.receive


def test_legacy_configmap_renders_the_walkthrough() -> None:
    [result] = [r for r in render_all(load_paths([REPO / "samples" / "metallb-legacy"])) if r.name == "edge-legacy"]
    assert result.ok, result.errors
    assert "router bgp 64635" in result.frr
    assert " neighbor 172.22.35.11 remote-as 64636" in result.frr
    assert "permit 200.1.154.64/26 ge 32 le 32" in result.frr and "permit 172.22.35.64/26 ge 32 le 32" in result.frr


def test_a_malformed_legacy_configmap_names_the_entry() -> None:
    broken = (
        (REPO / "samples" / "metallb-legacy" / "config.yaml")
        .read_text()
        .replace("- 200.1.154.64/26", "- 200.1.154.64/99")
    )
    [result] = render_all(resources(broken, (REPO / "samples" / "metallb-legacy" / "router.yaml").read_text()))
    assert "ConfigMap metallb-legacy/config: data.config.address-pools[1]" in str(result.errors[0])


def test_a_legacy_node_selector_kubernetes_refuses_names_the_peer() -> None:
    # Finding 9: `NotIn` without values selected every speaker node; MetalLB's parser refuses it.
    refused = (
        (REPO / "samples" / "metallb-legacy" / "config.yaml")
        .read_text()
        .replace(
            "      my-asn: 64636\n",
            "      my-asn: 64636\n      node-selectors:\n"
            "      - match-expressions:\n        - {key: kubernetes.io/hostname, operator: NotIn}\n",
        )
    )
    [result] = render_all(resources(refused, (REPO / "samples" / "metallb-legacy" / "router.yaml").read_text()))
    assert not result.ok
    message = str(result.errors[0])
    assert "ConfigMap metallb-legacy/config: data.config.peers[0]" in message
    assert "operator NotIn needs at least one value" in message


@given(st.ip_addresses(v=4), st.integers(8, 32), st.integers(8, 32))
def test_receive_selector_accepts_exactly_the_aggregated_announcements(
    address: ipaddress.IPv4Address, length: int, aggregation: int
) -> None:
    network = ipaddress.ip_network(f"{address}/{length}", strict=False)
    selector = receive_selector(network, aggregation)
    prefix = ipaddress.ip_network(selector["prefix"])
    # What a speaker announces for the pool's first address, aggregated, must match the selector...
    announced = ipaddress.ip_network(f"{network.network_address}/{aggregation}", strict=False)
    ge, le = selector.get("ge", prefix.prefixlen), selector["le"]
    assert announced.subnet_of(prefix) and ge <= announced.prefixlen <= le  # type: ignore[arg-type]
    # ...and nothing of another length does.
    assert ge == le == aggregation or (ge == prefix.prefixlen and le == aggregation)


def test_with_the_frr_k8s_backend_the_frr_k8s_pods_count_as_speakers_wherever_they_run() -> None:
    frr_k8s = """
apiVersion: v1
kind: Pod
metadata:
  name: frr-k8s-c
  namespace: frr-k8s-system
  labels: {app.kubernetes.io/name: frr-k8s, app.kubernetes.io/component: frr-k8s}
spec: {nodeName: node-new}
status:
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Node
metadata: {name: node-new}
status: {addresses: [{type: InternalIP, address: 10.0.0.14}]}
"""
    neighbors = router_of(sample_inputs(extra=frr_k8s))[0].frr.routers[""].neighbors
    assert "10.0.0.14" in neighbors and "10.0.0.11" in neighbors


def test_a_speaker_that_is_not_ready_does_not_get_a_neighbor() -> None:
    inputs = sample_inputs(
        ("cluster.yaml", "name: speaker-a\n", "name: speaker-a\n"),
        (
            "cluster.yaml",
            '{type: Ready, status: "True"}\n  podIPs:\n    - {ip: 10.0.0.11}',
            '{type: Ready, status: "False"}\n  podIPs:\n    - {ip: 10.0.0.11}',
        ),
    )
    assert "10.0.0.11" not in router_of(inputs)[0].frr.routers[""].neighbors
