"""Reading FRR configuration: what frr-edge renders comes back as typed objects; errors point at the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.frrcfg import FrrSyntaxError, parse
from controller.frrcfg.model import (
    AddressFamily,
    Bfd,
    BfdFlag,
    BfdProfile,
    BfdSetting,
    Command,
    Context,
    Interface,
    MatchPrefixList,
    NeighborActivate,
    NeighborLocalAs,
    NeighborPassword,
    NeighborRemoteAs,
    NeighborRouteMap,
    NeighborTimers,
    OnMatch,
    PrefixListEntry,
    RouteMapEntry,
    RouterBgp,
    SetCommunity,
    SetLargeCommunity,
    SetLocalPreference,
)

RENDERED = Path(__file__).parent / "fixtures" / "rendered.conf"


def routers(text: str) -> list[RouterBgp]:
    return [item for item in parse(text).items if isinstance(item, RouterBgp)]


def test_a_rendered_config_comes_back_as_typed_objects() -> None:
    config = parse(RENDERED.read_text(), str(RENDERED))

    default, red = routers(RENDERED.read_text())
    assert (default.asn, default.vrf, red.asn, red.vrf) == ("64512", None, "64512", "red")
    assert NeighborRemoteAs(peer="192.0.2.11", remote_as="64513") in default.items
    assert NeighborTimers(peer="192.0.2.11", keepalive=30, hold=90) in default.items
    assert NeighborPassword(peer="192.0.2.11", password="s3cr3t-md5") in default.items
    assert NeighborLocalAs(peer="192.0.2.11", local_as="64600", no_prepend=True, replace_as=True) in default.items
    ipv4, ipv6 = [item for item in default.items if isinstance(item, AddressFamily)]
    assert (ipv4.afi, ipv4.safi, ipv6.afi) == ("ipv4", "unicast", "ipv6")
    assert NeighborRouteMap(peer="2001:db8::11", route_map="rm-speakers-in", direction="in") in ipv6.items

    entries = [item for item in config.items if isinstance(item, PrefixListEntry)]
    assert entries[0] == PrefixListEntry(
        family="ip", name="pl-speakers-v4", seq=1, action="permit", prefix="198.51.100.0/24", le=32
    )
    assert entries[1].prefix == "any"
    assert (entries[2].family, entries[2].ge, entries[2].le) == ("ipv6", 64, 128)

    permit, deny = [item for item in config.items if isinstance(item, RouteMapEntry)]
    assert permit.items == (
        MatchPrefixList(family="ip", prefix_list="pl-speakers-v4"),
        SetLocalPreference(value=200),
        SetCommunity(communities=("64512:100",), additive=True),
        SetLargeCommunity(communities=("64512:1:1",), additive=True),
        OnMatch(),
    )
    assert (deny.action, deny.seq, deny.items) == ("deny", 20, ())

    (bfd,) = [item for item in config.items if isinstance(item, Bfd)]
    (profile,) = bfd.items
    assert isinstance(profile, BfdProfile) and profile.name == "fast"
    assert BfdSetting(setting="receive-interval", value=300) in profile.items
    assert BfdFlag(flag="echo-mode") in profile.items


def test_printing_gives_text_that_reads_back_the_same() -> None:
    config = parse(RENDERED.read_text())
    assert parse(config.to_text()) == config


def test_indentation_does_not_matter_but_frr_context_rules_do() -> None:
    # FRR ignores indentation: `neighbor ... remote-as` is not an address-family command, so it
    # closes the address-family; `ip prefix-list` is not a BGP command, so it closes router bgp.
    text = """router bgp 1
address-family ipv4 unicast
network 10.0.0.0/8
neighbor 10.1.1.1 remote-as 2
 neighbor 10.1.1.1 activate
    ip prefix-list A seq 5 permit any
"""
    (router, prefix_list) = parse(text).items
    assert isinstance(router, RouterBgp) and isinstance(prefix_list, PrefixListEntry)
    family, remote_as, activate = router.items
    assert isinstance(family, AddressFamily) and len(family.items) == 1
    assert isinstance(remote_as, NeighborRemoteAs)
    assert activate == NeighborActivate(peer="10.1.1.1")


def test_comments_blank_lines_and_end_are_not_part_of_the_model() -> None:
    text = "! a comment\n\nhostname r1\n# another\n   \nend\n"
    assert parse(text).items == (Command(words="hostname r1"),)


def test_abbreviations_frr_accepts_are_read_as_the_full_keyword() -> None:
    (interface, router) = parse("int eth0\n ip address 10.0.0.1/24\nrouter bgp 1\n address-family ipv4 uni\n").items
    assert isinstance(interface, Interface) and interface.header() == "interface eth0"
    assert isinstance(router, RouterBgp)
    (family,) = router.items
    assert isinstance(family, AddressFamily) and family.header() == "address-family ipv4 unicast"


def test_other_contexts_are_kept_generically_with_their_lines() -> None:
    (ospf,) = parse("router ospf\n ospf router-id 1.1.1.1\n network 10.0.0.0/24 area 0\n").items
    assert ospf == Context(
        (Command(words="ospf router-id 1.1.1.1"), Command(words="network 10.0.0.0/24 area 0")), head="router ospf"
    )


def test_lines_know_where_they_came_from() -> None:
    (router,) = routers("!\nrouter bgp 1\n\n neighbor 10.0.0.1 remote-as 2\n")
    assert router.line == 2
    assert router.items[0].line == 4


@pytest.mark.parametrize(
    ("text", "line", "column", "message", "expected"),
    [
        (
            "router bgp 1\n neighbor 10.0.0.1 remote-as auto\n",
            2,
            30,
            "unexpected 'auto'",
            ("'external'", "'internal'", "an AS number"),
        ),
        ("router bgp 1\n neighbor 10.0.0.1 remote-as 1\n exit-address-family\n", 3, 2, "unexpected", ()),
        ("ip prefix-list A seq 5 permit 10.0.0.0/8 le 33\n", 1, 45, "33 is out of range", ("0-32",)),
        ("route-map RM allow 10\n", 1, 14, "unexpected 'allow'", ("'permit' or 'deny'",)),
        ("hostname a\nexit\nhostname b\n", 3, 1, "unexpected", ()),
    ],
)
def test_errors_say_where_and_what_was_expected(
    text: str, line: int, column: int, message: str, expected: tuple[str, ...]
) -> None:
    with pytest.raises(FrrSyntaxError) as caught:
        parse(text, "frr.conf")
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert error.text == text.split("\n")[line - 1]
    assert error.message.startswith(message)
    if expected:
        assert error.expected == expected
    shown = str(error)
    assert shown.startswith(f"frr.conf:{line}:{column}: {error.message}")
    assert error.text in shown
    assert shown.splitlines()[-1] == "    " + " " * (column - 1) + "^"


def test_the_same_text_parses_once_and_an_error_names_each_callers_source() -> None:
    text = "router bgp 64512\n neighbor 192.0.2.1 remote-as 64513\nexit\n"
    assert parse(text, source="a") is parse(text, source="b")
    bad = "router bgp 64512\n neighbor 192.0.2.1 remote-as\nexit\n"
    for source in ("first", "second"):
        with pytest.raises(FrrSyntaxError) as raised:
            parse(bad, source=source)
        assert raised.value.source == source
