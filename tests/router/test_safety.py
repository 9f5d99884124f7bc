"""When something is wrong (the input, the router, the link), the router keeps a good configuration."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from controller.lab import router as lab
from tests.router.conftest import FIXTURES, SAMPLES, FrrEdge, Run, nft_table, running_config, same_config

EXIT_INVALID = 2
EXIT_UNREACHABLE = 4
EXIT_REJECTED = 5


def test_a_raw_snippet_the_grammar_refuses_is_never_sent(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab
) -> None:
    before = running_config(router_lab)

    run = frr_edge("apply", *SAMPLES, FIXTURES / "invalid-raw.yaml")

    assert run.code == EXIT_INVALID, run.stderr
    assert "expected 'external' or 'internal' or an AS number" in run.stderr
    assert running_config(router_lab) == before


def test_a_raw_snippet_vtysh_refuses_is_not_applied(applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab) -> None:
    before = running_config(router_lab)

    run = frr_edge("apply", *SAMPLES, FIXTURES / "refused-by-vtysh.yaml")

    assert run.code == EXIT_REJECTED, run.stderr
    assert "(vtysh -C -f candidate.frr): exit status 2: candidate.frr line " in run.stderr
    assert "[banner motd file /etc/frr/frr-edge-missing-motd]: Unknown command" in run.stderr  # our line, not vtysh's
    assert running_config(router_lab) == before


def test_a_config_frr_rejects_at_reload_is_rolled_back(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab
) -> None:
    before = running_config(router_lab)
    without_layer = [path for path in SAMPLES if path.name != "bgp-layer.yaml"]

    run = frr_edge("apply", *without_layer, FIXTURES / "rejected-by-frr.yaml")

    assert run.code == EXIT_REJECTED, run.stderr
    assert "configuration failed (validation): Invalid prefix range" in run.stderr
    assert "Error description" not in run.stderr and "mask length" not in run.stderr  # FRR's own text stays out
    assert "rolled back" in run.stderr
    after = running_config(router_lab)
    assert "lab-bad-range" not in after
    assert "198.51.100.0/24" in after  # the layer the rejected state would have removed is still there
    assert same_config(after, before)


def _manifest(router_lab: lab.RouterLab, directory: Path, **spec: object) -> Path:
    """The lab's Router manifest with some spec fields replaced."""
    yaml = YAML(typ="safe")
    router, secret = yaml.load_all(router_lab.router_manifest.read_text())
    router["spec"].update(spec)
    manifest = directory / "router.yaml"
    with manifest.open("w") as stream:
        yaml.dump_all([router, secret], stream)
    return manifest


def _another_host_key(directory: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(directory / "other")], check=True)
    return (directory / "other.pub").read_text().strip()


def test_a_router_with_another_host_key_is_refused(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab, tmp_path: Path
) -> None:
    before = running_config(router_lab)
    manifest = _manifest(router_lab, tmp_path, hostKeys=[_another_host_key(tmp_path)])

    run = frr_edge("apply", manifest=manifest)

    assert run.code == EXIT_UNREACHABLE, run.stderr
    assert "host key is not one of Router.spec.hostKeys" in run.stderr
    assert running_config(router_lab) == before


def test_a_router_that_opts_out_of_host_key_checks_is_reached_and_says_so(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab, tmp_path: Path
) -> None:
    manifest = _manifest(router_lab, tmp_path, hostKeys=[], insecureIgnoreHostKey=True)

    run = frr_edge("status", manifest=manifest)

    assert run.code == 0, run.stderr
    assert run.status["hostKeyVerification"] == "Ignored"
    assert applied.status["hostKeyVerification"] == "Pinned"


def test_apply_exits_4_while_sshd_is_down_and_succeeds_when_it_is_back(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab
) -> None:
    lab.stop_sshd(router_lab)
    try:
        down = frr_edge("apply", extra=("--connect-timeout", "5"))
    finally:
        lab.start_sshd(router_lab)
    back = frr_edge("apply")

    assert down.code == EXIT_UNREACHABLE, down.stderr
    assert "cannot connect" in down.stderr
    assert back.code == 0, back.stderr


@pytest.fixture()
def admin_config(router_lab: lab.RouterLab) -> Iterator[None]:
    """What an admin configured by hand on the router: a neighbor, a prefix-list, an nft table of their own."""
    namespace = router_lab.router_namespace
    router_lab.vtysh(
        namespace,
        "configure terminal",
        "ip prefix-list admin-only seq 5 permit 192.0.2.0/24",
        "router bgp 64512",
        "neighbor 192.0.2.50 remote-as 65050",
        "neighbor 192.0.2.50 description upstream by hand",
        "address-family ipv4 unicast",
        "neighbor 192.0.2.50 activate",
    )
    admin_table = (
        "table inet admin {\n\tchain input {\n\t\ttype filter hook input priority 10; policy accept;\n\t}\n}\n"
    )
    subprocess.run(["ip", "netns", "exec", namespace, "nft", "-f", "-"], input=admin_table, text=True, check=True)
    try:
        yield
    finally:
        # A test may have removed them already (Full ownership): failures here are expected then.
        commands = ["configure terminal", "no ip prefix-list admin-only", "router bgp 64512", "no neighbor 192.0.2.50"]
        subprocess.run(["vtysh", "-N", namespace, *(a for c in commands for a in ("-c", c))], check=False)
        subprocess.run(["ip", "netns", "exec", namespace, "nft", "delete", "table", "inet", "admin"], check=True)


def test_managed_mode_leaves_what_an_admin_configured_alone(
    applied: Run, admin_config: None, frr_edge: FrrEdge, router_lab: lab.RouterLab
) -> None:
    admin_table = nft_table(router_lab, "inet admin")
    without_layer = [path for path in SAMPLES if path.name != "bgp-layer.yaml"]

    changed = frr_edge("apply", *without_layer)
    restored = frr_edge("apply")

    assert changed.code == 0, changed.stderr
    assert restored.code == 0, restored.stderr
    running = running_config(router_lab)
    assert "neighbor 192.0.2.50 remote-as 65050" in running
    assert "neighbor 192.0.2.50 description upstream by hand" in running
    assert "  neighbor 192.0.2.50 activate" in running
    assert "ip prefix-list admin-only seq 5 permit 192.0.2.0/24" in running
    assert nft_table(router_lab, "inet admin") == admin_table
    sessions = {s["peer"]: s["owned"] for s in restored.status["sessions"]}
    assert sessions["192.0.2.50"] is False
    assert sessions["192.0.2.11"] is True


def test_full_mode_replaces_hand_written_bgp_config_but_not_other_nft_tables(
    applied: Run, admin_config: None, frr_edge: FrrEdge, router_lab: lab.RouterLab, tmp_path: Path
) -> None:
    admin_table = nft_table(router_lab, "inet admin")
    full = _manifest(router_lab, tmp_path, frr={"pathspace": router_lab.router_namespace, "ownership": "Full"})

    run = frr_edge("apply", manifest=full)

    assert run.code == 0, run.stderr
    running = running_config(router_lab)
    assert "192.0.2.50" not in running
    assert "admin-only" not in running
    assert "neighbor 192.0.2.11 description frr-edge" in running
    assert "log file" in running  # lines of kinds frr-edge does not render stay
    assert nft_table(router_lab, "inet admin") == admin_table
