"""`frr-edge diff` against the lab router: nothing when it matches; after an input change, the exact vtysh
commands and nft changes that the following `frr-edge apply` then makes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from controller.frrcfg.redact import redact
from controller.lab import router as lab
from controller.router.ssh.commands import APPLIED_NFT, DELTA
from tests.router.conftest import FIXTURES, REPO, SAMPLES, FrrEdge, Run, running_config
from tests.router.test_safety import _another_host_key, _manifest

CHANGE = FIXTURES / "another-neighbor.yaml"
PASSWORD = "diff-canary-password"
HEADER = "# frr-edge diff: router lab-edge: "


def diff(router_lab: lab.RouterLab, *paths: Path, manifest: Path | None = None) -> subprocess.CompletedProcess[str]:
    files = [manifest or router_lab.router_manifest, *(paths or SAMPLES)]
    argv = ["diff", *(arg for path in files for arg in ("-f", str(path))), "--router", lab.ROUTER_NAME]
    return subprocess.run(
        [sys.executable, "-m", "controller", *argv], capture_output=True, text=True, cwd=REPO, timeout=300, check=False
    )


def sections(output: str) -> dict[str, list[str]]:
    """The output's parts by the word after the router's name in their header (FRR, nftables)."""
    parts: dict[str, list[str]] = {}
    current: list[str] = []
    for line in output.splitlines():
        if line.startswith(HEADER):
            current = parts.setdefault(line[len(HEADER) :].split(":")[0], [])
        else:
            current.append(line)
    return parts


def workdir_file(router_lab: lab.RouterLab, name: str) -> str:
    return Path(router_lab.workdir, name).read_text()


def test_a_router_that_runs_the_desired_configuration_shows_nothing_and_exits_0(
    applied: Run, router_lab: lab.RouterLab
) -> None:
    shown = diff(router_lab)

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == ""


def test_after_an_input_change_it_prints_what_the_next_apply_runs_and_exits_1(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab
) -> None:
    before = running_config(router_lab)
    applied_nft_before = workdir_file(router_lab, APPLIED_NFT)

    shown = diff(router_lab, *SAMPLES, CHANGE)

    assert shown.returncode == 1, shown.stderr
    assert running_config(router_lab) == before, "diff changed the router"
    assert workdir_file(router_lab, APPLIED_NFT) == applied_nft_before
    assert PASSWORD not in shown.stdout + shown.stderr
    parts = sections(shown.stdout)
    assert set(parts) == {"FRR", "nftables"}, shown.stdout
    assert " neighbor 192.0.2.13 password <redacted>" in parts["FRR"]

    run = frr_edge("apply", *SAMPLES, CHANGE)

    assert run.code == 0, run.stderr
    assert run.method == "delta"
    # What apply sent to vtysh, from its delta file on the router, is what diff printed (redacted).
    assert redact(workdir_file(router_lab, DELTA)).splitlines() == parts["FRR"]
    applied_nft = workdir_file(router_lab, APPLIED_NFT).splitlines()
    added = [line[1:] for line in parts["nftables"] if line.startswith("+") and not line.startswith("+++")]
    removed = [line[1:] for line in parts["nftables"] if line.startswith("-") and not line.startswith("---")]
    assert added and all(line in applied_nft for line in added), added
    assert all(line in applied_nft_before.splitlines() for line in removed), removed
    assert any("203.0.113.11 . tcp . 8443" in line for line in added), added  # a Service port: the host set
    assert "neighbor 192.0.2.13 remote-as 64513" in running_config(router_lab)

    again = diff(router_lab, *SAMPLES, CHANGE)

    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout == ""
    assert frr_edge("apply").code == 0  # the samples alone again, for the tests that follow


def test_bad_input_a_conflict_and_an_unreachable_router_exit_2_3_and_4(
    applied: Run, router_lab: lab.RouterLab, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(CHANGE.read_text().replace("asn: 64513", "asn: 99999999999", 1))
    conflicting = tmp_path / "conflicting.yaml"
    configuration = CHANGE.read_text().split("\n---\n")[0]  # the FRRConfiguration alone
    conflicting.write_text(configuration.replace("name: another-neighbor", "name: other-asn").replace("64513", "64600"))
    stranger = _manifest(router_lab, tmp_path, hostKeys=[_another_host_key(tmp_path)])

    invalid = diff(router_lab, *SAMPLES, broken)
    conflict = diff(router_lab, *SAMPLES, CHANGE, conflicting)
    unreachable = diff(router_lab, manifest=stranger)

    assert invalid.returncode == 2, invalid.stderr
    assert "FRRConfiguration frr-edge-system/another-neighbor: spec.bgp.routers[0].neighbors[0].asn" in invalid.stderr
    assert conflict.returncode == 3, conflict.stderr
    assert "another-neighbor" in conflict.stderr and "other-asn" in conflict.stderr
    assert unreachable.returncode == 4, unreachable.stderr
    assert "host key is not one of Router.spec.hostKeys" in unreachable.stderr
    for result in (invalid, conflict, unreachable):
        assert result.stdout == "" and "Traceback" not in result.stderr
        assert PASSWORD not in result.stderr


def test_apply_on_a_paused_router_writes_nothing_and_its_state_shows_what_is_pending(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab, tmp_path: Path
) -> None:
    before = running_config(router_lab)
    paused = _manifest(router_lab, tmp_path, paused=True)

    run = frr_edge("apply", *SAMPLES, CHANGE, manifest=paused)

    assert run.code == 0, run.stderr
    assert "is paused (spec.paused): nothing is written" in run.stderr
    assert running_config(router_lab) == before
    pending = run.status["pendingChanges"]
    assert " neighbor 192.0.2.13 password <redacted>" in pending
    assert PASSWORD not in pending
    (condition,) = [c for c in run.status["conditions"] if c["type"] == "Paused"]
    assert (condition["status"], condition["reason"]) == ("True", "ChangesPending")


def test_a_reader_that_stops_early_does_not_turn_pending_changes_into_exit_0(
    applied: Run, router_lab: lab.RouterLab
) -> None:
    """`frr-edge diff | head -1` in CI: the output is cut, the exit code still says changes are pending."""
    files = [router_lab.router_manifest, *SAMPLES, CHANGE]
    argv = ["diff", *(arg for path in files for arg in ("-f", str(path))), "--router", lab.ROUTER_NAME]
    command = " ".join([sys.executable, "-m", "controller", *argv])
    shown = subprocess.run(
        ["bash", "-c", f"{command} | head -c 1 >/dev/null; echo ${{PIPESTATUS[0]}}"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert shown.stdout.strip() == "1", shown.stderr
    assert "Traceback" not in shown.stderr


def test_a_key_file_that_is_not_text_is_invalid_input_not_a_crash(router_lab: lab.RouterLab, tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_bytes(b"\xbd\xff\xfe")
    files = [router_lab.router_manifest, *SAMPLES]
    argv = ["diff", *(arg for path in files for arg in ("-f", str(path))), "--router", lab.ROUTER_NAME]
    shown = subprocess.run(
        [sys.executable, "-m", "controller", *argv, "--ssh-key", str(key)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert shown.returncode == 2, shown.stderr
    assert "not a private key" in shown.stderr and "Traceback" not in shown.stderr
