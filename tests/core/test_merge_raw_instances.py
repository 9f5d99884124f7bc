"""A raw snippet's `router bgp` header must agree with the BGP instance frr-edge renders, or it is a conflict.

FRR runs one BGP instance per VRF. A snippet with `router bgp 65010` next to a rendered `router bgp 64512`
used to validate, and the planner merged both blocks under one header: every speaker neighbor under the
wrong AS, or a fallback to frr-reload.py that tears every session down.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from controller.errors import InvalidInput, MergeConflict
from tests.core.builders import ROUTER, desired, frr_configuration
from tests.hostile.cli import run_process

REPO = Path(__file__).resolve().parents[2]
SPEAKERS = frr_configuration(
    "speakers", "bgp: {routers: [{asn: 64512, neighbors: [{address: 192.0.2.11, asn: 64513}]}]}", "metallb"
)


def snippet(name: str, text: str, priority: int = 0) -> str:
    body = text.replace("\n", "\\n")
    return frr_configuration(name, f'raw: {{priority: {priority}, rawConfig: "{body}"}}', "admin")


def test_a_raw_router_bgp_with_another_as_is_a_conflict_naming_both_configurations() -> None:
    raw = snippet("upstream", "router bgp 65010\n neighbor 198.51.100.7 remote-as 65020\nexit\n")

    with pytest.raises(MergeConflict) as caught:
        desired(SPEAKERS, raw)

    conflict = caught.value
    assert (conflict.first.ref, conflict.second.ref) == ("metallb/speakers", "admin/upstream")
    assert conflict.field == "asn"
    assert conflict.first_value == "64512"
    assert conflict.second_value == "65010 (spec.raw.rawConfig: router bgp 65010)"


def test_a_raw_router_bgp_with_the_same_as_adds_to_the_instance() -> None:
    same = snippet("upstream", "router bgp 64512\n neighbor 198.51.100.7 remote-as 65020\nexit\n")

    assert len(desired(SPEAKERS, same).frr.raw) == 1


def test_a_raw_router_bgp_in_asdot_is_refused_as_frr_8_4_refuses_it() -> None:
    asdot = snippet("upstream", "router bgp 0.64512\n neighbor 198.51.100.7 remote-as 65020\nexit\n")

    with pytest.raises(InvalidInput, match=r"admin/upstream: spec.raw.rawConfig: line 1 .*'router bgp 0.64512'"):
        desired(SPEAKERS, asdot)


def test_two_snippets_opening_one_vrf_instance_with_different_as_numbers_conflict() -> None:
    first = snippet("red-a", "router bgp 64600 vrf red\nexit\n", priority=1)
    second = snippet("red-b", "router bgp 64601 vrf red\nexit\n", priority=2)

    assert len(desired(SPEAKERS, first).frr.raw) == 1
    with pytest.raises(MergeConflict, match=r"admin/red-a and FRRConfiguration admin/red-b conflict .*vrf red"):
        desired(SPEAKERS, first, second)


def test_validate_exits_3_before_anything_reaches_a_router(tmp_path: Path) -> None:
    raw = snippet("upstream", "router bgp 65010\nexit\n")
    path = tmp_path / "in.yaml"
    path.write_text("\n---\n".join([ROUTER, SPEAKERS, raw]))

    result = subprocess.run(
        [sys.executable, "-m", "controller", "validate", "-f", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )

    assert result.returncode == 3, result.stderr
    assert "metallb/speakers" in result.stderr and "admin/upstream" in result.stderr
    assert "64512" in result.stderr and "65010" in result.stderr


def test_a_raw_line_the_command_table_cannot_judge_is_a_warning_naming_it_not_a_silent_pass(tmp_path: Path) -> None:
    # vtysh runs `banner motd file` itself and decides on the router (the file must exist there).
    raw = snippet("motd", "ip prefix-list checked seq 5 permit any\nbanner motd file /etc/frr/motd.txt\n")
    path = tmp_path / "in.yaml"
    path.write_text("\n---\n".join([ROUTER, SPEAKERS, raw]))

    result = run_process("validate", "-f", str(path))

    assert result.code == 0, result.stderr
    (warning,) = [line for line in result.stderr.splitlines() if "rawConfig" in line]
    assert "FRRConfiguration admin/motd: spec.raw.rawConfig line 2: not checked:" in warning
    assert "decides on the router" in warning
