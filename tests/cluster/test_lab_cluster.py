"""The lab cluster harness: servers on loopback, working kubeconfigs, stop touches only its own PIDs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from controller.lab import cluster as lab
from controller.lab.kubectl import Kubectl

REPO = Path(__file__).resolve().parents[2]


def frr_edge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "controller", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def listening_addresses(pid: int) -> set[str]:
    """Local addresses of the TCP sockets `pid` listens on."""
    sockets = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
    return {line.split()[3] for line in sockets.splitlines() if f"pid={pid}," in line}


def is_running(pid: int) -> bool:
    """True while `pid` runs: not gone, and not exited awaiting its parent (a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def recorded_pids(directory: Path) -> dict[str, int]:
    state = json.loads((directory / "cluster.json").read_text())
    return {process["name"]: process["pid"] for process in state["processes"]}


def test_admin_kubeconfig_reaches_the_built_api_server(kubectl: Kubectl) -> None:
    version = kubectl.json("version")

    assert re.fullmatch(r"v1\.3[4-7]\.\d+", version["serverVersion"]["gitVersion"])
    assert kubectl.json("auth", "whoami")["status"]["userInfo"]["groups"] == [
        "system:masters",
        "system:authenticated",
    ]


def test_controller_kubeconfig_is_the_frr_edge_service_account(cluster: lab.Cluster) -> None:
    user = cluster.controller_kubectl.json("auth", "whoami")["status"]["userInfo"]

    assert user["username"] == lab.CONTROLLER_USER


def test_servers_listen_on_loopback_only(cluster: lab.Cluster) -> None:
    pids = recorded_pids(cluster.directory)
    listening = {name: listening_addresses(pid) for name, pid in pids.items()}

    assert listening["etcd"]
    assert listening["kube-apiserver"]
    assert listening["kube-controller-manager"] == set()
    for name, addresses in listening.items():
        assert all(address.startswith("127.0.0.1:") for address in addresses), (name, addresses)


def test_dependents_go_with_their_owner_and_namespaces_finish_deleting(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "short-lived")
    kubectl("create", "configmap", "owner", "--namespace=short-lived")
    owner_uid = kubectl.json("get", "configmap", "owner", "--namespace=short-lived")["metadata"]["uid"]
    dependent = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "dependent",
            "namespace": "short-lived",
            "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner_uid}],
        },
    }
    kubectl("create", "--filename=-", input=json.dumps(dependent))

    kubectl("delete", "configmap", "owner", "--namespace=short-lived")

    kubectl("wait", "--for=delete", "--timeout=30s", "configmap/dependent", "--namespace=short-lived")
    kubectl("delete", "namespace", "short-lived", "--timeout=30s")
    assert kubectl.run("get", "namespace", "short-lived").returncode == 1


def test_cli_starts_stops_and_restarts_a_cluster_keeping_its_data(
    cluster_bin_dir: Path, tmp_path: Path, kubectl: Kubectl
) -> None:
    directory = tmp_path / "lab"
    start = ("lab", "cluster", "start", f"--dir={directory}", f"--bin-dir={cluster_bin_dir}")
    stop = ("lab", "cluster", "stop", f"--dir={directory}")
    try:
        started = frr_edge(*start)
        assert started.returncode == 0, started.stderr
        second = Kubectl(cluster_bin_dir / "kubectl", directory / "kubeconfig")
        second("create", "configmap", "survives-restart", "--from-literal=answer=42")
        pids = recorded_pids(directory)

        stopped = frr_edge(*stop)

        assert stopped.returncode == 0, stopped.stderr
        assert stopped.stdout.strip() == "stopped: kube-controller-manager, kube-apiserver, etcd"
        assert not any(is_running(pid) for pid in pids.values())
        assert kubectl.run("get", "namespace", "default").returncode == 0, "the session's cluster was stopped"
        assert frr_edge(*stop).stdout.strip() == f"nothing running for {directory}"

        restarted = frr_edge(*start)

        assert restarted.returncode == 0, restarted.stderr
        assert second.json("get", "configmap", "survives-restart")["data"] == {"answer": "42"}
    finally:
        lab.stop(directory)


def test_start_refuses_a_directory_whose_cluster_is_running(cluster: lab.Cluster) -> None:
    started = frr_edge("lab", "cluster", "start", f"--dir={cluster.directory}", f"--bin-dir={cluster.bin_dir}")

    assert started.returncode == 1
    assert "already running" in started.stderr


def test_stop_leaves_a_process_that_reused_a_recorded_pid_alone(tmp_path: Path) -> None:
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        # As after a reboot: the recorded PID now belongs to a process the harness never started.
        state = {
            "ports": {"etcd": 1, "etcd_peer": 2, "apiserver": 3},
            "processes": [{"name": "etcd", "pid": stranger.pid, "start_time": 1}],
        }
        (tmp_path / "cluster.json").write_text(json.dumps(state))

        assert lab.stop(tmp_path) == []
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_start_without_binaries_says_how_to_build_them(tmp_path: Path) -> None:
    started = frr_edge("lab", "cluster", "start", f"--dir={tmp_path}", f"--bin-dir={tmp_path / 'empty'}")

    assert started.returncode == 1
    assert "scripts/build-cluster.sh" in started.stderr
    assert not (tmp_path / "cluster.json").exists()
