"""The lab cluster: a real etcd, kube-apiserver and kube-controller-manager on loopback, stopped by PID.

Everything lives in one directory: certificates (`pki/`), etcd's data (`etcd/`), logs, the admin
kubeconfig (`kubeconfig`), one for the frr-edge ServiceAccount (`frr-edge.kubeconfig`) and `cluster.json`,
which records the ports and the processes this harness started. Stopping reads that file and signals only
those processes, after checking each is still the very process that was started (PIDs get reused).
The controller-manager runs only the controllers a cluster without nodes needs: ServiceAccounts, garbage
collection (ownerReferences) and namespace deletion. There is no scheduler and no kubelet: Pods stay Pending.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from controller.lab import DEFAULT_BIN_DIR
from controller.lab.kubectl import Kubectl, KubectlError
from controller.lab.pki import ClusterPKI, KeyPair, ensure_pki
from controller.lab.processes import free_port, start_time

CONTROLLER_NAMESPACE = "frr-edge-system"
CONTROLLER_SERVICE_ACCOUNT = "frr-edge"
CONTROLLER_USER = f"system:serviceaccount:{CONTROLLER_NAMESPACE}:{CONTROLLER_SERVICE_ACCOUNT}"
BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kubectl")

_STATE = "cluster.json"
_LOOPBACK = "127.0.0.1"
# Dual-stack, as clusters running MetalLB for IPv4 and IPv6 Services are.
_SERVICE_CIDRS = "10.96.0.0/16,fd00:10:96::/112"
_CONTROLLERS = "serviceaccount,garbagecollector,namespace"
_TOKEN_LIFETIME = "24h"


class ClusterError(Exception):
    """The lab cluster could not be started or stopped; the message says why and where the logs are."""


@dataclass(frozen=True)
class Cluster:
    """A running lab cluster, as a test or a user reaches it."""

    directory: Path
    bin_dir: Path
    server: str

    @property
    def kubeconfig(self) -> Path:
        """Admin kubeconfig (group system:masters)."""
        return self.directory / "kubeconfig"

    @property
    def controller_kubeconfig(self) -> Path:
        """Kubeconfig holding a token of the frr-edge ServiceAccount."""
        return self.directory / "frr-edge.kubeconfig"

    @property
    def kubectl(self) -> Kubectl:
        """kubectl as the lab's cluster-admin."""
        return Kubectl(self.bin_dir / "kubectl", self.kubeconfig)

    @property
    def controller_kubectl(self) -> Kubectl:
        """kubectl as the frr-edge ServiceAccount."""
        return Kubectl(self.bin_dir / "kubectl", self.controller_kubeconfig)


@dataclass(frozen=True)
class _Process:
    name: str
    pid: int
    start_time: int  # clock ticks since boot, from /proc: tells this process from a later one with its PID


@dataclass
class _State:
    """What `cluster.json` records: the ports (kept across restarts, etcd remembers its peer URL) and PIDs."""

    ports: dict[str, int]
    processes: list[_Process]

    @classmethod
    def load(cls, directory: Path) -> _State | None:
        try:
            recorded = json.loads((directory / _STATE).read_text())
        except FileNotFoundError:
            return None
        return cls(
            ports={name: int(port) for name, port in recorded["ports"].items()},
            processes=[_Process(**entry) for entry in recorded["processes"]],
        )

    def save(self, directory: Path) -> None:
        recorded = {"ports": self.ports, "processes": [asdict(process) for process in self.processes]}
        (directory / _STATE).write_text(json.dumps(recorded, indent=2) + "\n")

    def process(self, name: str) -> _Process:
        return next(process for process in self.processes if process.name == name)


def start(directory: Path, bin_dir: Path = DEFAULT_BIN_DIR, timeout: float = 90.0) -> Cluster:
    """Start etcd and kube-apiserver for `directory` and wait until the API server is ready.

    Reuses the directory's certificates, data and ports when it was used before. On failure, whatever was
    started is stopped again and the error quotes the failing server's log.
    """
    directory = directory.resolve()
    bin_dir = bin_dir.resolve()
    for binary in BINARIES:
        if not os.access(bin_dir / binary, os.X_OK):
            raise ClusterError(
                f"{bin_dir / binary} is missing; build the binaries with scripts/build-cluster.sh"
                " and pass the directory it prints as --bin-dir"
            )
    previous = _State.load(directory)
    if previous and any(_is_running(process) for process in previous.processes):
        raise ClusterError(f"a lab cluster is already running in {directory}; stop it first")

    directory.mkdir(parents=True, exist_ok=True)
    pki = ensure_pki(directory / "pki")
    ports = previous.ports if previous else {name: free_port() for name in ("etcd", "etcd_peer", "apiserver")}
    state = _State(ports, [])
    state.save(directory)
    cluster = Cluster(directory, bin_dir, f"https://{_LOOPBACK}:{ports['apiserver']}")
    try:
        _launch(directory, state, "etcd", _etcd_command(bin_dir, directory, pki, ports))
        etcd_health = f"https://{_LOOPBACK}:{ports['etcd']}/health"
        _wait_ready(directory, state.process("etcd"), etcd_health, pki, pki.apiserver_etcd_client, timeout)
        _launch(directory, state, "kube-apiserver", _apiserver_command(bin_dir, pki, ports))
        apiserver = state.process("kube-apiserver")
        _wait_ready(directory, apiserver, f"{cluster.server}/readyz", pki, pki.admin, timeout)
        _write_admin_kubeconfig(cluster, pki)
        _launch(directory, state, "kube-controller-manager", _controller_manager_command(cluster))
        # Ready once its ServiceAccount controller has given the first namespace its `default` account.
        cluster.kubectl("wait", "--for=create", f"--timeout={timeout:.0f}s", "serviceaccount/default")
        _write_controller_kubeconfig(cluster, pki)
    except KubectlError as error:
        stop(directory)
        raise ClusterError(str(error)) from error
    except BaseException:
        stop(directory)
        raise
    return cluster


def stop(directory: Path, timeout: float = 20.0) -> list[str]:
    """Stop the processes this harness started for `directory`; return the names of those it stopped.

    A recorded PID that now belongs to another process (or to nothing) is left alone.
    """
    directory = directory.resolve()
    state = _State.load(directory)
    if state is None:
        return []
    # The API server first, so it does not spend its last seconds retrying a vanished etcd.
    stopped = [process.name for process in reversed(state.processes) if _terminate(process, timeout)]
    state.processes = []
    state.save(directory)
    return stopped


def restart_apiserver(cluster: Cluster, down: float = 0.0, timeout: float = 90.0) -> None:
    """Stop the lab's kube-apiserver at once (SIGKILL right after SIGTERM: its graceful shutdown waits for
    watches to end, tens of seconds), wait `down` seconds, start it again with the same flags and wait until it
    is ready: every client loses its connections and watches meanwhile.
    """
    directory = cluster.directory
    state = _State.load(directory)
    if state is None:
        raise ClusterError(f"no lab cluster was started in {directory}")
    _terminate(state.process("kube-apiserver"), 0)
    state.processes = [process for process in state.processes if process.name != "kube-apiserver"]
    state.save(directory)
    time.sleep(down)
    pki = ensure_pki(directory / "pki")
    _launch(directory, state, "kube-apiserver", _apiserver_command(cluster.bin_dir, pki, state.ports))
    _wait_ready(directory, state.process("kube-apiserver"), f"{cluster.server}/readyz", pki, pki.admin, timeout)


def _etcd_command(bin_dir: Path, directory: Path, pki: ClusterPKI, ports: dict[str, int]) -> list[str]:
    client_url = f"https://{_LOOPBACK}:{ports['etcd']}"
    peer_url = f"http://{_LOOPBACK}:{ports['etcd_peer']}"
    return [
        str(bin_dir / "etcd"),
        "--name=lab",
        f"--data-dir={directory / 'etcd'}",
        f"--listen-client-urls={client_url}",
        f"--advertise-client-urls={client_url}",
        f"--listen-peer-urls={peer_url}",
        f"--initial-advertise-peer-urls={peer_url}",
        f"--initial-cluster=lab={peer_url}",
        f"--cert-file={pki.etcd_server.cert}",
        f"--key-file={pki.etcd_server.key}",
        f"--trusted-ca-file={pki.ca.cert}",
        "--client-cert-auth",
        # Throwaway test data: skipping fsync makes CRD creation and applies several times faster.
        "--unsafe-no-fsync",
        "--log-level=warn",
    ]


def _apiserver_command(bin_dir: Path, pki: ClusterPKI, ports: dict[str, int]) -> list[str]:
    return [
        str(bin_dir / "kube-apiserver"),
        f"--bind-address={_LOOPBACK}",
        f"--advertise-address={_LOOPBACK}",
        f"--secure-port={ports['apiserver']}",
        f"--etcd-servers=https://{_LOOPBACK}:{ports['etcd']}",
        f"--etcd-cafile={pki.ca.cert}",
        f"--etcd-certfile={pki.apiserver_etcd_client.cert}",
        f"--etcd-keyfile={pki.apiserver_etcd_client.key}",
        f"--tls-cert-file={pki.apiserver_serving.cert}",
        f"--tls-private-key-file={pki.apiserver_serving.key}",
        f"--client-ca-file={pki.ca.cert}",
        f"--cert-dir={pki.ca.cert.parent}",
        "--anonymous-auth=false",
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={pki.service_account_public_key}",
        f"--service-account-signing-key-file={pki.service_account_key}",
        f"--service-cluster-ip-range={_SERVICE_CIDRS}",
        # The `kubernetes` Service cannot point at a loopback address; nothing here needs it to.
        "--endpoint-reconciler-type=none",
        "--profiling=false",
    ]


def _controller_manager_command(cluster: Cluster) -> list[str]:
    return [
        str(cluster.bin_dir / "kube-controller-manager"),
        # The lab's admin identity: one credential for every controller, no per-controller accounts.
        f"--kubeconfig={cluster.kubeconfig}",
        "--use-service-account-credentials=false",
        f"--controllers={_CONTROLLERS}",
        "--leader-elect=false",
        "--secure-port=0",  # serves nothing: readiness is seen in the API instead
        f"--service-cluster-ip-range={_SERVICE_CIDRS}",
    ]


def _launch(directory: Path, state: _State, name: str, command: Sequence[str]) -> None:
    with (directory / f"{name}.log").open("ab") as log:
        # A session of its own: the server outlives the `lab cluster start` command and ignores its ^C.
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    state.processes.append(_Process(name, child.pid, start_time(child.pid) or 0))
    state.save(directory)


def _wait_ready(directory: Path, process: _Process, url: str, pki: ClusterPKI, client: KeyPair, timeout: float) -> None:
    context = ssl.create_default_context(cafile=str(pki.ca.cert))
    context.load_cert_chain(str(client.cert), str(client.key))
    name = process.name
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while time.monotonic() < deadline:
        if not _is_running(process):
            raise ClusterError(f"{name} exited during startup:\n{_log_tail(directory, name)}")
        try:
            with urllib.request.urlopen(url, context=context, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as error:
            last_error = str(error)
        time.sleep(0.2)
    raise ClusterError(f"{name} was not ready after {timeout:.0f} s ({last_error}):\n{_log_tail(directory, name)}")


def _write_admin_kubeconfig(cluster: Cluster, pki: ClusterPKI) -> None:
    user = {
        "client-certificate-data": _b64(pki.admin.cert.read_bytes()),
        "client-key-data": _b64(pki.admin.key.read_bytes()),
    }
    _write_kubeconfig(cluster.kubeconfig, cluster.server, pki, "frr-edge-lab-admin", user)


def _write_controller_kubeconfig(cluster: Cluster, pki: ClusterPKI) -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": CONTROLLER_NAMESPACE}},
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": CONTROLLER_SERVICE_ACCOUNT, "namespace": CONTROLLER_NAMESPACE},
            },
        ],
    }
    admin = cluster.kubectl
    admin("apply", "--filename=-", input=json.dumps(manifest))
    token = admin(
        "create",
        "token",
        CONTROLLER_SERVICE_ACCOUNT,
        f"--namespace={CONTROLLER_NAMESPACE}",
        f"--duration={_TOKEN_LIFETIME}",
    ).strip()
    _write_kubeconfig(cluster.controller_kubeconfig, cluster.server, pki, CONTROLLER_SERVICE_ACCOUNT, {"token": token})


def _write_kubeconfig(path: Path, server: str, pki: ClusterPKI, user: str, credentials: dict[str, str]) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "frr-edge-lab",
                "cluster": {"server": server, "certificate-authority-data": _b64(pki.ca.cert.read_bytes())},
            }
        ],
        "users": [{"name": user, "user": credentials}],
        "contexts": [{"name": user, "context": {"cluster": "frr-edge-lab", "user": user}}],
        "current-context": user,
    }
    path.touch(mode=0o600)
    path.write_text(json.dumps(config, indent=2) + "\n")


def _terminate(process: _Process, timeout: float) -> bool:
    """SIGTERM `process`, SIGKILL it after `timeout`; False when it had already gone."""
    try:
        handle = os.pidfd_open(process.pid)
    except ProcessLookupError:
        return False
    try:
        # Checked after opening the handle: from here on, signals cannot reach a process that reused the PID.
        if not _is_running(process):
            return False
        signal.pidfd_send_signal(handle, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _is_running(process) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _is_running(process):
            signal.pidfd_send_signal(handle, signal.SIGKILL)
            while _is_running(process):
                time.sleep(0.1)
    finally:
        os.close(handle)
    return True


def _is_running(process: _Process) -> bool:
    """True while `process` (that very process, not a later one with its PID) has not exited."""
    return start_time(process.pid) == process.start_time


def _log_tail(directory: Path, name: str, lines: int = 20) -> str:
    log = directory / f"{name}.log"
    if not log.exists():
        return f"(no {log})"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) + f"\n(full log: {log})"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
