"""The router's login user: no root shell, nft only as itself with CAP_NET_ADMIN, and no root-only file
readable through frr-edge's commands, whatever it writes into its working directory."""

from __future__ import annotations

import errno
import os
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.lab import router as lab
from controller.router.ssh.commands import (
    CANDIDATE_FRR,
    CANDIDATE_NFT,
    DELTA,
    DELTA_NFT,
    NFT,
    ROLLBACK_FRR,
    ROLLBACK_NFT,
    SETPRIV,
)
from tests.router.conftest import Canary

# Files of the working directory that frr-edge's commands read.
READ_BY_COMMANDS = (CANDIDATE_FRR, DELTA, ROLLBACK_FRR, CANDIDATE_NFT, ROLLBACK_NFT, DELTA_NFT)
NET_ADMIN = 1 << 12


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
    return subprocess.run([*ssh, shlex.join(argv)], capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture()
def workdir(router_lab: lab.RouterLab) -> Iterator[Path]:
    """frr-edge's working directory on the router; what a test plants there is replaced by what was there."""
    directory = Path(router_lab.workdir)
    kept = {name: (directory / name).read_bytes() for name in READ_BY_COMMANDS if (directory / name).is_file()}
    yield directory
    for name in READ_BY_COMMANDS:
        (directory / name).unlink(missing_ok=True)
    for name, content in kept.items():
        (directory / name).write_bytes(content)
        subprocess.run(["chown", f"{router_lab.user}:", str(directory / name)], check=True)


def test_frr_edge_commands_run_as_the_login_user(ssh: list[str], router_lab: lab.RouterLab) -> None:
    shown = _as_login_user(ssh, *router_lab.commands.show_running.line)
    listed = _as_login_user(ssh, *router_lab.commands.show_nft.line)

    assert not router_lab.commands.show_running.sudo
    assert shown.returncode == 0, shown.stderr
    assert "frr version" in shown.stdout
    assert listed.returncode in (0, 1), listed.stderr  # 1: frr-edge's table does not exist yet
    assert "Operation not permitted" not in listed.stderr


def _old_root_rules(router_lab: lab.RouterLab) -> list[list[str]]:
    """What the sudo rules allowed before: the tools themselves as root, on the same files."""
    vtysh = ["/usr/bin/vtysh", "-N", router_lab.router_namespace]
    workdir = router_lab.workdir
    return [
        [NFT, "-c", "-f", f"{router_lab.workdir}/{CANDIDATE_NFT}"],
        [NFT, "-f", f"{router_lab.workdir}/{CANDIDATE_NFT}"],
        [*vtysh, "-C", "-f", f"{router_lab.workdir}/{CANDIDATE_FRR}"],
        [*vtysh, "-c", "show running-config"],
        [
            "/usr/lib/frr/frr-reload.py",
            "--reload",
            "--pathspace",
            router_lab.router_namespace,
            f"{workdir}/{CANDIDATE_FRR}",
        ],
    ]


def _setpriv_variants(router_lab: lab.RouterLab) -> list[list[str]]:
    """The allowed setpriv argv with one word changed: more capabilities, root, another program or file."""
    allowed = list(router_lab.commands.check_nft.argv)
    variants = []
    for old, new in [
        ("--inh-caps=-all,+net_admin", "--inh-caps=+all"),
        ("--ambient-caps=-all,+net_admin", "--ambient-caps=-all,+net_admin,+dac_read_search"),
        ("--bounding-set=-all,+net_admin", "--bounding-set=+all"),
        (f"--reuid={router_lab.user}", "--reuid=root"),
        (f"--regid={router_lab.user}", "--regid=root"),
        (NFT, "/bin/sh"),
        (f"{router_lab.workdir}/{CANDIDATE_NFT}", "/etc/shadow"),
    ]:
        variants.append([new if word == old else word for word in allowed])
    variants.append([word for word in allowed if word != "--no-new-privs"])
    return variants


def test_no_other_command_runs_as_root(ssh: list[str], router_lab: lab.RouterLab) -> None:
    attempts = [
        ["/bin/sh", "-c", "id -u"],
        ["-s", "id -u"],
        ["-i", "id -u"],
        ["su", "-c", "id -u"],
        ["/usr/bin/vtysh", "-c", "start-shell"],
        [NFT, "-f", "/etc/shadow"],
        ["/usr/lib/frr/frr-reload.py", "--reload", "/etc/shadow"],
        ["-u", "frr", "/bin/sh", "-c", "id -u"],
        ["sudoedit", "/etc/sudoers"],
        [SETPRIV, "--reuid=root", "/bin/sh", "-c", "id -u"],
        *_old_root_rules(router_lab),
        *_setpriv_variants(router_lab),
    ]
    for argv in attempts:
        attempt = _as_login_user(ssh, "sudo", "-n", *argv)

        assert attempt.returncode != 0, (argv, attempt.stdout)
        assert "a password is required" in attempt.stderr or "not allowed" in attempt.stderr, (argv, attempt.stderr)


def _process_status(namespace: str, program: str, argument: str, timeout: float = 20) -> dict[str, str]:
    """/proc/PID/status of the process running `program` with `argument` in a namespace (waits for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True, check=True)
        for pid in pids.stdout.split():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            if command[0].decode() == program and argument.encode() in command:
                return dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        time.sleep(0.1)
    pytest.fail(f"no {program} {argument} ran in {namespace} within {timeout:.0f} s")


def _release(fifo: Path, text: str, timeout: float = 20) -> None:
    """Write to a FIFO as soon as a reader has opened it (nft may still be on its way to open())."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as error:
            if error.errno != errno.ENXIO or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    with os.fdopen(descriptor, "w") as stream:
        stream.write(text)


def test_nft_runs_as_the_login_user_with_net_admin_and_no_other_capability(
    ssh: list[str], router_lab: lab.RouterLab, workdir: Path
) -> None:
    # A FIFO for candidate.nft holds nft in open() while its credentials are read.
    candidate = workdir / CANDIDATE_NFT
    made = _as_login_user(ssh, "sh", "-c", f"rm -f {candidate} && mkfifo {candidate}")
    assert made.returncode == 0, made.stderr
    check = subprocess.Popen([*ssh, shlex.join(router_lab.commands.check_nft.line)], stdout=subprocess.PIPE, text=True)
    try:
        status = _process_status(router_lab.router_namespace, NFT, str(candidate))
    finally:
        try:
            _release(candidate, "table inet frr_edge_fifo {\n}\n")
            check.wait(timeout=30)
        finally:
            check.kill()

    user_id = subprocess.run(["id", "-u", router_lab.user], capture_output=True, text=True, check=True).stdout
    group_id = subprocess.run(["id", "-g", router_lab.user], capture_output=True, text=True, check=True).stdout
    assert status["Uid"].split() == [user_id.strip()] * 4
    assert status["Gid"].split() == [group_id.strip()] * 4
    assert status["Groups"].strip() == ""
    for capabilities in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(status[capabilities], 16) == NET_ADMIN, capabilities
    assert status["NoNewPrivs"].strip() == "1"
    assert check.returncode == 0


def _canary_plants(canary: Path) -> dict[str, dict[str, str | None]]:
    """Ways the login user can point frr-edge's commands at a root-only file (None: a symlink to it).

    Every file a command reads is planted, so no command acts on a real configuration left there.
    """
    include = f'table inet frr_edge_canary {{\n\tchain c {{\n\t\tinclude "{canary}"\n\t}}\n}}\n'
    return {
        "symlinks": dict.fromkeys(READ_BY_COMMANDS),
        "nft include": {
            **dict.fromkeys(READ_BY_COMMANDS),
            CANDIDATE_NFT: include,
            ROLLBACK_NFT: include,
            DELTA_NFT: include,
        },
    }


@pytest.mark.parametrize("plant", ["symlinks", "nft include"])
def test_no_command_shows_a_root_only_file_the_login_user_points_it_at(
    plant: str, ssh: list[str], router_lab: lab.RouterLab, workdir: Path, canary: Canary
) -> None:
    for name, text in _canary_plants(canary.path)[plant].items():
        planted = f"ln -sf {canary.path} {workdir / name}" if text is None else f"cat > {workdir / name}"
        written = subprocess.run([*ssh, planted], input=text or "", capture_output=True, text=True, check=False)
        assert written.returncode == 0, written.stderr

    commands = router_lab.commands.all()
    outputs = {shlex.join(command.line): _as_login_user(ssh, *command.line) for command in commands}
    # A command reads a file of the working directory when its tool names one (its flock guard is not read).
    reading = {shlex.join(command.line) for command in commands if str(workdir) in shlex.join(command.argv)}

    # Root, as the sudo rules let it run nft before, shows the file: the test would see a leak.
    as_root = subprocess.run(
        ["ip", "netns", "exec", router_lab.router_namespace, NFT, "-c", "-f", str(workdir / CANDIDATE_NFT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert canary.secret in as_root.stdout + as_root.stderr
    leaked = [command for command, run in outputs.items() if canary.secret in run.stdout + run.stderr]
    assert leaked == []
    assert all(run.returncode != 0 for command, run in outputs.items() if command in reading)


def test_an_uploaded_file_cannot_open_a_shell_through_vtysh(
    ssh: list[str], router_lab: lab.RouterLab, workdir: Path
) -> None:
    crafted = "start-shell\nstart-shell bash\nstart-shell sh id\n"
    written = subprocess.run([*ssh, f"cat > {workdir / DELTA}"], input=crafted, capture_output=True, text=True)
    assert written.returncode == 0, written.stderr

    run = _as_login_user(ssh, *router_lab.commands.apply_delta.line)

    assert "Unknown command" in run.stdout + run.stderr
    assert "uid=" not in run.stdout


def test_the_login_user_is_not_root(ssh: list[str]) -> None:
    identity = _as_login_user(ssh, "id", "-u")

    assert identity.returncode == 0, identity.stderr
    assert identity.stdout.strip() != "0"
