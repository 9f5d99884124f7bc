"""Merging FRRConfigurations for one router: FRR-K8s's rules (its merge and conversion tests, restated
as stories here) and the places where frr-edge is deliberately stricter or more useful."""

from __future__ import annotations

import pytest

from controller.errors import REDACTED, InvalidInput, MergeConflict
from controller.pipeline import desired_router
from tests.core.builders import ROUTER, desired, frr_configuration, resources

NEIGHBOR = """
bgp:
  routers:
    - asn: 64512
      neighbors:
        - address: 192.0.2.11
          asn: 64513
          {extra}
"""


def neighbor_config(name: str, extra: str = "", namespace: str = "default") -> str:
    body = NEIGHBOR.replace("{extra}", extra.strip().replace("\n", "\n          "))
    return frr_configuration(name, body, namespace)


def test_two_configs_for_one_neighbor_add_up_advertise_from_one_receive_from_the_other() -> None:
    advertise = frr_configuration(
        "advertise",
        """
        bgp:
          routers:
            - asn: 64512
              prefixes: [198.51.100.0/24]
              neighbors:
                - address: 192.0.2.11
                  asn: 64513
                  toAdvertise: {allowed: {prefixes: [198.51.100.0/24]}}
        """,
    )
    receive = neighbor_config("receive", "toReceive: {allowed: {prefixes: [{prefix: 203.0.113.0/24, le: 32}]}}")
    neighbor = desired(advertise, receive).frr.routers[""].neighbors["192.0.2.11"]
    assert neighbor.advertise == {"198.51.100.0/24"}
    assert neighbor.receive == {("203.0.113.0/24", None, 32)}


def test_receive_selectors_of_different_lengths_are_all_kept() -> None:
    first = neighbor_config("a", "toReceive: {allowed: {prefixes: [{prefix: 203.0.113.0/24, le: 32}]}}")
    second = neighbor_config("b", "toReceive: {allowed: {prefixes: [{prefix: 203.0.113.0/24, le: 28, ge: 26}]}}")
    neighbor = desired(first, second).frr.routers[""].neighbors["192.0.2.11"]
    assert neighbor.receive == {("203.0.113.0/24", None, 32), ("203.0.113.0/24", 26, 28)}


@pytest.mark.parametrize("all_first", [True, False])
def test_the_more_permissive_receive_wins_whichever_config_comes_first(all_first: bool) -> None:
    everything = neighbor_config("a" if all_first else "z", "toReceive: {allowed: {mode: all}}")
    some = neighbor_config("z" if all_first else "a", "toReceive: {allowed: {prefixes: [{prefix: 203.0.113.0/24}]}}")
    neighbor = desired(everything, some).frr.routers[""].neighbors["192.0.2.11"]
    assert neighbor.receive_all


def test_same_vrf_different_asn_is_a_conflict_naming_both_configs() -> None:
    first = frr_configuration("team-a", "bgp: {routers: [{asn: 64512}]}", namespace="ns-a")
    second = frr_configuration("team-b", "bgp: {routers: [{asn: 64999}]}", namespace="ns-b")
    with pytest.raises(MergeConflict) as caught:
        desired(first, second)
    message = str(caught.value)
    assert "ns-a/team-a" in message and "ns-b/team-b" in message
    assert "asn" in message and "64512" in message and "64999" in message


def test_different_router_ids_conflict_but_one_unset_takes_the_other() -> None:
    with_id = frr_configuration("a", "bgp: {routers: [{asn: 64512, id: 192.0.2.1}]}")
    without_id = frr_configuration("b", "bgp: {routers: [{asn: 64512}]}")
    assert desired(with_id, without_id).frr.routers[""].router_id == "192.0.2.1"
    other_id = frr_configuration("c", "bgp: {routers: [{asn: 64512, id: 192.0.2.20}]}")
    with pytest.raises(MergeConflict, match=r"id: 192\.0\.2\.1 .*!= 192\.0\.2\.20"):
        desired(with_id, other_id)


def test_different_vrfs_are_separate_instances() -> None:
    default = frr_configuration("a", "bgp: {routers: [{asn: 64512}]}")
    red = frr_configuration("b", "bgp: {routers: [{asn: 64600, vrf: red}]}")
    routers = desired(default, red).frr.routers
    assert routers[""].asn == 64512 and routers["red"].asn == 64600


def test_same_address_different_asn_is_a_conflict() -> None:
    first = neighbor_config("a")
    second = frr_configuration("b", "bgp: {routers: [{asn: 64512, neighbors: [{address: 192.0.2.11, asn: 65000}]}]}")
    with pytest.raises(MergeConflict, match=r"neighbor 192\.0\.2\.11 .* asn: 64513 .*!= 65000"):
        desired(first, second)


def test_same_interface_different_asn_is_a_conflict_and_different_interfaces_are_two_neighbors() -> None:
    first = frr_configuration("a", "bgp: {routers: [{asn: 64512, neighbors: [{interface: eth1, asn: 64513}]}]}")
    second = frr_configuration("b", "bgp: {routers: [{asn: 64512, neighbors: [{interface: eth1, asn: 64514}]}]}")
    with pytest.raises(MergeConflict, match="neighbor eth1"):
        desired(first, second)
    third = frr_configuration("c", "bgp: {routers: [{asn: 64512, neighbors: [{interface: eth2, asn: 64514}]}]}")
    assert set(desired(first, third).frr.routers[""].neighbors) == {"eth1", "eth2"}


@pytest.mark.parametrize(
    ("setting", "other"),
    [
        ("port: 1179", "port: 2179"),
        ("sourceaddress: 192.0.2.1", "sourceaddress: 192.0.2.2"),
        ("ebgpMultiHop: true", "ebgpMultiHop: false"),
        ("holdTime: 90s", "holdTime: 30s"),
        ("keepaliveTime: 20s", "keepaliveTime: 10s"),
        ("connectTime: 5s", "connectTime: 10s"),
        ("dualStackAddressFamily: true", "dualStackAddressFamily: false"),
        ("localASN: 65001", "localASN: 65002"),
        ("bfdProfile: a", "bfdProfile: b"),
        ("maximumPrefixes: 100", "maximumPrefixes: 200"),
    ],
)
def test_session_settings_must_agree(setting: str, other: str) -> None:
    profiles = "bgp:\n  bfdProfiles: [{name: a}, {name: b}]\n"
    first = neighbor_config("a", setting)
    second = neighbor_config("b", other)
    field = setting.split(":")[0]
    with pytest.raises(MergeConflict) as caught:
        desired(first, second, frr_configuration("profiles", profiles))
    assert caught.value.field == field
    assert {caught.value.first.name, caught.value.second.name} == {"a", "b"}


def test_an_unset_timer_means_its_default_so_the_default_written_out_agrees() -> None:
    explicit = neighbor_config("a", "holdTime: 180s\nkeepaliveTime: 60s")
    implicit = neighbor_config("b")
    neighbor = desired(explicit, implicit).frr.routers[""].neighbors["192.0.2.11"]
    assert neighbor.timers == (60, 180)


def test_an_unset_bfd_profile_has_no_opinion() -> None:
    profiles = frr_configuration("profiles", "bgp: {bfdProfiles: [{name: fast, receiveInterval: 100}]}")
    with_profile = neighbor_config("a", "bfdProfile: fast")
    without = neighbor_config("b")
    assert desired(with_profile, without, profiles).frr.routers[""].neighbors["192.0.2.11"].bfd_profile == "fast"
    assert desired(without, with_profile, profiles).frr.routers[""].neighbors["192.0.2.11"].bfd_profile == "fast"


def test_disagreeing_graceful_restart_is_a_conflict_not_first_wins() -> None:
    on = neighbor_config("a", "enableGracefulRestart: true")
    off = neighbor_config("b", "enableGracefulRestart: false")
    with pytest.raises(MergeConflict, match="enableGracefulRestart"):
        desired(on, off)


def test_password_conflict_never_shows_either_password() -> None:
    first = neighbor_config("a", "password: first-secret")
    second = neighbor_config("b", "password: second-secret")
    with pytest.raises(MergeConflict) as caught:
        desired(first, second)
    message = str(caught.value)
    assert "first-secret" not in message and "second-secret" not in message
    assert REDACTED in message and "password" in message


def test_password_from_a_secret_in_the_configs_namespace() -> None:
    secret = """
apiVersion: v1
kind: Secret
metadata: {name: bgp, namespace: team}
type: kubernetes.io/basic-auth
data: {password: czNjcjN0}
"""
    config = neighbor_config("a", "passwordSecret: {name: bgp}", namespace="team")
    assert desired(config, secret).frr.routers[""].neighbors["192.0.2.11"].password == "s3cr3t"


def test_a_missing_secret_names_the_object_the_field_and_the_secret() -> None:
    config = neighbor_config("a", "passwordSecret: {name: nowhere}", namespace="team")
    with pytest.raises(InvalidInput) as caught:
        desired(config)
    assert caught.value.origin.ref == "team/a"
    assert caught.value.field == "spec.bgp.routers[0].neighbors[0].passwordSecret"
    assert "team/nowhere not found" in caught.value.why


@pytest.mark.parametrize("secret_type", ["type: Opaque\n", "", "type: kubernetes.io/ssh-auth\n"])
def test_a_password_secret_that_is_not_basic_auth_is_refused_naming_it_never_the_value(secret_type: str) -> None:
    # Finding 3: FRR-K8s (and MetalLB) refuse a password Secret of any type but kubernetes.io/basic-auth;
    # a Secret without a type is Opaque, as the API server stores it.
    secret = f"""
apiVersion: v1
kind: Secret
metadata: {{name: bgp, namespace: team}}
{secret_type}stringData: {{password: opaque-password}}
"""
    config = neighbor_config("a", "passwordSecret: {name: bgp}", namespace="team")
    with pytest.raises(InvalidInput) as caught:
        desired(config, secret)
    assert caught.value.origin.ref == "team/a"
    assert caught.value.field == "spec.bgp.routers[0].neighbors[0].passwordSecret"
    assert "Secret team/bgp" in caught.value.why and "kubernetes.io/basic-auth" in caught.value.why
    assert "opaque-password" not in str(caught.value)


def test_mode_all_advertises_every_prefix_of_the_merged_router_not_only_its_own_configs() -> None:
    prefixes = frr_configuration("prefixes", "bgp: {routers: [{asn: 64512, prefixes: [198.51.100.0/24]}]}")
    everything = frr_configuration(
        "all",
        """
        bgp:
          routers:
            - asn: 64512
              prefixes: [203.0.113.0/24]
              neighbors: [{address: 192.0.2.11, asn: 64513, toAdvertise: {allowed: {mode: all}}}]
        """,
    )
    result = desired(prefixes, everything).frr.routers[""]
    assert result.neighbors["192.0.2.11"].advertise_all
    assert result.prefixes == {"198.51.100.0/24", "203.0.113.0/24"}


def test_a_prefix_may_be_advertised_when_another_config_declares_it() -> None:
    declares = frr_configuration("declares", "bgp: {routers: [{asn: 64512, prefixes: [198.51.100.0/24]}]}")
    uses = neighbor_config("uses", "toAdvertise: {allowed: {prefixes: [198.51.100.0/24]}}")
    assert desired(declares, uses).frr.routers[""].neighbors["192.0.2.11"].advertise == {"198.51.100.0/24"}


def test_advertising_a_prefix_no_config_declares_is_an_error_naming_the_field() -> None:
    uses = neighbor_config("uses", "toAdvertise: {allowed: {prefixes: [192.0.3.0/24]}}")
    with pytest.raises(InvalidInput) as caught:
        desired(uses)
    assert caught.value.field == "spec.bgp.routers[0].neighbors[0].toAdvertise.allowed.prefixes[0]"
    assert "192.0.3.0/24 is not one of the router's prefixes" in caught.value.why


def test_community_or_local_pref_on_a_prefix_not_advertised_is_an_error() -> None:
    base = "bgp: {routers: [{asn: 64512, prefixes: [198.51.100.0/24, 192.0.10.10/32]}]}"
    community = neighbor_config(
        "c",
        "toAdvertise: {allowed: {prefixes: [198.51.100.0/24]}, "
        "withCommunity: [{prefixes: [192.0.10.10/32], community: '10:100'}]}",
    )
    with pytest.raises(InvalidInput, match=r"192\.0\.10\.10/32 is not advertised"):
        desired(frr_configuration("base", base), community)
    local_pref = neighbor_config(
        "l",
        "toAdvertise: {allowed: {prefixes: [198.51.100.0/24]}, "
        "withLocalPref: [{prefixes: [192.0.10.10/32], localPref: 200}]}",
    )
    with pytest.raises(InvalidInput, match=r"withLocalPref\[0\]"):
        desired(frr_configuration("base", base), local_pref)


def test_two_local_prefs_for_one_prefix_in_one_config_is_an_error_and_across_configs_a_conflict() -> None:
    base = frr_configuration("base", "bgp: {routers: [{asn: 64512, prefixes: [198.51.100.0/24]}]}")
    twice = neighbor_config(
        "twice",
        "toAdvertise: {allowed: {prefixes: [198.51.100.0/24]}, withLocalPref: "
        "[{prefixes: [198.51.100.0/24], localPref: 100}, {prefixes: [198.51.100.0/24], localPref: 200}]}",
    )
    with pytest.raises(InvalidInput, match="two local preferences"):
        desired(base, twice)
    one = neighbor_config(
        "one",
        "toAdvertise: {allowed: {prefixes: [198.51.100.0/24]}, "
        "withLocalPref: [{prefixes: [198.51.100.0/24], localPref: 100}]}",
    )
    other = neighbor_config(
        "other",
        "toAdvertise: {allowed: {prefixes: [198.51.100.0/24]}, "
        "withLocalPref: [{prefixes: [198.51.100.0/24], localPref: 200}]}",
    )
    with pytest.raises(MergeConflict, match=r"withLocalPref 198\.51\.100\.0/24"):
        desired(base, one, other)


def test_communities_for_one_prefix_add_up() -> None:
    base = frr_configuration("base", "bgp: {routers: [{asn: 64512, prefixes: [198.51.100.0/24]}]}")
    configs = [
        neighbor_config(
            name,
            "toAdvertise: {allowed: {prefixes: [198.51.100.0/24]}, "
            f"withCommunity: [{{prefixes: [198.51.100.0/24], community: '{community}'}}]}}",
        )
        for name, community in (("a", "64512:100"), ("b", "64512:200"))
    ]
    neighbor = desired(base, *configs).frr.routers[""].neighbors["192.0.2.11"]
    assert neighbor.communities == {"198.51.100.0/24": {"64512:100", "64512:200"}}


def test_a_v6_prefix_on_a_v4_session_needs_dual_stack() -> None:
    base = "bgp: {routers: [{asn: 64512, prefixes: [2001:db8::/64]}]}"
    advertise = neighbor_config("a", "toAdvertise: {allowed: {prefixes: ['2001:db8::/64']}}")
    with pytest.raises(InvalidInput, match="unless dualStackAddressFamily"):
        desired(frr_configuration("base", base), advertise)
    dual = neighbor_config("a", "dualStackAddressFamily: true\ntoAdvertise: {allowed: {prefixes: ['2001:db8::/64']}}")
    assert desired(frr_configuration("base", base), dual).frr.routers[""].neighbors["192.0.2.11"].families == (4, 6)


def test_bfd_profile_must_exist_somewhere_in_the_merged_configs() -> None:
    uses = neighbor_config("uses", "bfdProfile: bfd2")
    with pytest.raises(InvalidInput, match="'bfd2' is not defined"):
        desired(uses)
    defines = frr_configuration("defines", "bgp: {bfdProfiles: [{name: bfd2}]}")
    assert desired(uses, defines).frr.bfd_profiles["bfd2"].name == "bfd2"


def test_identical_bfd_profiles_from_two_configs_merge_and_different_ones_conflict() -> None:
    first = frr_configuration("a", "bgp: {bfdProfiles: [{name: fast, receiveInterval: 100}]}")
    same = frr_configuration("b", "bgp: {bfdProfiles: [{name: fast, receiveInterval: 100}]}")
    assert list(desired(first, same).frr.bfd_profiles) == ["fast"]
    different = frr_configuration("c", "bgp: {bfdProfiles: [{name: fast, receiveInterval: 300}]}")
    with pytest.raises(MergeConflict, match=r"BFD profile fast receiveInterval: 100 .*!= 300"):
        desired(first, different)


def test_local_asn_on_an_ibgp_session_is_rejected() -> None:
    config = frr_configuration(
        "a", "bgp: {routers: [{asn: 64512, neighbors: [{address: 192.0.2.11, asn: 64512, localASN: 65001}]}]}"
    )
    with pytest.raises(InvalidInput, match="eBGP"):
        desired(config)


def test_raw_snippets_come_in_priority_order_then_by_name() -> None:
    snippets = [
        frr_configuration(name, f"raw: {{priority: {priority}, rawConfig: '! {name}'}}", namespace=namespace)
        for name, priority, namespace in (("late", 20, "a"), ("b-early", 5, "z"), ("a-early", 5, "z"))
    ]
    raw = desired(*snippets).frr.raw
    assert [snippet.origin.name for snippet in raw] == ["a-early", "b-early", "late"]


def test_maximum_paths_keeps_the_largest() -> None:
    four = frr_configuration("a", "bgp: {routers: [{asn: 64512, maximumPaths: 4}]}")
    sixteen = frr_configuration("b", "bgp: {routers: [{asn: 64512, maximumPaths: 16}]}")
    assert desired(four, sixteen).frr.routers[""].maximum_paths == 16


def test_configs_for_other_routers_are_not_merged() -> None:
    elsewhere = frr_configuration(
        "elsewhere", "routerSelector: {matchLabels: {site: other}}\nbgp: {routers: [{asn: 64999}]}"
    )
    here = frr_configuration("here", "routerSelector: {matchLabels: {site: lab}}\nbgp: {routers: [{asn: 64512}]}")
    assert desired(elsewhere, here).frr.routers[""].asn == 64512


def test_a_raw_snippet_frr_would_reject_is_refused_with_line_column_and_what_was_expected() -> None:
    snippet = frr_configuration(
        "admin",
        'raw: {rawConfig: "ip prefix-list ok seq 5 permit 10.0.0.0/8\\n'
        'router bgp 64512\\n neighbor 192.0.2.9 remote-as\\n"}',
    )
    with pytest.raises(InvalidInput) as caught:
        desired(snippet)
    assert caught.value.field == "spec.raw.rawConfig"
    assert caught.value.why.startswith("line 3 column 30: unexpected end of line; expected")
    assert "an AS number" in caught.value.why and "neighbor 192.0.2.9 remote-as" in caught.value.why


def test_a_receive_selector_of_a_family_the_session_does_not_carry_is_kept_and_warned_about() -> None:
    config = neighbor_config(
        "a", "toReceive: {allowed: {prefixes: [{prefix: 203.0.113.0/24}, {prefix: '2001:db8:5::/48'}]}}"
    )
    router = desired(config)
    neighbor = router.frr.routers[""].neighbors["192.0.2.11"]
    assert neighbor.receive == {("203.0.113.0/24", None, None), ("2001:db8:5::/48", None, None)}
    assert neighbor.families == (4,)
    inputs = resources(ROUTER, config)
    (warning,) = desired_router(inputs.routers[0], inputs)[1]
    assert warning.reason == "FieldHasNoEffect" and warning.origin.name == "a"
    assert "toReceive.allowed.prefixes: 2001:db8:5::/48 has no effect" in warning.message


def test_a_prefix_of_another_family_in_with_community_or_with_local_pref_is_refused() -> None:
    base = frr_configuration("base", "bgp: {routers: [{asn: 64512, prefixes: [198.51.100.0/24, '2001:db8::/64']}]}")
    for field, group in (
        ("withCommunity", "{prefixes: ['2001:db8::/64'], community: '64512:7'}"),
        ("withLocalPref", "{prefixes: ['2001:db8::/64'], localPref: 150}"),
    ):
        config = neighbor_config("c", f"toAdvertise: {{allowed: {{mode: all}}, {field}: [{group}]}}")
        with pytest.raises(InvalidInput) as caught:
            desired(base, config)
        assert caught.value.field == f"spec.bgp.routers[0].neighbors[0].toAdvertise.{field}[0].prefixes[0]"
        assert "cannot be advertised over an IPv4 session" in caught.value.why


def test_next_hops_set_on_one_side_are_kept_and_two_different_ones_conflict() -> None:
    base = frr_configuration("base", "bgp: {routers: [{asn: 64512, prefixes: [198.51.100.0/24]}]}")
    first = neighbor_config("a", "toAdvertise: {allowed: {mode: all}, nextHop: {ipv4: 192.0.2.1}}")
    plain = neighbor_config("b")
    assert desired(base, first, plain).frr.routers[""].neighbors["192.0.2.11"].next_hops == {4: "192.0.2.1"}
    other = neighbor_config("c", "toAdvertise: {nextHop: {ipv4: 192.0.2.2}}")
    with pytest.raises(MergeConflict, match=r"toAdvertise\.nextHop\.ipv4: 192\.0\.2\.1 .*!= 192\.0\.2\.2"):
        desired(base, first, other)


def test_an_ipv6_next_hop_needs_a_session_that_carries_ipv6() -> None:
    config = neighbor_config("a", "toAdvertise: {nextHop: {ipv6: '2001:db8::1'}}")
    with pytest.raises(InvalidInput) as caught:
        desired(config)
    assert caught.value.field == "spec.bgp.routers[0].neighbors[0].toAdvertise.nextHop.ipv6"


def test_an_import_of_a_vrf_without_a_bgp_instance_is_refused_naming_the_field() -> None:
    config = frr_configuration("a", "bgp: {routers: [{asn: 64512, imports: [{vrf: blue}]}]}")
    with pytest.raises(InvalidInput) as caught:
        desired(config)
    assert caught.value.field == "spec.bgp.routers[0].imports[0].vrf"
    assert "VRF 'blue'" in caught.value.why


def test_imported_prefixes_may_be_advertised_and_mode_all_includes_them() -> None:
    red = frr_configuration("red", "bgp: {routers: [{asn: 64512, vrf: red, prefixes: [198.51.100.0/24]}]}")
    default = frr_configuration(
        "default",
        """
        bgp:
          routers:
            - asn: 64512
              imports: [{vrf: red}]
              neighbors:
                - {address: 192.0.2.11, asn: 64513, toAdvertise: {allowed: {prefixes: [198.51.100.0/24]}}}
                - {address: 192.0.2.12, asn: 64513, toAdvertise: {allowed: {mode: all}}}
        """,
    )
    bgp = desired(red, default).frr.routers[""]
    assert bgp.imported_prefixes == {"198.51.100.0/24"} and bgp.prefixes == set()
    assert bgp.neighbors["192.0.2.11"].advertise == {"198.51.100.0/24"}


def test_evpn_and_the_evpn_address_family_are_accepted_and_warned_about() -> None:
    config = frr_configuration(
        "a",
        """
        bgp:
          routers:
            - asn: 64512
              evpn: {advertiseVNIs: All, l2vnis: [{vni: 100}]}
              neighbors: [{address: 192.0.2.11, asn: 64513, addressFamilies: [unicast, evpn]}]
        """,
    )
    inputs = resources(ROUTER, config)
    router, warnings = desired_router(inputs.routers[0], inputs)
    assert router.frr.routers[""].neighbors["192.0.2.11"].unicast
    assert [(w.reason, w.message.split(" ")[0]) for w in warnings] == [
        ("FieldNotSupported", "spec.bgp.routers[0].evpn"),
        ("FieldNotSupported", "spec.bgp.routers[0].neighbors[0].addressFamilies:"),
    ]


def test_an_imported_vrf_comes_before_the_instance_importing_it_and_mutual_imports_need_one_as() -> None:
    # FRR creates an instance named by `import vrf` before it was read, with the importer's AS.
    importer = frr_configuration("a", "bgp: {routers: [{asn: 64512, imports: [{vrf: red}]}, {asn: 64600, vrf: red}]}")
    assert desired(importer).frr.instance_order() == ["red", ""]
    both_ways = frr_configuration(
        "b", "bgp: {routers: [{asn: 64512, imports: [{vrf: red}]}, {asn: 64600, vrf: red, imports: [{vrf: default}]}]}"
    )
    with pytest.raises(InvalidInput) as caught:
        desired(both_ways)
    assert caught.value.field == "spec.bgp.routers[0].imports[0].vrf"
    same_as = both_ways.replace("asn: 64600", "asn: 64512")
    assert sorted(desired(same_as).frr.instance_order()) == ["", "red"]  # either order reads the same
