"""The one-command demo: a real API server, the router lab and the controller, left running to play with.

`frr-edge lab demo start --dir DIR` builds (or reuses) kube-apiserver and etcd, starts the router lab (FRR,
sshd and nftables in network namespaces, two MetalLB-like speakers), installs the CRDs, RBAC, the admission
webhook's registration and controller/lab/demo-metallb.yaml, writes the status the kubelet and MetalLB would
write, runs `frr-edge run` (with its webhook) as the frr-edge ServiceAccount, waits for the sessions, prints
RouterState and the router's BGP summary, and shows controller/lab/demo-conflict.yaml refused at `kubectl
apply`.
`frr-edge lab demo stop --dir DIR` stops exactly what start started.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from controller.lab import cluster as cluster_lab
from controller.lab import metallb_crds
from controller.lab import router as router_lab
from controller.lab import webhook as lab_webhook
from controller.lab.kubectl import Kubectl
from controller.lab.processes import free_port, start_time
from controller.offline import dump_yaml

REPO = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).with_name("demo-metallb.yaml")
CONFLICT = Path(__file__).with_name("demo-conflict.yaml")
DENIED = "denied the request"
_STATE = "demo.json"
# What MetalLB would assign: the lab's speakers serve these addresses (router_lab.LB_IPS).
SERVICE_ADDRESSES = {("lab-shop", "web"): router_lab.LB_IPS[0], ("lab-shop", "admin"): router_lab.LB_IPS[1]}


class DemoError(Exception):
    """The demo could not start; the message says what to look at."""


def write_status(kubectl: Kubectl, kind: str, name: str, namespace: str | None, status: dict[str, Any]) -> None:
    """Merge `status` through the status subresource, as the kubelet or MetalLB would write it."""
    where = [f"--namespace={namespace}"] if namespace else []
    patch = json.dumps({"status": status})
    kubectl("patch", kind, name, *where, "--subresource=status", "--type=merge", f"--patch={patch}")


def speaker_ready(kubectl: Kubectl, speaker: router_lab.Speaker) -> None:
    """The speaker's Node address and its Pod Ready (Node node-NAME, Pod metallb-system/speaker-NAME)."""
    internal_ip = [{"type": "InternalIP", "address": speaker.address}]
    write_status(kubectl, "node", f"node-{speaker.name}", None, {"addresses": internal_ip})
    ready = {"conditions": [{"type": "Ready", "status": "True"}], "podIPs": [{"ip": speaker.address}]}
    write_status(kubectl, "pod", f"speaker-{speaker.name}", "metallb-system", ready)


def install(kubectl: Kubectl, lab: router_lab.RouterLab, webhook_url: str) -> None:
    """CRDs, RBAC, the webhook's registration, the demo's MetalLB objects, their status, and the lab's Router."""
    for manifests in (REPO / "crds", metallb_crds.write(lab.directory / "metallb-crds")):
        kubectl("apply", "--server-side", f"--filename={manifests}")
    kubectl("wait", "--for=condition=Established", "--timeout=60s", "customresourcedefinitions", "--all")
    for namespace in ("metallb-system", "lab-shop"):
        kubectl("create", "namespace", namespace)
    kubectl("apply", f"--filename={REPO / 'deploy' / 'rbac'}")
    lab_webhook.register(kubectl, webhook_url)
    kubectl("apply", f"--filename={SAMPLE}")
    for speaker in lab.speakers:
        speaker_ready(kubectl, speaker)
    for (namespace, name), address in SERVICE_ADDRESSES.items():
        write_status(kubectl, "service", name, namespace, {"loadBalancer": {"ingress": [{"ip": address}]}})
    documents = list(YAML(typ="safe").load_all(lab.router_manifest.read_text()))
    for document in documents:
        if document["kind"] == "Router":
            document["spec"]["metallb"] = {"enabled": True}
    kubectl("apply", "--filename=-", input=dump_yaml(documents))


def _build() -> Path:
    build = subprocess.run([str(REPO / "scripts" / "build-cluster.sh")], capture_output=True, text=True, check=False)
    if build.returncode != 0:
        raise DemoError(f"scripts/build-cluster.sh failed:\n{build.stderr}")
    return Path(build.stdout.strip().splitlines()[-1])


def _start_controller(cluster: cluster_lab.Cluster, directory: Path, metrics: str, webhook: str) -> int:
    argv = [
        sys.executable, "-m", "controller", "run",
        "--kubeconfig", str(cluster.controller_kubeconfig),
        "--metrics-address", metrics,
        "--secret-namespace", "frr-edge-system", "--secret-namespace", "metallb-system",
        "--identity", "demo",
        "--webhook-address", webhook, "--webhook-host", "127.0.0.1",
    ]  # fmt: skip
    with (directory / "controller.log").open("ab") as log:
        # A session of its own: the controller outlives this command, until `demo stop`.
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True)
    return process.pid


def _wait_established(kubectl: Kubectl, expected: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        found = kubectl.run("get", "routerstate", router_lab.ROUTER_NAME, "--output=json")
        if found.returncode == 0:
            state = json.loads(found.stdout)
            sessions = state.get("status", {}).get("sessions", [])
            if sum(1 for s in sessions if s.get("state") == "Established") >= expected:
                return state
        time.sleep(1)
    raise DemoError(f"the speakers' sessions were not all Established within {timeout:.0f} s: {state.get('status')}")


def _refused(kubectl: Kubectl, timeout: float) -> str:
    """kubectl apply of the demo's conflict, once the webhook answers (dry runs until then); kubectl's error."""
    deadline = time.monotonic() + timeout
    while DENIED not in kubectl.run("apply", "--dry-run=server", f"--filename={CONFLICT}").stderr:
        if time.monotonic() > deadline:
            raise DemoError(f"the admission webhook did not refuse {CONFLICT.name} within {timeout:.0f} s")
        time.sleep(0.5)
    applied = kubectl.run("apply", f"--filename={CONFLICT}")
    if DENIED not in applied.stderr:
        raise DemoError(f"kubectl apply -f {CONFLICT.name} was not refused: {applied.stdout}{applied.stderr}")
    return applied.stderr.strip()


def start(directory: Path) -> None:
    """Start everything and print what to look at; raises DemoError (everything started is stopped)."""
    if (directory / _STATE).exists():
        raise DemoError(f"a demo already runs in {directory}: frr-edge lab demo stop --dir {directory}")
    directory.mkdir(parents=True, exist_ok=True)
    print("building or reusing kube-apiserver, etcd and kubectl ...", flush=True)
    bin_dir = _build()
    print("starting the router lab (FRR, sshd, nftables, two speakers) ...", flush=True)
    lab = router_lab.start(directory / "router", speakers=2)
    state: dict[str, Any] = {"bin_dir": str(bin_dir)}
    (directory / _STATE).write_text(json.dumps(state))
    try:
        print("starting etcd and kube-apiserver on 127.0.0.1 ...", flush=True)
        cluster = cluster_lab.start(directory / "cluster", bin_dir)
        print("installing CRDs, RBAC, the admission webhook and the demo's MetalLB objects ...", flush=True)
        webhook = f"127.0.0.1:{free_port()}"
        install(cluster.kubectl, lab, f"https://{webhook}/validate")
        metrics = f"127.0.0.1:{free_port()}"
        pid = _start_controller(cluster, directory, metrics, webhook)
        state["controller"] = {"pid": pid, "start_time": start_time(pid), "metrics": metrics}
        (directory / _STATE).write_text(json.dumps(state))
        print(f"frr-edge run started (pid {pid}, log {directory / 'controller.log'}); waiting for the sessions ...")
        routerstate = _wait_established(cluster.kubectl, len(lab.speakers), timeout=120)
        refusal = _refused(cluster.kubectl, timeout=60)
    except Exception:
        stop(directory)
        raise
    _report(directory, cluster, lab, routerstate, metrics, refusal)


def _report(
    directory: Path,
    cluster: cluster_lab.Cluster,
    lab: router_lab.RouterLab,
    routerstate: dict[str, Any],
    metrics: str,
    refusal: str,
) -> None:
    kubectl = cluster.kubectl
    print("\n$ kubectl get routers,routerstates")
    print(kubectl("get", "routers,routerstates").rstrip())
    status = dict(routerstate.get("status", {}))
    status.pop("runningConfig", None)
    print(f"\n$ kubectl get routerstate {router_lab.ROUTER_NAME} -o yaml   (status, runningConfig left out here)")
    print(dump_yaml([status]).rstrip())
    print("\n$ vtysh -c 'show bgp summary'   (on the router)")
    print(lab.vtysh(lab.router_namespace, "show bgp summary").rstrip())
    print(f"\n$ kubectl apply -f {CONFLICT}   (a neighbor in another AS than MetalLB's BGPPeer says)")
    print(refusal)
    binary = cluster.bin_dir / "kubectl"
    print(
        f"""
Everything keeps running. Try:
  export KUBECONFIG={cluster.kubeconfig}
  {binary} get routerstate {router_lab.ROUTER_NAME} -o yaml
  {binary} apply --dry-run=server -f {CONFLICT}
  {binary} -n lab-shop annotate service web frr-edge.dev/rate-limit='fast please' --overwrite
  {binary} -n lab-shop get events
  ip netns exec {lab.router_namespace} nft list table inet frr_edge
  curl -s {metrics}/metrics | grep frr_edge
Stop it all with:
  python3 -m controller lab demo stop --dir {directory}"""
    )


def stop(directory: Path) -> list[str]:
    """Stop the controller, the cluster and the router lab that `start` started in `directory`."""
    stopped: list[str] = []
    path = directory / _STATE
    state = json.loads(path.read_text()) if path.exists() else {}
    controller = state.get("controller")
    if controller and start_time(controller["pid"]) == controller["start_time"]:
        os.kill(controller["pid"], signal.SIGTERM)
        for _ in range(100):
            if start_time(controller["pid"]) != controller["start_time"]:
                break
            time.sleep(0.1)
        else:
            os.kill(controller["pid"], signal.SIGKILL)
        stopped.append("frr-edge run")
    if (directory / "cluster").exists():
        stopped += cluster_lab.stop(directory / "cluster")
    if (directory / "router").exists():
        stopped += router_lab.stop(directory / "router")
    path.unlink(missing_ok=True)
    return stopped
