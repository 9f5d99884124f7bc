"""The router lab: real FRR, OpenSSH and nftables in network namespaces, started and stopped by PID.

Topology (every name carries the lab's id, so two labs run side by side):

    root namespace ── <id>m ══ mgmt0 ── router ── br0 ══ eth0 ── speaker s1..sN (FRR, MetalLB-like)
       (controller, tests)              (FRR,        pub0 ══ eth0 ── client
                                         sshd, nft)

The router's management address is the only address in the root namespace's reach (a /30 from
10.213.0.0/16, chosen free). Speakers and client use documentation ranges inside their namespaces only:
speakers 192.0.2.11.. (AS 64513) dial the router at 192.0.2.1 (AS 64512) and announce the LoadBalancer
IPs 203.0.113.10-12/32, each with a TCP server bound to it; the client is 198.51.100.2 behind pub0.
`lab.json` in the lab's directory records the names and every process started; `stop` reads it.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from controller.api.common import API_VERSION
from controller.api.router import FRRSettings
from controller.lab import ROUTER_LAB_NEEDS_ROOT
from controller.lab.processes import start_time
from controller.offline import dump_yaml
from controller.router.ssh.commands import WORKDIR_NAME, RouterCommands, sudoers

ROUTER_ASN = 64512
SPEAKER_ASN = 64513
ROUTER_LAN = "192.0.2.1"
ROUTER_LAN_V6 = "2001:db8::1"
CLIENT_ADDRESS = "198.51.100.2"
PUBLIC_ADDRESS = "198.51.100.1"
LB_IPS = ("203.0.113.10", "203.0.113.11", "203.0.113.12")
SERVICE_PORTS = (80, 443, 8080)
BGP_PASSWORD = "sample-only-change-me"
ROUTER_NAME = "lab-edge"
LAB_LABELS = {"frr-edge.dev/site": "lab"}

_STATE = "lab.json"
_ROUTER_DAEMONS = ("zebra", "bgpd", "staticd", "bfdd")
_SPEAKER_DAEMONS = ("zebra", "bgpd", "bfdd")  # MetalLB runs bfdd beside bgpd in FRR mode
_FRR_ETC = Path("/etc/frr")
_FRR_RUN = Path("/var/run/frr")
_HOMES = Path("/var/lib/frr-edge-lab")
_SUDOERS = Path("/etc/sudoers.d")


class LabError(Exception):
    """The lab could not be started or stopped; the message says why."""


@dataclass(frozen=True)
class Speaker:
    name: str
    namespace: str
    address: str
    address_v6: str | None


@dataclass
class RouterLab:
    """A running router lab, as tests and users reach it."""

    directory: Path
    lab_id: str
    router_namespace: str
    client_namespace: str
    management_link: str
    management_address: str
    user: str
    home: str
    speakers: list[Speaker]
    processes: list[dict[str, int | str]] = field(default_factory=list)

    @property
    def router_manifest(self) -> Path:
        return self.directory / "router.yaml"

    @property
    def ssh_key(self) -> Path:
        return self.directory / "id_ed25519"

    @property
    def host_key(self) -> str:
        return (self.directory / "ssh_host_ed25519_key.pub").read_text().strip()

    @property
    def sshd_pid_file(self) -> Path:
        return self.directory / "sshd.pid"

    @property
    def workdir(self) -> str:
        return f"{self.home}/{WORKDIR_NAME}"

    @property
    def commands(self) -> RouterCommands:
        return RouterCommands(FRRSettings(pathspace=self.router_namespace), self.workdir, self.user)

    def vtysh(self, namespace: str, *commands: str) -> str:
        """Run vtysh commands as root in a lab FRR instance (as an admin on the router would)."""
        argv = ["vtysh", "-N", namespace]
        for command in commands:
            argv += ["-c", command]
        return _run(argv).stdout

    def save(self) -> None:
        document = asdict(self)
        document["directory"] = str(self.directory)
        (self.directory / _STATE).write_text(json.dumps(document, indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> RouterLab | None:
        try:
            document = json.loads((directory / _STATE).read_text())
        except FileNotFoundError:
            return None
        document["directory"] = Path(document["directory"])
        document["speakers"] = [Speaker(**speaker) for speaker in document["speakers"]]
        return cls(**document)


def _keygen(path: Path, comment: str) -> None:
    path.unlink(missing_ok=True)
    Path(f"{path}.pub").unlink(missing_ok=True)
    _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])


def _run(argv: list[str], namespace: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    if namespace is not None:
        argv = ["ip", "netns", "exec", namespace, *argv]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise LabError(f"{' '.join(argv)} failed ({result.returncode}): {(result.stderr or result.stdout).strip()}")
    return result


def _record(lab: RouterLab, name: str, pid: int) -> None:
    started = start_time(pid)
    if started is None:
        raise LabError(f"{name} (pid {pid}) exited right after starting; see the logs in {lab.directory}")
    lab.processes.append({"name": name, "pid": pid, "start_time": started})
    lab.save()


def _wait_for_file(path: Path, what: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.05)
    raise LabError(f"{what} did not write {path} within {timeout:.0f} s")


def _management_subnet() -> int:
    used = _run(["ip", "-o", "-4", "addr", "show"]).stdout
    for index in range(256):
        if f"10.213.{index}." not in used:
            return index
    raise LabError("no free management subnet in 10.213.0.0/16 (256 labs running?)")


def _frr_instance(lab: RouterLab, namespace: str, config: str, daemons: tuple[str, ...]) -> None:
    etc, run = _FRR_ETC / namespace, _FRR_RUN / namespace
    for directory in (etc, run):
        directory.mkdir(parents=True, exist_ok=True)
        shutil.chown(directory, "frr", "frr")
    (etc / "vtysh.conf").write_text("service integrated-vtysh-config\n")
    (etc / "frr.conf").write_text(config)
    for name in ("vtysh.conf", "frr.conf"):
        shutil.chown(etc / name, "frr", "frr")
        (etc / name).chmod(0o640)
    for daemon in daemons:
        pid_file = run / f"{daemon}.pid"
        options = ["-d", "-N", namespace, "-F", "traditional", "-f", str(etc / "frr.conf"), "-i", str(pid_file)]
        _run([f"/usr/lib/frr/{daemon}", *options], namespace)
        _record(lab, f"{namespace}/{daemon}", int(_wait_for_file(pid_file, daemon)))


def _watchfrr(lab: RouterLab, namespace: str, daemons: tuple[str, ...]) -> None:
    """watchfrr, as FRR's service runs it on a router: it saves the configuration for vtysh users who are
    not root (frr-reload.py as the login user ends with `write`). --dry: the lab alone starts and stops daemons.
    """
    pid_file = _FRR_RUN / namespace / "watchfrr.pid"
    _run(["/usr/lib/frr/watchfrr", "-d", "--dry", "-N", namespace, "-p", str(pid_file), *daemons], namespace)
    _record(lab, f"{namespace}/watchfrr", int(_wait_for_file(pid_file, "watchfrr")))


def _router_frr(namespace: str) -> str:
    return (
        f"frr defaults traditional\nlog file {_FRR_RUN / namespace / 'frr.log'}\nservice integrated-vtysh-config\n!\n"
    )


def _speaker_frr(speaker: Speaker) -> str:
    lines = [
        "frr defaults traditional",
        "!",
        f"router bgp {SPEAKER_ASN}",
        f" bgp router-id {speaker.address}",
        " no bgp ebgp-requires-policy",
        " no bgp default ipv4-unicast",
        f" neighbor {ROUTER_LAN} remote-as {ROUTER_ASN}",
        f" neighbor {ROUTER_LAN} password {BGP_PASSWORD}",
    ]
    if speaker.address_v6:
        lines.append(f" neighbor {ROUTER_LAN_V6} remote-as {ROUTER_ASN}")
    lines.append(" address-family ipv4 unicast")
    lines += [f"  network {ip}/32" for ip in LB_IPS]
    lines += [f"  neighbor {ROUTER_LAN} activate", " exit-address-family"]
    if speaker.address_v6:
        lines += [" address-family ipv6 unicast", f"  neighbor {ROUTER_LAN_V6} activate", " exit-address-family"]
    lines += ["exit", "!"]
    return "\n".join(lines) + "\n"


def _links(lab: RouterLab, subnet: int) -> None:
    router, client = lab.router_namespace, lab.client_namespace
    for namespace in (router, client, *(s.namespace for s in lab.speakers)):
        _run(["ip", "netns", "add", namespace])
        _run(["ip", "-n", namespace, "link", "set", "lo", "up"])
    _run(["ip", "link", "add", lab.management_link, "type", "veth", "peer", "name", "mgmt0", "netns", router])
    _run(["ip", "addr", "add", f"10.213.{subnet}.1/30", "dev", lab.management_link])
    _run(["ip", "link", "set", lab.management_link, "up"])
    _run(["ip", "-n", router, "addr", "add", f"{lab.management_address}/30", "dev", "mgmt0"])
    _run(["ip", "-n", router, "link", "set", "mgmt0", "up"])

    _run(["ip", "-n", router, "link", "add", "br0", "type", "bridge"])
    _run(["ip", "-n", router, "addr", "add", f"{ROUTER_LAN}/24", "dev", "br0"])
    _run(["ip", "-n", router, "addr", "add", f"{ROUTER_LAN_V6}/64", "dev", "br0", "nodad"])
    _run(["ip", "-n", router, "link", "set", "br0", "up"])
    for index, speaker in enumerate(lab.speakers, start=1):
        port = f"sp{index}"
        _run(
            [
                "ip",
                "-n",
                router,
                "link",
                "add",
                port,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                speaker.namespace,
            ]
        )
        _run(["ip", "-n", router, "link", "set", port, "master", "br0", "up"])
        _run(["ip", "-n", speaker.namespace, "addr", "add", f"{speaker.address}/24", "dev", "eth0"])
        if speaker.address_v6:
            _run(["ip", "-n", speaker.namespace, "addr", "add", f"{speaker.address_v6}/64", "dev", "eth0", "nodad"])
        _run(["ip", "-n", speaker.namespace, "link", "set", "eth0", "up"])
        _run(["ip", "-n", speaker.namespace, "route", "add", "default", "via", ROUTER_LAN])
        for ip in LB_IPS:
            _run(["ip", "-n", speaker.namespace, "addr", "add", f"{ip}/32", "dev", "lo"])

    _run(["ip", "-n", router, "link", "add", "pub0", "type", "veth", "peer", "name", "eth0", "netns", client])
    _run(["ip", "-n", router, "addr", "add", f"{PUBLIC_ADDRESS}/24", "dev", "pub0"])
    _run(["ip", "-n", router, "link", "set", "pub0", "up"])
    _run(["ip", "-n", client, "addr", "add", f"{CLIENT_ADDRESS}/24", "dev", "eth0"])
    _run(["ip", "-n", client, "link", "set", "eth0", "up"])
    _run(["ip", "-n", client, "route", "add", "default", "via", PUBLIC_ADDRESS])
    _run(["sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"], router)


def _login_user(lab: RouterLab) -> None:
    """The non-root user frr-edge logs in as (in group frrvty, so its vtysh reaches FRR), its key, and sudo
    rules for exactly frr-edge's sudo commands."""
    home = Path(lab.home)
    _HOMES.mkdir(parents=True, exist_ok=True)
    useradd = ["useradd", "--system", "--home-dir", str(home), "--create-home", "--shell", "/bin/sh"]
    _run([*useradd, "--groups", "frrvty", lab.user])
    # A locked password ('!') makes sshd without PAM refuse every login; '*' only disables passwords.
    _run(["usermod", "-p", "*", lab.user])
    _keygen(lab.ssh_key, f"frr-edge@{lab.lab_id}")
    ssh = home / ".ssh"
    ssh.mkdir(mode=0o700)
    (ssh / "authorized_keys").write_text(Path(f"{lab.ssh_key}.pub").read_text())
    (home / WORKDIR_NAME).mkdir(mode=0o700)
    for path in (home, ssh, ssh / "authorized_keys", home / WORKDIR_NAME):
        shutil.chown(path, lab.user, lab.user)
    rules = _SUDOERS / f"frr-edge-lab-{lab.lab_id}"
    candidate = lab.directory / "sudoers"
    candidate.write_text(sudoers(lab.user, lab.commands))
    _run(["visudo", "-cqf", str(candidate)])
    shutil.copyfile(candidate, rules)
    rules.chmod(0o440)


def _sshd(lab: RouterLab) -> None:
    key = lab.directory / "ssh_host_ed25519_key"
    _keygen(key, lab.router_namespace)
    config = lab.directory / "sshd_config"
    config.write_text(
        f"ListenAddress {lab.management_address}\nPort 22\nHostKey {key}\nPidFile {lab.sshd_pid_file}\n"
        f"AllowUsers {lab.user}\nPermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "UsePAM no\nAuthorizedKeysFile .ssh/authorized_keys\nSubsystem sftp internal-sftp\n"
        "X11Forwarding no\nAllowTcpForwarding no\n"
    )
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    start_sshd(lab)


def start_sshd(lab: RouterLab) -> None:
    """Start the router's sshd (again); its PID is recorded like every other."""
    lab.sshd_pid_file.unlink(missing_ok=True)
    config = lab.directory / "sshd_config"
    _run(["/usr/sbin/sshd", "-f", str(config), "-E", str(lab.directory / "sshd.log")], lab.router_namespace)
    _record(lab, "sshd", int(_wait_for_file(lab.sshd_pid_file, "sshd")))


def stop_sshd(lab: RouterLab) -> None:
    """Stop the router's sshd only (for tests of an unreachable router)."""
    _stop([p for p in lab.processes if p["name"] == "sshd"])
    lab.processes = [p for p in lab.processes if p["name"] != "sshd"]
    lab.save()


def kill_daemon(lab: RouterLab, daemon: str) -> None:
    """SIGKILL one of the router's FRR daemons by its recorded PID, as a crash would end it."""
    name = f"{lab.router_namespace}/{daemon}"
    for process in [p for p in lab.processes if p["name"] == name]:
        if start_time(int(process["pid"])) == process["start_time"]:
            os.kill(int(process["pid"]), signal.SIGKILL)
    lab.processes = [p for p in lab.processes if p["name"] != name]
    lab.save()


def start_daemon(lab: RouterLab, daemon: str) -> None:
    """Start one of the router's FRR daemons again, from the configuration `write memory` saved last."""
    etc, run = _FRR_ETC / lab.router_namespace, _FRR_RUN / lab.router_namespace
    pid_file = run / f"{daemon}.pid"
    pid_file.unlink(missing_ok=True)
    options = ["-d", "-N", lab.router_namespace, "-F", "traditional", "-f", str(etc / "frr.conf"), "-i", str(pid_file)]
    _run([f"/usr/lib/frr/{daemon}", *options], lab.router_namespace)
    _record(lab, f"{lab.router_namespace}/{daemon}", int(_wait_for_file(pid_file, daemon)))


def _servers(lab: RouterLab) -> None:
    listen = [f"{ip}:{port}" for ip in LB_IPS for port in SERVICE_PORTS]
    for speaker in lab.speakers:
        with (lab.directory / f"{speaker.name}-server.log").open("w") as log:
            serve = [sys.executable, "-m", "controller.lab.router_traffic", "serve", "--name", speaker.name, *listen]
            process = subprocess.Popen(
                ["ip", "netns", "exec", speaker.namespace, *serve],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _record(lab, f"{speaker.name}/server", process.pid)


def _manifests(lab: RouterLab) -> None:
    key = lab.ssh_key.read_text()
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": f"{ROUTER_NAME}-ssh", "namespace": "frr-edge-system"},
        "type": "kubernetes.io/ssh-auth",
        "stringData": {"ssh-privatekey": key},
    }
    router = {
        "apiVersion": API_VERSION,
        "kind": "Router",
        "metadata": {"name": ROUTER_NAME, "labels": dict(LAB_LABELS)},
        "spec": {
            "address": lab.management_address,
            "user": lab.user,
            "sshKeySecretRef": {"namespace": "frr-edge-system", "name": f"{ROUTER_NAME}-ssh"},
            "hostKeys": [lab.host_key],
            "frr": {"pathspace": lab.router_namespace, "ownership": "Managed"},
            "bgpAddresses": [ROUTER_LAN, ROUTER_LAN_V6],
            "firewall": {"publicInterface": "pub0"},
        },
    }
    (lab.directory / "router.yaml").write_text(dump_yaml([router, secret]))
    addresses = {
        "management": lab.management_address,
        "router": ROUTER_LAN,
        "client": CLIENT_ADDRESS,
        "speakers": [s.address for s in lab.speakers],
        "loadBalancerIPs": list(LB_IPS),
        "servicePorts": list(SERVICE_PORTS),
    }
    (lab.directory / "addresses.json").write_text(json.dumps(addresses, indent=2) + "\n")


def start(directory: Path, speakers: int = 2) -> RouterLab:
    """Create the namespaces, links, FRR instances, sshd, login user and servers of a new lab in `directory`.

    On failure everything started so far is stopped again.
    """
    if os.geteuid() != 0:
        raise LabError(ROUTER_LAB_NEEDS_ROOT)
    if not 1 <= speakers <= 9:
        raise LabError("--speakers must be between 1 and 9")
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    if RouterLab.load(directory) is not None:
        raise LabError(f"{directory} already holds a lab; stop it first")
    lab_id = secrets.token_hex(3)
    subnet = _management_subnet()
    lab = RouterLab(
        directory=directory,
        lab_id=lab_id,
        router_namespace=f"fe{lab_id}-r",
        client_namespace=f"fe{lab_id}-c",
        management_link=f"fe{lab_id}m",
        management_address=f"10.213.{subnet}.2",
        user=f"frr-edge-{lab_id}",
        home=str(_HOMES / lab_id),
        speakers=[
            Speaker(f"s{i}", f"fe{lab_id}-s{i}", f"192.0.2.{10 + i}", "2001:db8::11" if i == 1 else None)
            for i in range(1, speakers + 1)
        ],
    )
    lab.save()
    try:
        _links(lab, subnet)
        _frr_instance(lab, lab.router_namespace, _router_frr(lab.router_namespace), _ROUTER_DAEMONS)
        _watchfrr(lab, lab.router_namespace, _ROUTER_DAEMONS)
        for speaker in lab.speakers:
            _frr_instance(lab, speaker.namespace, _speaker_frr(speaker), _SPEAKER_DAEMONS)
        _login_user(lab)
        _sshd(lab)
        _servers(lab)
        _manifests(lab)
    except BaseException:
        stop(directory)
        raise
    return lab


def _stop(processes: list[dict[str, int | str]], timeout: float = 5.0) -> list[str]:
    alive = [p for p in processes if start_time(int(p["pid"])) == p["start_time"]]
    for process in alive:
        # Servers run in their own session: signal the group, which is ip-netns-exec's python child.
        try:
            if str(process["name"]).endswith("/server"):
                os.killpg(int(process["pid"]), signal.SIGTERM)
            else:
                os.kill(int(process["pid"]), signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    for process in alive:
        pid = int(process["pid"])
        while start_time(pid) == process["start_time"] and time.monotonic() < deadline:
            time.sleep(0.05)
        if start_time(pid) == process["start_time"]:
            os.kill(pid, signal.SIGKILL)
    return [str(p["name"]) for p in alive]


def _stop_leftovers(namespace: str) -> None:
    """Stop what still runs in one of the lab's namespaces: children of its sshd (SSH sessions, sudo)."""
    pids = [int(pid) for pid in _run(["ip", "netns", "pids", namespace], check=False).stdout.split()]
    if pids:
        print(f"frr-edge lab router: stopping {' '.join(map(str, pids))} left in {namespace}", file=sys.stderr)
        _stop([{"name": f"{namespace}/{pid}", "pid": pid, "start_time": start_time(pid) or 0} for pid in pids])


def stop(directory: Path) -> list[str]:
    """Stop what `start` started for `directory` (by recorded PID), and remove what it created."""
    directory = directory.resolve()
    lab = RouterLab.load(directory)
    if lab is None:
        return []
    stopped = _stop(lab.processes)
    namespaces = [lab.router_namespace, lab.client_namespace, *(s.namespace for s in lab.speakers)]
    existing = _run(["ip", "netns", "list"]).stdout.split()
    for namespace in namespaces:
        if namespace in existing:
            _stop_leftovers(namespace)
            _run(["ip", "netns", "del", namespace], check=False)
        shutil.rmtree(_FRR_ETC / namespace, ignore_errors=True)
        shutil.rmtree(_FRR_RUN / namespace, ignore_errors=True)
    _run(["ip", "link", "del", lab.management_link], check=False)
    (_SUDOERS / f"frr-edge-lab-{lab.lab_id}").unlink(missing_ok=True)
    try:
        pwd.getpwnam(lab.user)
        removed = _run(["userdel", lab.user], check=False)
        if removed.returncode != 0:
            print(f"frr-edge lab router: userdel {lab.user}: {removed.stderr.strip()}", file=sys.stderr)
    except KeyError:
        pass
    shutil.rmtree(lab.home, ignore_errors=True)
    (directory / _STATE).unlink()
    return stopped


def send(lab: RouterLab, address: str, port: int, seconds: float = 0.0, rate: float = 0.0) -> dict[str, Any]:
    """From the client namespace: connect to address:port, offer `rate` bytes/s for `seconds` (see router_traffic)."""
    argv = [sys.executable, "-m", "controller.lab.router_traffic", "send", f"{address}:{port}"]
    argv += ["--seconds", str(seconds), "--rate", str(rate)]
    result = _run(argv, lab.client_namespace)
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer
