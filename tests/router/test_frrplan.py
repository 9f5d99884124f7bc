"""The FRR plan, without a router: what survives in each ownership mode, and what the delta says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from controller.api.router import FRRSettings
from controller.router.frr.plan import plan
from controller.router.ssh.commands import RouterCommands, sudoers

REPO = Path(__file__).resolve().parents[2]

RUNNING = """\
frr version 8.4.4
frr defaults traditional
hostname edge
!
router bgp 64512
 no bgp default ipv4-unicast
 neighbor 192.0.2.11 remote-as 64513
 neighbor 192.0.2.11 description frr-edge
 neighbor 192.0.2.50 remote-as 65050
 neighbor 192.0.2.50 description upstream by hand
 !
 address-family ipv4 unicast
  neighbor 192.0.2.11 activate
  neighbor 192.0.2.11 route-map frr-edge-192.0.2.11-in in
  neighbor 192.0.2.50 activate
 exit-address-family
exit
!
ip prefix-list admin-only seq 5 permit 192.0.2.0/24
ip prefix-list frr-edge-192.0.2.11-in-v4 seq 5 permit 203.0.113.0/24 le 32
!
route-map frr-edge-192.0.2.11-in permit 10
 match ip address prefix-list frr-edge-192.0.2.11-in-v4
exit
!
"""

RENDERED_WITHOUT_11 = """\
ip prefix-list frr-edge-192.0.2.12-in-v4 seq 5 permit 203.0.113.0/24 le 32
!
route-map frr-edge-192.0.2.12-in permit 10
 match ip address prefix-list frr-edge-192.0.2.12-in-v4
exit
!
router bgp 64512
 no bgp default ipv4-unicast
 neighbor 192.0.2.12 remote-as 64513
 neighbor 192.0.2.12 description frr-edge
 address-family ipv4 unicast
  neighbor 192.0.2.12 activate
  neighbor 192.0.2.12 route-map frr-edge-192.0.2.12-in in
 exit-address-family
exit
!
"""


def test_managed_mode_replaces_only_what_frr_edge_owns() -> None:
    result = plan(RUNNING, RENDERED_WITHOUT_11, "Managed")

    desired = result.desired.to_text()
    assert "neighbor 192.0.2.50 description upstream by hand" in desired
    assert "neighbor 192.0.2.50 activate" in desired
    assert "ip prefix-list admin-only seq 5 permit 192.0.2.0/24" in desired
    assert "192.0.2.11" not in desired
    assert "neighbor 192.0.2.12 remote-as 64513" in desired
    assert " no neighbor 192.0.2.11" in result.commands
    assert not any("192.0.2.50" in command or "admin-only" in command for command in result.commands)
    assert not result.unsupported


def test_full_mode_replaces_every_bgp_and_policy_object() -> None:
    result = plan(RUNNING, RENDERED_WITHOUT_11, "Full")

    desired = result.desired.to_text()
    assert "192.0.2.50" not in desired
    assert "admin-only" not in desired
    assert "hostname edge" in desired
    assert " no neighbor 192.0.2.50" in result.commands


def test_managed_mode_removes_lines_it_rendered_last_time_and_keeps_equal_hand_written_ones() -> None:
    route = "ip route 203.0.113.128/25 blackhole\n"
    running = RUNNING + route + "ip route 198.51.100.128/25 blackhole\n"

    result = plan(running, RENDERED_WITHOUT_11, "Managed", previous_text=RENDERED_WITHOUT_11 + route)

    assert result.unsupported == ("ip route 203.0.113.128/25 blackhole: removed",)  # frr-reload.py's job
    assert "ip route 198.51.100.128/25 blackhole" in result.desired.to_text()
    assert "ip route 203.0.113.128/25 blackhole" not in result.desired.to_text()


RAW_GROUP = """\
router bgp 64512
 neighbor UPSTREAM peer-group
 neighbor UPSTREAM remote-as 65050
 neighbor 192.0.2.60 peer-group UPSTREAM
 bgp listen range 198.51.100.0/24 peer-group UPSTREAM
exit
"""


def test_managed_mode_takes_off_a_peer_group_and_listen_range_a_raw_snippet_put_on() -> None:
    running = RUNNING.replace(
        " neighbor 192.0.2.50 remote-as 65050\n",
        " neighbor 192.0.2.50 remote-as 65050\n" + RAW_GROUP.split("\n", 1)[1].replace("exit\n", ""),
    )

    result = plan(running, RENDERED_WITHOUT_11, "Managed", previous_text=RENDERED_WITHOUT_11 + RAW_GROUP)

    assert not result.unsupported
    assert result.commands.index(" no bgp listen range 198.51.100.0/24 peer-group UPSTREAM") < result.commands.index(
        " no neighbor UPSTREAM peer-group"
    )
    assert " no neighbor 192.0.2.60" in result.commands
    assert "UPSTREAM" not in result.desired.to_text()
    assert "neighbor 192.0.2.50 description upstream by hand" in result.desired.to_text()


def test_managed_mode_turns_a_raw_peer_group_member_into_a_plain_neighbor() -> None:
    member = RAW_GROUP.replace("192.0.2.60", "192.0.2.12")
    running = RUNNING.replace(
        " neighbor 192.0.2.50 remote-as 65050\n",
        " neighbor 192.0.2.50 remote-as 65050\n" + member.split("\n", 1)[1].replace("exit\n", ""),
    )

    result = plan(running, RENDERED_WITHOUT_11, "Managed", previous_text=member)

    assert not result.unsupported
    deleted = result.commands.index(" no neighbor 192.0.2.12")
    assert deleted < result.commands.index(" neighbor 192.0.2.12 remote-as 64513")


def test_the_desired_state_gives_an_empty_plan() -> None:
    once = plan(RUNNING, RENDERED_WITHOUT_11, "Managed")

    again = plan(once.desired.to_text(), RENDERED_WITHOUT_11, "Managed")

    assert again.noop, again.commands


def test_sudo_rules_allow_exactly_the_sudo_commands_and_none_reads_a_user_file_as_root(tmp_path: Path) -> None:
    workdir = "/var/lib/frr-edge/frr-edge"
    commands = RouterCommands(FRRSettings(pathspace="edge"), workdir, "frr-edge")
    rules = sudoers("frr-edge", commands)
    path = tmp_path / "frr-edge"
    path.write_text(rules)

    checked = subprocess.run(["visudo", "-cqf", str(path)], capture_output=True, text=True, check=False)

    assert checked.returncode == 0, checked.stderr
    allowed = [line.split("NOPASSWD: ", 1)[1] for line in rules.splitlines() if "NOPASSWD:" in line]
    assert len(allowed) == len([command for command in commands.all() if command.sudo]) == 7
    assert "/usr/bin/vtysh -N edge -c write memory" in allowed
    setpriv = (
        "/usr/bin/setpriv --reuid\\=frr-edge --regid\\=frr-edge --clear-groups --inh-caps\\=-all\\,+net_admin "
        "--ambient-caps\\=-all\\,+net_admin --bounding-set\\=-all\\,+net_admin --no-new-privs /usr/sbin/nft"
    )
    assert f"{setpriv} -f {workdir}/candidate.nft" in allowed
    assert all(rule.startswith(setpriv) for rule in allowed if workdir in rule)
    assert not any(rule.rstrip().endswith(("ALL", "*")) for rule in allowed)


def test_router_code_passes_mypy_strict_and_ruff() -> None:
    code = [
        "controller/router",
        "controller/apply_cli.py",
        "controller/lab/router.py",
        "controller/lab/router_traffic.py",
    ]
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", *code], capture_output=True, text=True, cwd=REPO, check=False
    )
    linted = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *code, "tests/router", "bench/bench_apply.py"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )

    assert typed.returncode == 0, typed.stdout
    assert linted.returncode == 0, linted.stdout
