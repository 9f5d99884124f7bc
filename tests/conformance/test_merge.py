"""FRR-K8s's merge cases (several FRRConfigurations for one node), restated for one router: what adds up,
what must agree, and what conflicts (naming both objects and the field)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from controller.errors import FrrEdgeError, MergeConflict
from tests.conformance.conftest import Rendered
from tests.conformance.frrk8s import MERGE_NEIGHBORS, MERGE_ROUTERS, WEBHOOK, WEBHOOK_E2E, deliberate, equal
from tests.conformance.meaning import Advertised, any_route, selector
from tests.core.builders import frr_configuration

Render = Callable[..., Rendered]
Refused = Callable[..., FrrEdgeError]


def layer(name: str, neighbor: str, router: str = "", extra: str = "") -> str:
    """A configuration from team `name` for the BGP instance of AS 64520 and neighbor 192.0.2.20."""
    return frr_configuration(
        name,
        f"""
        bgp:
          {extra}
          routers:
            - asn: 64520
              {router}
              neighbors:
                - address: 192.0.2.20
                  asn: 64540
                  {neighbor}
        """,
        namespace="network",
    )


def conflict(error: FrrEdgeError, field: str, first: str, second: str) -> None:
    assert isinstance(error, MergeConflict), error
    assert error.field == field
    assert {error.first.ref, error.second.ref} == {"network/a", "network/b"}
    assert {error.first_value, error.second_value} == {first, second}


# ---------------------------------------------------------------------------------------------- adding up

FIRST_TEAM = """
dualStackAddressFamily: true
toAdvertise:
  allowed: {prefixes: [198.51.100.0/26, 198.51.100.64/26, '2001:db8:20::/64']}
  withCommunity:
    - {prefixes: [198.51.100.0/26], community: '64520:100'}
    - {prefixes: [198.51.100.0/26], community: '64520:102'}
    - {prefixes: [198.51.100.0/26], community: 'large:64520:1:7890'}
    - {prefixes: ['2001:db8:20::/64'], community: '64520:108'}
toReceive: {allowed: {prefixes: [{prefix: 203.0.113.0/26}, {prefix: 203.0.113.64/26}, {prefix: '2001:db8:50::/64'}]}}
"""
SECOND_TEAM = """
dualStackAddressFamily: true
toAdvertise:
  allowed: {prefixes: [198.51.100.0/26, 198.51.100.64/26, 198.51.100.128/26, '2001:db8:20::/64', '2001:db8:21::/64']}
  withCommunity:
    - {prefixes: [198.51.100.0/26, '2001:db8:20::/64'], community: '64520:200'}
    - {prefixes: [198.51.100.0/26, '2001:db8:20::/64'], community: '64520:1:7892'}
  withLocalPref:
    - {prefixes: [198.51.100.64/26], localPref: 150}
    - {prefixes: ['2001:db8:20::/64'], localPref: 200}
toReceive: {allowed: {prefixes: [{prefix: 203.0.113.0/26}, {prefix: 203.0.113.128/26}, {prefix: '2001:db8:51::/64'}]}}
"""
PREFIXES = "prefixes: [198.51.100.0/26, 198.51.100.64/26, 198.51.100.128/26, '2001:db8:20::/64', '2001:db8:21::/64']"


def indented(text: str) -> str:
    return text.strip().replace("\n", "\n                  ")


@equal(MERGE_NEIGHBORS, "One neighbor, multiple configs")
def test_one_neighbor_from_two_teams_gets_the_union_of_what_each_asks(render: Render) -> None:
    rendered = render(
        layer("a", indented(FIRST_TEAM), PREFIXES),
        layer("b", indented(SECOND_TEAM)),
    )
    meaning = rendered.meaning
    assert meaning.advertised("192.0.2.20", 4) == {
        "198.51.100.0/26": Advertised(
            frozenset({"64520:100", "64520:102", "64520:1:7890", "64520:200", "64520:1:7892"})
        ),
        "198.51.100.64/26": Advertised(local_pref=150),
        "198.51.100.128/26": Advertised(),
    }
    assert meaning.advertised("192.0.2.20", 6) == {
        "2001:db8:20::/64": Advertised(frozenset({"64520:108", "64520:200", "64520:1:7892"}), 200),
        "2001:db8:21::/64": Advertised(),
    }
    assert meaning.receive_filters("192.0.2.20", 4) == {
        selector("203.0.113.0/26"),
        selector("203.0.113.64/26"),
        selector("203.0.113.128/26"),
    }
    assert meaning.receive_filters("192.0.2.20", 6) == {selector("2001:db8:50::/64"), selector("2001:db8:51::/64")}


@equal(MERGE_ROUTERS, "Full - Multiple neigbors")
@equal(MERGE_NEIGHBORS, "Multiple neighbors, multiple configs")
def test_two_teams_with_overlapping_neighbor_sets_merge_per_neighbor(render: Render) -> None:
    def team(name: str, peers: list[str], body: str, prefixes: str) -> str:
        neighbors = "\n".join(
            f"        - address: {peer}\n          asn: 64540\n          " + body.strip().replace("\n", "\n          ")
            for peer in peers
        )
        spec = (
            f"bgp:\n  routers:\n    - asn: 64520\n      id: 10.255.0.1\n      {prefixes}\n      neighbors:\n{neighbors}"
        )
        return frr_configuration(name, spec, namespace="network")

    rendered = render(
        team("a", ["192.0.2.20", "192.0.2.21", "192.0.2.22"], FIRST_TEAM, PREFIXES),
        team("b", ["192.0.2.20", "192.0.2.21", "192.0.2.23"], SECOND_TEAM, ""),
    )
    meaning = rendered.meaning
    assert set(meaning.router().neighbors) == {"192.0.2.20", "192.0.2.21", "192.0.2.22", "192.0.2.23"}
    for both in ("192.0.2.20", "192.0.2.21"):
        assert set(meaning.advertised(both, 4)) == {"198.51.100.0/26", "198.51.100.64/26", "198.51.100.128/26"}
        assert len(meaning.receive_filters(both, 4)) == 3
    assert set(meaning.advertised("192.0.2.22", 4)) == {"198.51.100.0/26", "198.51.100.64/26"}
    assert meaning.advertised("192.0.2.22", 4)["198.51.100.0/26"].communities == {
        "64520:100",
        "64520:102",
        "64520:1:7890",
    }
    assert meaning.advertised("192.0.2.23", 4)["198.51.100.64/26"] == Advertised(local_pref=150)
    assert meaning.receive_filters("192.0.2.23", 6) == {selector("2001:db8:51::/64")}


@pytest.mark.parametrize("all_first", [True, False])
@equal(
    MERGE_NEIGHBORS,
    "Incoming: first config has All, the other specific",
    "Incoming: first config specific, the other All",
)
def test_receive_all_wins_over_a_list_whichever_comes_first(render: Render, all_first: bool) -> None:
    everything = "toReceive: {allowed: {mode: all}}"
    some = "toReceive: {allowed: {prefixes: [{prefix: 203.0.113.0/26}, {prefix: 203.0.113.128/26}]}}"
    rendered = render(layer("a", everything if all_first else some), layer("b", some if all_first else everything))
    assert rendered.meaning.receive_filters("192.0.2.20", 4) == {any_route(4)}


# ---------------------------------------------------------------------------------------------- conflicts


@equal(MERGE_ROUTERS, "Same VRF, different ASN")
@equal(WEBHOOK_E2E, "conflict with ASN")
def test_one_vrf_with_two_as_numbers_is_a_conflict(refused: Refused) -> None:
    first = frr_configuration("a", "bgp: {routers: [{asn: 64520}]}", "network")
    second = frr_configuration("b", "bgp: {routers: [{asn: 64530}]}", "network")
    conflict(refused(first, second), "asn", "64520", "64530")


@equal(MERGE_ROUTERS, "Same VRF+ASN, different RouterIDs")
def test_one_vrf_with_two_router_ids_is_a_conflict(refused: Refused) -> None:
    first = frr_configuration("a", "bgp: {routers: [{asn: 64520, id: 10.255.0.1}]}", "network")
    second = frr_configuration("b", "bgp: {routers: [{asn: 64520, id: 10.255.0.2}]}", "network")
    conflict(refused(first, second), "id", "10.255.0.1", "10.255.0.2")


@equal(MERGE_NEIGHBORS, "Multiple localPrefs for a prefix")
def test_two_local_preferences_for_one_prefix_from_two_teams_conflict(refused: Refused) -> None:
    advertise = (
        "toAdvertise: {{allowed: {{prefixes: [198.51.100.0/26]}}, "
        "withLocalPref: [{{prefixes: [198.51.100.0/26], localPref: {}}}]}}"
    )
    error = refused(
        layer("a", advertise.format(100), "prefixes: [198.51.100.0/26]"),
        layer("b", advertise.format(150)),
    )
    conflict(error, "toAdvertise.withLocalPref 198.51.100.0/26", "100", "150")


@pytest.mark.parametrize(
    ("family", "first", "second"),
    [("ipv4", "192.0.2.1", "192.0.2.2"), ("ipv6", "2001:db8::1", "2001:db8::2")],
)
@equal(MERGE_NEIGHBORS, "Multiple next hops for a prefix family", "Multiple ipv6 next hops for a prefix family")
def test_two_next_hops_for_one_family_conflict(refused: Refused, family: str, first: str, second: str) -> None:
    hop = "dualStackAddressFamily: true\ntoAdvertise: {{nextHop: {{{family}: '{address}'}}}}"
    error = refused(
        layer("a", indented(hop.format(family=family, address=first))),
        layer("b", indented(hop.format(family=family, address=second))),
    )
    conflict(error, f"toAdvertise.nextHop.{family}", first, second)


@equal(MERGE_NEIGHBORS, "Next hop merged from one config")
def test_next_hops_from_one_team_apply_to_prefixes_another_advertises(render: Render) -> None:
    rendered = render(
        layer(
            "a",
            "dualStackAddressFamily: true\n                  "
            "toAdvertise: {allowed: {prefixes: [198.51.100.0/26, '2001:db8:20::/64']}}",
            "prefixes: [198.51.100.0/26, '2001:db8:20::/64']",
        ),
        layer(
            "b",
            "dualStackAddressFamily: true\n                  "
            "toAdvertise: {nextHop: {ipv4: 192.0.2.1, ipv6: '2001:db8::1'}}",
        ),
    )
    meaning = rendered.meaning
    assert meaning.advertised("192.0.2.20", 4) == {"198.51.100.0/26": Advertised(next_hop="192.0.2.1")}
    assert meaning.advertised("192.0.2.20", 6) == {"2001:db8:20::/64": Advertised(next_hop="2001:db8::1")}


@pytest.mark.parametrize("explicit_first", [True, False])
@equal(
    MERGE_NEIGHBORS,
    "HoldTime / KeepAlive time, one nil, the other specifies the default",
    "HoldTime / KeepAlive time, one set to the default, the other set to nil",
)
def test_timers_written_as_their_defaults_agree_with_unset_timers(render: Render, explicit_first: bool) -> None:
    explicit = "holdTime: 180s\n                  keepaliveTime: 60s\n                  connectTime: 120s"
    rendered = render(layer("a", explicit if explicit_first else ""), layer("b", "" if explicit_first else explicit))
    neighbor = rendered.meaning.neighbor("192.0.2.20")
    assert (neighbor.timers, neighbor.connect_time) == ((60, 180), 120)
    assert "timers" not in neighbor.options and "timers connect" not in neighbor.options


@deliberate(
    "connect-time-default",
    MERGE_NEIGHBORS,
    "HoldTime / KeepAlive time, one nil, the other specifies the default",
    "HoldTime / KeepAlive time, one set to the default, the other set to nil",
)
def test_connect_time_60s_is_not_the_default_so_it_disagrees_with_an_unset_one(refused: Refused) -> None:
    # FRR-K8s calls 60 s the default connect time, merges 60 s with unset, then drops the 60 s it thinks is
    # the default: FRR runs its real default, 120 s. frr-edge compares by FRR's default.
    error = refused(layer("a", "connectTime: 60s"), layer("b", ""))
    conflict(error, "connectTime", "60s", "120s")


@pytest.mark.parametrize(
    "families", [("[unicast]", "[evpn]"), ("[unicast, evpn]", "[unicast, evpn]")], ids=["different", "same"]
)
@equal(
    MERGE_NEIGHBORS,
    "AddressFamilies: merge unicast and evpn",
    "AddressFamilies: both have same families, no duplicates",
)
def test_address_families_add_up_and_unicast_is_rendered(render: Render, families: tuple[str, str]) -> None:
    rendered = render(
        layer("a", f"addressFamilies: {families[0]}", "prefixes: [198.51.100.0/26]"),
        layer("b", f"addressFamilies: {families[1]}\n                  toAdvertise: {{allowed: {{mode: all}}}}"),
    )
    assert rendered.meaning.neighbor("192.0.2.20").activated == {4}
    assert set(rendered.meaning.advertised("192.0.2.20", 4)) == {"198.51.100.0/26"}
    assert any("evpn is ignored" in message for message in rendered.warned("FieldNotSupported"))


@pytest.mark.parametrize(
    ("first", "second"),
    [("", "bfdProfile: fast"), ("bfdProfile: fast", ""), ("bfdProfile: fast", "bfdProfile: fast")],
)
@equal(
    MERGE_NEIGHBORS,
    "BFDProfile, one empty, the other specifies a value",
    "BFDProfile, one specifies the value, the other is empty",
    "BFDProfile, both specify the same value",
)
def test_an_unset_bfd_profile_has_no_opinion(render: Render, first: str, second: str) -> None:
    profiles = "bfdProfiles: [{name: fast, receiveInterval: 100}, {name: slow}]"
    rendered = render(layer("a", first, extra=profiles), layer("b", second))
    assert rendered.meaning.neighbor("192.0.2.20").bfd_profile == "fast"


@equal(MERGE_NEIGHBORS, "BFDProfile, both specify different values")
def test_two_bfd_profiles_for_one_neighbor_conflict(refused: Refused) -> None:
    profiles = "bfdProfiles: [{name: fast}, {name: slow}]"
    error = refused(layer("a", "bfdProfile: fast", extra=profiles), layer("b", "bfdProfile: slow"))
    conflict(error, "bfdProfile", "fast", "slow")


@equal(MERGE_NEIGHBORS, "LocalASN, both specify same value")
def test_the_same_local_as_from_two_teams(render: Render) -> None:
    rendered = render(layer("a", "localASN: 64599"), layer("b", "localASN: 64599"))
    assert rendered.meaning.neighbor("192.0.2.20").options["local-as"] == "64599 no-prepend replace-as"


@equal(MERGE_NEIGHBORS, "LocalASN, both specify different values")
def test_two_local_as_numbers_for_one_neighbor_conflict(refused: Refused) -> None:
    conflict(refused(layer("a", "localASN: 64599"), layer("b", "localASN: 64598")), "localASN", "64599", "64598")


@equal(WEBHOOK_E2E, "conflict with BFD profile name")
def test_one_bfd_profile_name_with_two_settings_conflicts(refused: Refused) -> None:
    first = frr_configuration("a", "bgp: {bfdProfiles: [{name: fast, receiveInterval: 100}]}", "network")
    second = frr_configuration("b", "bgp: {bfdProfiles: [{name: fast, receiveInterval: 300}]}", "network")
    conflict(refused(first, second), "receiveInterval", "100", "300")


@equal(WEBHOOK, "Same, new")
def test_one_object_defined_twice_is_refused(refused: Refused) -> None:
    error = refused(
        frr_configuration("a", "bgp: {routers: [{asn: 64520}]}", "network"),
        frr_configuration("a", "bgp: {routers: [{asn: 64520}]}", "network"),
    )
    assert "the same object is also defined at" in str(error)


@equal(WEBHOOK, "Second config")
def test_a_second_configuration_beside_the_first_is_taken(render: Render) -> None:
    rendered = render(
        frr_configuration("a", "bgp: {routers: [{asn: 64520}]}", "network"),
        frr_configuration("b", "{}", "network"),
    )
    assert set(rendered.meaning.routers) == {""}


def test_graceful_restart_must_agree_between_teams(refused: Refused) -> None:
    # FRR-K8s keeps the first configuration's setting (and its webhook warns when it changes); frr-edge
    # refuses two opinions on one session setting, as for every other.
    error = refused(layer("a", "enableGracefulRestart: true"), layer("b", "enableGracefulRestart: false"))
    conflict(error, "enableGracefulRestart", "true", "false")
