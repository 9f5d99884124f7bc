"""Several writers, and writers that die: the router lock and the apply transaction, against the lab router."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.inputs import load_paths
from controller.lab import router as lab
from controller.router.outcome import RouterUnreachable
from controller.router.ssh.commands import INTENT, LOCK_HOLDER
from controller.router.ssh.lock import Holder, router_lock
from controller.router.ssh.transport import RouterConnection, load_private_key
from tests.router.conftest import FIXTURES, REPO, SAMPLES, FrrEdge, Run, running_config, same_config

EXIT_UNREACHABLE = 4
EXIT_BUSY = 6
OTHER = [SAMPLES[0], FIXTURES / "firewall-other.yaml"]  # another desired state: no layer, another firewall


def _ruleset(router_lab: lab.RouterLab) -> str:
    """frr-edge's table as root lists it, without handles (the same ruleset lists the same)."""
    argv = ["ip", "netns", "exec", router_lab.router_namespace, "nft", "list", "table", "inet", "frr_edge"]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def _state(router_lab: lab.RouterLab) -> tuple[str, str]:
    return running_config(router_lab), _ruleset(router_lab)


def _is(router_lab: lab.RouterLab, expected: tuple[str, str]) -> bool:
    frr, nft = _state(router_lab)
    return same_config(frr, expected[0]) and nft == expected[1]


@pytest.fixture(scope="module")
def desired_states(router_lab: lab.RouterLab, frr_edge: FrrEdge) -> dict[str, tuple[str, str]]:
    """What the router runs after the samples alone, and after the other input alone."""
    states = {}
    for name, paths in (("other", OTHER), ("samples", SAMPLES)):
        run = frr_edge("apply", *paths)
        assert run.code == 0, run.stderr
        states[name] = _state(router_lab)
    assert states["samples"][0] != states["other"][0] and states["samples"][1] != states["other"][1]
    return states


@pytest.fixture()
def holder(router_lab: lab.RouterLab) -> Iterator[subprocess.Popen[str]]:
    """A writer holding the router lock (as the controller), until the test kills it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.router.hold_lock", str(router_lab.directory)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "held"
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def _apply_in_background(router_lab: lab.RouterLab, *paths: Path, wait: str = "120") -> subprocess.Popen[str]:
    files = [router_lab.router_manifest, *paths]
    argv = [
        "apply",
        *(a for path in files for a in ("-f", str(path))),
        "--router",
        lab.ROUTER_NAME,
        "--lock-wait",
        wait,
    ]
    return subprocess.Popen(
        [sys.executable, "-m", "controller", *argv], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_a_second_writer_reports_busy_naming_the_holder_and_a_killed_holder_frees_the_router(
    desired_states: dict[str, tuple[str, str]],
    holder: subprocess.Popen[str],
    frr_edge: FrrEdge,
    router_lab: lab.RouterLab,
) -> None:
    before = _state(router_lab)

    busy = frr_edge("apply", *OTHER, extra=("--lock-wait", "1"))

    assert busy.code == EXIT_BUSY, busy.stderr
    assert f"busy: the controller (pid {holder.pid} on {socket.gethostname()}, since " in busy.stderr
    assert "Traceback" not in busy.stderr
    assert _state(router_lab) == before

    os.kill(holder.pid, signal.SIGKILL)  # as a crashed controller dies: no chance to release anything
    holder.wait()
    started = time.monotonic()
    after = frr_edge("apply", *OTHER, extra=("--lock-wait", "30"))
    seconds = time.monotonic() - started

    assert after.code == 0, after.stderr
    assert _is(router_lab, desired_states["other"])
    print(f"apply after the holder was killed: {seconds:.1f} s")


def test_two_concurrent_applies_leave_one_desired_state_entirely(
    desired_states: dict[str, tuple[str, str]], router_lab: lab.RouterLab
) -> None:
    for _ in range(3):
        runs = [_apply_in_background(router_lab, *SAMPLES), _apply_in_background(router_lab, *OTHER)]
        outcomes = [(run.wait(timeout=300), *run.communicate()) for run in runs]

        assert [code for code, _, _ in outcomes] == [0, 0], [stderr for _, _, stderr in outcomes]
        assert _is(router_lab, desired_states["samples"]) or _is(router_lab, desired_states["other"])


def _speaker_neighbors(tmp_path: Path, count: int) -> Path:
    """An FRRConfiguration with `count` more neighbors, each with its accepted prefix (FRR takes seconds)."""
    neighbors = "".join(
        f"""
          - address: 10.{200 + index // 250}.{index % 250}.1
            asn: 64600
            toReceive:
              allowed:
                prefixes:
                  - prefix: 10.{100 + index // 250}.{index % 250}.0/24"""
        for index in range(count)
    )
    path = tmp_path / "many.yaml"
    path.write_text(
        f"""apiVersion: frr-edge.dev/v1alpha1
kind: FRRConfiguration
metadata:
  name: many
  namespace: frr-edge-system
spec:
  routerSelector:
    matchLabels:
      frr-edge.dev/site: lab
  bgp:
    routers:
      - asn: {lab.ROUTER_ASN}
        neighbors:{neighbors}
"""
    )
    return path


def _pids(namespace: str) -> list[int]:
    shown = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True, check=True)
    return [int(pid) for pid in shown.stdout.split()]


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _session_processes(router_lab: lab.RouterLab) -> list[int]:
    """The sshd children that serve SSH connections (each connection's privileged monitor)."""
    listener = int(router_lab.sshd_pid_file.read_text())
    return [pid for pid in _pids(router_lab.router_namespace) if _parent(pid) == listener]


def _session_sshd(router_lab: lab.RouterLab) -> list[int]:
    """Every sshd process of the SSH connections: each monitor and its unprivileged child, which carries the link.

    Killing the monitor alone leaves the link up until the child next asks the monitor for something.
    """
    monitors = _session_processes(router_lab)
    return [*monitors, *(pid for pid in _pids(router_lab.router_namespace) if _parent(pid) in monitors)]


def _wait_for_delta(router_lab: lab.RouterLab, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any("delta.vtysh" in _command_line(pid) for pid in _pids(router_lab.router_namespace)):
            return
        time.sleep(0.05)
    pytest.fail("the delta never started")


def test_an_apply_cut_off_mid_delta_is_finished_by_the_next_run(
    desired_states: dict[str, tuple[str, str]], frr_edge: FrrEdge, router_lab: lab.RouterLab, tmp_path: Path
) -> None:
    # From the state the next run goes back to: applied.nft then names the very ruleset that run renders, so
    # only a record the cut-off apply did not leave stale makes it load its table again.
    assert frr_edge("apply", *OTHER).code == 0
    many = _speaker_neighbors(tmp_path, 150)
    cut = _apply_in_background(router_lab, *SAMPLES, many)
    _wait_for_delta(router_lab, timeout=120)
    time.sleep(0.5)
    sessions = _session_processes(router_lab)
    for pid in sessions:
        os.kill(pid, signal.SIGKILL)  # the link drops: the session's sshd is gone
    _, stderr = cut.communicate(timeout=120)

    assert sessions
    assert cut.returncode == EXIT_UNREACHABLE, stderr
    assert "Traceback" not in stderr
    assert (Path(router_lab.workdir) / INTENT).exists()  # the router knows an apply did not finish

    # The next run, to yet another state: it waits for what the cut session left running, then converges.
    recovered = frr_edge("apply", *OTHER)

    assert recovered.code == 0, recovered.stderr
    assert "finished an apply that was cut off" in recovered.stderr
    assert "finished an apply that was cut off" in recovered.status["reload"]["message"]
    assert recovered.status["reload"]["result"] == "Success"
    assert _is(router_lab, desired_states["other"])
    assert "10.200.0.1" not in running_config(router_lab)
    assert not (Path(router_lab.workdir) / INTENT).exists()

    again = frr_edge("apply", *OTHER)
    assert again.code == 0 and again.method == "none", again.stderr
    assert "cut off" not in again.stderr


def test_a_writer_whose_session_dies_frees_the_lock_and_takes_it_again_over_a_new_connection(
    desired_states: dict[str, tuple[str, str]], frr_edge: FrrEdge, router_lab: lab.RouterLab
) -> None:
    """The controller's case: one RouterConnection kept across runs, its SSH session killed while it holds the lock."""
    spec = load_paths([router_lab.router_manifest]).routers[0].object.spec
    connection = RouterConnection(spec, load_private_key(router_lab.ssh_key.read_text()), command_timeout=30)

    async def story() -> tuple[Run, str | None, Holder]:
        async with connection:
            async with router_lock(connection, "controller", wait=5):
                for pid in _session_sshd(router_lab):
                    os.kill(pid, signal.SIGKILL)
                # Meanwhile another writer finds the router free: the lock went with the session.
                other = await asyncio.to_thread(frr_edge, "apply", *OTHER, extra=("--lock-wait", "10"))
                with pytest.raises(RouterUnreachable):
                    await connection.run(connection.commands.show_running)
                # Without the lock, this writer stops: it never goes on over a new connection.
                with pytest.raises(RouterUnreachable, match="the SSH connection holding the router lock dropped"):
                    await connection.run(connection.commands.show_running)
            async with router_lock(connection, "controller", wait=10) as holder:
                named = await connection.read(LOCK_HOLDER)
        return other, named, holder

    other, named, holder = asyncio.run(story())

    assert other.code == 0, other.stderr
    assert _is(router_lab, desired_states["other"])
    assert Holder.from_json(named) == holder


def test_status_reads_while_a_writer_holds_the_lock(holder: subprocess.Popen[str], frr_edge: FrrEdge) -> None:
    run = frr_edge("status")

    assert run.code == 0, run.stderr


def test_an_apply_bgpd_dies_in_is_finished_once_bgpd_is_back(
    desired_states: dict[str, tuple[str, str]], frr_edge: FrrEdge, router_lab: lab.RouterLab, tmp_path: Path
) -> None:
    assert frr_edge("apply", *OTHER).code == 0  # as above: the next run goes back to this state
    many = _speaker_neighbors(tmp_path, 150)
    cut = _apply_in_background(router_lab, *SAMPLES, many)
    _wait_for_delta(router_lab, timeout=120)
    time.sleep(0.5)
    lab.kill_daemon(router_lab, "bgpd")
    try:
        _, stderr = cut.communicate(timeout=300)
    finally:
        lab.start_daemon(router_lab, "bgpd")  # as watchfrr or systemd would, from what was saved last

    assert cut.returncode != 0, stderr
    assert "Traceback" not in stderr
    assert (Path(router_lab.workdir) / INTENT).exists()

    recovered = frr_edge("apply", *OTHER)

    assert recovered.code == 0, recovered.stderr
    assert "finished an apply that was cut off" in recovered.status["reload"]["message"]
    assert _is(router_lab, desired_states["other"])
    assert "10.200.0.1" not in running_config(router_lab)
    assert not (Path(router_lab.workdir) / INTENT).exists()
