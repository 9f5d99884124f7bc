"""From running to desired: the vtysh commands, and what needs frr-reload.py instead."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.frrcfg import Config, diff, parse
from controller.frrcfg.model import Bfd, Block, Item, PrefixListDescription, PrefixListEntry, RouteMapEntry, RouterBgp

ROUTER = """router bgp 64512
 bgp router-id 192.0.2.1
 no bgp default ipv4-unicast
 neighbor 192.0.2.11 remote-as 64513
 neighbor 192.0.2.11 timers 30 90
 neighbor 192.0.2.12 remote-as 64514
 neighbor 192.0.2.12 description frr-edge
 !
 address-family ipv4 unicast
  neighbor 192.0.2.11 activate
  neighbor 192.0.2.11 route-map rm-in in
  neighbor 192.0.2.12 activate
 exit-address-family
exit
"""


def commands(running: str, desired: str) -> list[str]:
    delta = diff(parse(running), parse(desired))
    assert delta.complete, delta.unsupported
    return delta.commands()


def test_nothing_to_do_when_nothing_changed() -> None:
    assert commands(ROUTER, ROUTER) == []
    assert diff(parse(ROUTER), parse(ROUTER)).empty


def test_a_departed_neighbor_is_one_no_neighbor_line() -> None:
    desired = "\n".join(line for line in ROUTER.splitlines() if "192.0.2.12" not in line) + "\n"
    assert commands(ROUTER, desired) == ["router bgp 64512", " no neighbor 192.0.2.12", "exit"]


def test_a_changed_setting_is_the_new_line_only() -> None:
    desired = ROUTER.replace("timers 30 90", "timers 10 30")
    assert commands(ROUTER, desired) == ["router bgp 64512", " neighbor 192.0.2.11 timers 10 30", "exit"]


def test_a_new_neighbor_comes_with_its_address_family_lines() -> None:
    desired = ROUTER.replace(" !\n", " neighbor 192.0.2.13 remote-as 64515\n !\n").replace(
        " exit-address-family", "  neighbor 192.0.2.13 activate\n exit-address-family"
    )
    assert commands(ROUTER, desired) == [
        "router bgp 64512",
        " neighbor 192.0.2.13 remote-as 64515",
        " address-family ipv4 unicast",
        "  neighbor 192.0.2.13 activate",
        " exit-address-family",
        "exit",
    ]


def test_a_removed_line_uses_its_no_form() -> None:
    desired = ROUTER.replace("  neighbor 192.0.2.11 route-map rm-in in\n", "").replace(
        " no bgp default ipv4-unicast\n", ""
    )
    assert commands(ROUTER, desired) == [
        "router bgp 64512",
        " bgp default ipv4-unicast",
        " address-family ipv4 unicast",
        "  no neighbor 192.0.2.11 route-map rm-in in",
        " exit-address-family",
        "exit",
    ]


def test_prefix_lists_change_by_entry() -> None:
    running = "ip prefix-list A seq 5 permit 10.0.0.0/8\nip prefix-list A seq 10 deny any\n"
    desired = "ip prefix-list A seq 5 permit 10.0.0.0/8 le 32\nip prefix-list A seq 15 deny any\n"
    # FRR ignores an entry repeating another of its list, so seq 10 leaves before seq 15 arrives; seq 5 is
    # replaced in place.
    assert commands(running, desired) == [
        "no ip prefix-list A seq 10",
        "ip prefix-list A seq 5 permit 10.0.0.0/8 le 32",
        "ip prefix-list A seq 15 deny any",
    ]


def test_an_entry_no_longer_wanted_leaves_after_the_policies_that_used_it() -> None:
    running = "ip prefix-list A seq 5 permit 10.0.0.0/8\nip prefix-list B seq 5 permit 10.0.0.0/8\n"
    desired = "ip prefix-list A seq 5 permit 10.0.0.0/8\nroute-map R permit 10\n match ip address prefix-list A\n"
    assert commands(running, desired) == [
        "route-map R permit 10",
        " match ip address prefix-list A",
        "exit",
        "no ip prefix-list B seq 5",
    ]


def test_route_maps_change_by_entry() -> None:
    running = "route-map R permit 10\n set local-preference 100\n set metric 5\nroute-map R deny 20\n"
    desired = "route-map R permit 10\n set local-preference 200\nroute-map R permit 30\n on-match next\n"
    assert commands(running, desired) == [
        "route-map R permit 10",
        " no set metric 5",
        " set local-preference 200",
        "exit",
        "route-map R permit 30",
        " on-match next",
        "exit",
        "no route-map R deny 20",
    ]


def test_bfd_profiles_change_by_setting() -> None:
    running = "bfd\n profile fast\n  receive-interval 300\n  echo-mode\n profile old\n"
    desired = "bfd\n profile fast\n  receive-interval 200\n"
    assert commands(running, desired) == [
        "bfd",
        " profile fast",
        "  no echo-mode",
        "  receive-interval 200",
        " exit",
        "exit",
        "bfd",
        " no profile old",
        "exit",
    ]


def test_what_frr_edge_does_not_render_is_left_to_frr_reload() -> None:
    running = "interface eth0\n ip address 10.0.0.1/24\n" + ROUTER
    desired = "interface eth0\n ip address 10.0.0.2/24\n" + ROUTER.replace(
        " exit-address-family\nexit", " exit-address-family\n address-family l2vpn evpn\n  vni 10\n   rd 1:1\nexit"
    )
    delta = diff(parse(running), parse(desired))
    assert not delta.complete
    assert delta.unsupported == (
        "interface eth0: removed",
        "interface eth0: added",
        "router bgp 64512: address-family l2vpn evpn: vni 10: added",
    )


def test_a_neighbor_joining_or_leaving_a_peer_group_is_deleted_and_created_again() -> None:
    running = "router bgp 1\n neighbor PG peer-group\n neighbor PG remote-as 2\n neighbor 10.0.0.1 remote-as 3\n"
    running += " neighbor 10.0.0.2 peer-group PG\n neighbor 10.0.0.2 timers 3 9\n"
    desired = running.replace(" neighbor 10.0.0.1 remote-as 3\n", " neighbor 10.0.0.1 peer-group PG\n").replace(
        " neighbor 10.0.0.2 peer-group PG\n", " neighbor 10.0.0.2 remote-as 4\n"
    )
    # FRR refuses `neighbor 10.0.0.2 remote-as 4` while it is a member ("Peer-group member cannot override
    # remote-as of peer-group"), and `no neighbor 10.0.0.2 peer-group PG` deletes it: it is created again,
    # with every line it keeps.
    assert commands(running, desired) == [
        "router bgp 1",
        " no neighbor 10.0.0.2",
        " no neighbor 10.0.0.1",
        " neighbor 10.0.0.1 peer-group PG",
        " neighbor 10.0.0.2 remote-as 4",
        " neighbor 10.0.0.2 timers 3 9",
        " address-family ipv4 unicast",  # active by FRR's default, as it was through its group
        "  neighbor 10.0.0.2 activate",
        " exit-address-family",
        "exit",
    ]


def test_an_as_number_change_is_left_to_frr_reload() -> None:
    delta = diff(parse(ROUTER), parse(ROUTER.replace("router bgp 64512", "router bgp 64999")))
    assert delta.unsupported == ("router bgp 64512: AS number changes to 64999",)


def test_removed_lines_use_the_no_forms_frr_accepts_which_often_take_fewer_words() -> None:
    running = "route-map R permit 10\n description from the speakers\n set as-path prepend 64512 64512\n"
    running += " set metric 10\n on-match goto 20\nrouter bgp 1\n neighbor 10.0.0.1 remote-as 2\n"
    running += " neighbor 10.0.0.1 description some text\n neighbor 10.0.0.1 timers 3 9\n"
    desired = "route-map R permit 10\nrouter bgp 1\n neighbor 10.0.0.1 remote-as 2\n"
    assert commands(running, desired) == [
        "route-map R permit 10",
        " no description",
        " no on-match goto",
        " no set as-path prepend",
        " no set metric 10",
        "exit",
        "router bgp 1",
        " no neighbor 10.0.0.1 description",
        " no neighbor 10.0.0.1 timers",
        "exit",
    ]


def test_a_removal_whose_no_form_is_not_known_is_left_to_frr_reload() -> None:
    running = "route-map R permit 10\n set sr-te color 1\n set metric 10\n"
    delta = diff(parse(running), parse("route-map R permit 10\n"))
    assert delta.unsupported == ("route-map R permit 10: set sr-te color 1: removed, and its no-form is not known",)


def test_prefix_lists_written_without_seq_compare_equal_to_what_frr_shows() -> None:
    written = "ip prefix-list A permit 10.0.0.0/8\nip prefix-list A permit 10.1.2.3/16 le 24\n"
    written += "ip prefix-list A permit 10.0.0.0/8\nipv6 prefix-list B permit 2001:DB8:0::/32\n"
    shown = "ip prefix-list A seq 5 permit 10.0.0.0/8\nip prefix-list A seq 10 permit 10.1.0.0/16 le 24\n"
    shown += "ipv6 prefix-list B seq 5 permit 2001:db8::/32\n"
    assert diff(parse(shown), parse(written)).empty
    assert commands("", written) == [
        "ip prefix-list A seq 5 permit 10.0.0.0/8",
        "ip prefix-list A seq 10 permit 10.1.0.0/16 le 24",
        "ipv6 prefix-list B seq 5 permit 2001:db8::/32",
    ]


def test_a_listen_range_goes_before_its_peer_group_and_comes_after_it() -> None:
    group = "router bgp 1\n neighbor PG peer-group\n neighbor PG remote-as external\n"
    group += " bgp listen range 192.0.2.0/24 peer-group PG\n neighbor 10.0.0.5 peer-group PG\n"
    empty = "router bgp 1\n"
    assert commands(group, empty) == [
        "router bgp 1",
        " no bgp listen range 192.0.2.0/24 peer-group PG",
        " no neighbor 10.0.0.5",
        " no neighbor PG peer-group",
        "exit",
    ]
    assert commands(empty, group) == [
        "router bgp 1",
        " neighbor PG peer-group",
        " neighbor PG remote-as external",
        " neighbor 10.0.0.5 peer-group PG",
        " bgp listen range 192.0.2.0/24 peer-group PG",
        " address-family ipv4 unicast",  # FRR's default ipv4-unicast activates the group it creates
        "  neighbor PG activate",
        " exit-address-family",
        "exit",
    ]


def test_vrf_instances_go_before_the_default_instance_and_come_back_after_it() -> None:
    running = "router bgp 1\n neighbor 10.0.0.1 remote-as 2\nrouter bgp 1 vrf red\n bgp router-id 10.0.0.9\n"
    desired = "router bgp 1 vrf red\n bgp router-id 10.0.0.9\n"
    assert commands(running, desired) == [
        "no router bgp 1 vrf red",
        "no router bgp 1",
        "router bgp 1 vrf red",
        " bgp router-id 10.0.0.9",
        "exit",
    ]


def test_what_frr_rewrites_compares_equal() -> None:
    written = """router bgp 1
 bgp router-id 192.0.2.1
 neighbor 2001:DB8::0:1 remote-as 2
 neighbor 2001:DB8::0:1 ebgp-multihop
 neighbor 2001:DB8::0:1 port 179
 neighbor 2001:DB8::0:1 route-map R in
 timers bgp 60 180
 bgp listen range 10.1.2.3/16 peer-group PG
 neighbor PG peer-group
route-map R permit 10
 set community 64512:2 65535:65281 64512:1
"""
    shown = """router bgp 1
 bgp router-id 192.0.2.1
 neighbor PG peer-group
 neighbor 2001:db8::1 remote-as 2
 neighbor 2001:db8::1 ebgp-multihop 255
 bgp listen range 10.1.0.0/16 peer-group PG
 !
 address-family ipv4 unicast
  neighbor 2001:db8::1 route-map R in
 exit-address-family
exit
route-map R permit 10
 set community 64512:1 64512:2 no-export
exit
"""
    assert diff(parse(shown), parse(written)).empty


# ---------------------------------------------------------------- against real FRR


@dataclass
class Frr:
    """FRR daemons (zebra, bgpd, bfdd) in their own network namespace and pathspace."""

    name: str

    def vtysh(self, *args: str, about: str = "") -> str:
        run = subprocess.run(["vtysh", "-N", self.name, *args], capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stdout + run.stderr + about
        return run.stdout

    def running(self) -> Config:
        return parse(self.vtysh("-c", "show running-config"), "show running-config")

    def push(self, lines: list[str], scratch: Path) -> None:
        """One vtysh process for the whole delta."""
        path = scratch / "delta.conf"
        path.write_text("\n".join(lines) + "\n")
        self.vtysh("-f", str(path), about=f"\npushing {lines}")


@pytest.fixture(scope="module")
def frr() -> Iterator[Frr]:
    name = f"frrcfg-{os.getpid()}"
    confdir, rundir = Path("/etc/frr") / name, Path("/var/run/frr") / name
    subprocess.run(["ip", "netns", "add", name], check=True)
    for directory in (confdir, rundir):
        directory.mkdir(parents=True)
        shutil.chown(directory, "frr", "frr")
    (confdir / "vtysh.conf").write_text("service integrated-vtysh-config\n")
    (confdir / "frr.conf").write_text("frr defaults traditional\n")
    for path in confdir.iterdir():
        shutil.chown(path, "frr", "frr")
    daemons = ("zebra", "bgpd", "bfdd")
    try:
        for daemon in daemons:
            binary = f"/usr/lib/frr/{daemon}"
            files = ["-f", str(confdir / "frr.conf"), "-i", str(rundir / f"{daemon}.pid")]
            start = ["ip", "netns", "exec", name, binary, "-d", "-N", name, "-F", "traditional", *files]
            subprocess.run(start, check=True, capture_output=True)
        deadline = time.monotonic() + 10
        while not all((rundir / f"{daemon}.vty").exists() for daemon in daemons):
            assert time.monotonic() < deadline, "FRR daemons did not open their vty sockets"
            time.sleep(0.1)
        yield Frr(name)
    finally:
        # The daemons this fixture started, by the PIDs they wrote.
        for pid_file in rundir.glob("*.pid"):
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
        deadline = time.monotonic() + 10
        while subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True).stdout.strip():
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        subprocess.run(["ip", "netns", "del", name], check=False)
        shutil.rmtree(confdir, ignore_errors=True)
        shutil.rmtree(rundir, ignore_errors=True)


def managed(config: Config) -> list[Item]:
    """What frr-edge renders; an empty `bfd` node, which FRR keeps, configures nothing."""
    return [
        item
        for item in config.items
        if isinstance(item, RouterBgp | RouteMapEntry | PrefixListEntry | PrefixListDescription)
        or (isinstance(item, Bfd) and item.items)
    ]


def desired_from(running: Config, rendered: str) -> Config:
    """What the router should run: its own other lines, and what frr-edge renders."""
    rendered_kinds = RouterBgp | RouteMapEntry | PrefixListEntry | PrefixListDescription | Bfd
    return Config(tuple(item for item in running.items if not isinstance(item, rendered_kinds)) + parse(rendered).items)


STEPS = [
    # First apply on a fresh router.
    """ip prefix-list pl-in seq 1 permit 198.51.100.0/24 le 32
ip prefix-list pl-in seq 2 deny any
route-map rm-in permit 10
 match ip address prefix-list pl-in
 set local-preference 200
 set community 64512:100 additive
exit
route-map rm-in deny 20
exit
router bgp 64512
 bgp router-id 192.0.2.1
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 neighbor 192.0.2.11 remote-as 64513
 neighbor 192.0.2.11 description frr-edge
 neighbor 192.0.2.11 password s3cr3t
 neighbor 192.0.2.11 timers 30 90
 neighbor 192.0.2.11 timers connect 10
 neighbor 192.0.2.11 bfd profile fast
 neighbor 192.0.2.12 remote-as 64514
 neighbor 192.0.2.12 description frr-edge
 neighbor 192.0.2.12 ebgp-multihop 3
 !
 address-family ipv4 unicast
  neighbor 192.0.2.11 activate
  neighbor 192.0.2.11 route-map rm-in in
  neighbor 192.0.2.12 activate
  neighbor 192.0.2.12 maximum-prefix 100
 exit-address-family
exit
bfd
 profile fast
  receive-interval 200
  transmit-interval 200
 exit
exit
""",
    # A speaker leaves, one arrives, policies and timers change.
    """ip prefix-list pl-in seq 1 permit 198.51.100.0/24 le 32
ip prefix-list pl-in seq 2 permit 203.0.113.0/24 le 32
ip prefix-list pl-in seq 3 deny any
route-map rm-in permit 10
 match ip address prefix-list pl-in
 set local-preference 300
exit
router bgp 64512
 bgp router-id 192.0.2.1
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 neighbor 192.0.2.11 remote-as 64513
 neighbor 192.0.2.11 description frr-edge
 neighbor 192.0.2.11 timers 10 30
 neighbor 192.0.2.11 timers connect 10
 neighbor 192.0.2.11 bfd profile slow
 neighbor 192.0.2.13 remote-as 64515
 neighbor 192.0.2.13 description frr-edge
 !
 address-family ipv4 unicast
  neighbor 192.0.2.11 activate
  neighbor 192.0.2.11 route-map rm-in in
  neighbor 192.0.2.13 activate
 exit-address-family
exit
bfd
 profile fast
  receive-interval 250
  transmit-interval 200
 exit
 profile slow
  detect-multiplier 5
 exit
exit
""",
    # Everything frr-edge owned goes away.
    "",
]


def test_pushing_the_delta_makes_frr_run_the_desired_config(frr: Frr, tmp_path: Path) -> None:
    for step, rendered in enumerate(STEPS):
        running = frr.running()
        desired = desired_from(running, rendered)
        delta = diff(running, desired)
        assert delta.complete, (step, delta.unsupported)
        assert delta.commands(), step
        frr.push(delta.commands(), tmp_path)
        after = frr.running()
        left = diff(after, desired)
        assert left.empty, (step, left.commands(), left.unsupported, after.to_text())
        assert lines(Config(tuple(managed(after)))) == lines(Config(tuple(managed(desired)))), step


def lines(config: Config) -> set[tuple[str, ...]]:
    """Every line with the headers of its contexts, in any order; FRR's own `neighbor X bfd` left out."""
    out = set()
    for path, item in config.walk():
        text = item.header() if isinstance(item, Block) else item.text()
        if not re.fullmatch(r"neighbor \S+ bfd", text):
            out.add((*(block.header() for block in path), text))
    return out


PEERS = ["192.0.2.21", "192.0.2.22", "192.0.2.23", "192.0.2.25", "2001:db8::24"]
GROUP = "pg-speakers"
MEMBERS = {"192.0.2.23", "192.0.2.25"}


@st.composite
def rendered_configs(draw: st.DrawFn) -> str:
    """Configurations like frr-edge renders, written as FRR prints them back."""
    lines: list[str] = []
    lists = draw(st.lists(st.sampled_from(["pl-a", "pl-b"]), unique=True))
    for name in lists:
        # FRR refuses two entries of one list with the same prefix, whatever their sequence numbers.
        targets = draw(st.permutations(["198.51.100.0/24 le 32", "203.0.113.0/24", "any"]))
        sequence_numbers = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True))
        for seq, target in zip(sequence_numbers, targets[: len(sequence_numbers)], strict=True):
            lines.append(f"ip prefix-list {name} seq {seq} {draw(st.sampled_from(['permit', 'deny']))} {target}")
    for seq in draw(st.lists(st.sampled_from([10, 20]), unique=True)):
        action = draw(st.sampled_from(["permit", "deny"]))
        lines.append(f"route-map rm-in {action} {seq}")
        if lists:
            lines.append(f" match ip address prefix-list {draw(st.sampled_from(lists))}")
        lines += draw(st.sampled_from([[], [" set local-preference 150"], [" set local-preference 250"]]))
        lines += draw(st.sampled_from([[], [" set community 64512:1 additive"], [" set community 64512:2"]]))
        lines += draw(st.sampled_from([[], [" set large-community 64512:1:1 additive"]]))
        if action == "permit":  # bgpd refuses on-match in a deny entry
            lines += draw(st.sampled_from([[], [" on-match next"]]))
        lines.append("exit")
    profiles = draw(st.lists(st.sampled_from(["fast", "slow"]), unique=True))
    peers = draw(st.lists(st.sampled_from(PEERS), unique=True))
    members = [peer for peer in peers if peer in MEMBERS]
    if peers:
        lines += ["router bgp 64512", " no bgp ebgp-requires-policy", " no bgp default ipv4-unicast"]
        if members:
            # Who is a member never changes between configs: that re-creates a neighbor (frr-reload.py's job).
            lines += [f" neighbor {GROUP} peer-group", f" neighbor {GROUP} remote-as external"]
            lines += draw(st.sampled_from([[], [f" neighbor {GROUP} timers 10 30"]]))
        for peer in peers:
            n = f" neighbor {peer}"
            if peer in MEMBERS:
                lines.append(f"{n} peer-group {GROUP}")
            else:
                lines.append(f"{n} remote-as {draw(st.sampled_from(['64513', '64514', 'external']))}")
            lines += draw(st.sampled_from([[], [f"{n} description frr-edge"]]))
            lines += draw(st.sampled_from([[], [f"{n} timers 10 30"], [f"{n} timers 30 90"]]))
            lines += draw(st.sampled_from([[], [f"{n} timers connect 5"]]))
            lines += draw(st.sampled_from([[], [f"{n} password pw-1"], [f"{n} password pw-2"]]))
            lines += draw(st.sampled_from([[], [f"{n} ebgp-multihop 2"], [f"{n} port 1179"]]))
            local_as = [[], [f"{n} local-as 64600 no-prepend replace-as"], [f"{n} local-as 64601"]]
            lines += draw(st.sampled_from(local_as))
            lines += draw(st.sampled_from([[], [f"{n} update-source 192.0.2.1"], [f"{n} graceful-restart"]]))
            if profiles:
                lines += draw(st.sampled_from([[], [f"{n} bfd profile {draw(st.sampled_from(profiles))}"]]))
        for family in ("ipv4", "ipv6"):
            candidates = [p for p in peers if p not in MEMBERS and (":" in p) == (family == "ipv6")]
            if members and family == "ipv4":
                candidates.append(GROUP)
            active = [p for p in candidates if draw(st.booleans())]
            if active:
                lines.append(f" address-family {family} unicast")
                for peer in active:
                    lines.append(f"  neighbor {peer} activate")
                    lines += draw(st.sampled_from([[], [f"  neighbor {peer} route-map rm-in in"]]))
                    lines += draw(st.sampled_from([[], [f"  neighbor {peer} maximum-prefix 100"]]))
                lines += draw(st.sampled_from([[], ["  maximum-paths 4"], ["  maximum-paths 8"]]))
                lines += draw(st.sampled_from([[], ["  network 203.0.113.0/24"] if family == "ipv4" else []]))
                lines.append(" exit-address-family")
        lines.append("exit")
    if profiles:
        lines.append("bfd")
        for profile in profiles:
            lines.append(f" profile {profile}")
            lines += draw(st.sampled_from([[], ["  receive-interval 200"], ["  receive-interval 250"]]))
            lines += draw(st.sampled_from([[], ["  detect-multiplier 5"]]))
            lines.append(" exit")
        lines.append("exit")
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rendered=rendered_configs())
def test_any_sequence_of_rendered_configs_is_reached_with_the_delta(frr: Frr, rendered: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        running = frr.running()
        desired = desired_from(running, rendered)
        delta = diff(running, desired)
        assert delta.complete, delta.unsupported
        frr.push(delta.commands(), Path(scratch))
        after = frr.running()
        left = diff(after, desired)
        assert left.empty, f"pushed {delta.commands()}, still to do {left.commands()} {left.unsupported}"
        assert lines(Config(tuple(managed(after)))) == lines(Config(tuple(managed(desired))))
