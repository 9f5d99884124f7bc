"""The router's login user runs frr-edge's fixed commands as root, and nothing else: no root shell."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from controller.lab import router as lab
from controller.router.commands import DELTA


@pytest.fixture(scope="module")
def ssh(router_lab: lab.RouterLab, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """OpenSSH's client as frr-edge's login user, with the router's host key pinned."""
    known_hosts = tmp_path_factory.mktemp("ssh") / "known_hosts"
    known_hosts.write_text(f"{router_lab.management_address} {router_lab.host_key}\n")
    return [
        "ssh",
        "-i",
        str(router_lab.ssh_key),
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        f"UserKnownHostsFile={known_hosts}",
        f"{router_lab.user}@{router_lab.management_address}",
    ]


def _as_login_user(ssh: list[str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ssh, shlex.join(argv)], capture_output=True, text=True, timeout=30, check=False)


def test_frr_edge_commands_run_as_root(ssh: list[str], router_lab: lab.RouterLab) -> None:
    shown = _as_login_user(ssh, "sudo", "-n", *router_lab.commands.show_running)

    assert shown.returncode == 0, shown.stderr
    assert "frr version" in shown.stdout


@pytest.mark.parametrize(
    "argv",
    [
        ["sudo", "-n", "/bin/sh", "-c", "id -u"],
        ["sudo", "-n", "-s", "id -u"],
        ["sudo", "-n", "-i", "id -u"],
        ["sudo", "-n", "su", "-c", "id -u"],
        ["sudo", "-n", "/usr/bin/vtysh", "-c", "start-shell"],
        ["sudo", "-n", "/usr/sbin/nft", "-f", "/etc/shadow"],
        ["sudo", "-n", "/usr/lib/frr/frr-reload.py", "--reload", "/etc/shadow"],
        ["sudo", "-n", "-u", "frr", "/bin/sh", "-c", "id -u"],
        ["sudo", "-n", "sudoedit", "/etc/sudoers"],
    ],
    ids=lambda argv: " ".join(argv[2:])[:40],
)
def test_no_other_command_runs_as_root(ssh: list[str], argv: list[str]) -> None:
    attempt = _as_login_user(ssh, *argv)

    assert attempt.returncode != 0, attempt.stdout
    assert "a password is required" in attempt.stderr or "not allowed" in attempt.stderr, attempt.stderr


def test_an_uploaded_file_cannot_open_a_shell_through_vtysh(ssh: list[str], router_lab: lab.RouterLab) -> None:
    delta = Path(router_lab.workdir) / DELTA
    crafted = "start-shell\nstart-shell bash\nstart-shell sh id\n"
    written = _as_login_user(ssh, "sh", "-c", f"printf '{crafted}' > {delta}")
    assert written.returncode == 0, written.stderr

    run = _as_login_user(ssh, "sudo", "-n", *router_lab.commands.apply_delta)

    assert "Unknown command" in run.stdout + run.stderr
    assert "uid=0" not in run.stdout


def test_the_login_user_is_not_root(ssh: list[str]) -> None:
    identity = _as_login_user(ssh, "id", "-u")

    assert identity.returncode == 0, identity.stderr
    assert identity.stdout.strip() != "0"
